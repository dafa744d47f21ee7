from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from courses.models import Course, Offering, Program, Term
from demo.services import seed_demo, terms_around
from enrollment.models import Enrollment, EnrollmentEvent
from institutions.models import Institution, StaffMembership

pytestmark = pytest.mark.django_db

OWNERS = {
    "重庆交通大学": "Chongqing Jiaotong University",
    "重庆科技大学": "Chongqing University of Science and Technology",
    "重庆第二师范学院": "Chongqing University of Education",
    "重庆工程职业技术学院": "Chongqing Vocational Institute of Engineering",
    "重庆三峡职业学院": "Chongqing Sanxia Vocational College",
    "长寿经济技术开发区": "Changshou Economic and Technological Development Area",
}


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Institution,
            Program,
            Course,
            Term,
            Offering,
            User,
            StaffMembership,
            Enrollment,
            EnrollmentEvent,
        )
    )


def test_seed_loads_the_seven_owners_and_their_catalog():
    seed_demo(today=date(2026, 11, 28))
    names = dict(Institution.objects.values_list("name_zh", "name_en"))
    for name_zh, name_en in OWNERS.items():
        assert names[name_zh] == name_en
    assert any("垫江" in name and "Dianjiang" in names[name] for name in names)
    assert len(names) == 7
    for institution in Institution.objects.all():
        assert 2 <= institution.programs.count() <= 4
        assert institution.courses.count() >= 4
        assert institution.memberships.filter(role="course_manager").exists()
    assert 35 <= Course.objects.count() <= 45
    assert not Course.objects.filter(title_en="").exists()
    statuses = set(Offering.objects.values_list("status", flat=True))
    assert statuses >= {"published", "draft", "cancelled"}
    # The current and next terms, and the three past ones since the project began (2025-01-01).
    assert set(Term.objects.values_list("code", flat=True)) == {
        "2025-spring",
        "2025-autumn",
        "2026-spring",
        "2026-autumn",
        "2027-spring",
    }
    assert Offering.objects.open_for_enrollment().count() > 10
    for offering in Offering.objects.select_related("course", "term"):
        offering.full_clean()  # every seeded row passes the same validation as the admin
    student = User.objects.get(email="student@yuchuang.local")
    assert set(student.enrollments.values_list("status", flat=True)) == {"enrolled", "waitlisted"}
    crowded = student.enrollments.get(status="waitlisted").offering
    assert crowded.seats_taken == crowded.capacity


def test_seed_is_idempotent():
    first = seed_demo(today=date(2026, 11, 28))
    before = counts()
    again = seed_demo(today=date(2026, 11, 28))
    assert counts() == before
    # The summary stays true: the same offerings found, nothing new enrolled.
    assert again.offerings == first.offerings == Offering.objects.count()
    assert first.enrollments == Enrollment.objects.count()
    assert again.enrollments == 0


def test_command_prints_the_logins_and_refuses_production(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "admin@yuchuang.local" in text
    assert "password for all: yuchuang-demo" in text
    assert User.objects.get(email="admin@yuchuang.local").check_password("yuchuang-demo")
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.parametrize(
    ("today", "current", "upcoming"),
    [
        (date(2026, 11, 28), "2026-autumn", "2027-spring"),
        (date(2027, 1, 10), "2026-autumn", "2027-spring"),
        (date(2027, 4, 1), "2027-spring", "2027-autumn"),
        (date(2027, 8, 15), "2027-spring", "2027-autumn"),
    ],
)
def test_terms_follow_the_calendar(today, current, upcoming):
    this, following = terms_around(today)
    assert (this.code, following.code) == (current, upcoming)
    assert this.starts_on < following.starts_on
