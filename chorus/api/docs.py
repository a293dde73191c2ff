"""/api/docs/: the API's reference, rendered on the server from the OpenAPI schema.

No JavaScript and nothing from a CDN (the portal has no internet access in some deployments
and a strict Content-Security-Policy): every operation with its parameters, body and answers,
and the rules every call follows. The schema itself is at /api/schema/.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularSwaggerSplitView

METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=1)
def api_schema() -> dict[str, Any]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def _ref_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{_ref_name(schema.get('items'))}]"
    return str(schema.get("type", ""))


def _bodies(content: dict[str, Any] | None) -> list[dict[str, str]]:
    return [
        {"media_type": media_type, "schema": _ref_name(body.get("schema"))}
        for media_type, body in (content or {}).items()
    ]


def _operation(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": operation.get("operationId", ""),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "parameters": [
            {
                "name": p["name"],
                "in": p["in"],
                "required": p.get("required", False),
                "type": _ref_name(p.get("schema")),
                "description": p.get("description", ""),
            }
            for p in operation.get("parameters", [])
        ],
        "request": _bodies(operation.get("requestBody", {}).get("content")),
        "responses": [
            {
                "status": code,
                "description": answer.get("description", ""),
                "bodies": _bodies(answer.get("content")),
            }
            for code, answer in sorted(operation.get("responses", {}).items())
        ],
        "public": operation.get("security") == [] or {} in operation.get("security", [{}]),
    }


def operations_by_tag(schema: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["api"])[0]
                groups.setdefault(tag, []).append(_operation(path, method, operation))
    return list(groups.items())


def _components(schema: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, component in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(component.get("required", []))
        out.append(
            {
                "name": name,
                "enum": component.get("enum"),
                "fields": [
                    {
                        "name": field,
                        "type": _ref_name(spec) or ("enum" if "allOf" in spec else ""),
                        "required": field in required,
                        "read_only": spec.get("readOnly", False),
                        "nullable": spec.get("nullable", False),
                        "description": spec.get("description", ""),
                    }
                    for field, spec in component.get("properties", {}).items()
                ],
            }
        )
    return out


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    schema = api_schema()
    return render(
        request,
        "api/docs.html",
        {
            "info": schema.get("info", {}),
            "groups": operations_by_tag(schema),
            "components": _components(schema),
        },
    )


class SwaggerView(SpectacularSwaggerSplitView):
    """/api/docs/swagger/: Swagger UI to try the API, served from the portal's own static files
    (drf-spectacular-sidecar) and working under the strict Content-Security-Policy: its start-up
    script is a separate file (``?script``), its page styles carry the CSP nonce."""

    url_name = "api-schema"
    template_name = "api/swagger_ui.html"
    title = "Chorus API — Swagger UI"
