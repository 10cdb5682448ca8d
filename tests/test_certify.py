"""`python -m conformance.certify`: its options are those of `python -m conformance`, with the
report written to `report/` unless told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance import certify
from conformance.report import Report
from conformance.targets import serve
from fixtures import tokens
from mock.app import create_app, new_store

# These tests name their own targets: a FINANCE_* variable of the user's must not leak in.
pytestmark = pytest.mark.usefixtures("no_finance_env")


def test_the_report_goes_to_report_by_default_and_the_target_options_pass_through() -> None:
    args = certify.parse_args(["--base-url", "http://127.0.0.1:9/v1", "--max-examples", "3"])
    assert (args.report_dir, args.pytest_workers) == ("report", "2")
    assert (args.base_url, args.max_examples) == ("http://127.0.0.1:9/v1", 3)
    args = certify.parse_args(["--report-dir", "out", "--pytest-workers", "0"])
    assert (args.report_dir, args.pytest_workers) == ("out", "0")


def test_no_api_at_the_base_url_stops_both_suites_at_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[tuple[Any, ...]] = []

    def properties(*args: Any) -> int:
        ran.append(args)
        return 0

    monkeypatch.setattr(certify, "run_properties", properties)
    with serve(create_app(new_store(), secret=tokens.DEFAULT_SECRET)) as root:
        status = certify.main(["--base-url", root, "--report-dir", str(tmp_path)])
    assert status == 2
    assert f"try --base-url {root}/v1" in capsys.readouterr().out
    assert ran == []  # the property suites never started


def test_every_conformance_option_reaches_the_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`--phases`, `--allow-gaps`, `--replay-dir`, `--checks` are the conformance run's."""
    from conformance import __main__ as cli

    seen: dict[str, Any] = {}

    def fake_run(target: Any, **options: Any) -> Report:
        seen.update(options)
        return Report(base_url=target.base_url, mode=target.mode, seed=1, max_examples=1,
                      operations=[], checks=[])

    monkeypatch.setattr(cli, "run", fake_run)
    monkeypatch.setattr(certify, "run_properties", lambda *a: 0)
    with serve(create_app(new_store(), secret=tokens.DEFAULT_SECRET)) as root:
        certify.main(["--base-url", f"{root}/v1", "--report-dir", str(tmp_path),
                      "--phases", "examples", "--allow-gaps", "--checks", "not_a_server_error",
                      "--replay-dir", str(tmp_path / "replays"), "--seed", "5"])
    assert seen["phases"] == ["examples"] and seen["allow_gaps"] is True
    assert seen["only"] == ["not_a_server_error"] and seen["seed"] == 5
    assert seen["replay_dir"] == tmp_path / "replays"


@pytest.mark.parametrize(("rules_ok", "properties", "conformance", "status"), [
    (True, 0, 0, 0),
    (True, 0, 3, 3),  # nothing failed, a check never exercised: incomplete, not passed
    (True, 1, 3, 1),
    (True, 0, 1, 1),
    (False, 0, 0, 1),
    (True, 5, 0, 1),  # pytest could not run the property suites at all
])
def test_the_exit_status_is_the_conformance_verdicts_unless_anything_failed(
        rules_ok: bool, properties: int, conformance: int, status: int) -> None:
    assert certify.verdict(rules_ok=rules_ok, properties_status=properties,
                           conformance=conformance) == status
