"""partner_learner_upsert: register, link or update a partner's learner, in one transaction."""

import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from partners.exceptions import LearnerConflict
from partners.models import PartnerLearner
from partners.services import partner_learner_upsert
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://testserver(/\S+)")


def absolute(path: str) -> str:
    return f"http://testserver{path}"


def upsert(organisation: Any, external_id: str = "E1001", **fields: Any) -> Any:
    data = {
        "email": "wang.fang@example.com",
        "display_name": "王芳",
        "learner_type": "employee",
        **fields,
    }
    return partner_learner_upsert(
        organisation=organisation, external_id=external_id, absolute_url=absolute, **data
    )


def link_in(message: Any) -> str:
    links = set(LINK.findall(message.body))
    assert len(links) == 1, message.body
    path = links.pop()
    assert path in message.alternatives[0][0]
    return path


def test_a_new_learner_gets_an_account_without_password_and_an_invitation(make_partner, deliver):
    partner = make_partner("HR01", name_zh="长寿经开区人力资源系统", name_en="Changshou HR")
    with deliver():
        link, created = upsert(partner, member_number=" HR-1001 ")
    assert created is True
    user = link.user
    assert (link.organisation, link.external_id) == (partner, "E1001")
    assert (user.email, user.display_name, user.learner_type) == (
        "wang.fang@example.com",
        "王芳",
        "employee",
    )
    assert user.member_number == "HR-1001"
    assert user.preferred_language == "zh-hans"
    assert not user.has_usable_password()
    assert user.email_verified_at is None
    [message] = mail.outbox
    assert message.to == ["wang.fang@example.com"]
    assert "长寿经开区人力资源系统" in message.subject
    assert "王芳，您好" in message.body  # the person's language, Chinese by default
    assert "长寿经开区人力资源系统" in message.body
    assert "该链接仅可使用一次" in message.body
    path = link_in(message)
    assert path.startswith("/accounts/password/reset/")  # no /en/: Chinese pages


def test_the_invitation_link_lets_the_person_choose_a_password(make_partner, deliver):
    with deliver():
        link, _ = upsert(make_partner())
    path = link_in(mail.outbox[0])
    browser = Client()
    form = browser.get(path, follow=True)
    assert form.status_code == 200
    assert form.context["validlink"] is True
    chosen = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "A-long-new-passphrase-9", "new_password2": "A-long-new-passphrase-9"},
    )
    assert chosen.status_code == 302
    link.user.refresh_from_db()
    assert link.user.check_password("A-long-new-passphrase-9")
    assert Client().get(path, follow=True).context["validlink"] is False  # works once


def test_the_invitation_is_in_english_for_english_speakers(make_partner, deliver):
    partner = make_partner(name_zh="某人力资源系统", name_en="Some HR system")
    with deliver():
        upsert(partner, preferred_language="en")
    [message] = mail.outbox
    assert "Some HR system registered you on Yuchuang" in message.subject
    assert message.body.startswith("Hello 王芳,")
    assert "The link works once and expires in 3 days." in message.body
    assert "Some HR system" in message.body
    assert link_in(message).startswith("/en/accounts/password/reset/")
    assert 'lang="en"' in message.alternatives[0][0]


def test_mail_goes_out_only_when_the_transaction_commits(
    make_partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upsert(make_partner())
    assert mail.outbox == []
    assert len(callbacks) == 1


@pytest.mark.parametrize("email", ["wang.fang@example.com", "new.address@example.com"])
def test_a_failing_mail_leaves_no_half_learner(make_partner, email):
    partner = make_partner()
    with (
        mock.patch("partners.services.send_email", side_effect=RuntimeError("template broke")),
        pytest.raises(RuntimeError),
    ):
        upsert(partner, email=email)
    assert not User.objects.filter(email=email).exists()
    assert not PartnerLearner.objects.exists()


def test_a_failing_mail_on_an_address_change_changes_nothing(make_partner):
    partner = make_partner()
    link, _ = upsert(partner)
    with (
        mock.patch("partners.services.send_email", side_effect=RuntimeError("template broke")),
        pytest.raises(RuntimeError),
    ):
        upsert(partner, email="new.address@example.com", display_name="王芳芳")
    link.user.refresh_from_db()
    assert (link.user.email, link.user.display_name) == ("wang.fang@example.com", "王芳")


def test_the_same_record_again_changes_nothing_and_sends_nothing(make_partner, deliver):
    partner = make_partner()
    first, _ = upsert(partner)
    user_updated, link_updated = first.user.updated_at, first.updated_at
    with deliver():
        again, created = upsert(partner, email="Wang.Fang@Example.COM")
    assert created is False
    assert again.pk == first.pk
    assert mail.outbox == []
    again.refresh_from_db()
    again.user.refresh_from_db()
    assert (again.user.updated_at, again.updated_at) == (user_updated, link_updated)


def test_an_update_changes_the_profile_without_mail(make_partner, deliver):
    partner = make_partner()
    first, _ = upsert(partner)
    with deliver():
        _, created = upsert(
            partner,
            display_name="王芳（财务部）",
            learner_type="government",
            member_number="G-7",
            preferred_language="en",
        )
    assert created is False
    user = User.objects.get(pk=first.user_id)
    assert (user.display_name, user.learner_type, user.member_number, user.preferred_language) == (
        "王芳（财务部）",
        "government",
        "G-7",
        "en",
    )
    assert mail.outbox == []
    assert User.objects.count() == 2  # the learner and the partner's service account


def test_a_new_address_before_activation_is_taken_and_invited_again(make_partner, deliver):
    partner = make_partner()
    with deliver():
        upsert(partner)
    old_link = link_in(mail.outbox[0])
    mail.outbox.clear()
    with deliver():
        link, created = upsert(partner, email="fang.wang@example.com")
    assert created is False
    link.user.refresh_from_db()
    assert link.user.email == "fang.wang@example.com"
    [message] = mail.outbox
    assert message.to == ["fang.wang@example.com"]
    assert link_in(message) != old_link
    assert Client().get(old_link, follow=True).context["validlink"] is False


def test_an_address_of_another_account_is_refused(make_partner):
    partner = make_partner()
    link, _ = upsert(partner)
    UserFactory(email="taken@example.com")
    with pytest.raises(LearnerConflict) as refused:
        upsert(partner, email="taken@example.com")
    assert (refused.value.code, refused.value.http_status) == ("email_in_use", 409)
    link.user.refresh_from_db()
    assert link.user.email == "wang.fang@example.com"


def test_another_learner_of_the_same_partner_with_the_address_is_refused(make_partner):
    partner = make_partner()
    upsert(partner, "E1")
    with pytest.raises(LearnerConflict) as refused:
        upsert(partner, "E2")
    assert refused.value.code == "email_in_use"
    upsert(partner, "E3", email="other@example.com")
    with pytest.raises(LearnerConflict):
        upsert(partner, "E3", email="wang.fang@example.com")
    assert PartnerLearner.objects.filter(organisation=partner).count() == 2


def test_the_address_of_an_activated_learner_is_theirs(make_partner):
    partner = make_partner()
    link, _ = upsert(partner)
    link.user.set_password("chosen-by-the-person")
    link.user.save()
    with pytest.raises(LearnerConflict) as refused:
        upsert(partner, email="takeover@example.com")
    assert refused.value.code == "email_locked"
    link.user.refresh_from_db()
    assert link.user.email == "wang.fang@example.com"


def test_the_address_of_a_learner_another_partner_also_manages_is_locked(make_partner):
    first, second = make_partner(), make_partner()
    upsert(first, "A1")
    upsert(second, "B1")  # links the same account
    with pytest.raises(LearnerConflict) as refused:
        upsert(second, "B1", email="elsewhere@example.com")
    assert refused.value.code == "email_locked"


def test_an_existing_account_is_linked_not_duplicated(make_partner, deliver):
    person = UserFactory(email="li.ming@example.com", display_name="李明", preferred_language="en")
    partner = make_partner(name_zh="某园区", name_en="Some Park")
    with deliver():
        link, created = upsert(
            partner, email="LI.MING@example.com", display_name="李明", preferred_language="en"
        )
    assert created is True
    assert link.user == person
    assert User.objects.filter(email="li.ming@example.com").count() == 1
    person.refresh_from_db()
    assert person.check_password("pw-for-tests")  # their password is untouched
    [message] = mail.outbox
    assert message.to == ["li.ming@example.com"]
    assert "Some Park now manages your enrollments" in message.subject
    assert "you log in as before" in message.body
    assert link_in(message) == "/en/accounts/login/"


def test_linking_an_account_without_a_password_offers_to_choose_one(make_partner, deliver):
    first, second = make_partner(), make_partner()
    upsert(first, "A1")  # registered by the first partner, never activated
    with deliver():
        link, created = upsert(second, "B1")
    assert created is True
    [message] = mail.outbox  # the notice of the second partner only
    assert second.name_zh in message.subject
    assert link_in(message).startswith("/accounts/password/reset/")
    assert PartnerLearner.objects.filter(user=link.user).count() == 2


@pytest.mark.parametrize("kind", ["superuser", "operator", "inactive", "service account"])
def test_accounts_that_are_not_peoples_own_are_never_linked(make_partner, kind):
    partner = make_partner()
    if kind == "service account":
        email = make_partner().service_user.email
    else:
        email = "someone@example.com"
        UserFactory(
            email=email,
            is_superuser=kind == "superuser",
            is_staff=kind in ("superuser", "operator"),
            is_active=kind != "inactive",
        )
    with pytest.raises(LearnerConflict) as refused:
        upsert(partner, email=email)
    assert refused.value.code == "email_in_use"
    assert not PartnerLearner.objects.exists()


def test_external_ids_are_the_partners_own(make_partner):
    first, second = make_partner(), make_partner()
    a, _ = upsert(first, "E1", email="a@example.com")
    b, created = upsert(second, "E1", email="b@example.com")
    assert created is True
    assert a.user != b.user


@pytest.mark.parametrize(
    ("external_id", "fields", "invalid"),
    [
        ("bad id", {}, {"external_id"}),
        ("x" * 101, {}, {"external_id"}),
        ("..", {}, {"external_id"}),
        ("E1", {"email": "not-an-address"}, {"email"}),
        (
            "E1",
            {"learner_type": "alien", "preferred_language": "fr"},
            {"learner_type", "preferred_language"},
        ),
        (
            "E1",
            {"display_name": "x" * 101, "member_number": "9" * 51},
            {"display_name", "member_number"},
        ),
    ],
)
def test_invalid_fields_are_refused_by_field(make_partner, external_id, fields, invalid):
    with pytest.raises(ValidationError) as refused:
        upsert(make_partner(), external_id, **fields)
    assert set(refused.value.message_dict) == invalid
    assert not PartnerLearner.objects.exists()


def test_allowed_external_ids(make_partner):
    partner = make_partner()
    for n, external_id in enumerate(["E-1001", "2025.0042", "hr_7", "x" * 100]):
        link, created = upsert(partner, external_id, email=f"p{n}@example.com")
        assert created
        assert link.external_id == external_id
