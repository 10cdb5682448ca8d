"""`python -m conformance.mint`: print a bearer token, e.g. one that lacks one scope.

    python -m conformance.mint --sub WORKSPACE [--without "SCOPE …"] [--scopes "SCOPE …"]

The secret is `--secret`, else `FINANCE_JWT_SECRET`, else the mock's documented local default.
A failure of `scopes_enforced` prints the exact command that makes its token, so its curl
replays: `FINANCE_TOKEN_LIMITED=$(python -m conformance.mint --sub … --without …)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from fixtures import tokens


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.mint",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sub", required=True, help="the workspace id (the token's tenant)")
    parser.add_argument("--scopes", help="space-separated scopes (default: every scope)")
    parser.add_argument("--without", default="", help="space-separated scopes to leave out")
    parser.add_argument("--secret", help="the JWT secret (default: $FINANCE_JWT_SECRET, "
                                         "else the mock's local default)")
    args = parser.parse_args(argv)
    secret = args.secret or os.environ.get("FINANCE_JWT_SECRET") or tokens.DEFAULT_SECRET
    scopes = args.scopes.split() if args.scopes is not None else list(tokens.ALL_SCOPES)
    left_out = set(args.without.split())
    print(tokens.mint_token(args.sub, [s for s in scopes if s not in left_out], secret=secret))
    return 0


if __name__ == "__main__":
    sys.exit(main())
