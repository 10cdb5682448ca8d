"""The conformance runner: it passes the mock, fails broken targets, and never writes to production.

(a) the embedded mock with a small budget: zero failures (what `make test` runs);
(b) tiny broken apps — the mock behind an ASGI wrapper that breaks one rule — served on a free
    port: the report must name the check that proves the rule (a check that cannot fail is a
    defect);
(c) the production guard refuses writes before they are sent, and a production run sends
    nothing but reads; a sandbox run deletes what it created.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

import httpx
import jwt
import pytest

from conformance import runner
from conformance.checks import CUSTOM_CHECKS
from conformance.report import Report
from conformance.targets import Mode, Target, TargetConfig, UnsafeRequest, resolve, serve
from conformance.transport import GuardedTransport
from contract.spec import load_spec
from fixtures import seed, tokens
from mock import seeding
from mock.app import create_app, new_store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]
Headers = list[tuple[bytes, bytes]]
Rewrite = Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]]

ITEM = re.compile(r"^/v1/[a-z_]+/[^/]+$")
LIST = re.compile(r"^/v1/[a-z_]+$")
SMALL = 3  # max-examples for the broken targets: a defect must show up at once
MOCK_EXAMPLES = 3  # the whole mock in `make test` (the default budget is 50)


# These tests build their own targets: a FINANCE_* variable of the user's must not leak in.
pytestmark = pytest.mark.usefixtures("no_finance_env")


# --- building targets -----------------------------------------------------------------------


def spec_of(*prefixes: str) -> dict[str, Any]:
    """The spec cut down to some resources: a broken target needs only the operations it breaks."""
    spec = load_spec()
    spec["paths"] = {p: item for p, item in spec["paths"].items() if p.startswith(prefixes)}
    return spec


def seeded_mock() -> Any:
    """A mock with the demo dataset in both tenants (lists have rows)."""
    store = new_store()
    for tenant in (tokens.TENANT_A, tokens.TENANT_B):
        seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
    return create_app(store, secret=tokens.DEFAULT_SECRET)


class Broken:
    """An ASGI wrapper around the mock: `request` edits the scope, `response` the answer."""

    def __init__(self, app: ASGIApp, *, request: Callable[[Scope], None] | None = None,
                 response: Rewrite | None = None) -> None:
        self.app, self.request, self.response = app, request, response

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.request is not None:
            self.request(scope)
        rewrite = self.response
        if rewrite is None:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, headers, body = rewrite(scope, start["status"], list(start["headers"]),
                                            b"".join(chunks))
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def set_header(headers: Headers, name: bytes, value: bytes | None) -> Headers:
    kept = [(k, v) for k, v in headers if k.lower() != name]
    return kept if value is None else [*kept, (name, value)]


def set_request_header(scope: Scope, name: bytes, value: bytes) -> None:
    scope["headers"] = [*set_header(list(scope["headers"]), name, None), (name, value)]


def request_token(scope: Scope) -> str | None:
    value = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    return value[7:] if value.startswith("Bearer ") else None


# --- the defects, one rule each -----------------------------------------------------------


def second_delete_is_204(scope: Scope, status: int, headers: Headers, body: bytes
                         ) -> tuple[int, Headers, bytes]:
    """G-10 broken: a DELETE of a missing row 'succeeds'."""
    if scope["method"] == "DELETE" and status == 404:
        return 204, set_header(headers, b"content-type", None), b""
    return status, headers, body


def valid_claims(scope: Scope) -> dict[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(request_token(scope) or "", tokens.DEFAULT_SECRET,
                                            algorithms=["HS512"])
    except jwt.PyJWTError:
        return None
    return claims


def get_ignores_tenant(scope: Scope) -> None:
    """G-3 broken: a read by id is served from tenant A's rows, whoever (validly) asks."""
    claims = valid_claims(scope)
    if scope["method"] == "GET" and ITEM.match(scope["path"]) and claims:
        token = tokens.mint_token(tokens.TENANT_A, claims["scope"].split())
        set_request_header(scope, b"authorization", f"Bearer {token}".encode())


def scopes_ignored(scope: Scope) -> None:
    """G-2 broken: any valid token is given every scope."""
    claims = valid_claims(scope)
    if claims:
        full = tokens.mint_token(claims["sub"])
        set_request_header(scope, b"authorization", f"Bearer {full}".encode())


def errors_as_text(scope: Scope, status: int, headers: Headers, body: bytes
                   ) -> tuple[int, Headers, bytes]:
    """G-6 broken: errors are plain text."""
    if status >= 400:
        return status, set_header(headers, b"content-type", b"text/plain"), b"error"
    return status, headers, body


def no_challenge(scope: Scope, status: int, headers: Headers, body: bytes
                 ) -> tuple[int, Headers, bytes]:
    """G-1 broken: 401/403 without WWW-Authenticate."""
    if status in (401, 403):
        return status, set_header(headers, b"www-authenticate", None), body
    return status, headers, body


def page_ignores_limit(scope: Scope, status: int, headers: Headers, body: bytes
                       ) -> tuple[int, Headers, bytes]:
    """G-4 broken: a page holds one row more than `limit`."""
    if scope["method"] != "GET" or status != 200 or not LIST.match(scope["path"]):
        return status, headers, body
    page = json.loads(body)
    query = parse_qs(scope["query_string"].decode())
    try:
        limit = int((query.get("limit") or query.get("per_page") or ["25"])[0])
    except ValueError:
        return status, headers, body
    if page["data"]:
        page["data"] = (page["data"] * (limit + 1))[: limit + 1]
    return status, headers, json.dumps(page).encode()


@contextmanager
def broken_target(app: Any, *, mode: Mode = "mock") -> Iterator[Target]:
    """Serve `app` on a free port and resolve it as a target (local: the default secret)."""
    with serve(app) as root, resolve(TargetConfig(base_url=f"{root}/v1", mode=mode)) as target:
        yield target


def run_small(target: Target, *prefixes: str) -> Report:
    return runner.run(target, seed=1, max_examples=SMALL, spec=spec_of(*prefixes))


# --- (a) the mock passes ------------------------------------------------------------------


def test_the_mock_passes_every_check() -> None:
    """Every operation, every phase, every check, against the embedded mock started empty (no
    demo data: the data graph is built through the API): no failure, no gap, and the creates
    answer 2xx to most positive cases."""
    with resolve(TargetConfig(base_url=None, mode=None)) as target:
        assert target.embedded and target.mode == "mock"
        report = runner.run(target, seed=1, max_examples=MOCK_EXAMPLES)
    assert len(report.operations) == 52
    assert report.cases > 500
    assert set(CUSTOM_CHECKS) <= set(report.checks)
    assert report.ok, report.render()
    assert report.gaps == [], report.render()
    assert report.verdict == "PASSED" and report.exit_code == 0
    # every create, read, update and delete got a 2xx for some positive case
    assert [op for op in report.operations if not report.positive_2xx[op]] == [], \
        report.render()
    low = [(op, good, total) for op, total, good in report.positive_rates()
           if op != "POST /attachments" and good < 0.3 * total]
    assert low == [], report.render()


# --- (b) broken targets fail, and the report names the check --------------------------------


# check -> the mock with the one defect that check must catch (on /taxes: enough for each rule)
BROKEN: dict[str, Callable[[ASGIApp], ASGIApp]] = {
    "delete_twice_is_404": lambda app: Broken(app, response=second_delete_is_204),
    "foreign_id_is_missing": lambda app: Broken(app, request=get_ignores_tenant),
    "scopes_enforced": lambda app: Broken(app, request=scopes_ignored),
    "problem_details_on_errors": lambda app: Broken(app, response=errors_as_text),
    "www_authenticate_on_401_403": lambda app: Broken(app, response=no_challenge),
    "page_envelope_and_limit": lambda app: Broken(app, response=page_ignores_limit),
}


def test_the_unbroken_seeded_mock_passes_the_same_run() -> None:
    """The control: the runs below fail because of their defect, not of the seed or subset."""
    with broken_target(seeded_mock()) as target:
        report = run_small(target, "/taxes")
    assert report.ok, report.render()


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_a_broken_target_fails_the_check_of_its_rule(check: str) -> None:
    with broken_target(BROKEN[check](seeded_mock())) as target:
        report = run_small(target, "/taxes")
    assert not report.ok
    assert check in report.failing_checks, report.render()
    assert f"{check} —" in report.render()


# --- (c) production never writes; sandbox cleans up -----------------------------------------


def recording(app: ASGIApp, methods: list[str]) -> ASGIApp:
    def record(scope: Scope) -> None:
        methods.append(scope["method"])

    return Broken(app, request=record)


def test_the_guard_refuses_a_write_before_sending_it() -> None:
    import schemathesis

    methods: list[str] = []
    with broken_target(recording(seeded_mock(), methods), mode="production") as target:
        schema = schemathesis.openapi.from_dict(spec_of("/taxes"), config=schemathesis.Config
                                                .from_dict({"base-url": target.base_url}))
        transport = GuardedTransport(target)
        write = schema["/taxes"]["POST"].Case(body={"name": "IRRF"})
        with pytest.raises(UnsafeRequest):
            transport.send(write)
        read = schema["/taxes"]["GET"].Case(headers={"Authorization": f"Bearer {target.token_a}"})
        assert transport.send(read).status_code == 200
    assert methods == ["GET"]


def test_a_production_run_sends_only_reads() -> None:
    methods: list[str] = []
    with broken_target(recording(seeded_mock(), methods), mode="production") as target:
        report = run_small(target, "/taxes", "/companies")
    assert report.operations == ["GET /companies", "GET /companies/{id}", "GET /taxes",
                                 "GET /taxes/{id}"]
    assert methods and set(methods) <= {"GET", "HEAD", "OPTIONS"}
    assert report.ok, report.render()


def test_a_non_local_target_without_mode_is_production() -> None:
    config = TargetConfig(base_url="https://api.finance.example.com/v1", token_a="a",
                          token_b="b")
    with resolve(config) as target:
        assert target.mode == "production"
        with pytest.raises(UnsafeRequest):
            target.guard("DELETE", "/v1/companies/1")


def test_a_sandbox_run_deletes_what_it_created() -> None:
    app = create_app(new_store(), secret=tokens.DEFAULT_SECRET)
    with broken_target(app, mode="sandbox") as target:
        report = run_small(target, "/taxes")
        auth = {"Authorization": f"Bearer {target.token_a}"}
        left = httpx.get(f"{target.base_url}/taxes", headers=auth).json()["data"]
    assert report.created > 0
    assert report.leftovers == []
    assert left == []


# --- the command line ----------------------------------------------------------------------------


def test_the_command_line_exits_1_and_writes_junit_for_a_broken_target(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import __main__ as cli

    monkeypatch.setattr(cli, "run", functools.partial(runner.run, spec=spec_of("/taxes")))
    junit = tmp_path / "conformance.xml"
    with serve(Broken(seeded_mock(), response=errors_as_text)) as root:
        monkeypatch.setenv("FINANCE_BASE_URL", f"{root}/v1")  # the environment works too
        status = cli.main(["--seed", "7", "--max-examples", str(SMALL),
                           "--junit-xml", str(junit)])
    out = capsys.readouterr().out
    assert status == 1
    assert "problem_details_on_errors — " in out and "--seed 7" in out
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("failures") != "0"
    assert any(f.get("type") == "problem_details_on_errors" for f in suite.iter("failure"))


def test_the_command_line_exits_0_when_nothing_failed(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import __main__ as cli

    monkeypatch.setattr(cli, "run", functools.partial(runner.run, spec=spec_of("/taxes")))
    with serve(seeded_mock()) as root:
        assert cli.main(["--base-url", f"{root}/v1", "--max-examples", str(SMALL)]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_the_command_line_refuses_a_bad_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance import __main__ as cli

    monkeypatch.setenv("FINANCE_MODE", "staging")
    assert cli.main([]) == 2


# --- honest accounting: gaps, dead targets, the probe -------------------------------------------


def test_a_run_that_cannot_exercise_a_check_is_incomplete_not_passed(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Without the secret no token lacking a scope can be minted: `scopes_enforced` applies
    everywhere but runs nowhere. That is INCOMPLETE (exit 3), unless --allow-gaps."""
    from conformance import __main__ as cli

    monkeypatch.setattr(cli, "run", functools.partial(runner.run, spec=spec_of("/taxes")))
    a, b = tokens.mint_token(tokens.TENANT_A), tokens.mint_token(tokens.TENANT_B)
    with serve(seeded_mock()) as root:
        args = ["--base-url", f"{root}/v1", "--token-a", a, "--token-b", b,
                "--max-examples", str(SMALL), "--seed", "1", "--checks", "scopes_enforced"]
        assert cli.main(args) == 3
        out = capsys.readouterr().out
        assert "INCOMPLETE" in out and "GAPS (5)" in out
        assert "scopes_enforced on POST /taxes: no secret given" in out
        assert cli.main([*args, "--allow-gaps"]) == 0
        assert "WARNING: 5 gaps allowed" in capsys.readouterr().out


def everything_fails(scope: Scope, status: int, headers: Headers, body: bytes
                     ) -> tuple[int, Headers, bytes]:
    """A target that died: every request answers 503."""
    return 503, [(b"content-type", b"text/plain")], b"down"


def test_a_dead_target_gets_a_bounded_run_a_summary_and_an_honest_junit(tmp_path: Any) -> None:
    import time

    started = time.monotonic()
    with broken_target(Broken(seeded_mock(), response=everything_fails)) as target:
        report = runner.run(target, seed=1, max_examples=SMALL,
                            spec=spec_of("/taxes", "/attachments"))
    assert time.monotonic() - started < 120
    assert report.verdict == "FAILED"
    assert any("POST /companies answered 503" in line for line in report.graph)
    report.write_junit(tmp_path / "junit.xml")
    suite = ElementTree.parse(tmp_path / "junit.xml").getroot()
    assert int(suite.get("failures") or 0) > 0
    for case in suite.iter("testcase"):  # never a passing empty test case
        assert case.find("failure") is not None or case.find("error") is not None \
            or case.find("skipped") is not None or "exercised by" in (
                case.findtext("system-out") or "")


def test_the_probe_stops_a_run_at_a_base_url_without_v1(
        capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import __main__ as cli

    with serve(seeded_mock()) as root:
        assert cli.main(["--base-url", root, "--max-examples", "1"]) == 2
    out = capsys.readouterr().out
    assert f"try --base-url {root}/v1" in out
    assert "cases" not in out  # stopped before the run


def test_the_probe_stops_a_run_at_an_unreachable_target(
        capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import __main__ as cli
    from conformance.targets import free_port

    assert cli.main(["--base-url", f"http://127.0.0.1:{free_port()}/v1"]) == 2
    assert "cannot reach" in capsys.readouterr().out


# --- one write scope unenforced on one resource: the run fails ----------------------------------


@pytest.mark.rule("G-2")
@pytest.mark.parametrize("resource", ["payables", "receivables", "transactions"])
def test_a_write_scope_unenforced_on_one_resource_fails_the_run(resource: str) -> None:
    # RULE G-2
    app = create_app(new_store(frozenset({f"{resource}_write_scope_unenforced"})),
                     secret=tokens.DEFAULT_SECRET)
    with broken_target(app) as target:
        report = runner.run(target, seed=1, max_examples=SMALL, spec=spec_of(f"/{resource}"),
                            only=["scopes_enforced"])
    assert report.verdict == "FAILED"
    failing = {(f.operation, f.check) for f in report.findings}
    assert ("POST /" + resource, "scopes_enforced") in failing, report.render()
    assert ("GET /" + resource, "scopes_enforced") not in failing  # the read scope still holds
