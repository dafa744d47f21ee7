"""Sign-up: the happy path in both languages, every refusal, and the consent rule for sex."""

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.models import User
from tests.accounts.conftest import link_in
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Tea-with-lemon-42"


def signup_url(language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("accounts:signup")


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "email": "Li.Na@Example.COM",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "display_name": "李娜",
        "learner_type": "student",
        "home_institution": "",
        "member_number": "2026001",
        "preferred_language": "zh-hans",
        "sex": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_sign_up_creates_logs_in_and_mails_a_link(client: Any, deliver: Any) -> None:
    home = InstitutionFactory(short_name_en="CQJTU")
    with deliver():
        response = client.post(
            signup_url("en"),
            form_data(home_institution=home.pk, preferred_language="en"),
        )

    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/email/verify/"
    user = User.objects.get()
    assert user.email == "li.na@example.com"
    assert user.check_password(GOOD_PASSWORD)
    assert (user.display_name, user.learner_type) == ("李娜", "student")
    assert (user.home_institution, user.member_number) == (home, "2026001")
    assert (user.preferred_language, user.sex, user.sex_consent) == ("en", "", False)
    assert not user.is_email_verified
    assert client.session["_auth_user_id"] == str(user.pk)

    [message] = mail.outbox
    assert message.to == ["li.na@example.com"]
    assert "\n" not in message.subject
    assert link_in(message).startswith("/en/accounts/email/verify/")

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "li.na@example.com" in page.content.decode()
    assert reverse("accounts:verify_email_resend") in page.content.decode()


def test_preferred_language_defaults_to_the_page_language(client: Any) -> None:
    zh = client.get(signup_url("zh-hans")).context["form"]
    en = client.get(signup_url("en")).context["form"]
    assert zh["preferred_language"].value() == "zh-hans"
    assert en["preferred_language"].value() == "en"


def test_the_mail_follows_the_chosen_language_not_the_page(client: Any, deliver: Any) -> None:
    with deliver():
        client.post(signup_url("en"), form_data(preferred_language="zh-hans"))
    [message] = mail.outbox
    assert link_in(message).startswith("/accounts/email/verify/")
    assert 'lang="zh-Hans"' in message.alternatives[0][0]  # type: ignore[attr-defined]


def test_sex_is_stored_with_consent(client: Any, deliver: Any) -> None:
    with deliver():
        response = client.post(signup_url(), form_data(sex="female", sex_consent="on"))
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.sex, user.sex_consent) == ("female", True)


def test_prefer_not_to_say_stores_nothing_even_with_consent(client: Any, deliver: Any) -> None:
    with deliver():
        client.post(signup_url(), form_data(sex="", sex_consent="on"))
    user = User.objects.get()
    assert (user.sex, user.sex_consent) == ("", False)


def test_the_consent_text_is_beside_the_box(client: Any) -> None:
    page = client.get(signup_url("en")).content.decode()
    text = "Your sex is optional. If you give it, it is used only for anonymous statistics"
    assert text in page
    assert 'aria-describedby="sex-consent-text"' in page
    assert page.index('name="sex_consent"') < page.index(text)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "x" * 250 + "@example.com"}, "email"),
        ({"password2": "Tea-with-lemon-43"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password2"),
        ({"password1": "password123", "password2": "password123"}, "password2"),
        ({"password1": "84736251907", "password2": "84736251907"}, "password2"),
        ({"password1": "li.na@example.com", "password2": "li.na@example.com"}, "password2"),
        ({"password1": None}, "password1"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "名" * 101}, "display_name"),
        ({"display_name": "a\x00b"}, "display_name"),
        ({"learner_type": "professor"}, "learner_type"),
        ({"learner_type": ""}, "learner_type"),
        ({"home_institution": "999999"}, "home_institution"),
        ({"home_institution": "99999999999999999999999999"}, "home_institution"),
        ({"home_institution": "abc"}, "home_institution"),
        ({"member_number": "9" * 51}, "member_number"),
        ({"preferred_language": "fr"}, "preferred_language"),
        ({"sex": "other", "sex_consent": "on"}, "sex"),
        ({"sex": "male"}, "sex_consent"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(
    client: Any, deliver: Any, overrides: dict[str, Any], field: str
) -> None:
    with deliver():
        response = client.post(signup_url(), form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.get(field), form.errors
    assert not User.objects.exists()
    assert mail.outbox == []
    assert "_auth_user_id" not in client.session


def test_an_inactive_institution_is_not_offered(client: Any) -> None:
    closed = InstitutionFactory(is_active=False)
    response = client.post(signup_url(), form_data(home_institution=closed.pk))
    assert response.context["form"].errors["home_institution"]
    choices = [value for value, _ in response.context["form"].fields["home_institution"].choices]
    assert closed.pk not in [getattr(value, "value", value) for value in choices]


def test_institutions_are_labelled_by_display_name(client: Any) -> None:
    InstitutionFactory(name_en="Chongqing Jiaotong University", short_name_en="CQJTU")
    page = client.get(signup_url("en")).content.decode()
    assert ">CQJTU</option>" in page


def test_an_address_is_taken_whatever_its_case(client: Any) -> None:
    UserFactory(email="li.na@example.com")
    response = client.post(signup_url(), form_data(email="LI.NA@example.com"))
    assert response.context["form"].errors["email"]
    assert User.objects.count() == 1


def test_signed_in_people_go_to_their_profile(client: Any) -> None:
    client.force_login(UserFactory())
    response = client.get(signup_url("en"))
    assert response["Location"] == "/en/accounts/profile/"


def test_the_service_refuses_sex_without_consent() -> None:
    with pytest.raises(ValidationError) as caught:
        services.user_sign_up(
            email="a@example.com",
            password=GOOD_PASSWORD,
            display_name="A",
            learner_type="public",
            preferred_language="en",
            sex="male",
            absolute_url=lambda path: path,
        )
    assert "sex_consent" in caught.value.message_dict
    assert not User.objects.exists()


def test_the_service_refuses_an_inactive_institution() -> None:
    with pytest.raises(ValidationError) as caught:
        services.user_sign_up(
            email="a@example.com",
            password=GOOD_PASSWORD,
            display_name="A",
            learner_type="public",
            preferred_language="en",
            home_institution=InstitutionFactory(is_active=False),
            absolute_url=lambda path: path,
        )
    assert "home_institution" in caught.value.message_dict


def test_nothing_is_mailed_when_the_transaction_rolls_back(deliver: Any) -> None:
    def sign_up_then_fail() -> None:
        with transaction.atomic():
            services.user_sign_up(
                email="a@example.com",
                password=GOOD_PASSWORD,
                display_name="A",
                learner_type="public",
                preferred_language="en",
                absolute_url=lambda path: f"http://testserver{path}",
            )
            raise RuntimeError("something later in the same transaction failed")

    with deliver() as callbacks, pytest.raises(RuntimeError):
        sign_up_then_fail()
    assert callbacks == []
    assert mail.outbox == []
    assert not User.objects.exists()


def test_the_sign_up_page_needs_few_queries(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    InstitutionFactory.create_batch(5)
    with django_assert_max_num_queries(2):
        assert client.get(signup_url()).status_code == 200
