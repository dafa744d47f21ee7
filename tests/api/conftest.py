"""API test helpers: clients for every kind of caller."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from partners.models import SCOPES, PartnerOrganisation
from partners.services import partner_client_create, partner_organisation_create


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
        organisation = organisation or make_partner()
        scopes = list(SCOPES) if scopes is None else scopes
        client, _ = partner_client_create(organisation=organisation, name="HR", scopes=scopes)
        token = AccessToken.objects.create(
            user=organisation.service_user,
            application=client.application,
            token=f"token-{client.pk}-{timezone.now().timestamp()}",
            expires=timezone.now() + timedelta(hours=1),
            scope=" ".join(scopes),
        )
        api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
        api.organisation = organisation  # type: ignore[attr-defined]
        return api

    return make
