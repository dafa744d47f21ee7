"""A known data set for the measures, with every figure computed by hand in the tests.

Owners A (university), B (vocational college), C (development zone); quarters
Q1 = [2027-01-01, 2027-04-01) and Q2 = [2027-04-01, 2027-07-01). Event times are set
explicitly (10:00 local unless said), so the quarter of every change is certain.

Catalog:
    program PA (A, minor)            program PC (C, enterprise training)
    CA1 (A, in PA)  OA1 term A/2027-spring starts 03-01, capacity 30, published
                    OA3 term A/2027-summer starts 06-01, draft
    CA2 (A)         OA2 term A/2027-summer starts 05-10, capacity 20, published
    CB1 (B)         OB1 term B/2027-spring starts 02-20, capacity 25, published
    CC1 (C, in PC)  OC0 term C/2027-spring starts 01-10, capacity 99, cancelled
                    OC1 term C/2027-summer starts 04-15, capacity 40, published

Learners (sex, type, home):
    u1 female student A    u2 female employee -    u3 male government B    u4 male student A
    u5 not stated public - u6 female employee C    u7 not stated student B

Enrollments:
    E1  u1 OA1 enrolled 02-10, completed 03-25 (32 h)
    E2  u2 OA1 enrolled 02-11, completed 04-05 (30 h)
    E3  u3 OA1 enrolled 02-12, dropped 03-10 (after the start)
    E4  u4 OA1 enrolled 02-12, not completed 03-28
    E5  u5 OB1 waitlisted 02-01, expired 02-20
    E6  u6 OB1 waitlisted 02-01, offered 02-05, expired 02-07
    E7  u7 OB1 enrolled 02-02, dropped 02-10 (before the start)
    E8  u1 OC1 enrolled 03-20, completed 06-30 (16 h)
    E9  u3 OC1 waitlisted 04-02, cancelled 04-10
    E10 u5 OA2 pending 04-20, enrolled 04-22, completed 06-20, corrected to not completed 07-05
    E11 u7 OA2 enrolled 04-25, withdrawn 05-20 (after the start)
    E12 u2 OC1 enrolled 04-03, completed 06-28 (16 h)
    E13 u4 OC1 enrolled 06-15 (created then)
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from courses.models import Course, Offering, Program
from enrollment.models import Enrollment, EnrollmentEvent
from institutions.models import Institution
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgramFactory,
    TermFactory,
    UserFactory,
)

S = Enrollment.Status


def at(month: int, day: int, hour: int = 10, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def history(
    learner: User, offering: Offering, *steps: tuple[str, datetime], hours: str | None = None
) -> Enrollment:
    """An enrollment that went through `steps` (status, time), with its events."""
    enrollment = Enrollment.objects.create(
        learner=learner,
        offering=offering,
        status=steps[-1][0],
        created_at=steps[0][1],
        queue_number=None,
        hours_completed=Decimal(hours) if hours else None,
    )
    before = ""
    for status, when in steps:
        EnrollmentEvent.objects.create(
            enrollment=enrollment, at=when, from_status=before, to_status=status, channel="admin"
        )
        before = status
    return enrollment


@dataclass
class World:
    a: Institution
    b: Institution
    c: Institution
    pa: Program
    pc: Program
    courses: dict[str, Course]
    offerings: dict[str, Offering]
    users: dict[str, User]
    enrollments: dict[str, Enrollment]


def learner(sex: str, learner_type: str, home: Institution | None, n: int) -> User:
    return UserFactory(
        email=f"u{n}@example.com",
        sex=sex,
        sex_consent=bool(sex),
        learner_type=learner_type,
        home_institution=home,
    )


def offering(course: Course, term_code: str, starts: date, capacity: int, status: str) -> Offering:
    term = TermFactory(
        institution=course.institution,
        code=term_code,
        name_zh=f"{term_code}学期",
        name_en=f"Term {term_code}",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 8, 31),
    )
    return OfferingFactory(
        course=course,
        term=term,
        starts_on=starts,
        ends_on=date(2027, 7, 31),
        capacity=capacity,
        waitlist_capacity=0,
        status=status,
    )


def build_world() -> World:
    a = InstitutionFactory(code="A", name_zh="甲大学", name_en="A University")
    b = InstitutionFactory(
        code="B",
        name_zh="乙职院",
        name_en="B College",
        kind=Institution.Kind.VOCATIONAL_COLLEGE,
    )
    c = InstitutionFactory(
        code="C",
        name_zh="丙开发区",
        name_en="C Zone",
        kind=Institution.Kind.DEVELOPMENT_ZONE,
        project_output=2,
    )
    pa = ProgramFactory(institution=a, code="PA", name_zh="甲辅修", name_en="PA minor")
    pc = ProgramFactory(
        institution=c,
        code="PC",
        name_zh="丙企业培训",
        name_en="PC training",
        kind=Program.Kind.ENTERPRISE_TRAINING,
    )
    courses = {
        "CA1": CourseFactory(institution=a, code="CA1", programs=[pa]),
        "CA2": CourseFactory(institution=a, code="CA2"),
        "CB1": CourseFactory(institution=b, code="CB1"),
        "CC1": CourseFactory(institution=c, code="CC1", programs=[pc]),
    }
    published, draft, cancelled = (
        Offering.Status.PUBLISHED,
        Offering.Status.DRAFT,
        Offering.Status.CANCELLED,
    )
    offerings = {
        "OA1": offering(courses["CA1"], "2027-spring", date(2027, 3, 1), 30, published),
        "OA3": offering(courses["CA1"], "2027-summer", date(2027, 6, 1), 50, draft),
        "OA2": offering(courses["CA2"], "2027-summer", date(2027, 5, 10), 20, published),
        "OB1": offering(courses["CB1"], "2027-spring", date(2027, 2, 20), 25, published),
        "OC0": offering(courses["CC1"], "2027-spring", date(2027, 1, 10), 99, cancelled),
        "OC1": offering(courses["CC1"], "2027-summer", date(2027, 4, 15), 40, published),
    }
    female, male = User.Sex.FEMALE, User.Sex.MALE
    t = User.LearnerType
    users = {
        "u1": learner(female, t.STUDENT, a, 1),
        "u2": learner(female, t.EMPLOYEE, None, 2),
        "u3": learner(male, t.GOVERNMENT, b, 3),
        "u4": learner(male, t.STUDENT, a, 4),
        "u5": learner("", t.PUBLIC, None, 5),
        "u6": learner(female, t.EMPLOYEE, c, 6),
        "u7": learner("", t.STUDENT, b, 7),
    }
    u, o = users, offerings
    enrollments = {
        "E1": history(
            u["u1"], o["OA1"], (S.ENROLLED, at(2, 10)), (S.COMPLETED, at(3, 25)), hours="32"
        ),
        "E2": history(
            u["u2"], o["OA1"], (S.ENROLLED, at(2, 11)), (S.COMPLETED, at(4, 5)), hours="30"
        ),
        "E3": history(u["u3"], o["OA1"], (S.ENROLLED, at(2, 12)), (S.DROPPED, at(3, 10))),
        "E4": history(u["u4"], o["OA1"], (S.ENROLLED, at(2, 12)), (S.NOT_COMPLETED, at(3, 28))),
        "E5": history(u["u5"], o["OB1"], (S.WAITLISTED, at(2, 1)), (S.EXPIRED, at(2, 20))),
        "E6": history(
            u["u6"],
            o["OB1"],
            (S.WAITLISTED, at(2, 1)),
            (S.OFFERED, at(2, 5)),
            (S.EXPIRED, at(2, 7)),
        ),
        "E7": history(u["u7"], o["OB1"], (S.ENROLLED, at(2, 2)), (S.DROPPED, at(2, 10))),
        "E8": history(
            u["u1"], o["OC1"], (S.ENROLLED, at(3, 20)), (S.COMPLETED, at(6, 30)), hours="16"
        ),
        "E9": history(u["u3"], o["OC1"], (S.WAITLISTED, at(4, 2)), (S.CANCELLED, at(4, 10))),
        "E10": history(
            u["u5"],
            o["OA2"],
            (S.PENDING, at(4, 20)),
            (S.ENROLLED, at(4, 22)),
            (S.COMPLETED, at(6, 20)),
            (S.NOT_COMPLETED, at(7, 5)),
        ),
        "E11": history(u["u7"], o["OA2"], (S.ENROLLED, at(4, 25)), (S.WITHDRAWN, at(5, 20))),
        "E12": history(
            u["u2"], o["OC1"], (S.ENROLLED, at(4, 3)), (S.COMPLETED, at(6, 28)), hours="16"
        ),
        "E13": history(u["u4"], o["OC1"], (S.ENROLLED, at(6, 15))),
    }
    return World(a, b, c, pa, pc, courses, offerings, users, enrollments)


def by_key(buckets: list[Any]) -> dict[Any, Any]:
    """Bucket key to value."""
    return {bucket.key: bucket.value for bucket in buckets}
