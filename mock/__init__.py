"""The stateful mock of the Smart Finance public API (`python -m mock`)."""

import warnings

# connexion 3.3 imports starlette's TestClient at import time, which warns about httpx on
# every start; the mock does not use it, so the warning is noise in the banner.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
