"""Cached answers of the public offerings list: the rendered JSON body, stored with the catalog
version it was computed under (institutions/catalog_version.py) and served while that version
is current. One cache round trip on a hit (the entry and the version together), no query.

Only answers that are the same for every caller: anonymous and partner callers (signed-in
staff also see their own drafts), JSON (the browsable API renders a page per user). An entry
lives at most CATALOG_CACHE_MAX_AGE seconds, and never past the next opening or closing of
enrollment on its page (`is_open_for_enrollment` changes then).
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from api.authentication import partner_of
from institutions import catalog_version

from .serializers import OFFERING_COLUMNS

_WINDOW = (
    OFFERING_COLUMNS.index("enrollment_opens_at"),
    OFFERING_COLUMNS.index("enrollment_closes_at"),
)


def entry_key(request: Request) -> str | None:
    """The key of this request's answer, or None when it is not to be cached."""
    if not catalog_version.enabled() or type(request.accepted_renderer) is not JSONRenderer:
        return None
    if request.user.is_authenticated and partner_of(request) is None:
        return None
    params = sorted(request.query_params.lists())  # the order of names changes no answer
    if any(name.startswith("open") for name, _ in params):
        return None  # `open`: which rows match changes with the clock
    # Everything the body depends on: links are absolute (scheme, host, path), and indent=
    # in Accept changes the JSON; times are written in the current time zone.
    material = "\n".join(
        (
            request.build_absolute_uri(request.path),
            urlencode(params, doseq=True),
            str(request.version),
            str(request.accepted_media_type),
            timezone.get_current_timezone_name(),
        )
    )
    return "catalog:offerings:" + hashlib.sha256(material.encode()).hexdigest()


def json_response(request: Request, body: bytes) -> HttpResponse:
    """What DRF's Response gives for this body: its Content-Type rule, nothing else."""
    renderer = request.accepted_renderer
    if renderer.charset:
        return HttpResponse(body, content_type=f"{renderer.media_type}; charset={renderer.charset}")
    return HttpResponse(body, content_type=renderer.media_type)


def lookup(request: Request, key: str) -> tuple[str, HttpResponse | None]:
    """(the current catalog version, the cached answer or None)."""
    found = cache.get_many([catalog_version.KEY, key])
    version = catalog_version.current(found.get(catalog_version.KEY))
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return version, json_response(request, entry[1])
    return version, None


def store(key: str, version: str, body: bytes, rows: Sequence[Any], before: datetime) -> None:
    """Keep `body`, computed under `version` from `rows` of the page rendered after `before`."""
    ahead = [row[i] for row in rows for i in _WINDOW if row[i] > before]
    seconds = float(settings.CATALOG_CACHE_MAX_AGE)
    if ahead:
        seconds = min(seconds, (min(ahead) - timezone.now()).total_seconds())
    if seconds >= 1:
        cache.set(key, (version, body), int(seconds))  # whole seconds, rounded down
