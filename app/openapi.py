"""Finishing touches on the generated OpenAPI document."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import PROBLEM_MEDIA_TYPE


def _problem_content(responses: dict[str, Any]) -> None:
    """Error bodies are problem+json, not application/json; say so in the document."""
    for status, response in responses.items():
        if not status.startswith(("4", "5")):
            continue
        content = response.get("content", {})
        schema = content.get("application/json", {}).get("schema") or content.get(
            PROBLEM_MEDIA_TYPE, {}
        ).get("schema")
        if schema is not None:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": schema}}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                _problem_content(operation.get("responses", {}))
                # FastAPI adds a 422 we never send: validation failures are 400 problems.
                operation.get("responses", {}).pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
