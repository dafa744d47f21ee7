"""Loads the demo data set. Idempotent: every row is found by its natural key and updated, and
the history (demo.history) is written once."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Offering, Prerequisite, Program, Term, Topic
from institutions.models import Institution, StaffMembership
from reports.models import ProjectOfficeMember

from . import data
from .history import GIVEN, SURNAMES, HistoryReport, seed_history, terms_around
from .indicators import seed_indicators

DEMO_PASSWORD = "yuchuang-demo"  # noqa: S105  (printed for the demo; never used in production)
SUPERUSER_EMAIL = "admin@yuchuang.local"


@dataclass
class SeedReport:
    institutions: int = 0
    programs: int = 0
    courses: int = 0
    offerings: int = 0
    enrollments: int = 0  # new ones
    logins: list[tuple[str, str]] = field(default_factory=list)
    history: HistoryReport = field(default_factory=HistoryReport)


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


SCHEDULES = [
    ("每周二 14:00–15:40", "Tuesdays 14:00–15:40"),
    ("每周四 19:00–20:40", "Thursdays 19:00–20:40"),
    ("每周六 09:00–11:50", "Saturdays 09:00–11:50"),
    ("每周一、三 10:10–11:50", "Mondays and Wednesdays 10:10–11:50"),
]
PLACES = {
    Offering.DeliveryMode.IN_PERSON: (
        "{campus} 教学楼 A{room}",
        "{campus_en}, Building A, room {room}",
    ),
    Offering.DeliveryMode.HYBRID: (
        "{campus} 创新创业中心 {room} 室 + 线上直播",
        "{campus_en}, Innovation Centre room {room}, and live online",
    ),
    Offering.DeliveryMode.ONLINE: ("线上（腾讯会议）", "Online (Tencent Meeting)"),
}
MODES = [
    Offering.DeliveryMode.IN_PERSON,
    Offering.DeliveryMode.HYBRID,
    Offering.DeliveryMode.IN_PERSON,
    Offering.DeliveryMode.ONLINE,
]


def _user(email: str, *, password_hash: str, **fields: Any) -> User:
    fields.setdefault("email_verified_at", timezone.now())
    user, _ = User.objects.update_or_create(email=email, defaults=fields)
    user.password = password_hash
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_demo(*, today: date | None = None, password: str = DEMO_PASSWORD) -> SeedReport:
    """Create or update the demo data set. Running it again changes nothing but passwords."""
    today = today or timezone.localdate()
    now = timezone.now()
    report = SeedReport()
    # One hash for every demo login: hashing each of them took most of the seed's time.
    password_hash = make_password(password)
    current, upcoming = terms_around(today)

    topics = {
        spec["slug"]: Topic.objects.update_or_create(slug=spec["slug"], defaults=spec)[0]
        for spec in data.TOPICS
    }

    admin = _user(
        SUPERUSER_EMAIL,
        password_hash=password_hash,
        display_name="项目办管理员",
        is_staff=True,
        is_superuser=True,
    )
    report.logins.append((admin.email, "superuser (project office)"))

    course_index = 0
    for spec in data.INSTITUTIONS:
        fields = {
            k: v for k, v in spec.items() if k not in {"code", "programs", "courses", "campus"}
        }
        institution, _ = Institution.objects.update_or_create(code=spec["code"], defaults=fields)
        report.institutions += 1
        campus_zh, campus_en = spec.get("campus", ("主校区", "Main campus"))

        manager = _user(
            f"{spec['code'].lower()}@yuchuang.local",
            password_hash=password_hash,
            display_name=f"{spec['short_name_zh'] or spec['name_zh']}课程管理员",
            learner_type=User.LearnerType.EMPLOYEE,
            home_institution=institution,
        )
        StaffMembership.objects.update_or_create(
            user=manager,
            institution=institution,
            defaults={"role": StaffMembership.Role.COURSE_MANAGER},
        )
        report.logins.append((manager.email, f"course manager, {institution.code}"))

        terms = []
        for term_spec in (current, upcoming):
            term, _ = Term.objects.update_or_create(
                institution=institution,
                code=term_spec.code,
                defaults={
                    "name_zh": term_spec.name_zh,
                    "name_en": term_spec.name_en,
                    "starts_on": term_spec.starts_on,
                    "ends_on": term_spec.ends_on,
                },
            )
            terms.append(term)

        programs = {}
        for program_spec in spec["programs"]:
            program, _ = Program.objects.update_or_create(
                institution=institution,
                code=program_spec["code"],
                defaults={k: v for k, v in program_spec.items() if k != "code"},
            )
            programs[program.code] = program
            report.programs += 1

        courses: dict[str, Course] = {}
        is_zone = spec["kind"] == Institution.Kind.DEVELOPMENT_ZONE
        for course_spec in spec["courses"]:
            plain = {
                k: v
                for k, v in course_spec.items()
                if k not in {"code", "topics", "programs", "prerequisites"}
            }
            plain["credits"] = Decimal(str(plain.get("credits", "0")))
            course, _ = Course.objects.update_or_create(
                institution=institution, code=course_spec["code"], defaults=plain
            )
            course.topics.set([topics[slug] for slug in course_spec.get("topics", [])])
            course.programs.set([programs[code] for code in course_spec.get("programs", [])])
            for required in course_spec.get("prerequisites", []):
                Prerequisite.objects.get_or_create(course=course, required_course=courses[required])
            courses[course.code] = course
            report.courses += 1

            for term, running in ((terms[0], True), (terms[1], False)):
                offering = _offering(
                    course=course,
                    term=term,
                    index=course_index,
                    running=running,
                    is_zone=is_zone,
                    now=now,
                    campus=(campus_zh, campus_en),
                )
                offering.instructors.set([manager])
                report.offerings += 1
            course_index += 1

    for email, learner_type, code, name in (
        ("student@yuchuang.local", User.LearnerType.STUDENT, "CQJTU", "李同学"),
        ("employee@yuchuang.local", User.LearnerType.EMPLOYEE, "CSETDA", "王工程师"),
    ):
        learner = _user(
            email,
            password_hash=password_hash,
            display_name=name,
            learner_type=learner_type,
            home_institution=Institution.objects.get(code=code),
            email_verified_at=now,
        )
        report.logins.append((learner.email, f"learner ({learner.get_learner_type_display()})"))
    report.enrollments = _seed_enrollments(password_hash=password_hash, now=now)
    # The past since the project began, so the quarterly reports have a trend to show.
    history = seed_history(today=today, now=now)
    report.offerings += history.offerings
    report.enrollments += history.enrollments
    report.history = history

    # The project office reads every owner's results and edits the indicators (in the admin).
    office = _user(
        "office@yuchuang.local", password_hash=password_hash, display_name="项目办", is_staff=True
    )
    ProjectOfficeMember.objects.get_or_create(user=office)
    report.logins.append((office.email, "project office"))
    seed_indicators()
    return report


def _seed_enrollments(*, password_hash: str, now: datetime) -> int:
    """Learners in two open offerings: one half full, one full with a waitlist.

    Goes through the enrollment services like any learner would. Skipped for an offering that
    already has enrollments, so running the seed again adds nothing.
    """
    from enrollment.models import Enrollment
    from enrollment.services import enrollment_create

    cqjtu = Institution.objects.get(code="CQJTU")
    learners = [
        _user(
            f"learner{n:02d}@yuchuang.local",
            password_hash=password_hash,
            display_name=SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n * 7) % 15],
            learner_type=User.LearnerType.STUDENT,
            home_institution=cqjtu,
            member_number=f"2025{n:04d}",
            sex=("female", "male", "")[n % 3],
            sex_consent=n % 3 != 2,
            email_verified_at=now,
        )
        for n in range(1, 41)
    ]
    student = User.objects.get(email="student@yuchuang.local")
    open_now = (
        Offering.objects.open_for_enrollment(now)
        .filter(open_to_students=True, open_to_other_institutions=True, requires_approval=False)
        .filter(course__prerequisites__isnull=True)
        .select_related("course")
        .order_by("course__institution__code", "course__code")
    )
    half_full = open_now.filter(course__institution=cqjtu).first()
    crowded = (
        open_now.filter(waitlist_capacity__gte=5, capacity__lte=30)
        .exclude(course__institution=cqjtu)
        .first()
    )
    made = 0
    for offering, crowd, then_student in ((half_full, 12, True), (crowded, None, True)):
        if offering is None or Enrollment.objects.filter(offering=offering).exists():
            continue
        count = crowd if crowd is not None else offering.capacity + 2
        for learner in learners[:count]:
            enrollment_create(learner=learner, offering=offering, actor=learner)
            made += 1
        if then_student:
            enrollment_create(learner=student, offering=offering, actor=student)
            made += 1
    return made


def _offering(
    *,
    course: Course,
    term: Term,
    index: int,
    running: bool,
    is_zone: bool,
    now: datetime,
    campus: tuple[str, str],
) -> Offering:
    """One offering with a deterministic variety of modes, windows, audiences and states."""
    mode = MODES[index % len(MODES)]
    schedule_zh, schedule_en = SCHEDULES[index % len(SCHEDULES)]
    room = 101 + (index * 7) % 400
    place_zh, place_en = PLACES[mode]
    today = timezone.localdate(now)
    if running:
        # This term's run: under way (or just over), enrollment long closed.
        starts_on = term.starts_on + timedelta(days=7 * (index % 3))
        ends_on = min(term.ends_on, starts_on + timedelta(weeks=16 if not is_zone else 6))
        opens_at = _at(term.starts_on - timedelta(days=30))
        closes_at = _at(term.starts_on + timedelta(days=14), 18)
        status = Offering.Status.ARCHIVED if ends_on < today else Offering.Status.PUBLISHED
    else:
        # Next term's run: most take enrollments now, some open later, a few not published.
        starts_on = term.starts_on + timedelta(days=7 * (index % 3))
        ends_on = min(term.ends_on, starts_on + timedelta(weeks=16 if not is_zone else 4))
        variant = index % 8
        if variant in (2, 6):  # opens in ten days, at 10:00 as registration rushes do
            opens_at = _at(today + timedelta(days=10), 10)
        else:
            opens_at = _at(today - timedelta(days=3 + index % 5), 10)
        closes_at = max(opens_at + timedelta(days=14), _at(term.starts_on - timedelta(days=3), 18))
        status = {
            5: Offering.Status.DRAFT,
            7: Offering.Status.CANCELLED if index % 16 == 7 else Offering.Status.PUBLISHED,
        }.get(variant, Offering.Status.PUBLISHED)
    capacity = [30, 40, 60, 45, 120, 25][index % 6]
    offering, _ = Offering.objects.update_or_create(
        course=course,
        term=term,
        section="01",
        defaults={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "schedule_zh": schedule_zh,
            "schedule_en": schedule_en,
            "delivery_mode": mode,
            "location_zh": place_zh.format(campus=campus[0], room=room),
            "location_en": place_en.format(campus_en=campus[1], room=room),
            "capacity": capacity,
            "waitlist_capacity": [10, 0, 20, 5][index % 4],
            "enrollment_opens_at": opens_at,
            "enrollment_closes_at": closes_at,
            "drop_deadline": max(closes_at, _at(starts_on + timedelta(days=14), 18)),
            "open_to_students": not is_zone or index % 3 == 0,
            "open_to_employees": is_zone or index % 2 == 0,
            "open_to_government": is_zone or index % 5 == 0,
            "open_to_public": index % 4 == 1,
            "open_to_other_institutions": index % 5 != 2,
            "requires_approval": is_zone and index % 3 == 1,
            "status": status,
        },
    )
    return offering
