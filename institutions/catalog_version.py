"""The public catalog's version: a token in the shared cache, replaced after every commit that
changes what the catalog shows (institutions, courses, terms, offerings and their counters).

Cached catalog answers are stored with the token they were computed under and are served only
while it is still the current one (courses/api/cache.py). The token is replaced on commit, never
before: a reader that saw the old token could otherwise cache rows of before the commit under the
new one. Saves and deletes reach `changed()` through signals (courses/apps.py), queryset writes
(update, bulk_update, bulk_create) through `CatalogWrites`. Raw SQL does not: call `changed()`.
"""

import uuid
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

KEY = "catalog:version"
_M = TypeVar("_M", bound=models.Model)


def enabled() -> bool:
    """CATALOG_CACHE, or when it is None: on when the cache is Redis (one cache for every
    process), off with a per-process cache such as locmem, whose entries nobody invalidates."""
    setting = settings.CATALOG_CACHE
    if setting is None:
        return "redis" in settings.CACHES["default"]["BACKEND"].lower()
    return bool(setting)


def current(found: Any = None) -> str:
    """The current token (`found`: what a get_many of KEY gave, to save a round trip)."""
    if found is None:
        cache.add(KEY, uuid.uuid4().hex, None)  # the first reader, or after an eviction
        found = cache.get(KEY)
    return str(found)


class _Bump:
    """A new token, once, after the commit of the transaction it was registered in."""

    pending = True

    def __call__(self) -> None:
        self.pending = False
        cache.set(KEY, uuid.uuid4().hex, None)


def changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """The catalog changes with the current transaction: a new token once it commits (at once
    outside a transaction; never if it rolls back). Once per transaction: not again while the
    last bump still waits for this transaction's commit (rolled back, it is gone from the list)."""
    if not enabled():
        return
    connection = connections[using]
    bump = getattr(connection, "catalog_bump", None)
    waiting = connection.run_on_commit
    if bump is not None and bump.pending and any(hook[1] is bump for hook in waiting):
        return
    connection.catalog_bump = bump = _Bump()  # type: ignore[attr-defined]
    # robust: the data is committed by then; a failed bump leaves entries to expire (max age).
    transaction.on_commit(bump, using=using, robust=True)


class CatalogWrites:
    """Queryset writes of catalog rows say so: they send no signals. Mixed in before QuerySet
    (a mixin rather than a base: the type checker's annotate() needs the model's own queryset)."""

    def update(self, **kwargs: Any) -> int:
        rows: int = super().update(**kwargs)  # type: ignore[misc]
        if rows:
            changed(self.db)  # type: ignore[attr-defined]
        return rows

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        created = super().bulk_create(objs, *args, **kwargs)  # type: ignore[misc]
        if created:
            changed(self.db)  # type: ignore[attr-defined]
        return created

    # bulk_update() writes through update().


class CatalogQuerySet(CatalogWrites, models.QuerySet[_M]):
    """The queryset of institutions, courses and terms (offerings have their own)."""


def row_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_save and post_delete of a catalog row (connected in courses/apps.py)."""
    changed(using)
