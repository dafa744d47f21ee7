"""Sending one email from a delivery task over an SMTP connection kept open between tasks.

Connecting, EHLO, STARTTLS and AUTH for every message cost more than the message itself (and a
TLS handshake each in production), so each process (and thread) keeps one SMTP connection and
sends every message over it. It is opened again when it cannot be trusted:

- the server closed it, or said it will (421): the socket is readable while we sent nothing;
- it sat idle longer than IDLE_SECONDS (servers drop idle clients after a few minutes);
- a send on it failed, or was interrupted (a time limit): its state is unknown.

A failed send raises as before, so the outbox records it and retries the delivery later; nothing
is sent again here, so a message reaches the server at most once per attempt, as before. Other
mail backends (files, memory, the tests') get a fresh connection per message, as before.
"""

import contextlib
import os
import select
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils.module_loading import import_string

IDLE_SECONDS = 30.0

# What the kept connection was made for; another value (a test's override) means a new one.
_SETTINGS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "EMAIL_SSL_KEYFILE",
    "EMAIL_SSL_CERTFILE",
)

_kept = threading.local()


def send(email: EmailMessage) -> None:
    """Send `email` (raising on failure) over this process's SMTP connection, if SMTP it is."""
    if not issubclass(import_string(settings.EMAIL_BACKEND), SMTPBackend):
        email.send()
        return
    backend = _connection()
    email.connection = backend
    try:
        email.send()
    except BaseException:
        forget()  # mid-transaction or broken: never reuse it
        raise
    _kept.used_at = time.monotonic()


def _connection() -> Any:
    key = (os.getpid(), *(getattr(settings, name, None) for name in _SETTINGS))
    backend = getattr(_kept, "backend", None)
    if backend is not None and getattr(_kept, "key", None) != key:
        forget()  # other settings, or inherited through fork (the parent's socket: not ours)
        backend = None
    elif backend is not None and not _trusted(backend):
        forget()
        backend = None
    if backend is None:
        backend = get_connection()
        backend.open()
        _kept.backend, _kept.key, _kept.used_at = backend, key, time.monotonic()
    return backend


def _trusted(backend: Any) -> bool:
    sock = getattr(backend.connection, "sock", None)
    if sock is None or time.monotonic() - _kept.used_at > IDLE_SECONDS:
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # readable: EOF, or a 421 before closing


def forget() -> None:
    """Drop the kept connection without a word to the server (its state may be unknown)."""
    backend = getattr(_kept, "backend", None)
    _kept.backend = None
    if backend is None or _kept.key[0] != os.getpid():
        return
    smtp, backend.connection = backend.connection, None
    if smtp is not None:
        smtp.close()  # the socket only: no QUIT to a server that may not answer


def close() -> None:
    """Say goodbye (QUIT) on the kept connection, if any: a process that is shutting down."""
    backend = getattr(_kept, "backend", None)
    _kept.backend = None
    if backend is not None and _kept.key[0] == os.getpid():
        backend.fail_silently = True
        with contextlib.suppress(OSError):
            backend.close()
