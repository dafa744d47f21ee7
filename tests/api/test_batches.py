"""Bulk enrollment batches through the API: per-row results, dry runs, files, limits, owners.

Tasks run eagerly here once the request's transaction commits (django_capture_on_commit_
callbacks runs the on-commit hooks). The last test runs a real Celery worker on PostgreSQL.
"""

import io
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from config.celery import app as celery_app
from courses.models import Offering
from enrollment import batches, services
from enrollment.models import BatchRow, Enrollment, EnrollmentBatch, EnrollmentEvent, Status
from institutions.models import StaffMembership
from notifications.models import Notification
from partners.models import PartnerLearner
from tests.factories import InstitutionFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/enrollment-batches/"
ROOT = Path(__file__).resolve().parent.parent.parent


def manager_of(*offerings: Offering) -> Any:
    user = UserFactory()
    for institution in {o.course.institution for o in offerings}:
        StaffMembership.objects.create(user=user, institution=institution, role="course_manager")
    return user


def row(learner: Any, offering: Any, action: str = "enroll") -> dict[str, str]:
    ref = learner if isinstance(learner, str) else learner.email
    return {
        "learner": ref,
        "offering": str(getattr(offering, "public_id", offering)),
        "action": action,
    }


@pytest.fixture
def send(django_capture_on_commit_callbacks: Any) -> Any:
    """POST a batch and run the queued job as the commit would."""

    def post(client: Any, data: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("format", "json")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(BATCHES, data, **kwargs)

    return post


@pytest.fixture(autouse=True)
def _eager(request: Any) -> Any:
    """Jobs run in-process, whatever the settings say, except in the real worker's test."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = not request.node.get_closest_marker("celery")
    yield
    celery_app.conf.task_always_eager = eager


def results(client: Any, batch_id: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{BATCHES}{batch_id}/rows/", {"page_size": 100, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def state() -> tuple[Any, ...]:
    return (
        list(Enrollment.objects.order_by("pk").values_list("pk", "status")),
        EnrollmentEvent.objects.count(),
        Notification.objects.count(),
        list(Offering.objects.order_by("pk").values_list("seats_taken", "waitlist_length")),
    )


def test_a_mixed_batch_reports_each_row(as_user, send):
    offering = OfferingFactory(capacity=2, waitlist_capacity=1, open_to_public=False)
    other_institution = OfferingFactory()
    staff = manager_of(offering)
    a, b, c, public = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    public.learner_type = "public"
    public.save()
    seated = services.enrollment_create(learner=a, offering=offering, actor=a)
    rows = [
        row(b, offering),  # 1 enrolled on behalf (staff imply approval and the window)
        row(c, offering),  # 2 waitlisted: both seats are taken
        row(public, offering),  # 3 refused by the audience rule
        row("nobody@example.com", offering),  # 4 unknown learner
        row(b, other_institution),  # 5 not a roster this user runs
        row(b, "not-a-uuid"),  # 6
        row(b, offering, "transfer"),  # 7
        row(a, offering, "WITHDRAW"),  # 8 the seated one leaves; the line moves up
        row(a, offering, "withdraw"),  # 9 nothing live any more
        row(b, offering),  # 10 already enrolled (by row 1)
    ]
    client = as_user(staff)
    response = send(client, {"rows": rows})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"{BATCHES}{body['id']}/")
    assert (body["status"], body["dry_run"], body["total"]) == ("queued", False, 10)
    done = client.get(response["Location"]).json()
    assert (done["status"], done["processed"], done["succeeded"], done["failed"]) == (
        "done",
        10,
        3,
        7,
    )
    assert done["finished_at"]
    outcome = [
        (r["line"], r["outcome"], r["code"], r["enrollment_status"])
        for r in results(client, body["id"])
    ]
    assert outcome == [
        (1, "ok", "", "enrolled"),
        (2, "ok", "", "waitlisted"),
        (3, "error", "audience_not_allowed", ""),
        (4, "error", "learner_not_found", ""),
        (5, "error", "offering_not_found", ""),
        (6, "error", "offering_not_found", ""),
        (7, "error", "invalid_action", ""),
        (8, "ok", "", "withdrawn"),
        (9, "error", "not_enrolled", ""),
        (10, "error", "already_enrolled", ""),
    ]
    first = results(client, body["id"])[0]
    created = Enrollment.objects.get(public_id=first["enrollment"])
    assert created.learner == b
    event = created.events.get()
    assert (event.actor, event.channel, event.reason) == (staff, "api", f"batch {body['id']}")
    assert results(client, body["id"])[3]["message"]
    seated.refresh_from_db()
    assert seated.status == Status.WITHDRAWN
    assert Enrollment.objects.get(learner=c, offering=offering).status == Status.ENROLLED
    errors = results(client, body["id"], outcome="error")
    assert [r["line"] for r in errors] == [3, 4, 5, 6, 7, 9, 10]
    assert client.get(f"{BATCHES}{body['id']}/rows/", {"outcome": "maybe"}).status_code == 400


def test_a_dry_run_changes_nothing_and_predicts_each_row(as_user, send):
    offering = OfferingFactory(capacity=1, waitlist_capacity=1)
    staff = manager_of(offering)
    seated = services.enrollment_create(learner=UserFactory(), offering=offering, actor=staff)
    learners = [UserFactory() for _ in range(3)]
    rows = [
        row(learners[0], offering),  # waitlisted (the seat is taken)
        row(learners[1], offering),  # waitlist_full: row 1 took the last place
        row(learners[0], offering),  # already_waitlisted, by row 1
        row(seated.learner, offering, "withdraw"),  # ok: frees the seat, row 1 moves up
        row(learners[2], offering, "withdraw"),  # not_enrolled
        row("ghost@example.com", offering),
    ]
    before = state()
    client = as_user(staff)
    response = send(client, {"rows": rows, "dry_run": True})
    assert response.status_code == 202
    assert state() == before
    batch = client.get(response["Location"]).json()
    assert (batch["dry_run"], batch["status"], batch["succeeded"], batch["failed"]) == (
        True,
        "done",
        2,
        4,
    )
    got = [
        (r["outcome"], r["code"] or r["enrollment_status"]) for r in results(client, batch["id"])
    ]
    assert got == [
        ("ok", "waitlisted"),
        ("error", "waitlist_full"),
        ("error", "already_waitlisted"),
        ("ok", "withdrawn"),
        ("error", "not_enrolled"),
        ("error", "learner_not_found"),
    ]
    assert results(client, batch["id"])[3]["enrollment"] == str(seated.public_id)


def test_a_partner_names_its_learners_by_external_id_or_email(as_partner, make_partner, send):
    client = as_partner(["enrollments:write"])
    partner = client.organisation
    offering = OfferingFactory()
    draft = OfferingFactory(status=Offering.Status.DRAFT)
    by_id, by_email, stranger = UserFactory(), UserFactory(email_verified_at=None), UserFactory()
    PartnerLearner.objects.create(organisation=partner, user=by_id, external_id="HR-1")
    PartnerLearner.objects.create(organisation=partner, user=by_email, external_id="HR-2")
    PartnerLearner.objects.create(organisation=make_partner(), user=stranger, external_id="HR-3")
    rows = [
        row("HR-1", offering),
        row(by_email.email.upper(), offering),
        row("HR-3", offering),
        row(stranger, offering),
        row("HR-1", draft),
    ]
    response = send(client, {"rows": rows})
    assert response.status_code == 202, response.json()
    got = [(r["outcome"], r["code"]) for r in results(client, response.json()["id"])]
    assert got == [
        ("ok", ""),
        ("ok", ""),
        ("error", "learner_not_found"),
        ("error", "learner_not_found"),
        ("error", "offering_not_found"),
    ]
    event = Enrollment.objects.get(learner=by_id).events.get()
    assert (event.channel, event.actor) == ("partner", partner.service_user)
    batch = EnrollmentBatch.objects.get()
    assert (batch.owner_partner, batch.owner_user) == (partner, None)


def test_partners_apply_the_learner_rules(as_partner, send):
    client = as_partner(["enrollments:write"])
    learner = UserFactory()
    PartnerLearner.objects.create(organisation=client.organisation, user=learner, external_id="E")
    offering = OfferingFactory(requires_approval=True)
    closed = OfferingFactory()
    Offering.objects.filter(pk=closed.pk).update(
        enrollment_opens_at=timezone.now() + timedelta(days=1)
    )
    response = send(client, {"rows": [row("E", offering), row("E", closed)]})
    got = [(r["code"] or r["enrollment_status"]) for r in results(client, response.json()["id"])]
    assert got == ["pending", "enrollment_not_open_yet"]


def test_csv_upload_with_bom_any_column_order_and_blank_lines(as_user, send):
    offering = OfferingFactory()
    learners = [UserFactory() for _ in range(3)]
    lines = ["Action,Learner,Offering"] + [
        f"enroll,{u.email},{offering.public_id}" for u in learners
    ]
    content = (
        "\ufeff" + "\r\n".join([lines[0], lines[1], "", lines[2], " , , ", lines[3]])
    ).encode()
    upload = io.BytesIO(content)
    upload.name = "learners.csv"
    client = as_user(manager_of(offering))
    response = send(client, {"file": upload, "dry_run": "false"}, format="multipart")
    assert response.status_code == 202, response.json()
    assert [r["line"] for r in results(client, response.json()["id"])] == [2, 4, 6]
    assert Enrollment.objects.filter(offering=offering).count() == 3
    assert EnrollmentBatch.objects.get().source_name == "learners.csv"


def csv_file(text: str | bytes, name: str = "rows.csv") -> io.BytesIO:
    upload = io.BytesIO(text.encode() if isinstance(text, str) else text)
    upload.name = name
    return upload


TOO_MANY = "learner,offering,action\n" + "a@example.com,x,enroll\n" * (batches.MAX_ROWS + 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email,offering,action\na@example.com,x,enroll\n", "learner, offering and action"),
        ("learner,offering\na@example.com,x\n", "learner, offering and action"),
        ("learner,offering,action\n", "no rows"),
        ("learner,offering,action\na@example.com,x\n", "Line 2 has 2 columns"),
        ("learner,offering,action\na@example.com,,enroll\n", "Line 2: offering is empty"),
        ("learner,offering,action\n" + "x" * 300 + ",y,enroll\n", "longer than 254"),
        ('learner,offering,action\n"a@example.com,x,enroll\n', "cannot be read"),
        ("learner,offering,action\n\x00,x,enroll\n", "control character"),
        ("learner,offering,action\n课程,x,enroll\n".encode("gbk"), "UTF-8"),
        (TOO_MANY, "at most 10000 rows"),
        (b"learner,offering,action\n" + b"x" * (batches.MAX_FILE_BYTES), "larger than 5 MB"),
    ],
)
def test_a_malformed_file_is_a_400_and_stores_nothing(as_user, send, content, message):
    client = as_user(manager_of(OfferingFactory()))
    response = send(client, {"file": csv_file(content)}, format="multipart")
    assert response.status_code == 400, response.json()
    body = response.json()["error"]
    assert body["code"] == "invalid_batch"
    assert message in body["message"].replace(",", "") or message in body["message"]
    assert not EnrollmentBatch.objects.exists()
    assert not BatchRow.objects.exists()


def test_a_file_is_required_for_uploads(as_user, send):
    client = as_user(manager_of(OfferingFactory()))
    for data in ({"dry_run": "true"}, {"file": csv_file("")}):
        response = send(client, data, format="multipart")
        assert response.status_code == 400
        assert "file" in response.json()["error"]["fields"]
    assert not EnrollmentBatch.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid"),
        ({"rows": "learner,offering"}, "invalid_batch"),
        ({"rows": []}, "invalid_batch"),
        ({"rows": [["a", "b", "enroll"]]}, "invalid_batch"),
        ({"rows": [{"learner": "a@example.com", "offering": "x"}]}, "invalid_batch"),
        ({"rows": [{"learner": 7, "offering": "x", "action": "enroll"}]}, "invalid_batch"),
        (
            {"rows": [{"learner": "a", "offering": "x", "action": "enroll", "x": 1}]},
            "invalid_batch",
        ),
        ({"rows": [{"learner": "a", "offering": "x" * 65, "action": "enroll"}]}, "invalid_batch"),
        (
            {"rows": [{"learner": "a", "offering": "x", "action": "enroll"}], "dry_run": "?"},
            "invalid",
        ),
        (
            {"rows": [{"learner": "a", "offering": "x", "action": "enroll"}] * 10_001},
            "invalid_batch",
        ),
    ],
)
def test_a_malformed_row_set_is_a_400_and_stores_nothing(as_user, send, body, code):
    client = as_user(manager_of(OfferingFactory()))
    response = send(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert not EnrollmentBatch.objects.exists()


def test_malformed_json_is_a_400(as_user, send):
    client = as_user(manager_of(OfferingFactory()))
    with_data = client.post(BATCHES, data='{"rows": [', content_type="application/json")
    assert with_data.status_code == 400
    assert with_data.json()["error"]["code"] == "malformed"


def test_who_may_send_and_read_batches(api, as_user, as_partner, send, make_partner):
    offering = OfferingFactory()
    body = {"rows": [row(UserFactory(), offering)]}
    assert send(api, body).status_code == 401
    learner = as_user(UserFactory())
    refused = send(learner, body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_allowed")
    assert send(as_partner(["enrollments:read"]), body).status_code == 403
    staff = as_user(manager_of(offering))
    mine = send(staff, body).json()
    other_staff = as_user(manager_of(offering))
    assert other_staff.get(f"{BATCHES}{mine['id']}/").status_code == 404
    assert other_staff.get(f"{BATCHES}{mine['id']}/rows/").status_code == 404
    assert other_staff.get(BATCHES).json()["count"] == 0
    partner = as_partner(["enrollments:write"])
    theirs = send(partner, body).json()
    assert partner.get(BATCHES).json()["count"] == 1
    assert partner.get(f"{BATCHES}{mine['id']}/").status_code == 404
    second = as_partner(["enrollments:write"], organisation=partner.organisation)
    assert second.get(f"{BATCHES}{theirs['id']}/").status_code == 200  # same organisation
    assert as_partner(["enrollments:write"]).get(f"{BATCHES}{theirs['id']}/").status_code == 404
    assert staff.get(f"{BATCHES}{theirs['id']}/").status_code == 404
    assert as_partner(["enrollments:read"]).get(BATCHES).status_code == 403


def test_the_post_does_no_work_per_row(as_user, django_capture_on_commit_callbacks):
    """Sending 5 or 5,000 rows costs the same queries; the rows are inserted in bulk."""
    offering = OfferingFactory()
    client = as_user(manager_of(offering))
    counts = []
    for size in (5, 5000):
        rows = [row(f"learner{i}@example.com", offering) for i in range(size)]
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as queued,
        ):
            started = time.monotonic()
            response = client.post(BATCHES, {"rows": rows}, format="json")
            elapsed = time.monotonic() - started
        assert response.status_code == 202
        assert len(queued) == 1  # the job, once the transaction commits
        counts.append(len([q for q in queries if "INSERT" not in q["sql"]]))
        assert elapsed < 5
    assert counts[0] == counts[1]
    assert BatchRow.objects.count() == 5005


@pytest.mark.parametrize("path", ["", "rows/"])
def test_list_query_counts_do_not_grow_with_page_size(as_user, send, path):
    offering = OfferingFactory(capacity=200)
    staff = manager_of(offering)
    client = as_user(staff)
    response = send(client, {"rows": [row(UserFactory(), offering) for _ in range(105)]})
    for _ in range(104):
        EnrollmentBatch.objects.create(owner_user=staff, channel="api", status="done")
    url = f"{BATCHES}{response.json()['id']}/rows/" if path else BATCHES
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"page_size": size})
        assert len(page.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


def test_a_retried_job_skips_the_rows_already_done(as_user, send):
    """The database drops out at row 150: the task retries and finishes; each row done once."""
    offering = OfferingFactory(capacity=300)
    client = as_user(manager_of(offering))
    people = [UserFactory() for _ in range(250)]
    real = services.enrollment_create
    calls = {"n": 0}

    def flaky(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 150:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    with (
        mock.patch.object(services, "enrollment_create", flaky),
        mock.patch.object(batches, "_save_progress", wraps=batches._save_progress) as progress,
    ):
        response = send(client, {"rows": [row(p, offering) for p in people]})
    batch = client.get(response["Location"]).json()
    assert (batch["status"], batch["processed"], batch["succeeded"]) == ("done", 250, 250)
    assert calls["n"] == 251  # 250 rows, and the one interrupted, again
    assert Enrollment.objects.filter(offering=offering).count() == 250
    assert EnrollmentEvent.objects.count() == 250
    assert progress.call_count == 2  # after 100 rows of each run (the retry resumed at 150)
    assert batches.enrollment_batch_run(batch_id=EnrollmentBatch.objects.get().pk).status == "done"
    assert Enrollment.objects.filter(offering=offering).count() == 250


def test_a_broken_job_marks_the_batch_failed(as_user, send):
    offering = OfferingFactory()
    client = as_user(manager_of(offering))
    with mock.patch.object(batches._Runner, "_row", side_effect=RuntimeError("boom")):
        response = send(client, {"rows": [row(UserFactory(), offering)]})
    batch = client.get(response["Location"]).json()
    assert batch["status"] == "failed"
    assert "boom" in batch["error"]


def test_an_inactive_partner_s_batch_fails(as_partner, send):
    client = as_partner(["enrollments:write"])
    with mock.patch.object(batches, "_queue"):
        response = client.post(BATCHES, {"rows": [row("E", OfferingFactory())]}, format="json")
    client.organisation.is_active = False
    client.organisation.save()
    batches.enrollment_batch_run(batch_id=EnrollmentBatch.objects.get().pk)
    assert EnrollmentBatch.objects.get().status == "failed"
    assert response.status_code == 202


# --- a real worker on PostgreSQL ----------------------------------------------------------------


@pytest.mark.celery
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_thousand_rows_with_a_real_worker(as_partner):
    """5,000 learners over 50 offerings, applied by a Celery worker process through Redis."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    client = as_partner(["enrollments:read", "enrollments:write"])
    partner = client.organisation
    institution = InstitutionFactory()
    offerings = [
        OfferingFactory(course__institution=institution, capacity=80, waitlist_capacity=40)
        for _ in range(50)
    ]
    learners = User.objects.bulk_create(
        User(email=f"bulk{i}@example.com", display_name=f"学员{i}", learner_type="student")
        for i in range(5000)
    )
    PartnerLearner.objects.bulk_create(
        PartnerLearner(organisation=partner, user=u, external_id=f"HR-{i:05d}")
        for i, u in enumerate(learners)
    )
    rows = [row(f"HR-{i:05d}", offerings[i % 50]) for i in range(5000)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_URL": _database_url(),
    }
    celery_app.control.purge()  # nothing left over from an earlier run
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--concurrency", "1", "-Q", "default,email,webhooks,heavy", "--without-gossip",
         "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        started = time.monotonic()
        response = client.post(BATCHES, {"rows": rows}, format="json")
        answered = time.monotonic() - started
        assert response.status_code == 202, response.json()
        location = response["Location"]
        deadline = started + 300
        batch = response.json()
        while batch["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, f"not done in 300 s: {batch}"
            assert worker.poll() is None, "the worker died"
            time.sleep(1)
            batch = client.get(location).json()
        finished = time.monotonic() - started
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    print(f"\n5,000-row batch: POST answered in {answered:.2f} s, done in {finished:.1f} s")
    assert answered < 5
    assert (batch["status"], batch["total"], batch["processed"]) == ("done", 5000, 5000)
    stored = BatchRow.objects.filter(batch__public_id=batch["id"])
    codes = Counter(stored.values_list("code", flat=True))
    assert (batch["succeeded"], batch["failed"]) == (5000, 0), codes
    assert Counter(stored.values_list("outcome", flat=True)) == {"ok": 5000}
    assert Counter(stored.values_list("status", flat=True)) == {
        "enrolled": 4000,
        "waitlisted": 1000,
    }
    assert stored.filter(enrollment__isnull=True).count() == 0
    for offering in Offering.objects.filter(pk__in=[o.pk for o in offerings]):
        assert (offering.seats_taken, offering.waitlist_length) == (80, 20)
        live = Counter(offering.enrollments.values_list("status", flat=True))
        assert live == {"enrolled": 80, "waitlisted": 20}


def _database_url() -> str:
    database = connection.settings_dict
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"
