"""Every answer the API tests get is checked against the OpenAPI schema the API publishes.

The status must be documented for the operation, and a JSON body must validate against the
documented schema, made strict: an object may carry no property the schema does not declare.
(schemathesis would fuzz the same schema; this checks what the tests really see.)
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator

METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=1)
def openapi() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    # Through JSON: the same document clients download, plain types only.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


def _strict(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable`` becomes a null alternative; objects are closed."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.pop("nullable", False):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    return _strict(openapi().get("components", {}))


@lru_cache(maxsize=1)
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = []
    for template in openapi()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        routes.append((re.compile(f"^{pattern}$"), template))
    # Literal segments first: /invoices/upload/ before /invoices/{id}/.
    routes.sort(key=lambda route: route[1].count("{"))
    return routes


def operation_for(path: str, method: str) -> dict[str, Any]:
    for pattern, template in _routes():
        if pattern.match(path):
            operations = openapi()["paths"][template]
            assert method.lower() in operations, f"{method} {template} is not documented"
            return operations[method.lower()]
    raise AssertionError(f"{path} is not a documented path")


def check_response(method: str, path: str, response: Any) -> None:
    operation = operation_for(path, method)
    status = str(response.status_code)
    documented = operation["responses"]
    assert status in documented, (
        f"{method} {path} answered {status}, undocumented (documented: {sorted(documented)}): "
        f"{getattr(response, 'content', b'')[:300]!r}"
    )
    content = documented[status].get("content")
    if not content:
        return
    content_type = response.headers.get("Content-Type", "").split(";")[0]
    if "application/json" in content and content_type == "application/json":
        schema = {**_strict(content["application/json"]["schema"]), "components": _components()}
        errors = sorted(
            Draft7Validator(schema).iter_errors(response.json()), key=lambda e: list(e.path)
        )
        assert not errors, f"{method} {path} {status}: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5]
        )
        return
    assert content_type in content or "*/*" in content, (
        f"{method} {path} {status}: {content_type} not among {sorted(content)}"
    )
