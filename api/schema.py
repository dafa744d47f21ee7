"""OpenAPI extensions: how the schema names our authentication."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from partners.models import SCOPES


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "description": "Partner systems: client credentials. See docs/api.md.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/o/token/",
                    "scopes": {name: str(text) for name, text in SCOPES.items()},
                }
            },
        }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable."},
                "message": {"type": "string", "description": "In the Accept-Language."},
                "fields": {
                    "type": "object",
                    "description": "Per-field messages, for 400 invalid.",
                    "additionalProperties": True,
                },
            },
        }
    },
}

ERRORS = {
    "400": "Malformed or invalid request (code malformed or invalid, with fields).",
    "401": "No or bad credentials.",
    "403": "Not allowed, or the token lacks a scope.",
    "404": "Not found, or not yours.",
    "409": "The resource is in a state that does not allow this.",
    "422": "A business rule refuses this; see the code.",
    "429": "Throttled; retry after the Retry-After seconds.",
}


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Every operation documents the one error shape for every error status it can return."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": content})
    return result
