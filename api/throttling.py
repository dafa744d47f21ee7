from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .authentication import partner_of


class ClientRateThrottle(SimpleRateThrottle):
    """One budget per partner client, per signed-in user, or per address for anonymous callers.

    Rates are in settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]); a 429 carries Retry-After.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        if partner_of(request) is not None:
            self.scope, ident = "partner", f"app:{request.auth.application_id}"
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", f"user:{request.user.pk}"
        else:
            self.scope, ident = "anon", f"ip:{self.get_ident(request)}"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        return self._allow(request, view)

    def _allow(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def get_cache_key(self, request: Request, view: Any) -> str | None:  # pragma: no cover
        return self.key

    def __init__(self) -> None:  # the scope is chosen per request, not at construction
        pass
