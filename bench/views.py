"""The catalog's ceiling: the least a Django view can do behind the platform's middleware."""

from django.http import HttpRequest, JsonResponse


def bare(request: HttpRequest) -> JsonResponse:
    """A small JSON answer, no database, no DRF: what the middleware stack alone costs."""
    return JsonResponse({"ok": True, "items": [1, 2, 3]})
