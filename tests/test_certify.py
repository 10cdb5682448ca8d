"""`python -m conformance.certify`: its options are those of `python -m conformance`, with the
report written to `report/` unless told otherwise."""

from __future__ import annotations

from conformance import certify


def test_the_report_goes_to_report_by_default_and_the_target_options_pass_through() -> None:
    args = certify.parse_args(["--base-url", "http://127.0.0.1:9/v1", "--max-examples", "3"])
    assert (args.report_dir, args.pytest_workers) == ("report", "2")
    assert (args.base_url, args.max_examples) == ("http://127.0.0.1:9/v1", 3)
    args = certify.parse_args(["--report-dir", "out", "--pytest-workers", "0"])
    assert (args.report_dir, args.pytest_workers) == ("out", "0")
