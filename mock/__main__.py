"""`python -m mock`: serve the stateful mock."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from fixtures import seed, tokens
from mock import faults, requestlog, seeding, statefile
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
    parser.add_argument("--state-file", type=Path, metavar="PATH",
                        help="load the whole state from PATH at start (no demo seed then) and "
                             "save it there on shutdown and every --state-interval seconds")
    parser.add_argument("--state-interval", type=float, default=statefile.DEFAULT_INTERVAL,
                        metavar="SECONDS",
                        help="how often to save the state file (0: only on shutdown); "
                             f"default {statefile.DEFAULT_INTERVAL:g}")
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
    """SIGTERM, turned into an exception so the final state save still runs."""


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


async def _serve(server: uvicorn.Server, saver: statefile.AutoSaver | None) -> None:
    task = asyncio.create_task(saver.run()) if saver else None
    try:
        await server.serve()
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    level = "warning" if args.quiet and args.log_level in ("info", "debug", "trace") \
        else args.log_level
    try:
        store = new_store(faults.parse(args.faults))
    except ValueError as exc:
        print(f"python -m mock: {exc}", file=sys.stderr)
        return 2
    try:  # a bad file is refused before the (slower) app is built
        state = statefile.read(args.state_file) \
            if args.state_file is not None and args.state_file.exists() else None
        app = create_app(store, secret=args.secret, admin=not args.no_admin,
                         validate_responses=args.validate_responses,
                         request_log=None if args.quiet else args.log_format)
        if state is not None:
            statefile.restore(state, store, app.idempotency)
    except statefile.StateFileError as exc:
        print(f"python -m mock: cannot start from the state file: {exc}", file=sys.stderr)
        return 2
    loaded = state is not None
    if loaded and args.seed_size:
        print("python -m mock: --seed-size is ignored: the state file was loaded",
              file=sys.stderr)
    if not loaded and not args.no_seed:
        for tenant in (tokens.TENANT_A, tokens.TENANT_B):
            seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
        if args.seed_size:
            seeding.apply(store.tenant(tokens.TENANT_A),
                          seed.large_dataset(tokens.TENANT_A, args.seed_size))
    seeding.freeze()  # the seeded or restored rows, and the app itself, are there to stay
    if not args.quiet:
        requestlog.configure(args.log_format, level)
        requestlog.lean_records()

    base = f"http://{args.host}:{args.port}"
    print(banner(base, args.secret), flush=True)
    saver = None
    if args.state_file is not None:
        saver = statefile.AutoSaver(args.state_file, store, app.idempotency,
                                    interval=args.state_interval)
        what = "loaded from" if loaded else "will be saved to"
        print(f"State {what} {args.state_file} (saved on exit"
              + (f" and every {args.state_interval:g} s)" if args.state_interval > 0 else ")"),
              flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port,
                                           log_level=level, access_log=False))
    # uvicorn re-raises the signal it stopped on once it has shut down; SIGTERM's default
    # action would end the process before the final save, so it becomes an exception here.
    signal.signal(signal.SIGTERM, _terminate)
    saved = True
    try:
        asyncio.run(_serve(server, saver))
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        if saver is not None:
            saved = _final_save(saver)
    return 0 if saved else 1


def _final_save(saver: statefile.AutoSaver) -> bool:
    try:
        saver.save_now()
    except OSError as exc:
        print(f"python -m mock: could not save the state to {saver.path}: {exc}",
              file=sys.stderr, flush=True)
        return False
    print(f"State saved to {saver.path}", file=sys.stderr, flush=True)
    return True


if __name__ == "__main__":
    sys.exit(main())
