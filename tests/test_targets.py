"""`conformance.targets.stop_process`: the one way the bench and the self-check stop a child."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from conformance.targets import stop_process

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
IGNORES_TERM = [sys.executable, "-c",
                "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('ready', flush=True); time.sleep(60)"]


def test_a_child_stops_on_sigterm() -> None:
    proc = subprocess.Popen(SLEEP)
    stop_process(proc)
    assert proc.returncode == -signal.SIGTERM


def test_a_child_ignoring_sigterm_is_killed_after_the_timeout() -> None:
    proc = subprocess.Popen(IGNORES_TERM, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    stop_process(proc, timeout=0.5)
    assert proc.returncode == -signal.SIGKILL
    proc.stdout.close()


def test_group_stops_what_the_child_started() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time; "
         f"child = subprocess.Popen({SLEEP!r}); print(child.pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, start_new_session=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    stop_process(parent, group=True)
    parent.stdout.close()
    assert parent.returncode == -signal.SIGTERM
    try:  # the grandchild got the SIGTERM too (reaped by init, or gone)
        for _ in range(100):
            with open(f"/proc/{child_pid}/stat") as stat:
                if stat.read().split(") ", 1)[1].startswith("Z"):
                    break
            time.sleep(0.05)
        else:
            raise AssertionError(f"grandchild {child_pid} still running")
    except FileNotFoundError:
        pass


def test_an_exited_child_is_left_alone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    stop_process(proc)
    assert proc.returncode == 0
