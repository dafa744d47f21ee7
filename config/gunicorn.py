"""gunicorn settings for the web workers: `gunicorn config.wsgi -c config/gunicorn.py ...`.

Flags on the command line (bind, workers, threads) override what is set here. What this file
adds is memory: measured in docs/performance.md ("Memory"), a catalog worker's extra memory
was garbage, not live data. DRF's request, view and response refer to one another, so every
answer (its rows, dicts and rendered bytes) is freed only by the cyclic collector; under four
threads that garbage is promoted while requests are in flight and waits for a full collection,
and the arenas it filled stay with the process (CPython returns an arena only when it is empty).
"""

import gc
import itertools
from typing import Any

# A full collection every this many requests: the garbage of a few answers at most waits
# (a page of 100 leaves ~0.6 MB), at a tenth of a collection's cost per request.
COLLECT_EVERY = 8
_requests = itertools.count(1)  # next() on it is atomic under the GIL: safe across threads


def warm_up() -> None:
    """What every worker loads anyway, loaded before the first request: modules and caches
    that live as long as the process are then packed together instead of scattered among the
    first requests' garbage, and the freeze below covers them."""
    from django.conf import settings
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view, serializer and filter)
    if any("redis" in cache["BACKEND"].lower() for cache in settings.CACHES.values()):
        import redis  # noqa: F401 (Django imports it on the first cache access otherwise)


def post_worker_init(worker: Any) -> None:
    warm_up()
    gc.collect()
    # The startup objects (~135,000) move out of the collector's reach: a full collection then
    # looks only at what came after, a fraction of a millisecond instead of over 100 ms.
    gc.freeze()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    # The finished answers' cycles go now, not after the next natural full collection (every
    # few hundred requests). (The answer just sent is still referenced by the worker here: it
    # goes with the next collection.)
    if next(_requests) % COLLECT_EVERY == 0:
        gc.collect()
