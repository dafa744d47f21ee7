"""courses.selectors.public_offering_to_enroll: the ORM lookup it replaces, in one query."""

import uuid

import pytest

from courses.models import Offering
from courses.selectors import public_offering_to_enroll
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_the_public_offering_comes_with_its_course_institution_and_term(
    django_assert_num_queries,
):
    offering = OfferingFactory(section="02")
    with django_assert_num_queries(1):
        found = public_offering_to_enroll(offering.public_id)
        assert found is not None
        read = (
            found.pk, found.public_id, found.section, found.course_id, found.term_id,
            found.course.code, found.course.title_zh, found.course.title_en,
            found.course.institution.code, found.course.institution.max_enrollments_per_term,
            found.term.code,
        )  # fmt: skip
    course, institution = offering.course, offering.course.institution
    assert read == (
        offering.pk, offering.public_id, "02", course.pk, offering.term_id,
        course.code, course.title_zh, course.title_en,
        institution.code, institution.max_enrollments_per_term, offering.term.code,
    )  # fmt: skip
    assert isinstance(found.public_id, uuid.UUID)
    assert found._state.adding is False
    # What enrolling does not read is deferred, and loads on demand as with only().
    assert found.get_deferred_fields() >= {"capacity", "status"}
    assert found.capacity == offering.capacity


@pytest.mark.parametrize(
    "status", [Offering.Status.PUBLISHED, Offering.Status.CANCELLED, Offering.Status.ARCHIVED]
)
def test_public_statuses_are_found(status):
    offering = OfferingFactory(status=status)
    assert public_offering_to_enroll(offering.public_id).pk == offering.pk


def test_drafts_inactive_courses_and_unknown_ids_are_not():
    draft = OfferingFactory(status=Offering.Status.DRAFT)
    hidden = OfferingFactory()
    hidden.course.is_active = False
    hidden.course.save()
    assert public_offering_to_enroll(draft.public_id) is None
    assert public_offering_to_enroll(hidden.public_id) is None
    assert public_offering_to_enroll(uuid.uuid4()) is None
    assert public_offering_to_enroll(str(draft.public_id)) is None
