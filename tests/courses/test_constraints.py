"""Every invariant is a database constraint, and full_clean() reports it with a clear message."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone, translation

from accounts.models import User
from courses.models import Prerequisite
from institutions.models import Institution, StaffMembership
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgramFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def assert_refused(obj: Model, message: str) -> None:
    """full_clean() names the problem, and the database refuses the row all the same."""
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    assert message in str(caught.value.messages)
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


def _offering(**changes: Any) -> Any:
    offering = OfferingFactory()
    for name, value in changes.items():
        setattr(offering, name, value)
    return offering


CASES: list[tuple[str, Callable[[], Model], str]] = [
    (
        "offering ends before it starts",
        lambda: _offering(starts_on=date(2027, 3, 2), ends_on=date(2027, 3, 1)),
        "An offering cannot end before it starts.",
    ),
    (
        "enrollment closes before it opens",
        lambda: _offering(enrollment_closes_at=timezone.now() - timedelta(days=2)),
        "Enrollment must close after it opens.",
    ),
    (
        "drop deadline before enrollment opens",
        lambda: _offering(drop_deadline=timezone.now() - timedelta(days=5)),
        "The drop deadline cannot be before enrollment opens.",
    ),
    (
        "offering open to nobody",
        lambda: _offering(
            open_to_students=False,
            open_to_employees=False,
            open_to_government=False,
            open_to_public=False,
        ),
        "Open the offering to at least one kind of learner.",
    ),
    (
        "unknown offering status",
        lambda: _offering(status="deleted"),
        "Value 'deleted' is not a valid choice.",
    ),
    (
        "term ends before it starts",
        lambda: TermFactory.build(
            institution=InstitutionFactory(), starts_on=date(2027, 2, 1), ends_on=date(2027, 1, 1)
        ),
        "A term cannot end before it starts.",
    ),
    (
        "negative credits",
        lambda: CourseFactory.build(institution=InstitutionFactory(), credits=Decimal("-1")),
        "Ensure this value is greater than or equal to 0.",
    ),
    (
        "unknown course level",
        lambda: CourseFactory.build(institution=InstitutionFactory(), level="expert"),
        "Value 'expert' is not a valid choice.",
    ),
    (
        "unknown program kind",
        lambda: ProgramFactory.build(institution=InstitutionFactory(), kind="diploma"),
        "Value 'diploma' is not a valid choice.",
    ),
    (
        "institution project output 4",
        lambda: InstitutionFactory.build(project_output=4),
        "Value 4 is not a valid choice.",
    ),
    (
        "sex recorded without consent",
        lambda: UserFactory.build(sex=User.Sex.FEMALE, sex_consent=False),
        "Sex can only be recorded with the person's consent.",
    ),
]


@pytest.mark.parametrize(("case", "build", "message"), CASES, ids=[c[0] for c in CASES])
def test_check_constraints_refuse_bad_rows(case: str, build: Callable[[], Model], message: str):
    assert_refused(build(), message)


def test_negative_capacity_is_refused_by_the_database():
    offering = _offering(capacity=-1)
    with pytest.raises(ValidationError) as caught:
        offering.full_clean()
    assert "capacity" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        offering.save()


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (CourseFactory, "This institution already has a course with this code."),
        (ProgramFactory, "This institution already has a program with this code."),
    ],
)
def test_codes_are_unique_per_institution_ignoring_case(factory: Any, message: str):
    first = factory(code="IE101")
    duplicate = factory.build(institution=first.institution, code="ie101")
    assert_refused(duplicate, message)
    # The same code at another institution is fine.
    factory(code="IE101")


def test_term_codes_are_unique_per_institution():
    term = TermFactory()
    duplicate = TermFactory.build(institution=term.institution, code=term.code.upper())
    assert_refused(duplicate, "This institution already has a term with this code.")


def test_institution_codes_are_unique_ignoring_case():
    InstitutionFactory(code="CQJTU")
    assert_refused(
        InstitutionFactory.build(code="cqjtu"), "An institution with this code already exists."
    )


def test_offering_sections_are_unique_per_course_and_term():
    offering = OfferingFactory(section="01")
    duplicate = _offering()
    duplicate.course, duplicate.term, duplicate.section = offering.course, offering.term, "01"
    assert_refused(duplicate, "This course already has an offering with this section in this term.")


def test_offering_term_must_belong_to_the_course_institution():
    offering = OfferingFactory()
    offering.term = TermFactory(institution=InstitutionFactory())
    with pytest.raises(ValidationError) as caught:
        offering.full_clean()
    assert caught.value.message_dict["term"] == ["Choose a term of the course's own institution."]


def test_a_course_cannot_require_itself():
    course = CourseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Prerequisite.objects.create(course=course, required_course=course)
    with pytest.raises(ValidationError) as caught:
        Prerequisite(course=course, required_course=course).full_clean()
    assert "A course cannot be its own prerequisite." in caught.value.messages


def test_prerequisite_must_be_of_the_same_institution():
    course = CourseFactory()
    other = CourseFactory()
    with pytest.raises(ValidationError) as caught:
        Prerequisite(course=course, required_course=other).full_clean()
    assert caught.value.message_dict["required_course"] == [
        "A prerequisite must be a course of the same institution."
    ]


def test_one_role_per_user_and_institution():
    user, institution = UserFactory(), InstitutionFactory()
    StaffMembership.objects.create(user=user, institution=institution, role="instructor")
    assert_refused(
        StaffMembership(user=user, institution=institution, role="admin"),
        "This user already has a role at this institution.",
    )


def test_emails_are_unique_whatever_the_case():
    User.objects.create_user("Li.Ming@Example.com", "pw")
    with pytest.raises(ValidationError) as caught:
        User(email="li.ming@example.COM").full_clean(exclude=["password"])
    assert caught.value.message_dict["email"] == ["A user with this email address already exists."]
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="LI.MING@example.com").save()


def test_email_is_stored_lower_case_and_logs_in_in_any_case(client):
    User.objects.create_user("Wang.Fang@Example.com", "a-long-password")
    assert User.objects.get().email == "wang.fang@example.com"
    assert client.login(username="WANG.FANG@example.com", password="a-long-password")


def test_institution_kind_is_checked():
    assert_refused(InstitutionFactory.build(kind="school"), "Value 'school' is not a valid choice.")
    assert Institution.Kind.DEVELOPMENT_ZONE.label
