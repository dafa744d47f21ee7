"""Password reset by email, end to end, and password change from the profile."""

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlsafe_base64_encode

from tests.accounts.conftest import PASSWORD, link_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Green-tea-at-noon-7"


def url(name: str, language: str = "zh-hans", **kwargs: Any) -> str:
    with translation.override(language):
        return reverse(f"accounts:{name}", kwargs=kwargs or None)


def ask_for_reset(client: Any, deliver: Any, email: str, language: str = "zh-hans") -> Any:
    with deliver():
        return client.post(url("password_reset", language), {"email": email})


def test_reset_end_to_end(client: Any, deliver: Any) -> None:
    user = UserFactory(email="li.na@example.com", preferred_language="en")

    response = ask_for_reset(client, deliver, "Li.Na@Example.com")
    assert response["Location"] == url("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["li.na@example.com"]
    link = link_in(message)
    assert link.startswith("/en/accounts/password/reset/")  # the recipient's language
    assert f"/{urlsafe_base64_encode(user.public_id.bytes)}/" in link  # public id, not pk

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    assert "set-password" in set_password_url

    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/en/accounts/password/reset/done/"
    assert client.get(done["Location"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link works once.
    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "This link does not work" in again.content.decode()

    client.post(url("login"), {"username": "li.na@example.com", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    client.post(url("login"), {"username": "li.na@example.com", "password": NEW_PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_weak_new_password_is_refused(client: Any, deliver: Any) -> None:
    user = UserFactory(email="a@example.com")
    ask_for_reset(client, deliver, "a@example.com")
    page = client.get(link_in(mail.outbox[0]), follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client: Any, deliver: Any) -> None:
    response = ask_for_reset(client, deliver, "nobody@example.com", "en")
    assert response["Location"] == url("password_reset_done", "en")
    assert mail.outbox == []


def test_a_deactivated_user_gets_no_mail(client: Any, deliver: Any) -> None:
    UserFactory(email="a@example.com", is_active=False)
    ask_for_reset(client, deliver, "a@example.com")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("uidb64", "token"),
    [("MQ", "abc-123"), ("not base64!", "x"), ("AAAAAAAAAAAAAAAAAAAAAA", "abc-def"), ("", "x")],
)
def test_a_bad_reset_link_shows_a_message(client: Any, uidb64: str, token: str) -> None:
    response = client.get(f"/en/accounts/password/reset/{uidb64}/{token}/")
    assert response.status_code in {200, 404}
    if response.status_code == 200:
        assert not response.context["validlink"]


def test_a_reset_unlocks_a_locked_address(client: Any, deliver: Any) -> None:
    UserFactory(email="a@example.com")
    for _ in range(5):
        client.post(url("login"), {"username": "a@example.com", "password": "wrong"})
    assert (
        client.post(url("login"), {"username": "a@example.com", "password": PASSWORD}).status_code
        == 429
    )

    ask_for_reset(client, deliver, "a@example.com")
    page = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    response = client.post(url("login"), {"username": "a@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_password_change_keeps_the_user_logged_in(client: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get(url("password_change", "en")).status_code == 200

    wrong = client.post(
        url("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.context["form"].errors["old_password"]

    response = client.post(
        url("password_change", "en"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == "/en/accounts/profile/"
    assert client.get(response["Location"]).status_code == 200  # still logged in
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_needs_a_login(client: Any) -> None:
    response = client.get(url("password_change"))
    assert response["Location"].startswith(url("login"))


def test_invited_learner_without_a_password_can_ask_for_a_new_link(client, deliver):
    from accounts.models import User

    invited = User.objects.create_user("invited@example.com", None, email_verified_at=None)
    assert not invited.has_usable_password()
    with deliver():
        client.post("/en/accounts/password/reset/", {"email": "Invited@example.com"})
    assert len(mail.outbox) == 1
    form = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "A-long-new-password-1", "new_password2": "A-long-new-password-1"},
    )
    invited.refresh_from_db()
    assert invited.has_usable_password()
    assert invited.email_verified_at is not None  # the link proved the mailbox
