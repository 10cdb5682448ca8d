"""The bundled spec and an offline interactive viewer (Swagger UI from the installed
`swagger_ui_bundle` package; no CDN), served beside the API."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

SPEC_JSON = "/api/v1/openapi.json"
SPEC_YAML = "/api/v1/openapi.yaml"

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
    """The spec with this mock's own URL first among the servers, so "try it" hits it."""
    doc = copy.deepcopy(spec)
    here = f"{request.url.scheme}://{request.url.netloc}/v1"
    others = [s for s in doc.get("servers", []) if s.get("url") != here]
    doc["servers"] = [{"url": here, "description": "This mock"}, *others]
    return doc


def docs_app(spec: dict[str, Any]) -> Starlette:
    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE % SPEC_JSON)

    async def spec_json(request: Request) -> Response:
        return Response(json.dumps(served_spec(spec, request), ensure_ascii=False),
                        media_type="application/json")

    async def spec_yaml(request: Request) -> Response:
        body = yaml.safe_dump(served_spec(spec, request), sort_keys=False, allow_unicode=True)
        return Response(body, media_type="application/yaml")

    return Starlette(routes=[
        Route("/docs", page), Route("/docs/", page),
        Mount("/docs/assets", app=StaticFiles(directory=swagger_ui_path), name="assets"),
        Route(SPEC_JSON, spec_json), Route(SPEC_YAML, spec_yaml),
    ])
