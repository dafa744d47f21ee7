"""The partner screens of the admin: the project office's (superusers') only.

Organisations are created with their service account; a client's secret is shown once, in a
message, when the client is made or its secret rotated; revoking ends its tokens.
"""

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from oauth2_provider.models import AccessToken

from accounts.models import User
from institutions.models import StaffMembership
from partners.models import PartnerClient, PartnerLearner, PartnerOrganisation
from partners.services import partner_client_create, partner_organisation_create
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

# The admin speaks Chinese by default; the message reads the same in either language.
CREDENTIALS = re.compile(
    r"(?:client id|客户端 ID 为) (?P<client_id>[^\s,，]+)[,，] ?"
    r"(?:secret|密钥为) (?P<secret>[^.\s。]+)[.。]"
)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()  # the token endpoint counts requests per address in the cache
    yield
    cache.clear()


@pytest.fixture
def office(login: Any, superuser: User) -> Any:
    return login(superuser)


@pytest.fixture
def organisation() -> PartnerOrganisation:
    return partner_organisation_create(code="HR01", name_zh="长寿经开区人力资源系统")


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:partners_{name}", args=args)


def token_for(client: Any, client_id: str, secret: str) -> Any:
    return client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
    )


def shown_credentials(response: Any) -> list[dict[str, str]]:
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    return [match.groupdict() for text in texts for match in CREDENTIALS.finditer(text)]


SCREENS = [
    "partnerorganisation_changelist",
    "partnerorganisation_add",
    "partnerclient_changelist",
    "partnerclient_add",
    "partnerlearner_changelist",
]


@pytest.mark.parametrize("screen", SCREENS)
def test_the_project_office_sees_the_partner_screens(office, organisation, screen):
    assert office.get(url(screen)).status_code == 200


@pytest.mark.parametrize("role", [*StaffMembership.Role.values, "is_staff"])
def test_institution_staff_do_not_see_them(login, organisation, role):
    user = UserFactory(is_staff=role == "is_staff")
    if role != "is_staff":
        StaffMembership.objects.create(user=user, institution=InstitutionFactory(), role=role)
    browser = login(user)
    index = browser.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "/admin/partners/" not in index.content.decode()
    for screen in SCREENS:
        assert browser.get(url(screen)).status_code == 403
    assert browser.get(url("partnerorganisation_change", organisation.pk)).status_code == 403
    assert browser.get(reverse("admin:app_list", args=["partners"])).status_code in (403, 404)


def test_the_office_creates_an_organisation_with_its_service_account(office):
    response = office.post(
        url("partnerorganisation_add"),
        {
            "code": "CSETDA-HR",
            "name_zh": "长寿经开区人力资源系统",
            "name_en": "Changshou HR system",
            "institution": "",
            "contact_email": "it@example.com",
            "is_active": "on",
            "clients-TOTAL_FORMS": "0",
            "clients-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    organisation = PartnerOrganisation.objects.get(code="CSETDA-HR")
    assert organisation.service_user.email == "partner+csetda-hr@partners.yuchuang.local"
    assert not organisation.service_user.has_usable_password()
    assert response["Location"].endswith(url("partnerorganisation_changelist"))
    listed = office.get(url("partnerorganisation_changelist"), {"q": "长寿"})
    assert "CSETDA-HR" in listed.content.decode()


def test_codes_are_unique_whatever_their_case(office, organisation):
    response = office.post(
        url("partnerorganisation_add"),
        {
            "code": "hr01",
            "name_zh": "重复",
            "is_active": "on",
            "clients-TOTAL_FORMS": "0",
            "clients-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert PartnerOrganisation.objects.count() == 1


def test_a_new_client_shows_its_secret_once(office, organisation, client):
    response = office.post(
        url("partnerclient_add"),
        {
            "organisation": organisation.pk,
            "name": "HR system (production)",
            "scopes": ["catalog:read", "learners:write"],
        },
        follow=True,
    )
    assert response.status_code == 200
    [shown] = shown_credentials(response)
    partner_client = PartnerClient.objects.get()
    application = partner_client.application
    assert shown["client_id"] == application.client_id
    assert application.client_secret != shown["secret"]  # stored hashed
    assert partner_client.scopes == ["catalog:read", "learners:write"]
    assert application.user == organisation.service_user
    token = token_for(client, shown["client_id"], shown["secret"])
    assert token.status_code == 200, token.content
    assert set(token.json()["scope"].split()) == {"catalog:read", "learners:write"}
    page = office.get(url("partnerclient_change", partner_client.pk)).content.decode()
    assert shown["secret"] not in page  # never shown again
    assert application.client_id in page


def test_scopes_are_checkboxes_of_the_api_scopes(office, organisation):
    page = office.get(url("partnerclient_add")).content.decode()
    for scope in ("catalog:read", "enrollments:write", "learners:write", "webhooks:manage"):
        assert f'value="{scope}"' in page
    assert 'type="checkbox"' in page


def test_changing_the_scopes_ends_tokens_granted_with_a_lost_one(office, organisation, client):
    partner_client, secret = partner_client_create(
        organisation=organisation, name="HR", scopes=["catalog:read", "learners:write"]
    )
    assert token_for(client, partner_client.application.client_id, secret).status_code == 200
    response = office.post(
        url("partnerclient_change", partner_client.pk),
        {"name": "HR (renamed)", "scopes": ["catalog:read"]},
    )
    assert response.status_code == 302
    partner_client.refresh_from_db()
    assert partner_client.scopes == ["catalog:read"]
    assert partner_client.application.name == "HR (renamed)"
    assert not AccessToken.objects.exists()


def test_rotating_a_secret_shows_the_new_one_and_ends_the_old(office, organisation, client):
    partner_client, old = partner_client_create(
        organisation=organisation, name="HR", scopes=["catalog:read"]
    )
    client_id = partner_client.application.client_id
    assert token_for(client, client_id, old).status_code == 200
    response = office.post(
        url("partnerclient_changelist"),
        {"action": "rotate_secret", "_selected_action": [partner_client.pk]},
        follow=True,
    )
    [shown] = shown_credentials(response)
    assert shown["client_id"] == client_id
    assert shown["secret"] != old
    assert not AccessToken.objects.exists()
    assert token_for(client, client_id, old).status_code == 401
    assert token_for(client, client_id, shown["secret"]).status_code == 200


def test_revoking_ends_the_clients_tokens(office, organisation, client):
    partner_client, secret = partner_client_create(
        organisation=organisation, name="HR", scopes=["catalog:read"]
    )
    client_id = partner_client.application.client_id
    office.post(
        url("partnerclient_changelist"),
        {"action": "revoke", "_selected_action": [partner_client.pk]},
    )
    partner_client.refresh_from_db()
    assert partner_client.revoked_at is not None
    assert not AccessToken.objects.exists()
    refused = token_for(client, client_id, secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    rotated = office.post(
        url("partnerclient_changelist"),
        {"action": "rotate_secret", "_selected_action": [partner_client.pk]},
        follow=True,
    )
    assert shown_credentials(rotated) == []  # a revoked client keeps its (dead) secret


def test_nothing_is_deleted_in_the_admin(office, organisation):
    partner_client, _ = partner_client_create(
        organisation=organisation, name="HR", scopes=["catalog:read"]
    )
    learner = PartnerLearner.objects.create(
        organisation=organisation, user=UserFactory(), external_id="E1"
    )
    for name, pk in (
        ("partnerorganisation_delete", organisation.pk),
        ("partnerclient_delete", partner_client.pk),
        ("partnerlearner_delete", learner.pk),
    ):
        assert office.get(url(name, pk)).status_code == 403
    changelist = office.get(url("partnerclient_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_partner_learners_are_read_only(office, organisation):
    learner = PartnerLearner.objects.create(
        organisation=organisation, user=UserFactory(email="wang@example.com"), external_id="E1"
    )
    listed = office.get(url("partnerlearner_changelist"), {"q": "wang@"}).content.decode()
    assert "E1" in listed
    office.post(url("partnerlearner_change", learner.pk), {"external_id": "CHANGED"})
    learner.refresh_from_db()
    assert learner.external_id == "E1"
    assert office.get(url("partnerlearner_add")).status_code == 403
