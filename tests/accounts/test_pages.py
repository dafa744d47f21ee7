"""Every account page renders in both languages; the header shows the right account links."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tokens import make_email_verification_token
from institutions.models import StaffMembership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/MQ/bad-token/",
]
PRIVATE_PAGES = [
    "/accounts/profile/",
    "/accounts/password/change/",
    "/accounts/email/verify/",
]


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_in_both_languages(client: Any, prefix: str, path: str) -> None:
    response = client.get(prefix + path)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{"en" if prefix else "zh-Hans"}">' in page
    assert 'class="site-header"' in page


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("path", PRIVATE_PAGES)
def test_private_pages_render_in_both_languages(client: Any, prefix: str, path: str) -> None:
    client.force_login(UserFactory(email_verified_at=None))
    response = client.get(prefix + path)
    assert response.status_code == 200
    assert f'<html lang="{"en" if prefix else "zh-Hans"}">' in response.content.decode()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_verification_pages_render_in_both_languages(client: Any, prefix: str) -> None:
    user = UserFactory(email_verified_at=None)
    token = make_email_verification_token(public_id=user.public_id, email=user.email)
    assert client.get(f"{prefix}/accounts/email/verify/{token}/").status_code == 200
    assert client.get(f"{prefix}/accounts/email/verify/bad/").status_code == 400


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_field_has_a_label(client: Any, prefix: str) -> None:
    form = client.get(f"{prefix}/accounts/signup/").context["form"]
    page = client.get(f"{prefix}/accounts/signup/").content.decode()
    for field in form:
        if field.name == "sex":  # a group of radio buttons, labelled one by one, in a fieldset
            assert "<legend>" in page
            continue
        assert f'for="{field.id_for_label}"' in page, field.name


def header(client: Any, path: str = "/en/") -> str:
    page = client.get(path).content.decode()
    return page[page.index('<div class="header-tools">') : page.index("</header>")]


def test_visitors_see_log_in_and_sign_up(client: Any) -> None:
    tools = header(client, "/en/courses/")
    assert "Log in" in tools
    assert "Sign up" in tools
    assert "/en/accounts/login/?next=/en/courses/" in tools
    assert "Staff login" not in tools
    assert reverse("admin:index") not in tools


def test_learners_see_their_name_and_log_out_but_no_admin(client: Any) -> None:
    client.force_login(UserFactory(display_name="Li Na"))
    tools = header(client)
    assert "Li Na" in tools
    assert "/en/accounts/profile/" in tools
    with translation.override("en"):
        assert f'action="{reverse("accounts:logout")}"' in tools
    assert "/en/admin/" not in tools
    assert "Log in" not in tools


@pytest.mark.parametrize("kind", ["is_staff", "role"])
def test_staff_see_the_admin_link(client: Any, make_staff: Any, kind: str) -> None:
    if kind == "is_staff":
        user = UserFactory(is_staff=True)
    else:
        user = make_staff(role=StaffMembership.Role.INSTRUCTOR)
    client.force_login(user)
    assert "/en/admin/" in header(client)


def test_the_header_costs_no_query_for_visitors(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(0):
        client.get("/en/accounts/login/")
