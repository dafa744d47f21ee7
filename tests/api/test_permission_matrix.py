"""Who may call what: every endpoint against every kind of caller, every cell asserted.

Callers: anonymous; a learner (enrolled, and registered by the partner); another learner;
staff of the offering's institution; staff of another institution; the partner with every
scope; the same partner without the scope(s) the endpoint needs; another partner with every
scope. Each cell runs on a fresh database, so a write in one cell cannot change another.

Statuses: 200/201/202 allowed; 401 no credentials; 403 known but not allowed (a missing
scope, a role that may not act, a browser on a partner-only endpoint); 404 not yours, so not
shown (another learner's enrollment, another partner's learner, another institution's roster,
another partner's webhook endpoint or event).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from enrollment import services
from enrollment.models import Enrollment
from institutions.models import StaffMembership
from partners import webhooks
from partners.models import SCOPES, PartnerLearner, WebhookEvent
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgramFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "learner",
    "other_learner",
    "staff",
    "other_staff",
    "partner",
    "partner_without_scope",
    "other_partner",
]


@dataclass
class World:
    institution: Any
    offering: Any
    open_offering: Any
    program: Any
    course: Any
    term: Any
    learner: Any
    enrollment: Any
    pending: Any
    offered: Any
    batch_id: str
    ids: dict[str, str] = field(default_factory=dict)
    endpoint_id: str = ""  # partner HR's webhook endpoint
    event_id: str = ""  # and an event of HR's


@pytest.fixture
def world(make_partner: Any) -> World:
    institution = InstitutionFactory(code="CQJTU")
    course = CourseFactory(institution=institution)
    program = ProgramFactory(institution=institution)
    term = TermFactory(institution=institution)
    offering = OfferingFactory(course=course, term=term, capacity=5, waitlist_capacity=5)
    open_offering = OfferingFactory(course=CourseFactory(institution=institution), capacity=5)
    partner = make_partner("HR")
    make_partner("OTHER")
    learner = UserFactory(email="learner@example.com")
    PartnerLearner.objects.create(organisation=partner, user=learner, external_id="E-001")
    enrollment = services.enrollment_create(learner=learner, offering=offering, actor=learner)
    approval = OfferingFactory(
        course=CourseFactory(institution=institution), requires_approval=True
    )
    pending = services.enrollment_create(learner=learner, offering=approval, actor=learner)
    by_offer = OfferingFactory(
        course=CourseFactory(institution=institution),
        capacity=1,
        waitlist_capacity=2,
        promote_by_offer=True,
    )
    seated = UserFactory()
    first = services.enrollment_create(learner=seated, offering=by_offer, actor=seated)
    offered = services.enrollment_create(learner=learner, offering=by_offer, actor=learner)
    services.enrollment_drop(enrollment=first, actor=seated)
    offered.refresh_from_db()
    assert offered.status == Enrollment.Status.OFFERED
    staff = UserFactory(email="staff@example.com")
    StaffMembership.objects.create(user=staff, institution=institution, role="course_manager")
    from enrollment import batches

    batch = batches.enrollment_batch_create(
        rows=batches.rows_from_data(
            [
                {
                    "learner": "learner@example.com",
                    "offering": str(open_offering.public_id),
                    "action": "enroll",
                }
            ]
        ),
        actor=staff,
        dry_run=True,
        partner=None,
        channel="api",
    )
    # Made last, so that the changes above wrote no events; none is ever sent (the cells'
    # transactions never commit, so no delivery reaches the broker).
    endpoint = webhooks.endpoint_create(
        organisation=partner,
        url="https://hooks.example.com/yuchuang",
        event_types=["enrollment.created", "offering.updated"],
    )
    event = WebhookEvent.objects.create(
        organisation=partner, type="enrollment.created", data={"enrollment": {}}
    )
    return World(
        institution=institution,
        offering=offering,
        open_offering=open_offering,
        program=program,
        course=course,
        term=term,
        learner=learner,
        enrollment=enrollment,
        pending=pending,
        offered=offered,
        batch_id=str(batch.public_id),
        endpoint_id=str(endpoint.public_id),
        event_id=str(event.public_id),
    )


@pytest.fixture
def caller(as_user: Any, as_partner: Any, world: World) -> Callable[[str, list[str]], APIClient]:
    from partners.models import PartnerOrganisation

    def make(kind: str, needed: list[str]) -> APIClient:
        if kind == "anonymous":
            return APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if kind == "learner":
            return as_user(world.learner)
        if kind == "other_learner":
            return as_user(UserFactory())
        if kind == "staff":
            from accounts.models import User

            return as_user(User.objects.get(email="staff@example.com"))
        if kind == "other_staff":
            other = UserFactory()
            StaffMembership.objects.create(
                user=other, institution=InstitutionFactory(), role="course_manager"
            )
            return as_user(other)
        hr = PartnerOrganisation.objects.get(code="HR")
        if kind == "partner":
            return as_partner(list(SCOPES), organisation=hr)
        if kind == "partner_without_scope":
            return as_partner([s for s in SCOPES if s not in needed], organisation=hr)
        return as_partner(list(SCOPES), organisation=PartnerOrganisation.objects.get(code="OTHER"))

    return make


# Expected status per caller, in CALLERS order.
PUBLIC_READ = (200, 200, 200, 200, 200, 200, 403, 200)
STAFF_WRITE = (401, 403, 403, "ok", 403, 403, 403, 403)
SESSION_READ = (401, 200, 200, 200, 200, 403, 403, 403)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: Callable[[World], str]
    expected: tuple[Any, ...]
    scopes: tuple[str, ...] = ()
    body: Callable[[World], Any] = lambda w: None


def offering_body(w: World) -> dict[str, Any]:
    return {
        "course": str(w.course.public_id),
        "term": str(w.term.public_id),
        "section": "77",
        "starts_on": "2027-03-02",
        "ends_on": "2027-06-20",
        "capacity": 10,
        "enrollment_opens_at": "2027-01-10T10:00:00+08:00",
        "enrollment_closes_at": "2027-02-20T18:00:00+08:00",
        "drop_deadline": "2027-03-15T18:00:00+08:00",
    }


CATALOG = "catalog:read"
READ, WRITE, LEARNERS = "enrollments:read", "enrollments:write", "learners:write"
HOOKS = "webhooks:manage"
REPORTS = "reports:read"
# Partner-only: browsers 403; the partner sees its own, another partner its own (lists) or 404.
PARTNER_LIST = (401, 403, 403, 403, 403, 200, 403, 200)


def partner_only(ok: int) -> tuple[int, ...]:
    """An object of partner HR's: only HR reaches it; another partner gets 404."""
    return (401, 403, 403, 403, 403, ok, 403, 404)


ROWS = [
    Row("list institutions", "get", lambda w: "/api/v1/institutions/", PUBLIC_READ, (CATALOG,)),
    Row("institution", "get", lambda w: "/api/v1/institutions/CQJTU/", PUBLIC_READ, (CATALOG,)),
    Row("list programs", "get", lambda w: "/api/v1/programs/", PUBLIC_READ, (CATALOG,)),
    Row(
        "program",
        "get",
        lambda w: f"/api/v1/programs/{w.program.public_id}/",
        PUBLIC_READ,
        (CATALOG,),
    ),
    Row("list courses", "get", lambda w: "/api/v1/courses/", PUBLIC_READ, (CATALOG,)),
    Row(
        "course", "get", lambda w: f"/api/v1/courses/{w.course.public_id}/", PUBLIC_READ, (CATALOG,)
    ),
    Row("list terms", "get", lambda w: "/api/v1/terms/", PUBLIC_READ, (CATALOG,)),
    Row("term", "get", lambda w: f"/api/v1/terms/{w.term.public_id}/", PUBLIC_READ, (CATALOG,)),
    Row("list offerings", "get", lambda w: "/api/v1/offerings/", PUBLIC_READ, (CATALOG,)),
    Row(
        "offering",
        "get",
        lambda w: f"/api/v1/offerings/{w.offering.public_id}/",
        PUBLIC_READ,
        (CATALOG,),
    ),
    Row(
        "create program",
        "post",
        lambda w: "/api/v1/programs/",
        (401, 403, 403, 201, 403, 403, 403, 403),
        body=lambda w: {"institution": "CQJTU", "code": "NEW", "name_zh": "新", "kind": "minor"},
    ),
    Row(
        "change program",
        "patch",
        lambda w: f"/api/v1/programs/{w.program.public_id}/",
        (401, 403, 403, 200, 403, 403, 403, 403),
        body=lambda w: {"name_zh": "改"},
    ),
    Row(
        "create course",
        "post",
        lambda w: "/api/v1/courses/",
        (401, 403, 403, 201, 403, 403, 403, 403),
        body=lambda w: {"institution": "CQJTU", "code": "NEW1", "title_zh": "新课"},
    ),
    Row(
        "change course",
        "patch",
        lambda w: f"/api/v1/courses/{w.course.public_id}/",
        (401, 403, 403, 200, 403, 403, 403, 403),
        body=lambda w: {"title_zh": "改"},
    ),
    Row(
        "create offering",
        "post",
        lambda w: "/api/v1/offerings/",
        (401, 403, 403, 201, 403, 403, 403, 403),
        body=offering_body,
    ),
    Row(
        "change offering",
        "patch",
        lambda w: f"/api/v1/offerings/{w.offering.public_id}/",
        (401, 403, 403, 200, 403, 403, 403, 403),
        body=lambda w: {"location_zh": "新地点"},
    ),
    Row(
        "offering capacity",
        "post",
        lambda w: f"/api/v1/offerings/{w.offering.public_id}/capacity/",
        (401, 403, 403, 200, 403, 403, 403, 403),
        body=lambda w: {"capacity": 8},
    ),
    Row(
        "cancel offering",
        "post",
        lambda w: f"/api/v1/offerings/{w.offering.public_id}/cancel/",
        (401, 403, 403, 200, 403, 403, 403, 403),
        body=lambda w: {"reason": "x"},
    ),
    Row(
        "list enrollments",
        "get",
        lambda w: "/api/v1/enrollments/",
        (401, 200, 200, 200, 200, 200, 403, 200),
        (READ,),
    ),
    Row(
        "enrollment",
        "get",
        lambda w: f"/api/v1/enrollments/{w.enrollment.public_id}/",
        (401, 200, 404, 200, 404, 200, 403, 404),
        (READ,),
    ),
    Row(
        "enroll",
        "post",
        lambda w: "/api/v1/enrollments/",
        (401, 201, 403, 201, 403, 201, 403, 404),
        (WRITE,),
        body=lambda w: {
            "offering": str(w.open_offering.public_id),
            "learner": str(w.learner.public_id),
        },
    ),
    Row(
        "drop",
        "post",
        lambda w: f"/api/v1/enrollments/{w.enrollment.public_id}/drop/",
        (401, 200, 404, 403, 404, 403, 403, 403),
    ),
    Row(
        "withdraw",
        "post",
        lambda w: f"/api/v1/enrollments/{w.enrollment.public_id}/withdraw/",
        (401, 403, 404, 200, 404, 200, 403, 404),
        (WRITE,),
        body=lambda w: {"reason": "left the company"},
    ),
    Row(
        "approve",
        "post",
        lambda w: f"/api/v1/enrollments/{w.pending.public_id}/approve/",
        (401, 403, 404, 200, 404, 403, 403, 403),
    ),
    Row(
        "reject",
        "post",
        lambda w: f"/api/v1/enrollments/{w.pending.public_id}/reject/",
        (401, 403, 404, 200, 404, 403, 403, 403),
        body=lambda w: {"reason": "full"},
    ),
    Row(
        "complete",
        "post",
        lambda w: f"/api/v1/enrollments/{w.enrollment.public_id}/complete/",
        (401, 403, 404, 200, 404, 403, 403, 403),
        body=lambda w: {"completed": True, "score": "90", "hours": "32"},
    ),
    Row(
        "accept",
        "post",
        lambda w: f"/api/v1/enrollments/{w.offered.public_id}/accept/",
        (401, 200, 404, 403, 404, 403, 403, 403),
    ),
    Row(
        "decline",
        "post",
        lambda w: f"/api/v1/enrollments/{w.offered.public_id}/decline/",
        (401, 200, 404, 403, 404, 403, 403, 403),
    ),
    Row("me", "get", lambda w: "/api/v1/me/", SESSION_READ),
    Row("my enrollments", "get", lambda w: "/api/v1/me/enrollments/", SESSION_READ),
    Row(
        "list batches",
        "get",
        lambda w: "/api/v1/enrollment-batches/",
        (401, 200, 200, 200, 200, 200, 403, 200),
        (WRITE,),
    ),
    Row(
        "batch",
        "get",
        lambda w: f"/api/v1/enrollment-batches/{w.batch_id}/",
        (401, 404, 404, 200, 404, 404, 403, 404),
        (WRITE,),
    ),
    Row(
        "batch rows",
        "get",
        lambda w: f"/api/v1/enrollment-batches/{w.batch_id}/rows/",
        (401, 404, 404, 200, 404, 404, 403, 404),
        (WRITE,),
    ),
    Row(
        "send batch",
        "post",
        lambda w: "/api/v1/enrollment-batches/",
        # Staff elsewhere may send a batch: rows naming offerings they don't run fail one by one.
        (401, 403, 403, 202, 202, 202, 403, 202),
        (WRITE,),
        body=lambda w: {
            "rows": [
                {"learner": "E-001", "offering": str(w.open_offering.public_id), "action": "enroll"}
            ],
            "dry_run": True,
        },
    ),
    Row(
        "list learners",
        "get",
        lambda w: "/api/v1/learners/",
        (401, 403, 403, 403, 403, 200, 403, 200),
        (LEARNERS,),
    ),
    Row(
        "learner",
        "get",
        lambda w: "/api/v1/learners/E-001/",
        (401, 403, 403, 403, 403, 200, 403, 404),
        (LEARNERS,),
    ),
    Row(
        "register learner",
        "put",
        lambda w: "/api/v1/learners/E-002/",
        (401, 403, 403, 403, 403, 201, 403, 201),
        (LEARNERS,),
        body=lambda w: {
            "email": "new.hire@example.com",
            "display_name": "新员工",
            "learner_type": "employee",
        },
    ),
    Row(
        "list webhook endpoints",
        "get",
        lambda w: "/api/v1/webhook-endpoints/",
        PARTNER_LIST,
        (HOOKS,),
    ),
    Row(
        "add webhook endpoint",
        "post",
        lambda w: "/api/v1/webhook-endpoints/",
        (401, 403, 403, 403, 403, 201, 403, 201),
        (HOOKS,),
        body=lambda w: {
            "url": "https://hooks.example.com/new",
            "event_types": ["offering.updated"],
        },
    ),
    Row(
        "webhook endpoint",
        "get",
        lambda w: f"/api/v1/webhook-endpoints/{w.endpoint_id}/",
        partner_only(200),
        (HOOKS,),
    ),
    Row(
        "change webhook endpoint",
        "patch",
        lambda w: f"/api/v1/webhook-endpoints/{w.endpoint_id}/",
        partner_only(200),
        (HOOKS,),
        body=lambda w: {"is_active": False},
    ),
    Row(
        "delete webhook endpoint",
        "delete",
        lambda w: f"/api/v1/webhook-endpoints/{w.endpoint_id}/",
        partner_only(204),
        (HOOKS,),
    ),
    Row(
        "rotate webhook secret",
        "post",
        lambda w: f"/api/v1/webhook-endpoints/{w.endpoint_id}/rotate-secret/",
        partner_only(200),
        (HOOKS,),
    ),
    Row("list webhook events", "get", lambda w: "/api/v1/webhook-events/", PARTNER_LIST, (HOOKS,)),
    Row(
        "webhook event",
        "get",
        lambda w: f"/api/v1/webhook-events/{w.event_id}/",
        partner_only(200),
        (HOOKS,),
    ),
    Row(
        "replay webhook event",
        "post",
        lambda w: f"/api/v1/webhook-events/{w.event_id}/replay/",
        partner_only(202),
        (HOOKS,),
    ),
    Row(
        "webhook event types",
        "get",
        lambda w: "/api/v1/webhook-event-types/",
        PARTNER_LIST,
        (HOOKS,),
    ),
    # Reports: the office (here no caller) and partners of no institution read every owner's;
    # staff only their own owner's (the combined one is 403, another owner's 404); learners 403.
    Row(
        "combined report",
        "get",
        lambda w: "/api/v1/reports/2026Q3/",
        (401, 403, 403, 403, 403, 200, 403, 200),
        (REPORTS,),
    ),
    Row(
        "owner report",
        "get",
        lambda w: "/api/v1/reports/2026Q3/?owner=CQJTU",
        (401, 403, 403, 200, 404, 200, 403, 200),
        (REPORTS,),
    ),
]


@pytest.mark.parametrize(
    ("row", "who"),
    [(row, who) for row in ROWS for who in CALLERS],
    ids=[f"{row.name}-{who}" for row in ROWS for who in CALLERS],
)
def test_permission_matrix(row: Row, who: str, world: World, caller: Any) -> None:
    client = caller(who, list(row.scopes))
    expected = row.expected[CALLERS.index(who)]
    body = row.body(world)
    response = getattr(client, row.method)(row.path(world), body, format="json")
    assert response.status_code == expected, (response.status_code, response.content[:300])
    if expected >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}


# PUT on a catalog resource takes the same path through permissions as PATCH.
SAME_AS_PATCH = {"put"}


def template_of(path: str) -> str:
    path = path.split("?")[0]
    path = re.sub(r"/reports/\d{4}Q[1-4]/", "/reports/{quarter}/", path)
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}", path)
    path = re.sub(r"/institutions/[A-Z]+/", "/institutions/{code}/", path)
    return re.sub(r"/learners/E-\d+/", "/learners/{external_id}/", path)


def test_every_operation_is_in_the_matrix(api: Any, world: World) -> None:
    """A new endpoint or method must be added to the matrix before it can ship."""
    spec = api.get("/api/v1/schema/?format=json").json()
    operations = {
        (method, path)
        for path, methods in spec["paths"].items()
        for method in methods
        if method not in SAME_AS_PATCH or "patch" not in methods
    }
    covered = {(row.method, template_of(row.path(world))) for row in ROWS}
    assert operations - covered == set()
    assert covered - operations == set()
