"""The profile page: what it shows, saving, the language switch, consent and bad input."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def profile_url(language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("accounts:profile")


def form_data(user: User, **overrides: Any) -> dict[str, Any]:
    data = {
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "learner_type": user.learner_type,
        "home_institution": user.home_institution_id or "",
        "member_number": user.member_number,
        "sex": user.sex,
    }
    if user.sex_consent:
        data["sex_consent"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def snapshot(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    return (
        user.display_name,
        user.preferred_language,
        user.learner_type,
        user.home_institution_id,
        user.member_number,
        user.sex,
        user.sex_consent,
    )


def test_the_profile_needs_a_login(client: Any) -> None:
    response = client.get(profile_url("en"))
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/accounts/profile/"


def test_the_profile_shows_the_address_and_its_state(client: Any) -> None:
    user = UserFactory(email="li.na@example.com", email_verified_at=None)
    client.force_login(user)
    page = client.get(profile_url("en")).content.decode()
    assert "li.na@example.com" in page
    assert "Not verified yet" in page
    assert reverse("accounts:verify_email_resend") in page
    assert reverse("accounts:password_change") in page
    assert 'name="email"' not in page  # shown, not editable

    user.email_verified_at = timezone.now()
    user.save()
    page = client.get(profile_url("en")).content.decode()
    assert "Verified" in page
    assert reverse("accounts:verify_email_resend") not in page


def test_saving_updates_the_profile_and_switches_language(client: Any) -> None:
    user = UserFactory(preferred_language="zh-hans", learner_type="student")
    home = InstitutionFactory()
    client.force_login(user)

    response = client.post(
        profile_url("zh-hans"),
        form_data(
            user,
            display_name="  Li Na ",
            preferred_language="en",
            learner_type="employee",
            home_institution=home.pk,
            member_number="E-77",
            sex="female",
            sex_consent="on",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/profile/"
    assert snapshot(user) == ("Li Na", "en", "employee", home.pk, "E-77", "female", True)
    page = client.get(response["Location"])
    assert "Your profile is saved." in page.content.decode()


def test_unticking_consent_removes_sex(client: Any) -> None:
    user = UserFactory(sex="male", sex_consent=True)
    client.force_login(user)
    # The radio buttons still say "male": unticking the box is what counts.
    response = client.post(profile_url(), form_data(user, sex="male", sex_consent=None))
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.sex, user.sex_consent) == ("", False)


def test_prefer_not_to_say_removes_sex(client: Any) -> None:
    user = UserFactory(sex="female", sex_consent=True)
    client.force_login(user)
    client.post(profile_url(), form_data(user, sex=""))
    user.refresh_from_db()
    assert (user.sex, user.sex_consent) == ("", False)


def test_a_new_sex_without_consent_is_refused(client: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    before = snapshot(user)
    response = client.post(profile_url("en"), form_data(user, sex="female", display_name="New"))
    assert response.status_code == 200
    assert response.context["form"].errors["sex_consent"]
    assert "Your sex is optional." in response.content.decode()
    assert snapshot(user) == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"display_name": ""},
        {"display_name": "x" * 5000},
        {"preferred_language": "xx"},
        {"learner_type": "king"},
        {"home_institution": "424242"},
        {"home_institution": "1e9"},
        {"home_institution": "-1"},
        {"member_number": "#" * 51},
        {"sex": "unknown", "sex_consent": "on"},
    ],
)
def test_bad_input_changes_nothing(client: Any, overrides: dict[str, Any]) -> None:
    user = UserFactory()
    client.force_login(user)
    before = snapshot(user)
    response = client.post(profile_url(), form_data(user, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert snapshot(user) == before


def test_an_inactive_institution_cannot_be_chosen_but_can_be_kept(client: Any) -> None:
    closed = InstitutionFactory(is_active=False)
    other_closed = InstitutionFactory(is_active=False)
    user = UserFactory(home_institution=closed)
    client.force_login(user)

    kept = client.post(profile_url(), form_data(user, display_name="Kept"))
    assert kept.status_code == 302
    assert snapshot(user)[3] == closed.pk

    refused = client.post(profile_url(), form_data(user, home_institution=other_closed.pk))
    assert refused.context["form"].errors["home_institution"]


def test_the_profile_page_needs_few_queries(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    InstitutionFactory.create_batch(5)
    client.force_login(UserFactory(home_institution=InstitutionFactory()))
    # session, user, institution choices, header's staff roles and unread count
    with django_assert_max_num_queries(5):
        assert client.get(profile_url()).status_code == 200
