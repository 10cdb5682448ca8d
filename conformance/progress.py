"""Progress lines while a run's phases go by: operations done / total, cases, failures so far.

A phase of a large run takes minutes; silence reads as a hang. One line when a phase starts,
one every few seconds while it runs, one when it ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from schemathesis.engine import Status, events

__all__ = ["Progress"]


class Progress:
    """An `on_event` callback for `runner.run` that prints to `stream`."""

    def __init__(self, total: int, *, stream: TextIO | None = None, every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.every = every
        self.clock = clock
        self.phase = ""
        self.done: set[str] = set()
        self.cases = 0
        self.failures = 0
        self._last = 0.0

    def __call__(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.PhaseStarted) and event.phase.is_enabled:
            self.phase, self.done, self._last = event.phase.name.value, set(), self.clock()
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            self.done.add(recorder.label)
            self.cases += len(recorder.interactions)
            self.failures += sum(1 for nodes in recorder.checks.values() for node in nodes
                                 if node.status == Status.FAILURE)
            if self.clock() - self._last >= self.every:
                self._print("running")
        elif isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
            self._print(event.status.value)

    def _print(self, state: str) -> None:
        self._last = self.clock()
        if not self.done:  # a phase without test scenarios (probing, schema analysis, …)
            print(f"  {self.phase or 'run'}: {state}", file=self.stream, flush=True)
            return
        done = min(len(self.done), self.total)
        print(f"  {self.phase or 'run'}: {state}; {done}/{self.total} operations, "
              f"{self.cases} cases, {self.failures} failures so far", file=self.stream,
              flush=True)
