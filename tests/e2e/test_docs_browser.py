"""`/docs` in a real browser (headless Debian chromium driven by Playwright): it loads with no
internet, lists the ten resource groups, takes the demo token in Authorize, keeps it across a
reload, and "try it" on `GET /v1/companies` answers 200 from this mock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from contract.spec import load_spec
from fixtures import tokens
from tests.e2e.conftest import CHROMIUM_FLAGS, ROOT

pytestmark = pytest.mark.e2e
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright is not installed: `make e2e` installs the e2e extra "
           "(pip install -e '.[e2e]'); it drives Debian's chromium, it downloads no browser")

SCREENSHOT = ROOT / "docs" / "img" / "docs-page.png"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def page(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def test_docs_page_lists_the_groups_and_try_it_answers_200(page: Any, mock_base: str,
                                                           tmp_path: Path) -> None:
    root = mock_base.removesuffix("/v1")
    host = urlsplit(root).netloc
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{root}/docs")
    page.wait_for_selector(".opblock-tag")
    tags = page.locator(".opblock-tag").evaluate_all(
        "els => els.map(e => e.getAttribute('data-tag'))")
    assert tags == [tag["name"] for tag in load_spec()["tags"]]
    assert len(tags) == 10
    servers = page.locator(".servers select option").evaluate_all("els => els.map(e => e.value)")
    assert servers[0] == mock_base  # "try it" goes to this mock

    # Authorize with the bearerAuth scheme: paste the demo token.
    page.click(".auth-wrapper button.authorize")
    page.fill(".modal-ux input[aria-label='auth-bearer-value']", tokens.standard_tokens().tenant_a)
    page.click(".modal-ux .auth-btn-wrapper button.authorize")
    page.click(".modal-ux .auth-btn-wrapper button.btn-done")
    page.wait_for_selector(".auth-wrapper button.authorize.locked")

    # persistAuthorization: the token survives a reload.
    page.reload()
    page.wait_for_selector(".auth-wrapper button.authorize.locked")
    _save_screenshot(page, tmp_path)

    # Try it: GET /companies.
    operation = page.locator(".opblock.opblock-get").filter(
        has=page.locator(".opblock-summary-path[data-path='/companies']"))
    operation.locator(".opblock-summary").click()
    try_it = operation.locator("button.try-out__btn")
    if try_it.inner_text().strip() == "Try it out":  # tryItOutEnabled opens it already
        try_it.click()
    # Swagger UI pre-fills each parameter with its spec example; the `cnpj` example names no
    # demo company, so clear the filter to see the rows.
    operation.locator("tr[data-param-name='cnpj'] input").fill("")
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.first.wait_for()
    assert status.first.inner_text().strip().startswith("200")
    body = operation.locator(".live-responses-table .microlight").first.inner_text()
    assert tokens.TENANT_A in body  # the demo workspace's companies

    assert requested, "the page made no request"
    assert {urlsplit(url).netloc for url in requested} == {host}, \
        "the page fetched something from outside this mock"


def _save_screenshot(page: Any, tmp_path: Path) -> None:
    """Always into the test's tmp dir; into docs/img only when missing or asked for
    (E2E_SCREENSHOT=1), since each run's image differs (the port) and would churn git."""
    shot = tmp_path / "docs-page.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("E2E_SCREENSHOT") == "1" or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
