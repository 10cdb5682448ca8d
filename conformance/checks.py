"""The contract's own checks, each a `@schemathesis.check` named after the rule it proves.

Schemathesis runs them on every response of the run beside its built-in checks. A check returns
`True` when it does not apply (counted as skipped), `None` when it passed, and raises one of the
failure types of `conformance/failures.py` otherwise. Checks that replay a request send it through
the run's guarded transport (production guard, sandbox ledger) and bound their replays with
`RunContext.claim()`, so their cost is a few requests per operation, not per case.

Rules (docs/rules.md): G-1 challenge on 401/403, G-2 scopes, G-3 foreign id = missing id, G-4 page
envelope and `limit`, G-6 problem details, G-10 delete twice.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from conformance.context import RunContext, run_context
from conformance.failures import (
    DeleteNotFinal,
    ForeignIdDistinguishable,
    MissingWwwAuthenticate,
    PageEnvelopeViolation,
    ProblemDetailsViolation,
    ScopeNotEnforced,
)
from contract.limits import G_4_MAX_LIMIT, G_4_MIN_LIMIT
from fixtures.tokens import subject_of

__all__ = [
    "CUSTOM_CHECKS",
    "delete_twice_is_404",
    "foreign_id_is_missing",
    "page_envelope_and_limit",
    "problem_details_on_errors",
    "scopes_enforced",
    "www_authenticate_on_401_403",
]

Check = Callable[[CheckContext, Response, Case], bool | None]
PROBLEM_JSON = "application/problem+json"
MALFORMED_TOKEN = "not-a-jwt"
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PARAM_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"')


# --- guards: when a check applies ------------------------------------------------------------


def in_conformance_run(check: Check) -> Check:
    """Skip outside a conformance run (no `RunContext` on the schema)."""

    @functools.wraps(check)
    def wrapper(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        if run_context(case) is None:
            return True
        return check(ctx, response, case)

    return wrapper


def on_status(accepts: Callable[[int], bool]) -> Callable[[Check], Check]:
    """Skip unless the response status satisfies `accepts`."""

    def decorate(check: Check) -> Check:
        @functools.wraps(check)
        def wrapper(ctx: CheckContext, response: Response, case: Case) -> bool | None:
            if not accepts(response.status_code):
                return True
            return check(ctx, response, case)

        return wrapper

    return decorate


def is_success(status: int) -> bool:
    return 200 <= status < 300


# --- helpers -------------------------------------------------------------------------------------


def _run(case: Case) -> RunContext:
    run = run_context(case)
    assert run is not None  # guaranteed by @in_conformance_run
    return run


def header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def json_body(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def bearer_of(case: Case) -> str | None:
    headers: Mapping[str, Any] = case.headers or {}
    value = str(headers.get("Authorization") or "")
    return value[7:] if value.lower().startswith("bearer ") else None


def replay(case: Case, *, token: str | None, path_parameters: dict[str, Any] | None = None
           ) -> tuple[Case, Response]:
    """Send `case` again as another bearer (None: no credentials), through the run's transport."""
    again = case.derive()
    again.headers.pop("Authorization", None)
    if token is not None:
        again.headers["Authorization"] = f"Bearer {token}"
    if path_parameters:
        again.path_parameters.update(path_parameters)
    return again, again.call()


def curl(case: Case) -> str:
    return case.as_curl_command()


def challenge(response: Response) -> tuple[str, dict[str, str]] | None:
    """The scheme and auth-params of `WWW-Authenticate` (RFC 6750 §3), or None if absent."""
    value = header(response, "WWW-Authenticate")
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    return scheme, dict(PARAM_RE.findall(rest))


def challenge_problem(response: Response, *, sent_token: bool) -> str | None:
    """What is wrong with the challenge of a 401/403 (G-1, RFC 6750 §3.1), or None."""
    parsed = challenge(response)
    if parsed is None:
        return f"{response.status_code} without a WWW-Authenticate header"
    scheme, params = parsed
    if scheme.lower() != "bearer":
        return f"WWW-Authenticate scheme is {scheme!r}, expected Bearer"
    error = params.get("error")
    if response.status_code == 403 and error != "insufficient_scope":
        return f'403 with error={error!r}, expected error="insufficient_scope"'
    if response.status_code == 401 and sent_token and error != "invalid_token":
        return f'401 for a bad token with error={error!r}, expected error="invalid_token"'
    if response.status_code == 401 and not sent_token and error is not None:
        # RFC 6750 §3.1: no error code when the request carried no authentication at all.
        return f"401 for a request without credentials carries error={error!r}"
    return None


# --- G-6 -----------------------------------------------------------------------------------------


@schemathesis.check
@in_conformance_run
@on_status(lambda status: status >= 400)
def problem_details_on_errors(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """RULE G-6: every 4xx/5xx is an RFC 9457 problem with type, title, status and detail."""
    media = (header(response, "Content-Type") or "").split(";", 1)[0].strip().lower()
    problems = []
    if media != PROBLEM_JSON:
        problems.append(f"Content-Type is {media or 'missing'!r}, expected {PROBLEM_JSON!r}")
    body = json_body(response)
    if not isinstance(body, dict):
        problems.append("the body is not a JSON object")
    else:
        for member in ("type", "title", "detail"):
            if not isinstance(body.get(member), str):
                problems.append(f"`{member}` is missing or not a string")
        status = body.get("status")
        if isinstance(status, bool) or status != response.status_code:
            problems.append(f"`status` is {status!r}, the HTTP status is {response.status_code}")
    if problems:
        raise ProblemDetailsViolation(operation=case.operation.label,
                                      message="\n".join(problems))
    return None


# --- G-1 -----------------------------------------------------------------------------------------


@schemathesis.check
@in_conformance_run
def www_authenticate_on_401_403(ctx: CheckContext, response: Response, case: Case
                                ) -> bool | None:
    """RULE G-1: a 401/403 carries a Bearer challenge (RFC 6750 §3).

    Any 401/403 of the run is checked; in addition, once per operation (on its first success,
    so nothing but the credentials can explain a refusal), the request is replayed with no
    credentials and with a malformed token: both must be 401 with the right challenge.
    """
    if response.status_code in (401, 403):
        # The header as sent: generation may put anything in it, and anything but nothing is a
        # token (G-1); an empty header is no authentication information (RFC 6750 §3.1).
        sent_token = bool((response.request.headers.get("Authorization") or "").strip())
        problem = challenge_problem(response, sent_token=sent_token)
        if problem:
            raise MissingWwwAuthenticate(operation=case.operation.label, message=problem)
        return None
    if not is_success(response.status_code) or not _run(case).claim(("g1", case.operation.label)):
        return True
    for token in (None, MALFORMED_TOKEN):
        sent, answer = replay(case, token=token)
        if answer.status_code != 401:
            raise MissingWwwAuthenticate(
                operation=case.operation.label,
                message=f"{'no' if token is None else 'a malformed'} token: expected 401, got "
                        f"{answer.status_code}\n\n{curl(sent)}")
        problem = challenge_problem(answer, sent_token=token is not None)
        if problem:
            raise MissingWwwAuthenticate(operation=case.operation.label,
                                         message=f"{problem}\n\n{curl(sent)}")
    return None


# --- G-2 -----------------------------------------------------------------------------------------


@schemathesis.check
@in_conformance_run
@on_status(is_success)
def scopes_enforced(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """RULE G-2: without the operation's `x-required-scopes`, the same request is a 403.

    Once per operation, the first request that succeeded is replayed with a token holding every
    scope of the spec except the required ones: it must be 403 with
    `WWW-Authenticate: Bearer error="insufficient_scope", scope="<required>"`. Minting that
    token needs the target's secret; without it the check is skipped and says so.
    """
    run = _run(case)
    facts = run.facts(case)
    if facts is None or not facts.scopes:
        return True
    if run.target.secret is None:
        run.skip("scopes_enforced", "no secret given (--secret / FINANCE_JWT_SECRET): "
                                    "cannot mint a token that lacks one scope")
        return True
    if not run.claim(("g2", facts.label)):
        return True
    tenant = subject_of(bearer_of(case)) or subject_of(run.target.token_a)
    assert tenant is not None
    token = run.target.mint(tenant, [s for s in run.all_scopes if s not in facts.scopes])
    sent, answer = replay(case, token=token)
    wanted = " ".join(facts.scopes)
    reproduce = f"(token: every scope but {wanted})\n{curl(sent)}"
    if answer.status_code != 403:
        raise ScopeNotEnforced(
            operation=case.operation.label,
            message=f"without `{wanted}` the request got {answer.status_code}, expected 403"
                    f"\n\n{reproduce}")
    parsed = challenge(answer)
    params = parsed[1] if parsed else {}
    if (parsed is None or parsed[0].lower() != "bearer"
            or params.get("error") != "insufficient_scope"
            or not set(facts.scopes) <= set(params.get("scope", "").split())):
        raise ScopeNotEnforced(
            operation=case.operation.label,
            message=f"403 without `WWW-Authenticate: Bearer error=\"insufficient_scope\", "
                    f"scope=\"{wanted}\"` (got {header(answer, 'WWW-Authenticate')!r})"
                    f"\n\n{reproduce}")
    return None


# --- G-10 ----------------------------------------------------------------------------------------


@schemathesis.check
@in_conformance_run
@on_status(is_success)
def delete_twice_is_404(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """RULE G-10: the same DELETE sent again answers 404 (Schemathesis's use_after_free
    exempts DELETE itself, RFC 9110 §9.2.2 letting a repeat succeed; this contract does not)."""
    if case.method.upper() != "DELETE":
        return True
    sent, answer = replay(case, token=bearer_of(case))
    if answer.status_code != 404:
        raise DeleteNotFinal(
            operation=case.operation.label,
            message=f"first DELETE {response.status_code}, second DELETE "
                    f"{answer.status_code}, expected 404\n\n{curl(sent)}")
    return None


# --- G-3 -----------------------------------------------------------------------------------------


def _without_ids(response: Response, ids: set[str]) -> Any:
    """The body with every UUID (and the ids asked for) blanked, for comparing two answers."""
    text = response.content.decode("utf-8", "replace")
    for value in ids:
        text = text.replace(value, "<id>")
    text = UUID_RE.sub("<id>", text)
    try:
        return json.loads(text)
    except ValueError:
        return text


@schemathesis.check
@in_conformance_run
@on_status(is_success)
def foreign_id_is_missing(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """RULE G-3: another tenant's id answers exactly as an id that does not exist.

    A successful read of one row is replayed with the other tenant's token, and compared with
    the other tenant reading a random UUID: both must be 404, with the same body once ids are
    blanked (so a 404 never tells whether the id exists elsewhere, G-11).
    """
    run = _run(case)
    facts = run.facts(case)
    ids = {str(v) for v in (case.path_parameters or {}).values()}
    if facts is None or not facts.is_item_read or not ids:
        return True
    tokens = {subject_of(run.target.token_a): run.target.token_b,
              subject_of(run.target.token_b): run.target.token_a}
    foreign = tokens.get(subject_of(bearer_of(case)))
    if foreign is None or not run.claim(("g3", facts.label, tuple(sorted(ids)))):
        return True
    sent, answer = replay(case, token=foreign)
    random_ids = {name: str(uuid.uuid4()) for name in case.path_parameters}
    sent_missing, missing = replay(case, token=foreign, path_parameters=random_ids)
    reproduce = f"other tenant:\n{curl(sent)}\nrandom id:\n{curl(sent_missing)}"
    if answer.status_code != 404:
        raise ForeignIdDistinguishable(
            operation=case.operation.label,
            message=f"the other tenant got {answer.status_code} for this id, expected 404"
                    f"\n\n{reproduce}")
    all_ids = ids | set(random_ids.values())
    if (missing.status_code != answer.status_code
            or _without_ids(answer, all_ids) != _without_ids(missing, all_ids)):
        raise ForeignIdDistinguishable(
            operation=case.operation.label,
            message=f"foreign id: {answer.status_code} {answer.content[:300]!r}\n"
                    f"missing id: {missing.status_code} {missing.content[:300]!r}\n\n{reproduce}")
    return None


# --- G-4 -----------------------------------------------------------------------------------------


def _limit(value: Any) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if G_4_MIN_LIMIT <= number <= G_4_MAX_LIMIT else None


@schemathesis.check
@in_conformance_run
@on_status(lambda status: status == 200)
def page_envelope_and_limit(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """RULE G-4: a list answers `{"data": [...], "next_cursor": str | null}` with at most
    `limit` rows (`per_page` its alias; `limit` wins; the spec's default otherwise)."""
    facts = _run(case).facts(case)
    if facts is None or not facts.is_page:
        return True
    body = json_body(response)
    label = case.operation.label
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise PageEnvelopeViolation(operation=label, message="the body has no `data` list")
    if "next_cursor" not in body or not isinstance(body["next_cursor"], str | None):
        raise PageEnvelopeViolation(
            operation=label, message=f"`next_cursor` is {body.get('next_cursor', '<absent>')!r}, "
                                     "expected a string or null")
    query = case.query or {}
    sent = [name for name in ("limit", "per_page") if name in query]
    given = [limit for name in sent if (limit := _limit(query[name])) is not None]
    if len(given) < len(sent):
        return True  # an invalid limit is negative data: not this check's concern
    limit = given[0] if given else facts.default_limit
    if len(body["data"]) > limit:
        raise PageEnvelopeViolation(
            operation=label, message=f"{len(body['data'])} rows for limit {limit}")
    return None


CUSTOM_CHECKS: tuple[str, ...] = (
    "problem_details_on_errors",
    "www_authenticate_on_401_403",
    "scopes_enforced",
    "delete_twice_is_404",
    "foreign_id_is_missing",
    "page_envelope_and_limit",
)

# The rule ids each check of a run proves (Schemathesis's built-ins and ours): the rule report
# and `make selfcheck` read them from here, the one home of this mapping. A built-in that
# proves no rule of the contract by itself (it checks the document) maps to G-11 when it
# holds responses to the spec's shapes, and is left out otherwise.
CHECK_RULES: dict[str, tuple[str, ...]] = {
    "not_a_server_error": ("G-12",),
    "negative_data_rejection": ("G-12",),
    "status_code_conformance": ("G-6",),
    "content_type_conformance": ("G-6",),
    "response_schema_conformance": ("G-11",),
    "use_after_free": ("G-10",),
    "ensure_resource_availability": ("G-10",),
    "ignored_auth": ("G-1",),
    "object_level_authorization": ("G-3",),
    "problem_details_on_errors": ("G-6",),
    "www_authenticate_on_401_403": ("G-1",),
    "scopes_enforced": ("G-2",),
    "delete_twice_is_404": ("G-10",),
    "foreign_id_is_missing": ("G-3", "G-11"),
    "page_envelope_and_limit": ("G-4",),
}
