"""The project's own document handed to Connexion without validating it a second time.

`contract.spec.load_spec` gives out the document prance validated (openapi-spec-validator):
parsed again, and validated again, whenever a source file under spec/ changes, and read from
its cache only while they are unchanged. Connexion then validates the same document again on
every `add_api` — its own OpenAPI schema and defaults — which was 0.65 s of the mock's 1.7 s
start-up, and of every app a test or the self-check builds. `tests/test_specification.py`
holds the document to Connexion's validation, so here, for that document only, the step is
skipped; any other document given to `create_app(spec=…)` goes through `AsyncApp.add_api` and
is validated as before.
"""

from __future__ import annotations

from typing import Any

from connexion import AsyncApp
from connexion.middleware.main import API
from connexion.spec import OpenAPISpecification


class ProjectSpecification(OpenAPISpecification):
    """Connexion's view of `load_spec()`, already validated (see the module)."""

    @classmethod
    def _validate_spec(cls, spec: Any) -> None:
        return None


def _string_keys(node: Any) -> Any:
    """As Connexion's `Specification.from_dict` does: YAML may key responses by integers."""
    if isinstance(node, dict):
        return {str(k): _string_keys(v) for k, v in node.items()}
    return node


def add_project_api(app: AsyncApp, spec: dict[str, Any], *, base_path: str,
                    **options: Any) -> None:
    """`app.add_api(spec, base_path=…, **options)` for `spec` as `load_spec()` returned it,
    less the second validation: registered on Connexion's middleware as its `add_api` does."""
    specification = ProjectSpecification(_string_keys(spec))
    middleware = app.middleware
    if middleware.middleware_stack is not None:
        raise RuntimeError("Cannot add api after an application has started")
    settings = middleware.options.replace(**options)
    middleware.apis.append(API(specification, base_path=base_path, name=None,
                               **settings.__dict__))
