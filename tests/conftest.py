import os
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from accounts.models import User
from institutions.models import Institution, StaffMembership
from tests.factories import InstitutionFactory, StaffMembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttles and lockouts live in the cache: no test inherits another's counts."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language, whatever the one before it activated."""
    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def make_staff() -> Callable[..., User]:
    def make(
        institution: Institution | None = None,
        role: str = StaffMembership.Role.COURSE_MANAGER,
        **fields: Any,
    ) -> User:
        user = UserFactory(**fields)
        StaffMembershipFactory(
            user=user, institution=institution or InstitutionFactory(), role=role
        )
        return user

    return make


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root@example.com", "pw-for-tests")


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Skip suites whose service is missing, unless CI says it must be there."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "celery" in item.keywords and not has_broker:
            item.add_marker(
                pytest.mark.skip(reason="needs a Celery broker (set CELERY_BROKER_URL)")
            )
