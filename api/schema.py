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
