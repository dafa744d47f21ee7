"""Email verification: the signed link, its failures, resending, and the user's verified state."""

import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services
from accounts.models import User
from accounts.tokens import (
    EMAIL_VERIFICATION_MAX_AGE,
    ExpiredToken,
    InvalidToken,
    make_email_verification_token,
)
from tests.accounts.conftest import link_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def unverified_user(**fields: Any) -> User:
    """The factory's users have verified addresses; these tests start without."""
    return UserFactory(email_verified_at=None, **fields)


def token_for(user: User, *, age: timedelta = timedelta(0)) -> str:
    """A token made `age` ago."""
    made_at = time.time() - age.total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=made_at):
        return make_email_verification_token(public_id=user.public_id, email=user.email)


def verify_url(token: str, language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("accounts:verify_email", kwargs={"token": token})


def test_the_mailed_link_verifies_the_address(client: Any, deliver: Any) -> None:
    user = unverified_user(preferred_language="en")
    with deliver():
        services.user_send_verification_email(
            user=user, absolute_url=lambda path: f"http://testserver{path}"
        )
    [message] = mail.outbox
    assert message.to == [user.email]

    response = client.get(link_in(message))

    assert response.status_code == 200
    assert "Your email address is verified" in response.content.decode()
    user.refresh_from_db()
    assert user.is_email_verified
    assert user.email_verified_at is not None


def test_verifying_twice_changes_nothing(client: Any) -> None:
    user = unverified_user()
    token = token_for(user)
    assert client.get(verify_url(token)).status_code == 200
    user.refresh_from_db()
    first = user.email_verified_at

    assert client.get(verify_url(token, "en")).status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at == first


def test_a_link_is_valid_for_three_days(client: Any) -> None:
    user = unverified_user()
    almost = token_for(user, age=EMAIL_VERIFICATION_MAX_AGE - timedelta(minutes=1))
    assert client.get(verify_url(almost)).status_code == 200


def test_an_expired_link_says_so_and_offers_a_new_one(client: Any) -> None:
    user = unverified_user()
    token = token_for(user, age=EMAIL_VERIFICATION_MAX_AGE + timedelta(seconds=1))
    client.force_login(user)

    response = client.get(verify_url(token, "en"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "The link has expired" in page
    assert reverse("accounts:verify_email_resend") in page
    user.refresh_from_db()
    assert not user.is_email_verified
    with pytest.raises(ExpiredToken):
        services.user_verify_email(token=token)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "0" + token[1:] if token[0] != "0" else "1" + token[1:],
        lambda token: token.split(":")[0],
        lambda token: "not-a-token",
        lambda token: "x" * 5000,
        lambda token: "渝创:渝创:渝创",
        lambda token: ":::",
    ],
)
def test_a_tampered_link_is_refused(client: Any, tamper: Any) -> None:
    user = unverified_user()
    client.force_login(user)
    response = client.get(verify_url(tamper(token_for(user)), "en"))
    assert response.status_code == 400
    assert "The link is not valid" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_email_verified


def test_anonymous_visitors_of_a_bad_link_are_asked_to_log_in(client: Any) -> None:
    response = client.get(verify_url("not-a-token", "en"))
    assert response.status_code == 400
    assert reverse("accounts:login") in response.content.decode()


def test_a_token_signed_for_another_purpose_is_refused() -> None:
    user = unverified_user()
    other = signing.TimestampSigner(salt="something-else").sign(f"{user.public_id.hex}.x")
    with pytest.raises(InvalidToken):
        services.user_verify_email(token=other)


def test_a_link_stops_working_when_the_address_changes(client: Any) -> None:
    user = unverified_user(email="old@example.com")
    token = token_for(user)
    user.email = "new@example.com"
    user.save()

    assert client.get(verify_url(token)).status_code == 400
    user.refresh_from_db()
    assert not user.is_email_verified


def test_a_link_verifies_only_the_user_it_was_made_for(client: Any) -> None:
    alice, bob = unverified_user(), unverified_user()
    # Alice's id with Bob's address: a mix-up or a forgery, either way not a link we made.
    mixed = make_email_verification_token(public_id=alice.public_id, email=bob.email)
    assert client.get(verify_url(mixed)).status_code == 400

    # Bob, logged in, opens Alice's real link: Alice's address is verified, not Bob's.
    client.force_login(bob)
    response = client.get(verify_url(token_for(alice), "en"))
    assert response.status_code == 200
    assert "logged in with another account" in response.content.decode()
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.is_email_verified
    assert not bob.is_email_verified


def test_a_deactivated_user_cannot_verify(client: Any) -> None:
    user = unverified_user(is_active=False)
    assert client.get(verify_url(token_for(user))).status_code == 400


def test_a_new_address_must_be_verified_again() -> None:
    user = UserFactory(email_verified_at=timezone.now())
    user = User.objects.get(pk=user.pk)
    assert user.is_email_verified
    user.email = "Moved@Example.com"
    user.save(update_fields=["email"])
    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert not user.is_email_verified


def test_saving_other_fields_keeps_the_verification() -> None:
    user = User.objects.get(pk=UserFactory(email_verified_at=timezone.now()).pk)
    user.display_name = "New name"
    user.save()
    user.refresh_from_db()
    assert user.is_email_verified


def resend(client: Any, language: str = "zh-hans", **data: Any) -> Any:
    with translation.override(language):
        return client.post(reverse("accounts:verify_email_resend"), data)


def test_resend_mails_a_new_link_at_most_once_a_minute(client: Any, deliver: Any) -> None:
    user = unverified_user(preferred_language="en")
    client.force_login(user)

    with deliver():
        first = resend(client, "en")
    assert first.status_code == 302
    assert first["Location"] == "/en/accounts/email/verify/"
    assert len(mail.outbox) == 1

    with deliver():
        second = resend(client, "en")
    assert len(mail.outbox) == 1
    page = client.get(second["Location"]).content.decode()
    assert "less than a minute ago" in page

    # A minute later the throttle has expired.
    later = time.time() + 61
    with deliver(), mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        resend(client, "en")
    assert len(mail.outbox) == 2


def test_the_throttle_is_per_user(client: Any, deliver: Any) -> None:
    for user in UserFactory.create_batch(2, email_verified_at=None):
        client.force_login(user)
        with deliver():
            resend(client)
    assert len(mail.outbox) == 2


def test_resend_returns_to_a_safe_next_page_only(client: Any, deliver: Any) -> None:
    client.force_login(unverified_user())
    with deliver():
        response = resend(client, next="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"
    with deliver():
        response = resend(client, next="https://evil.example/")
    assert response["Location"] == "/accounts/email/verify/"


def test_resend_is_post_only_and_for_logged_in_users(client: Any, deliver: Any) -> None:
    url = reverse("accounts:verify_email_resend")
    client.force_login(unverified_user())
    assert client.get(url).status_code == 405
    client.logout()
    with deliver():
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert mail.outbox == []


def test_resend_does_nothing_for_a_verified_address(client: Any, deliver: Any) -> None:
    client.force_login(UserFactory(email_verified_at=timezone.now()))
    with deliver():
        response = resend(client, "en")
    assert mail.outbox == []
    assert "already verified" in client.get(response["Location"]).content.decode()


def test_the_check_your_mailbox_page_needs_a_login(client: Any) -> None:
    response = client.get(reverse("accounts:verify_email_sent"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_mail_is_in_the_recipients_language_with_an_html_part(deliver: Any) -> None:
    user = unverified_user(preferred_language="en", display_name="Ann <b>O'Neil</b>")
    with translation.override("zh-hans"), deliver():
        services.user_send_verification_email(
            user=user, absolute_url=lambda path: f"https://yuchuang.example.cn{path}"
        )
    [message] = mail.outbox
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert 'lang="en"' in html
    assert "https://yuchuang.example.cn/en/accounts/email/verify/" in message.body
    assert "Ann <b>O'Neil</b>" in message.body  # plain text is not HTML-escaped
    assert "Ann &lt;b&gt;O&#x27;Neil&lt;/b&gt;" in html  # the HTML part is
    assert "3 days" in message.body


def test_a_mail_server_failure_does_not_break_the_page(client: Any, deliver: Any) -> None:
    client.force_login(unverified_user())
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError),
        deliver(),
    ):
        response = resend(client)
    assert response.status_code == 302
