"""Limits on repeated actions, kept in Django's cache (local memory in tests, Redis in production).

Log in: after `LOGIN_MAX_FAILURES_PER_EMAIL` failed attempts for one address, or
`LOGIN_MAX_FAILURES_PER_IP` from one client address, within `LOGIN_WINDOW` seconds, log-in
attempts for that address or from that client are refused for `LOGIN_LOCK` seconds without
checking the password.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

LOGIN_WINDOW = 15 * 60
LOGIN_LOCK = 15 * 60
LOGIN_MAX_FAILURES_PER_EMAIL = 5
LOGIN_MAX_FAILURES_PER_IP = 20
VERIFICATION_RESEND_INTERVAL = 60


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys stay short and valid for every backend and hold no address in clear.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"accounts:{kind}:{digest}"


def _limits(*, email: str, ip: str) -> list[tuple[str, str, int]]:
    """(kind, value, limit) for each counter that applies; an empty value counts nothing."""
    email = email.strip().lower()
    limits = []
    if email:
        limits.append(("email", email, LOGIN_MAX_FAILURES_PER_EMAIL))
    if ip:
        limits.append(("ip", ip, LOGIN_MAX_FAILURES_PER_IP))
    return limits


def _increment(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind a reverse proxy, settings.CLIENT_IP_HEADER names the header
    the proxy sets (e.g. HTTP_X_REAL_IP); for a list, the last entry is the one it added."""
    header = getattr(settings, "CLIENT_IP_HEADER", "REMOTE_ADDR")
    value = request.META.get(header) or request.META.get("REMOTE_ADDR") or ""
    return str(value).split(",")[-1].strip()[:64]


def login_locked(*, email: str, ip: str) -> bool:
    """Whether log-in attempts for this address or from this client are refused for now."""
    keys = [_key(f"login-lock-{kind}", value) for kind, value, _ in _limits(email=email, ip=ip)]
    return bool(keys and cache.get_many(keys))


def login_failed(*, email: str, ip: str) -> None:
    """Count a failed attempt; lock the address or the client when it reaches its limit."""
    for kind, value, limit in _limits(email=email, ip=ip):
        counter = _key(f"login-failures-{kind}", value)
        if _increment(counter, LOGIN_WINDOW) >= limit:
            cache.set(_key(f"login-lock-{kind}", value), True, LOGIN_LOCK)
            cache.delete(counter)


def login_succeeded(*, email: str) -> None:
    """Forget the failed attempts for this address."""
    for kind, value, _ in _limits(email=email, ip=""):
        cache.delete(_key(f"login-failures-{kind}", value))


def login_unlock(*, email: str) -> None:
    """Forget the failed attempts and the lock for this address (after a password reset)."""
    for kind, value, _ in _limits(email=email, ip=""):
        cache.delete_many(
            [_key(f"login-failures-{kind}", value), _key(f"login-lock-{kind}", value)]
        )


def verification_resend_allowed(*, user_id: int) -> bool:
    """True at most once per VERIFICATION_RESEND_INTERVAL seconds for one user."""
    return bool(cache.add(f"accounts:verify-resend:{user_id}", 1, VERIFICATION_RESEND_INTERVAL))
