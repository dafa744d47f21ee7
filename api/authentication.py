from typing import Any

from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.request import Request


class BearerTokenAuthentication(OAuth2Authentication):
    """OAuth2 bearer tokens of partner applications (client credentials).

    The token's user is the partner organisation's service account. A token of a revoked client
    or an inactive organisation is refused, even before it expires.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        if not request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
            return None  # a browser or anonymous caller; not even the body is read
        result = super().authenticate(request)
        if result is None:
            raise exceptions.AuthenticationFailed(_("The access token is invalid or expired."))
        user, token = result
        client = getattr(token.application, "partner_client", None)
        if user is None and client is not None:
            # Client-credentials tokens carry no user: the client's organisation acts.
            user = client.organisation.service_user
        organisation = getattr(user, "partner_organisation", None)
        if (
            user is None
            or client is None
            or client.revoked_at is not None
            or organisation is None
            or not organisation.is_active
            or client.organisation_id != organisation.pk
        ):
            raise exceptions.AuthenticationFailed(_("This client has been revoked."))
        return user, token


def partner_of(request: Request) -> Any:
    """The partner organisation calling with a token, or None for browsers and anonymous."""
    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "application"):
        return None
    return getattr(request.user, "partner_organisation", None)


def token_scopes(request: Request) -> set[str] | None:
    """The scopes of the caller's token, or None when the caller has no token (a browser)."""
    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "scope"):
        return None
    return set((token.scope or "").split())
