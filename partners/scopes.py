from typing import Any

from oauth2_provider.scopes import BaseScopes

from .models import SCOPES


class PartnerScopes(BaseScopes):
    """A partner application may ask only for the scopes granted to it in the admin."""

    def get_all_scopes(self) -> dict[str, str]:
        return {name: str(text) for name, text in SCOPES.items()}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        client = getattr(application, "partner_client", None)
        if client is None or client.revoked_at is not None:
            return []
        return [scope for scope in client.scopes if scope in SCOPES]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)
