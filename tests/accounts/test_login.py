"""Log in by email, where it leads afterwards, the lock-out after repeated failures, log out."""

import time
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from accounts import throttling
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login_url(language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("accounts:login")


def log_in(client: Any, email: str, password: str, language: str = "zh-hans", **extra: Any) -> Any:
    return client.post(login_url(language), {"username": email, "password": password, **extra})


def logged_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("preferred", "page_language", "home"),
    [("zh-hans", "zh-hans", "/"), ("en", "zh-hans", "/en/"), ("zh-hans", "en", "/")],
)
def test_log_in_leads_home_in_the_users_language(
    client: Any, preferred: str, page_language: str, home: str
) -> None:
    user = UserFactory(email="li.na@example.com", preferred_language=preferred)
    response = log_in(client, "Li.Na@Example.com", PASSWORD, page_language)
    assert response.status_code == 302
    assert response["Location"] == home
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_safe_next_page_is_kept(client: Any) -> None:
    UserFactory(email="a@example.com")
    response = log_in(client, "a@example.com", PASSWORD, next="/en/courses/?q=design")
    assert response["Location"] == "/en/courses/?q=design"


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/", "//evil.example/path", "http:///evil.example", "javascript:alert(1)"],
)
def test_an_unsafe_next_page_is_ignored(client: Any, unsafe: str) -> None:
    UserFactory(email="a@example.com", preferred_language="en")
    response = log_in(client, "a@example.com", PASSWORD, next=unsafe)
    assert response["Location"] == "/en/"


def test_the_form_is_labelled_email_and_keeps_next(client: Any) -> None:
    response = client.get(login_url("en"), {"next": "/en/courses/"})
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"]["username"].label == "Email"
    assert 'type="email"' in page
    assert 'name="next" value="/en/courses/"' in page
    assert reverse("accounts:password_reset") in page


def test_a_wrong_password_is_refused(client: Any) -> None:
    UserFactory(email="a@example.com")
    response = log_in(client, "a@example.com", "wrong", "en")
    assert response.status_code == 200
    assert "The email address or the password is not correct." in response.content.decode()
    assert not logged_in(client)


def test_a_deactivated_user_cannot_log_in(client: Any) -> None:
    UserFactory(email="a@example.com", is_active=False)
    assert log_in(client, "a@example.com", PASSWORD).status_code == 200
    assert not logged_in(client)


def test_logged_in_people_are_sent_on(client: Any) -> None:
    client.force_login(UserFactory(preferred_language="en"))
    assert client.get(login_url())["Location"] == "/en/"


def fail(client: Any, email: str, times: int, **extra: Any) -> None:
    for _ in range(times):
        assert log_in(client, email, "wrong", **extra).status_code == 200


def test_five_failures_lock_the_address_even_for_the_right_password(client: Any) -> None:
    UserFactory(email="a@example.com")
    fail(client, "a@example.com", 3)
    fail(client, "A@EXAMPLE.COM", 2)  # the same address, whatever the case

    with mock.patch.object(ModelBackend, "authenticate") as authenticate:
        response = log_in(client, "a@example.com", PASSWORD, "en")
    authenticate.assert_not_called()  # the password is not even checked
    assert response.status_code == 429
    assert "Too many failed attempts to log in" in response.content.decode()
    assert not logged_in(client)

    # Another address from the same client is not locked by this one.
    UserFactory(email="b@example.com")
    assert log_in(client, "b@example.com", PASSWORD).status_code == 302


def test_the_lock_lasts_fifteen_minutes(client: Any) -> None:
    UserFactory(email="a@example.com")
    fail(client, "a@example.com", 5)
    soon = time.time() + 14 * 60
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=soon):
        assert log_in(client, "a@example.com", PASSWORD).status_code == 429
    later = time.time() + 15 * 60 + 1
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        assert log_in(client, "a@example.com", PASSWORD).status_code == 302


def test_failures_older_than_fifteen_minutes_do_not_count(client: Any) -> None:
    UserFactory(email="a@example.com")
    fail(client, "a@example.com", 4)
    later = time.time() + 15 * 60 + 1
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        fail(client, "a@example.com", 1)
        assert log_in(client, "a@example.com", PASSWORD).status_code == 302


def test_a_successful_log_in_clears_the_count(client: Any) -> None:
    UserFactory(email="a@example.com")
    fail(client, "a@example.com", 4)
    assert log_in(client, "a@example.com", PASSWORD).status_code == 302
    client.logout()
    fail(client, "a@example.com", 4)
    assert log_in(client, "a@example.com", PASSWORD).status_code == 302


def test_twenty_failures_from_one_client_lock_that_client() -> None:
    UserFactory(email="victim@example.com")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(throttling.LOGIN_MAX_FAILURES_PER_IP):
        log_in(attacker, f"guess{n}@example.com", "wrong")

    assert log_in(attacker, "victim@example.com", PASSWORD).status_code == 429
    # Another client may still log in to the same account.
    assert (
        log_in(Client(REMOTE_ADDR="198.51.100.2"), "victim@example.com", PASSWORD).status_code
        == 302
    )


@override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_behind_a_proxy_the_configured_header_names_the_client() -> None:
    for n in range(throttling.LOGIN_MAX_FAILURES_PER_IP):
        log_in(Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7"), f"g{n}@x.cn", "no")
    UserFactory(email="a@example.com")
    other = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.2")
    assert log_in(other, "a@example.com", PASSWORD).status_code == 302


def test_log_out_is_post_only_and_leads_home(client: Any) -> None:
    client.force_login(UserFactory())
    with translation.override("en"):
        url = reverse("accounts:logout")
    assert client.get(url).status_code == 405
    assert logged_in(client)
    response = client.post(url)
    assert response["Location"] == "/en/"
    assert not logged_in(client)
