"""`python -m mock`: serve the stateful mock (DESIGN.md "Interfaces")."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from fixtures import seed, tokens
from mock import seeding
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
    parser.add_argument("--validate-responses", action="store_true",
                        help="check every response against the spec (slower)")
    parser.add_argument("--log-level", default="warning")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    store = new_store()
    if not args.no_seed:
        for tenant in (tokens.TENANT_A, tokens.TENANT_B):
            seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
        if args.seed_size:
            seeding.apply(store.tenant(tokens.TENANT_A),
                          seed.large_dataset(tokens.TENANT_A, args.seed_size))
    app = create_app(store, secret=args.secret, admin=not args.no_admin,
                     validate_responses=args.validate_responses)
    base = f"http://{args.host}:{args.port}"
    print(banner(base, args.secret), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
