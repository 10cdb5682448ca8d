"""`python -m mock`: serve the stateful mock."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from fixtures import seed, tokens
from mock import faults, frontdoor, requestlog, seeding, statefile
from mock.app import create_app, new_store


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mock", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--secret", default=os.environ.get("MOCK_JWT_SECRET",
                                                           tokens.DEFAULT_SECRET),
                        help="HS512 secret for tokens (env MOCK_JWT_SECRET)")
    seeding_group = parser.add_mutually_exclusive_group()
    seeding_group.add_argument("--seed-size", type=int, default=0, metavar="N",
                               help="also seed N extra transactions in tenant A")
    seeding_group.add_argument("--no-seed", action="store_true",
                               help="start empty (no demo data)")
    parser.add_argument("--no-admin", action="store_true", help="turn off /__mock/")
    parser.add_argument("--faults", default="", metavar="A,B",
                        help="start with named defects, for proving the suites "
                             f"(make selfcheck); known: {', '.join(sorted(faults.BY_NAME))}")
    parser.add_argument("--validate-responses", action="store_true",
                        help="check every response against the spec (slower)")
    parser.add_argument("--db", "--state-file", dest="db", type=Path, metavar="PATH",
                        help="keep the state in the SQLite database PATH: loaded at start (no "
                             "demo seed then), every write on disk before its answer is sent")
    # Accepted for scripts written for the periodic saves of the JSON state file, and said to
    # be ignored (`main`): every write is now saved before it is answered.
    parser.add_argument("--state-interval", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--body-timeout", type=float, default=frontdoor.BODY_TIMEOUT,
                        metavar="SECONDS",
                        help="cut a request whose body is not complete within SECONDS with "
                             f"408 (default {frontdoor.BODY_TIMEOUT:g})")
    parser.add_argument("--log-format", choices=requestlog.FORMATS, default="text",
                        help="one line per request, as text or JSON (on stderr)")
    parser.add_argument("--quiet", action="store_true",
                        help="no request log; the server logs warnings and errors only")
    parser.add_argument("--log-level", default="info",
                        choices=["critical", "error", "warning", "info", "debug", "trace"],
                        help="server and request log level (request lines are info)")
    return parser.parse_args(argv)


def banner(base: str, secret: str) -> str:
    std = tokens.standard_tokens(secret=secret)
    return "\n".join([
        f"Smart Finance mock listening on {base}/v1  (docs: {base}/docs)",
        "",
        f"Tenant A, all scopes ({tokens.TENANT_A}):",
        f"  {std.tenant_a}",
        f"Tenant B, all scopes ({tokens.TENANT_B}):",
        f"  {std.tenant_b}",
        "Tenant A, read-only:",
        f"  {std.tenant_a_read_only}",
        "",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {std.tenant_a}' {base}/v1/companies",
        "",
    ])


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so the database is closed cleanly."""


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    level = "warning" if args.quiet and args.log_level in ("info", "debug", "trace") \
        else args.log_level
    try:
        store = new_store(faults.parse(args.faults))
    except ValueError as exc:
        print(f"python -m mock: {exc}", file=sys.stderr)
        return 2
    journal = None
    try:  # a bad file is refused before the (slower) app is built
        if args.db is not None:
            journal = statefile.open_journal(args.db, store)
        app = create_app(store, secret=args.secret, admin=not args.no_admin,
                         validate_responses=args.validate_responses,
                         request_log=None if args.quiet else args.log_format,
                         body_timeout=args.body_timeout, journal=journal)
    except statefile.StateFileError as exc:
        print(f"python -m mock: cannot start from the state file {exc}", file=sys.stderr)
        return 2
    loaded = journal is not None and journal.restored
    if args.state_interval is not None:
        print("python -m mock: --state-interval is ignored: with --db, every write is on disk "
              "before it is answered", file=sys.stderr)
    if loaded and args.seed_size:
        print("python -m mock: --seed-size is ignored: the state file was loaded",
              file=sys.stderr)
    if not loaded and not args.no_seed:
        for tenant in (tokens.TENANT_A, tokens.TENANT_B):
            seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
        if args.seed_size:
            seeding.apply(store.tenant(tokens.TENANT_A),
                          seed.large_dataset(tokens.TENANT_A, args.seed_size))
    if journal is not None:
        journal.flush()  # the demo seed, in one transaction, before the first request
    seeding.freeze()  # the seeded or restored rows, and the app itself, are there to stay
    # --quiet drops the access lines only: every 500 is still logged, with its traceback.
    requestlog.configure(args.log_format, level, access=not args.quiet)
    requestlog.lean_records()
    seeding.collect_less()

    base = f"http://{args.host}:{args.port}"
    print(banner(base, args.secret), flush=True)
    if journal is not None:
        what = "loaded from" if loaded else "kept in"
        print(f"State {what} {args.db} (SQLite; every write is on disk before it is answered)",
              flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port,
                                           log_level=level, access_log=False))
    # uvicorn re-raises the signal it stopped on once it has shut down; SIGTERM's default
    # action would end the process before the database is closed, so it becomes an exception.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        server.run()  # on uvloop when installed (uvicorn's `loop="auto"`), as a uvicorn CLI run is
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        if journal is not None:
            journal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
