"""API test helpers: clients for every kind of caller."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from partners.models import PartnerOrganisation
from partners.services import partner_organisation_create
from tests.tokens import partner_api_client


@pytest.fixture
def api() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def as_user() -> Callable[[Any], APIClient]:
    """A browser session for this user (CSRF enforced, as in real browsers)."""

    def make(user: Any) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=False)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def make_partner() -> Callable[..., PartnerOrganisation]:
    counter = iter(range(1, 10_000))

    def make(code: str | None = None, **fields: Any) -> PartnerOrganisation:
        code = code or f"PARTNER{next(counter)}"
        return partner_organisation_create(code=code, name_zh=f"合作方{code}", **fields)

    return make


@pytest.fixture
def as_partner(make_partner: Any) -> Callable[..., APIClient]:
    """A client calling with a bearer token of a partner's application, with these scopes."""

    def make(scopes: list[str] | None = None, organisation: Any = None) -> APIClient:
        """The token comes from the real token endpoint, as an integrator's would."""
        organisation = organisation or make_partner()
        api = partner_api_client(organisation, scopes)
        api.organisation = organisation  # type: ignore[attr-defined]
        return api

    return make
