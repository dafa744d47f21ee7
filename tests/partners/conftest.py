from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache

from partners.models import PartnerOrganisation
from partners.services import partner_organisation_create


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Throttling counters (the token endpoint's too) live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks: Any) -> Callable[[], AbstractContextManager[Any]]:
    """`with deliver():` runs the block and then its on-commit callbacks, as a commit would."""
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def make_partner() -> Callable[..., PartnerOrganisation]:
    counter = iter(range(1, 10_000))

    def make(code: str | None = None, **fields: Any) -> PartnerOrganisation:
        code = code or f"P{next(counter)}"
        fields.setdefault("name_zh", f"{code}人力资源系统")
        fields.setdefault("name_en", f"{code} HR system")
        return partner_organisation_create(code=code, **fields)

    return make
