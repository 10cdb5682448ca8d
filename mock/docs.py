"""The bundled spec and an offline interactive viewer (Swagger UI from the installed
`swagger_ui_bundle` package; no CDN), served beside the API.

The spec is served *bundled* (`contract.bundle`: one document, component schemas kept as named
`$ref`s, no YAML anchors — about 200 KB instead of the 1.2 MB resolved one) at
`/api/v1/openapi.json`, `/api/v1/openapi.yaml` and, as the overview page names it,
`/public/openapi-v1.yaml`."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from contract.bundle import bundle
from contract.spec import dump_yaml

SPEC_JSON = "/api/v1/openapi.json"
SPEC_YAML = "/api/v1/openapi.yaml"
# The address the vendor's overview page gives for the spec.
PUBLIC_SPEC_YAML = "/public/openapi-v1.yaml"
SPEC_PATHS = (SPEC_JSON, SPEC_YAML, PUBLIC_SPEC_YAML)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Smart Finance API — local mock</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head><body>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "%s", dom_id: "#ui", deepLinking: true, tryItOutEnabled: true,
  persistAuthorization: true, displayRequestDuration: true,
});
</script></body></html>"""


def served_spec(spec: dict[str, Any], request: Request) -> dict[str, Any]:
    """`spec` (changed in place: pass a copy) with this mock's own URL first among the
    servers, so "try it" hits it."""
    doc = spec
    here = f"{request.url.scheme}://{request.url.netloc}/v1"
    others = [s for s in doc.get("servers", []) if s.get("url") != here]
    doc["servers"] = [{"url": here, "description": "This mock"}, *others]
    return doc


def docs_app() -> Starlette:
    """/docs and the spec files. The bundle is built on the first request for it (about a
    second) and cached by `contract.bundle`, so starting the mock does not pay for it."""

    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE % SPEC_JSON)

    async def spec_json(request: Request) -> Response:
        return Response(json.dumps(served_spec(bundle(), request), ensure_ascii=False),
                        media_type="application/json")

    async def spec_yaml(request: Request) -> Response:
        return Response(dump_yaml(served_spec(bundle(), request)),
                        media_type="application/yaml")

    return Starlette(routes=[
        Route("/docs", page), Route("/docs/", page),
        Mount("/docs/assets", app=StaticFiles(directory=swagger_ui_path), name="assets"),
        Route(SPEC_JSON, spec_json), Route(SPEC_YAML, spec_yaml),
        Route(PUBLIC_SPEC_YAML, spec_yaml),
    ])
