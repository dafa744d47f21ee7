from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .services import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """`unread_count` for the header: counted only when a page shows it, and only when logged in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": SimpleLazyObject(lambda: unread_count(user))}
