"""The staff import page: upload a CSV, see the dry run's preview, apply it, watch the job."""

import io
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from enrollment import batches
from enrollment.batches import RowInput
from enrollment.models import BatchRow, Enrollment, EnrollmentBatch, EnrollmentEvent
from institutions.models import StaffMembership
from tests.factories import InstitutionFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def url(name: str, *args: Any) -> str:
    with translation.override("en"):
        return reverse(f"enrollment:{name}", args=args)


def manager_of(offering: Any) -> Any:
    user = UserFactory()
    StaffMembership.objects.create(
        user=user, institution=offering.course.institution, role="course_manager"
    )
    return user


def csv_upload(text: str, name: str = "learners.csv") -> io.BytesIO:
    upload = io.BytesIO(("\ufeff" + text).encode())
    upload.name = name
    return upload


def test_roster_links_to_the_import_page(login):
    offering = OfferingFactory()
    page = login(manager_of(offering)).get(url("roster", offering.public_id)).content.decode()
    assert url("import", offering.public_id) in page
    assert "Import enrollments" in page


def test_preview_then_apply(login, django_capture_on_commit_callbacks):
    offering = OfferingFactory(capacity=1, waitlist_capacity=1)
    staff = manager_of(offering)
    client = login(staff)
    form = client.get(url("import", offering.public_id))
    assert form.status_code == 200
    assert str(offering.public_id) in form.content.decode()  # the example line
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    text = "learner,offering,action\n" + "".join(
        f"{u.email},{offering.public_id},enroll\n" for u in (first, second, third)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("import", offering.public_id), {"file": csv_upload(text)})
    preview = EnrollmentBatch.objects.get()
    assert preview.dry_run
    assert response.status_code == 302
    assert response.url == url("import_batch", preview.public_id)
    assert not Enrollment.objects.exists()  # a preview changes nothing

    page = client.get(response.url).content.decode()
    assert "Import preview" in page
    assert 'http-equiv="refresh"' not in page  # done: no more refreshing
    assert "Enrolled" in page
    assert "Waitlisted" in page
    assert "This offering is full and its waitlist is full too." in page
    assert f"{offering.course.code}-{offering.section}" in page
    assert url("import_apply", preview.public_id) in page

    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(url("import_apply", preview.public_id))
    job = EnrollmentBatch.objects.get(dry_run=False)
    assert applied.url == url("import_batch", job.public_id)
    assert Enrollment.objects.filter(offering=offering).count() == 2
    assert EnrollmentEvent.objects.filter(channel="web", actor=staff).count() == 2
    job_page = client.get(applied.url).content.decode()
    assert "3 of 3 rows processed" in job_page
    errors_only = client.get(applied.url, {"show": "errors"}).content.decode()
    assert third.email in errors_only
    assert first.email not in errors_only

    again = client.post(url("import_apply", preview.public_id))  # a second click
    assert again.url == url("import_batch", job.public_id)
    assert EnrollmentBatch.objects.count() == 2
    preview_page = client.get(url("import_batch", preview.public_id)).content.decode()
    assert url("import_batch", job.public_id) in preview_page
    assert url("import_apply", preview.public_id) not in preview_page


def test_a_job_still_running_refreshes_itself(login):
    offering = OfferingFactory()
    staff = manager_of(offering)
    rows = [batch_row(UserFactory(), offering)]
    with mock.patch.object(batches, "_queue"):
        job = batches.enrollment_batch_create(rows=rows, actor=staff, channel="web")
    page = login(staff).get(url("import_batch", job.public_id)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "0 of 1 rows processed" in page
    assert "Not yet" in page


def batch_row(learner: Any, offering: Any) -> RowInput:
    return RowInput(
        line=2, learner=learner.email, offering=str(offering.public_id), action="enroll"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "email,course\nx,y\n",
            "The first line must name the columns learner, offering and action",
        ),
        ("learner,offering,action\n", "The batch has no rows."),
        ("learner,offering,action\na,b\n", "Line 2 has 2 columns; the header has 3."),
    ],
)
def test_a_bad_file_is_explained_and_nothing_is_stored(login, text, message):
    offering = OfferingFactory()
    client = login(manager_of(offering))
    response = client.post(url("import", offering.public_id), {"file": csv_upload(text)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EnrollmentBatch.objects.exists()
    missing = client.post(url("import", offering.public_id), {})
    assert "Choose a CSV file to upload." in missing.content.decode()


def test_the_pages_are_for_the_roster_s_staff_and_the_batch_s_owner(login, client):
    offering = OfferingFactory()
    staff = manager_of(offering)
    with mock.patch.object(batches, "_queue"):
        job = batches.enrollment_batch_create(
            rows=[batch_row(UserFactory(), offering)], actor=staff, dry_run=True
        )
    anonymous = client.get(url("import", offering.public_id))
    assert anonymous.status_code == 302
    assert "/login/" in anonymous.url
    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=InstitutionFactory(), role="admin")
    other = login(outsider)
    assert other.get(url("import", offering.public_id)).status_code == 404
    assert login(UserFactory()).get(url("import", offering.public_id)).status_code == 404
    assert other.get(url("import_batch", job.public_id)).status_code == 404
    assert other.post(url("import_apply", job.public_id)).status_code == 404
    assert other.get(url("import_batch", "not-a-uuid")).status_code == 404
    assert login(staff).get(url("import_apply", job.public_id)).status_code == 405
    assert EnrollmentBatch.objects.count() == 1
    assert BatchRow.objects.count() == 1


def test_an_unfinished_preview_cannot_be_applied(login):
    offering = OfferingFactory()
    staff = manager_of(offering)
    with mock.patch.object(batches, "_queue"):
        preview = batches.enrollment_batch_create(
            rows=[batch_row(UserFactory(), offering)], actor=staff, dry_run=True
        )
    response = login(staff).post(url("import_apply", preview.public_id), follow=True)
    assert "You are not allowed to do this." in response.content.decode()
    assert EnrollmentBatch.objects.count() == 1
    assert not Enrollment.objects.exists()
