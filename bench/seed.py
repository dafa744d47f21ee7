"""A fresh PostgreSQL database and a realistic data set, written with COPY.

The full set: the seven owners, 600 courses, 2,000 offerings (past terms archived, the current
term open for enrollment, the next one published), 100,000 learners and 300,000 past
enrollments with their events, plus live enrollments in the current term so that the catalog
shows real seat counts. Every value comes from one seeded random generator, so two runs with
the same seed hold the same data. The rush scenario adds its own offerings per round.
"""

import itertools
import random
import subprocess
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

# The bench's own learners log in with this password; one hash serves them all.
LEARNER_PASSWORD = "bench-learner"  # noqa: S105 (a throwaway database)
EMAIL_DOMAIN = "bench.yuchuang.local"


@dataclass(frozen=True)
class Scale:
    courses: int
    offerings: int
    learners: int
    past_enrollments: int
    live_share: float = 0.4  # of a current offering's seats, taken before the bench starts


FULL = Scale(courses=600, offerings=2000, learners=100_000, past_enrollments=300_000)
SMALL = Scale(courses=60, offerings=200, learners=6_000, past_enrollments=10_000)


# The columns of courses_offering as the seeds copy them, in the order of their rows.
OFFERING_COLUMNS = [
    "id", "public_id", "section", "starts_on", "ends_on", "schedule_zh", "schedule_en",
    "delivery_mode", "location_zh", "location_en", "capacity", "waitlist_capacity",
    "seats_taken", "waitlist_length", "enrollment_opens_at", "enrollment_closes_at",
    "drop_deadline", "open_to_students", "open_to_employees", "open_to_government",
    "open_to_public", "open_to_other_institutions", "requires_approval", "status",
    "created_at", "updated_at", "course_id", "term_id", "last_queue_number",
    "offer_claim_hours", "promote_by_offer",
]  # fmt: skip


def psql(dbname: str, sql: str, *, admin_url: str) -> None:
    subprocess.run(  # noqa: S603 (our own command line)
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],  # noqa: S607
        check=True,
        capture_output=True,
    )


def create_database(name: str, *, admin_url: str) -> None:
    """Drop `name` if it exists (closing its sessions) and create it empty."""
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url=admin_url)
    psql("postgres", f'CREATE DATABASE "{name}"', admin_url=admin_url)


def drop_database(name: str, *, admin_url: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url=admin_url)


class Ids:
    """Primary keys handed out in Python, so related rows can be written in one COPY each."""

    def __init__(self) -> None:
        self._next: dict[str, itertools.count[int]] = {}

    def take(self, table: str) -> int:
        if table not in self._next:
            self._next[table] = itertools.count(self.start(table))
        return next(self._next[table])

    @staticmethod
    def start(table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
            return int(cursor.fetchone()[0])


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` into `table`; returns how many. Runs in the caller's transaction."""
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reset_sequences(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def rng_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class Seeded:
    institutions: list[int]
    current_terms: dict[int, int]  # institution id → current term id
    courses: dict[int, int]  # course id → institution id
    learners: range  # learner ids, contiguous
    counts: dict[str, int]
    seconds: float


def _terms(today: date) -> list[tuple[str, str, str, date, date]]:
    """(code, name_zh, name_en, starts_on, ends_on): six past terms, the current, the next."""
    out = []
    year = today.year - 3
    for index in range(8):
        spring = index % 2 == 0
        starts = date(year + index // 2, 3 if spring else 9, 1)
        ends = starts + timedelta(days=120)
        season_zh, season_en = ("春季", "Spring") if spring else ("秋季", "Autumn")
        code = f"{starts.year}-{'spring' if spring else 'autumn'}"
        out.append(
            (code, f"{starts.year}年{season_zh}学期", f"{season_en} {starts.year}", starts, ends)
        )
    # Shift so that the seventh term is running today and the eighth comes next.
    shift = today - (out[6][3] + timedelta(days=30))
    return [(c, z, e, s + shift, f + shift) for c, z, e, s, f in out]


@transaction.atomic
def seed(scale: Scale, *, seed: int) -> Seeded:
    """Write the data set into the (migrated, empty) database."""
    from accounts.models import User
    from courses.models import Program, Term, Topic
    from demo import data
    from institutions.models import Institution, StaffMembership

    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (data, not secrets)
    now = timezone.now()
    today = timezone.localdate()
    ids = Ids()
    counts: dict[str, int] = {}

    topics = [Topic.objects.create(**spec) for spec in data.TOPICS]
    institutions: list[Institution] = []
    templates: list[dict[str, Any]] = []  # demo courses, the pattern of the bench's courses
    programs: dict[int, list[int]] = {}
    password = make_password(LEARNER_PASSWORD)
    for spec in data.INSTITUTIONS:
        fields = {
            k: v for k, v in spec.items() if k not in {"code", "programs", "courses", "campus"}
        }
        institution = Institution.objects.create(code=spec["code"], **fields)
        institutions.append(institution)
        programs[institution.pk] = [
            Program.objects.create(
                institution=institution, **{k: v for k, v in p.items() if k != "programs"}
            ).pk
            for p in spec["programs"]
        ]
        templates += spec["courses"]
        manager = User.objects.create(
            email=f"{spec['code'].lower()}@{EMAIL_DOMAIN}",
            password=password,
            display_name=f"{spec['short_name_zh'] or spec['name_zh']}课程管理员",
            learner_type=User.LearnerType.EMPLOYEE,
            home_institution=institution,
            email_verified_at=now,
        )
        StaffMembership.objects.create(
            user=manager, institution=institution, role=StaffMembership.Role.COURSE_MANAGER
        )
    counts["institutions"] = len(institutions)

    # Terms: eight per owner.
    term_specs = _terms(today)
    terms: dict[int, list[Term]] = {}
    for institution in institutions:
        terms[institution.pk] = Term.objects.bulk_create(
            Term(
                institution=institution,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                starts_on=starts,
                ends_on=ends,
            )
            for code, name_zh, name_en, starts, ends in term_specs
        )
    current_terms = {pk: ts[6].pk for pk, ts in terms.items()}

    # Courses, spread over the owners, their topics and programs.
    course_rows: list[tuple[Any, ...]] = []
    topic_rows: list[tuple[int, int]] = []
    program_rows: list[tuple[int, int]] = []
    course_owner: dict[int, int] = {}
    for n in range(scale.courses):
        institution = institutions[n % len(institutions)]
        template = templates[n % len(templates)]
        pk = ids.take("courses_course")
        course_owner[pk] = institution.pk
        number = n // len(institutions) + 1
        course_rows.append(
            (
                pk,
                rng_uuid(rng),
                f"C{number:03d}-{template['code']}",
                f"{template['title_zh']}（{number}）",
                f"{template['title_en']} ({number})",
                template.get("summary_zh", ""),
                template.get("summary_en", ""),
                template.get("description_zh", ""),
                template.get("description_en", ""),
                Decimal(str(template.get("credits", "2.0"))),
                template.get("class_hours", 32),
                rng.choice(["zh", "zh", "zh", "en", "bilingual"]),
                rng.choice(["introductory", "intermediate", "advanced"]),
                rng.random() > 0.03,
                now,
                now,
                institution.pk,
            )
        )
        for topic in rng.sample(topics, rng.randint(1, 3)):
            topic_rows.append((pk, topic.pk))
        program_rows.append((pk, rng.choice(programs[institution.pk])))
    counts["courses"] = copy_rows(
        "courses_course",
        [
            "id", "public_id", "code", "title_zh", "title_en", "summary_zh", "summary_en",
            "description_zh", "description_en", "credits", "class_hours", "language", "level",
            "is_active", "created_at", "updated_at", "institution_id",
        ],
        course_rows,
    )  # fmt: skip
    copy_rows("courses_course_topics", ["course_id", "topic_id"], topic_rows)
    copy_rows("courses_course_programs", ["course_id", "program_id"], program_rows)

    # Offerings: 65% in the six past terms (archived), 25% in the current term (open for
    # enrollment), 8% in the next term (published, opening later), 2% drafts.
    offering_rows: list[list[Any]] = []
    past: list[tuple[int, int]] = []  # (offering id, capacity)
    current: list[tuple[int, int]] = []
    course_ids = list(course_owner)
    sections: dict[tuple[int, int], int] = {}
    for n in range(scale.offerings):
        course = course_ids[n % len(course_ids)]
        share = n / scale.offerings
        owner_terms = terms[course_owner[course]]
        if share < 0.65:
            term, status = owner_terms[n % 6], "archived"
        elif share < 0.90:
            term, status = owner_terms[6], "published"
        elif share < 0.98:
            term, status = owner_terms[7], "published"
        else:
            term, status = owner_terms[7], "draft"
        section = sections[course, term.pk] = sections.get((course, term.pk), 0) + 1
        starts = term.starts_on + timedelta(days=rng.randint(0, 20))
        opens = timezone.make_aware(
            datetime.combine(term.starts_on - timedelta(days=45), datetime.min.time())
        )
        if term is owner_terms[6]:
            opens = now - timedelta(days=rng.randint(1, 20))
        elif term is owner_terms[7]:
            opens = now + timedelta(days=rng.randint(3, 30))
        closes = opens + timedelta(days=60)
        capacity = rng.choice([30, 40, 50, 60, 80, 120]) if status != "archived" else 0
        pk = ids.take("courses_offering")
        mode = rng.choice(["in_person", "in_person", "online", "hybrid"])
        offering_rows.append(
            [
                pk, rng_uuid(rng), f"{section:02d}", starts, starts + timedelta(days=90),
                "每周二 14:00–16:00", "Tuesdays 14:00–16:00", mode,
                "" if mode == "online" else f"教学楼{rng.randint(1, 9)}0{rng.randint(1, 9)}",
                "" if mode == "online" else f"Building {rng.randint(1, 9)}",
                capacity, rng.choice([0, 10, 20]), 0, 0, opens, closes, closes,
                True, True, rng.random() < 0.7, rng.random() < 0.4, rng.random() < 0.8,
                rng.random() < 0.1, status, now, now - timedelta(seconds=rng.randint(0, 10**7)),
                course, term.pk, 0, 48, rng.random() < 0.2,
            ]
        )  # fmt: skip
        if status == "archived":
            past.append((pk, len(offering_rows) - 1))
        elif term is owner_terms[6]:
            current.append((pk, len(offering_rows) - 1))

    # Past enrollments: ended states only, spread over the past offerings; their capacity is
    # what they held.
    learner_first = ids.start("accounts_user")
    learners = range(learner_first, learner_first + scale.learners)
    enrollment_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    ended = ["completed"] * 14 + ["not_completed"] * 2 + ["dropped"] * 3 + ["withdrawn"]
    taken: set[tuple[int, int]] = set()
    per_offering: dict[int, int] = {}
    while len(enrollment_rows) < scale.past_enrollments:
        offering, row = past[rng.randrange(len(past))]
        learner = learners[rng.randrange(len(learners))]
        if (learner, offering) in taken:
            continue
        taken.add((learner, offering))
        per_offering[row] = per_offering.get(row, 0) + 1
        status = rng.choice(ended)
        enrolled_at = offering_rows[row][14] + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        finished_at = timezone.make_aware(
            datetime.combine(offering_rows[row][4], datetime.min.time())
        )
        pk = ids.take("enrollment_enrollment")
        done = status in ("completed", "not_completed")
        enrollment_rows.append(
            (
                pk, rng_uuid(rng), status, None, None,
                Decimal(rng.randint(55, 100)) if done else None,
                "", Decimal(32) if status == "completed" else None,
                "web", enrolled_at, finished_at, learner, offering,
            )
        )  # fmt: skip
        event_rows.append(
            (
                ids.take("enrollment_enrollmentevent"),
                enrolled_at,
                "",
                "enrolled",
                "",
                "web",
                learner,
                pk,
            )
        )
        event_rows.append(
            (
                ids.take("enrollment_enrollmentevent"),
                finished_at,
                "enrolled",
                status,
                "",
                "web",
                None,
                pk,
            )
        )
    for _, row in past:
        offering_rows[row][10] = max(per_offering.get(row, 0), 20)  # capacity: what they held

    # Live enrollments in the current term: seats taken before the bench starts.
    for offering, row in current:
        capacity = offering_rows[row][10]
        held = int(capacity * scale.live_share * rng.random() * 2)
        held = min(held, capacity)
        chosen = rng.sample(learners, held)
        for learner in chosen:
            pk = ids.take("enrollment_enrollment")
            at = now - timedelta(minutes=rng.randint(10, 60 * 24 * 20))
            enrollment_rows.append(
                (
                    pk,
                    rng_uuid(rng),
                    "enrolled",
                    None,
                    None,
                    None,
                    "",
                    None,
                    "web",
                    at,
                    at,
                    learner,
                    offering,
                )
            )
            event_rows.append(
                (ids.take("enrollment_enrollmentevent"), at, "", "enrolled", "", "web", learner, pk)
            )
        offering_rows[row][12] = held  # seats_taken

    counts["offerings"] = copy_rows(
        "courses_offering",
        OFFERING_COLUMNS,
        offering_rows,
    )  # fmt: skip

    counts["learners"] = copy_rows(
        "accounts_user",
        [
            "id", "password", "is_superuser", "public_id", "email", "display_name",
            "preferred_language", "learner_type", "member_number", "sex", "sex_consent",
            "is_staff", "is_active", "date_joined", "updated_at", "home_institution_id",
            "email_verified_at",
        ],
        _learner_rows(learners, rng, password, now, [i.pk for i in institutions]),
    )  # fmt: skip
    counts["enrollments"] = copy_rows(
        "enrollment_enrollment",
        [
            "id", "public_id", "status", "queue_number", "offer_expires_at", "score", "grade",
            "hours_completed", "channel", "created_at", "updated_at", "learner_id", "offering_id",
        ],
        enrollment_rows,
    )  # fmt: skip
    counts["past_enrollments"] = scale.past_enrollments
    counts["events"] = copy_rows(
        "enrollment_enrollmentevent",
        ["id", "at", "from_status", "to_status", "reason", "channel", "actor_id", "enrollment_id"],
        event_rows,
    )
    reset_sequences(
        [
            "courses_course",
            "courses_offering",
            "accounts_user",
            "enrollment_enrollment",
            "enrollment_enrollmentevent",
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Seeded(
        institutions=[i.pk for i in institutions],
        current_terms=current_terms,
        courses=course_owner,
        learners=learners,
        counts=counts,
        seconds=time.monotonic() - started,
    )


def _learner_rows(
    learners: range, rng: random.Random, password: str, now: datetime, institutions: list[int]
) -> Iterable[tuple[Any, ...]]:
    kinds = ["student"] * 5 + ["employee"] * 3 + ["government", "public"]
    for pk in learners:
        kind = rng.choice(kinds)
        sex = rng.choice(["female", "male", ""])
        yield (
            pk, password, False, rng_uuid(rng), f"learner{pk}@{EMAIL_DOMAIN}", f"学员{pk}",
            "zh-hans" if rng.random() < 0.85 else "en", kind, "", sex, sex != "",
            False, True, now - timedelta(days=rng.randint(1, 900)), now,
            rng.choice(institutions[:5]) if kind == "student" else None, now,
        )  # fmt: skip
