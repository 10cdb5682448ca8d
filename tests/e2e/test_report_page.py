"""The rule-by-rule report in a real browser (headless Debian chromium driven by Playwright):
`report/index.html` opens from disk with no network, shows the overall line and a row per rule,
and its screenshot goes to `docs/img/rule-report.png` (the README shows it).

The page is the one `make certify` (or `make conformance`) last wrote to `report/`
(`FINANCE_REPORT_DIR` names another directory); where there is none yet, a short real
conformance run against the embedded mock writes one to a temporary directory first (and no
screenshot replaces the README's, which shows a full run).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.rulereport import HTML_FILE, VERDICTS
from tests.e2e.conftest import CHROMIUM_FLAGS, ROOT

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright is not installed: `make e2e` installs the e2e extra "
           "(pip install -e '.[e2e]'); it drives Debian's chromium, it downloads no browser")

SCREENSHOT = ROOT / "docs" / "img" / "rule-report.png"
TIMEOUT_MS = 30_000
OVERALL = re.compile(r"^(\d+) of (\d+) rules verified on (\S+) at \d{4}-\d\d-\d\d "
                     r"\d\d:\d\d:\d\d UTC$")


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    """The page to open, and whether it is the real `report/` one (screenshot it)."""
    folder = Path(os.environ.get("FINANCE_REPORT_DIR") or ROOT / "report")
    if (folder / HTML_FILE).exists():
        return folder / HTML_FILE, True
    folder = tmp_path_factory.mktemp("report")
    done = subprocess.run([sys.executable, "-m", "conformance", "--max-examples", "1",
                           "--report-dir", str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, check=False)
    assert (folder / HTML_FILE).exists(), done.stdout[-2000:] + done.stderr[-2000:]
    return folder / HTML_FILE, False


@pytest.fixture(scope="module")
def page(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile-report")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000}, java_script_enabled=False)
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def test_report_page_shows_the_overall_line_and_a_row_per_rule(
        page: Any, report_page: tuple[Path, bool], tmp_path: Path) -> None:
    path, real = report_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path.resolve().as_uri())

    overall = page.locator("#overall").inner_text().strip()
    match = OVERALL.match(overall)
    assert match, f"overall line: {overall!r}"
    verified, total = int(match.group(1)), int(match.group(2))
    rows = page.locator("tr.rule")
    assert rows.count() == total > 0
    verdicts = rows.evaluate_all("rows => rows.map(r => r.dataset.verdict)")
    assert set(verdicts) <= set(VERDICTS)
    assert verdicts.count("verified") == verified

    row = page.locator("#rule-G-12")  # the battery's rule: every run speaks of it
    assert row.is_visible()
    assert row.locator(".verdict").inner_text().strip() in VERDICTS
    assert row.locator("td.id").inner_text().strip() == "G-12"

    assert all(url.startswith("file://") for url in requested), requested  # self-contained
    shot = SCREENSHOT if real else tmp_path / "rule-report.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
