"""The OAuth2 token endpoints, throttled harder than the API: they take client secrets."""

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views

from .errors import error_body

LIMIT, WINDOW = 20, 60  # attempts per client address per minute


def _over_limit(request: HttpRequest) -> int | None:
    """Seconds to wait if this address asked for tokens too often, else None."""
    key = f"oauth-token:{request.META.get('REMOTE_ADDR', '')}"
    count = cache.get_or_set(key, 0, WINDOW) or 0
    if count >= LIMIT:
        return WINDOW
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW)
    return None


@method_decorator(csrf_exempt, name="dispatch")  # clients authenticate with their secret
class Throttled:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = _over_limit(request)
        if wait is not None:
            response = JsonResponse(
                error_body("throttled", _("Too many token requests; wait a minute.")), status=429
            )
            response["Retry-After"] = str(wait)
            return response
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class TokenView(Throttled, views.TokenView):
    pass


class RevokeTokenView(Throttled, views.RevokeTokenView):
    pass
