"""GET /api/v1/reports/{quarter}/: the figures, suppressed; who reads which owner's report.

Figures come from `tests/reports/world.py` (project from 2027-01-01; today 15 July 2027, so the
report of 2027Q2 is as of the end of June).
"""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from partners.models import SCOPES
from partners.services import partner_organisation_create
from reports.models import Indicator, IndicatorTarget, ProjectOfficeMember
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, UserFactory
from tests.reports.world import S, World, at, history
from tests.tokens import partner_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project_2027", "summer")]

URL = "/api/v1/reports/{quarter}/"
WITHHELD = {"value": None, "suppressed": True}
NO_VALUE = {"value": None, "suppressed": False}


def shown(value: str) -> dict[str, Any]:
    return {"value": value, "suppressed": False}


@pytest.fixture
def summer(world: World) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at(7, 15)):
        yield


@pytest.fixture
def as_user() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


@pytest.fixture
def office(as_user: Any) -> APIClient:
    user = UserFactory(is_staff=True)
    ProjectOfficeMember.objects.create(user=user)
    return as_user(user)


@pytest.fixture
def as_partner() -> Callable[..., APIClient]:
    """A bearer token from the real token endpoint, for a partner (of an institution or none)."""
    counter = iter(range(1, 1000))

    def make(scopes: list[str] | None = None, institution: Any = None) -> APIClient:
        code = f"P{next(counter)}"
        organisation = partner_organisation_create(
            code=code, name_zh=f"合作方{code}", institution=institution
        )
        return partner_api_client(organisation, scopes)

    return make


def indicator(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(row for row in body["indicators"] if row["code"] == code)


def test_the_combined_report(world: World, office: APIClient) -> None:
    response = office.get(URL.format(quarter="2027Q2"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["quarter"] == "2027Q2"
    assert body["owner"] is None
    assert body["start"] == "2027-01-01"
    assert body["as_of"].startswith("2027-06-30T23:59:59")
    assert body["quarters"] == ["2027Q1", "2027Q2"]
    assert len(body["indicators"]) == 12

    learners = indicator(body, "PW-LEARNERS")
    assert learners["name_zh"] == "培训学员总数"
    assert learners["name_en"] == "Learners trained (total)"
    assert learners["project_output"] is None
    assert (learners["unit"], learners["measure"]) == ("count", "unique_learners")
    assert (learners["baseline"], learners["target"]) == ("0", "20000")
    assert learners["target_date"] == "2029-12-31"
    assert (learners["value"], learners["suppressed"]) == ("5", False)
    assert learners["to_date"] == shown("7")
    assert learners["level"] == shown("7")
    assert learners["progress"] == shown("0")
    assert learners["not_stated"] is None
    assert learners["trend"] == [
        {"quarter": "2027Q1", "value": "6", "suppressed": False},
        {"quarter": "2027Q2", "value": "5", "suppressed": False},
    ]
    splits = learners["splits"]
    assert set(splits) == {"sex", "learner_type", "institution", "program", "term"}
    assert [(b["key"], b["label"]) for b in splits["sex"]] == [
        ("female", "Female"),
        ("male", "Male"),
        ("not_stated", "not stated"),
    ]
    assert splits["sex"][0]["values"] == [
        {"period": "2027Q1", **WITHHELD},
        {"period": "2027Q2", **WITHHELD},
        {"period": "to_date", **WITHHELD},
    ]
    public = next(b for b in splits["learner_type"] if b["key"] == "public")
    assert public["values"][0] == {"period": "2027Q1", **shown("0")}  # zero rests on nobody
    owners = {b["key"]: b["values"][-1] for b in splits["institution"]}
    to_date = {"period": "to_date"}
    assert owners == {
        "A": {**to_date, **shown("6")},
        "B": {**to_date, **WITHHELD},
        "C": {**to_date, **WITHHELD},
    }
    programs = [b["key"] for b in splits["program"]]
    assert programs == [str(world.pa.public_id), str(world.pc.public_id), None]
    assert [b["key"] for b in splits["term"]] == ["2027-spring", "2027-summer"]
    assert [o["code"] for o in learners["owners"]] == ["A", "B", "C"]
    a = learners["owners"][0]
    assert a["name_en"] == "A University"
    assert (a["value"], a["to_date"], a["level"]) == (WITHHELD, shown("6"), shown("6"))
    assert (a["baseline"], a["target"], a["progress"]) == (None, None, NO_VALUE)

    women = indicator(body, "PW-WOMEN")
    assert women["to_date"] == shown("60")
    assert (women["value"], women["suppressed"]) == (None, True)  # 2 of 3 people
    assert women["progress"] == shown("150")
    assert women["not_stated"] == WITHHELD  # u5 and u7
    not_stated = next(b for b in women["splits"]["sex"] if b["key"] == "not_stated")
    assert not_stated["values"][-1] == {"period": "to_date", **NO_VALUE}  # a share of nobody

    seats = indicator(body, "O3-SEATS")
    assert seats["project_output"] == 3
    assert seats["to_date"] == shown("115")
    assert set(seats["splits"]) == {"institution", "program", "term"}  # offerings have no sex
    courses = indicator(body, "O1-COURSES")
    small = {b["key"]: b["values"][-1] for b in courses["splits"]["institution"]}
    assert small["B"] == {
        "period": "to_date",
        **shown("1"),
    }  # a catalog figure: no people, never withheld


def test_labels_follow_accept_language(world: World, office: APIClient) -> None:
    body = office.get(URL.format(quarter="2027Q1"), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    learners = indicator(body, "PW-LEARNERS")
    assert [b["label"] for b in learners["splits"]["sex"]] == ["女", "男", "未填写"]
    assert [b["label"] for b in learners["splits"]["institution"]] == [
        "丙开发区",
        "乙职院",
        "甲大学",
    ]
    assert learners["trend"] == [{"quarter": "2027Q1", "value": "6", "suppressed": False}]


def test_an_owners_report_with_its_target(world: World, office: APIClient) -> None:
    learners = Indicator.objects.get(code="PW-LEARNERS")
    IndicatorTarget.objects.create(indicator=learners, institution=world.a, baseline=1, target=21)
    body = office.get(URL.format(quarter="2027Q2"), {"owner": "a"}).json()
    assert body["owner"] == "A"
    assert "O2-EMPLOYEES" not in [row["code"] for row in body["indicators"]]
    row = indicator(body, "PW-LEARNERS")
    assert (row["baseline"], row["target"]) == ("1", "21")
    assert (row["to_date"], row["level"], row["progress"]) == (shown("6"), shown("7"), shown("30"))
    assert row["owners"] == []
    assert indicator(body, "O1-COURSES")["progress"] == NO_VALUE  # no target for A


def test_staff_read_their_own_owners_report_only(
    world: World, make_staff: Any, as_user: Any
) -> None:
    staff = as_user(make_staff(institution=world.a))
    assert staff.get(URL.format(quarter="2027Q2"), {"owner": "A"}).status_code == 200
    other = staff.get(URL.format(quarter="2027Q2"), {"owner": "B"})
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"
    combined = staff.get(URL.format(quarter="2027Q2"))
    assert combined.status_code == 403
    assert combined.json()["error"]["code"] == "permission_denied"
    learner = as_user(UserFactory(home_institution=world.a))
    for query in ({}, {"owner": "A"}):
        refused = learner.get(URL.format(quarter="2027Q2"), query)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
    anonymous = APIClient().get(URL.format(quarter="2027Q2"))
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"


def test_partners_read_their_institutions_report_or_all(world: World, as_partner: Any) -> None:
    city = as_partner(["reports:read"])  # linked to no institution: every owner
    assert city.get(URL.format(quarter="2027Q2")).status_code == 200
    assert city.get(URL.format(quarter="2027Q2"), {"owner": "B"}).json()["owner"] == "B"
    zone = as_partner(["reports:read"], institution=world.c)
    body = zone.get(URL.format(quarter="2027Q2"), {"owner": "C"}).json()
    assert indicator(body, "O2-EMPLOYEES")["to_date"] == WITHHELD  # u2 alone
    assert zone.get(URL.format(quarter="2027Q2"), {"owner": "A"}).status_code == 404
    assert zone.get(URL.format(quarter="2027Q2")).status_code == 403
    unscoped = as_partner([s for s in SCOPES if s != "reports:read"])
    refused = unscoped.get(URL.format(quarter="2027Q2"))
    assert refused.status_code == 403
    assert "reports:read" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("quarter", "owner", "status", "message"),
    [
        ("2027Q9", "", 400, "Write a quarter as 2027Q1."),
        ("1999Q1", "", 400, "Choose a quarter between 2000 and 2100."),
        ("2026Q4", "", 400, "The project's reporting starts in 2027Q1."),
        ("2027Q4", "", 400, "2027Q4 has not begun yet: nothing to report."),
        ("x" * 300, "", 400, "Write a quarter as 2027Q1."),
        ("2027Q2", "NOPE", 404, None),
        ("2027Q9", "NOPE", 404, None),  # the owner is looked at first
    ],
)
def test_bad_requests_answer_in_the_error_shape(
    world: World, office: APIClient, quarter: str, owner: str, status: int, message: str | None
) -> None:
    response = office.get(URL.format(quarter=quarter), {"owner": owner} if owner else {})
    assert response.status_code == status
    error = response.json()["error"]
    if status == 400:
        assert error["code"] == "invalid"
        assert error["fields"] == {"quarter": [message]}
    else:
        assert error == {"code": "not_found", "message": "Not found."}


def test_errors_follow_accept_language(world: World, office: APIClient) -> None:
    english = office.get(URL.format(quarter="2027Q9")).json()["error"]["message"]
    chinese = office.get(URL.format(quarter="2027Q9"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese["Content-Language"] == "zh-hans"
    assert chinese.json()["error"]["message"] != english
    missing = office.get(URL.format(quarter="2027Q2"), {"owner": "NOPE"}, HTTP_ACCEPT_LANGUAGE="zh")
    with translation.override("zh-hans"):
        assert missing.json()["error"]["message"] == gettext("Not found.")
    assert missing.json()["error"]["message"] != "Not found."


def _more_owners(count: int) -> None:
    for _ in range(count):
        offering = OfferingFactory(
            course=CourseFactory(institution=InstitutionFactory()), starts_on=date(2027, 1, 5)
        )
        learner = UserFactory(sex="female", sex_consent=True)
        history(learner, offering, (S.ENROLLED, at(1, 6)), (S.COMPLETED, at(2, 1)), hours="4")


def test_queries_do_not_grow_with_owners(
    world: World, as_partner: Any, django_assert_max_num_queries: Any
) -> None:
    partner = as_partner(["reports:read"])
    counts = []
    for added in (0, 4):  # 3 owners, then 7
        _more_owners(added)
        with CaptureQueriesContext(connection) as queries:
            assert partner.get(URL.format(quarter="2027Q2")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # The report's (64 at most), two for the split keys, a few for the token and its client.
    with django_assert_max_num_queries(72):
        body = partner.get(URL.format(quarter="2027Q2")).json()
    assert indicator(body, "PW-LEARNERS")["to_date"] == shown("11")
