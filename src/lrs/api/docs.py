"""The API's browsable docs (/api/v1/docs) as a GOV.UK page drawn on the server from the
OpenAPI document, instead of Swagger UI.

Swagger UI failed accessibility checks that styling cannot fix (buttons nested in
buttons, no page language, dozens of contrast failures), needs scripts inline in the page
and does not fit a 320 px screen. This page passes axe like every portal page, works
without JavaScript, and /api/v1/openapi.json stays there for tools that want it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    body_name: str = ""
    responses: list[tuple[str, str]] = field(default_factory=list)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return dict(components.get(ref.rsplit("/", 1)[-1], {}))
    return schema


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A field's type in a few words: "string", "list of LearnerIn", "integer or null"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type(option, components) for option in schema[key])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}), components)}"
    kind = str(schema.get("type", "any"))
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("enum"):
        kind += ": " + ", ".join(str(value) for value in schema["enum"])
    return kind


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> list[Field]:
    schema = _resolve(schema, components)
    required = set(schema.get("required", []))
    return [
        Field(
            name=name,
            type=_type(prop, components),
            required=name in required,
            description=str(prop.get("description") or prop.get("title") or ""),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def operations(document: dict[str, Any]) -> list[tuple[str, list[Operation]]]:
    """The document's operations grouped by tag, in the document's order."""
    components = document.get("components", {}).get("schemas", {})
    groups: dict[str, list[Operation]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            spec = item.get(method)
            if not spec:
                continue
            body_schema = (
                spec.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            operation = Operation(
                anchor=str(spec.get("operationId") or f"{method}-{path}"),
                method=method.upper(),
                path=path,
                summary=str(spec.get("summary") or ""),
                description=str(spec.get("description") or ""),
                parameters=[
                    Field(
                        name=str(p.get("name")),
                        type=f"{_type(p.get('schema', {}), components)}, in the {p.get('in')}",
                        required=bool(p.get("required")),
                        description=str(p.get("description") or ""),
                    )
                    for p in spec.get("parameters", [])
                ],
                body=_fields(body_schema, components) if body_schema else [],
                body_name=_type(body_schema, components) if body_schema else "",
                responses=[
                    (str(code), str(response.get("description") or ""))
                    for code, response in spec.get("responses", {}).items()
                ],
            )
            for tag in spec.get("tags") or ["Other"]:
                groups.setdefault(str(tag), []).append(operation)
    return list(groups.items())


class GovukDocs(DocsBase):
    """Renders the OpenAPI document as the portal's own page."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema(path_params=kwargs)
        return render(
            request,
            "portal/api_docs.html",
            {
                "title": document.get("info", {}).get("title", "API"),
                "version": document.get("info", {}).get("version", ""),
                "description": document.get("info", {}).get("description", ""),
                "groups": operations(document),
                "openapi_url": self.get_openapi_url(api, kwargs),
            },
        )
