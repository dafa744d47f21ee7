from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .authentication import token_scopes


class TokenScopes(BasePermission):
    """A token must carry the scopes the view asks for this action; browsers are not scoped.

    Views declare `required_scopes = {"list": ["catalog:read"], "create": [...]}`; an action
    not listed is closed to tokens. What a browser user may do is decided by the view's roles.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        scopes = token_scopes(request)
        if scopes is None:
            return True
        action = getattr(view, "action", None) or request.method.lower()
        wanted = getattr(view, "required_scopes", {}).get(action)
        if wanted is None:
            self.message = _("Partner systems cannot use this endpoint.")
            return False
        missing = set(wanted) - scopes
        if missing:
            self.message = _("The token lacks the scope %(scopes)s.") % {
                "scopes": ", ".join(sorted(missing))
            }
            return False
        return True


class ReadOnlyOrAuthenticated(BasePermission):
    """Anyone may read; writing needs a signed-in user or a token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )
