"""The demo's past: earlier terms and their runs, learners, and enrollments with their events.

A quarterly dashboard needs a history, so this writes one from the project's start
(`settings.REPORTS_PROJECT_START`) to today: every demo course runs in some past terms (the runs
archived, a few cancelled), several hundred learners of every type and both sexes (or not
stated) enroll, complete, fail, drop, get withdrawn, wait and get promoted or lapse, at times
that fit each run's dates. The current term's runs that are under way get their seat holders
too, and their counters match.

Deterministic: one `random.Random` per call, seeded by `seed` and `tag`; which past runs a course
has depends only on the course. Written with bulk inserts and no services (no news, no
webhooks), so it is fast on SQLite: the rows obey the same database constraints and state
machine, but not every service rule (prerequisites and per-term limits are not checked).

`seed_history` is reusable at any size: the benchmark calls it for 100,000 enrollments with
its own `tag` (its own learners), and it adds sections to the runs when they would be too full.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Offering, Term
from enrollment.models import SEAT_HOLDING, Channel, Enrollment, EnrollmentEvent, Status
from institutions.models import Institution
from reports.report import project_start

from . import data

DEMO_ENROLLMENTS = 3000
EMAIL_DOMAIN = "learners.yuchuang.local"
BATCH = 2000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "婷", "强", "丽", "军", "欣"]


# --- the calendar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermSpec:
    code: str
    name_zh: str
    name_en: str
    starts_on: date
    ends_on: date


def autumn_term(year: int) -> TermSpec:
    return TermSpec(
        f"{year}-autumn",
        f"{year}—{year + 1}学年秋季学期",
        f"Autumn {year}",
        date(year, 9, 1),
        date(year + 1, 1, 17),
    )


def spring_term(year: int) -> TermSpec:
    return TermSpec(
        f"{year}-spring",
        f"{year - 1}—{year}学年春季学期",
        f"Spring {year}",
        date(year, 2, 23),
        date(year, 7, 5),
    )


def terms_around(today: date) -> tuple[TermSpec, TermSpec]:
    """The teaching term running on `today` (or the one just before it) and the next one."""
    if today.month >= 9:
        return autumn_term(today.year), spring_term(today.year + 1)
    if today.month == 1:
        return autumn_term(today.year - 1), spring_term(today.year)
    return spring_term(today.year), autumn_term(today.year)


def past_terms(today: date, start: date | None = None) -> list[TermSpec]:
    """The terms that began on or after the project's start and before the current one."""
    start = start or project_start()
    current = terms_around(today)[0]
    terms = [
        make(year)
        for year in range(start.year, current.starts_on.year + 1)
        for make in (spring_term, autumn_term)
    ]
    return [t for t in terms if t.starts_on >= start and t.starts_on < current.starts_on]


def _rng(key: str) -> random.Random:
    return random.Random(key)  # noqa: S311  (demo data: repeatable, not secret)


def _local(day: date, hour: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


# --- what a call wrote -------------------------------------------------------------------------


@dataclass
class HistoryReport:
    terms: int = 0  # past terms of the demo owners, found or made
    offerings: int = 0  # runs in past terms, found or made
    new_offerings: int = 0
    learners: int = 0  # new
    enrollments: int = 0  # new
    events: int = 0  # new


@dataclass
class _Run:
    offering: Offering
    course: Course
    owner: int
    manager: int | None
    ended: bool
    cancel_at: datetime | None
    existing: int = 0
    weight: float = 1.0


@dataclass
class _Learner:
    index: int
    learner_type: str
    home: int | None
    pk: int = 0


@dataclass
class _Story:
    learner: _Learner
    run: _Run
    cutoff: datetime
    steps: list[tuple[str, datetime, int | None, str, str]] = field(default_factory=list)
    queue_number: int | None = None
    hours: Decimal | None = None
    score: Decimal | None = None
    grade: str = ""
    stopped: bool = False

    @property
    def status(self) -> str:
        return self.steps[-1][0]

    @property
    def last_at(self) -> datetime:
        return self.steps[-1][1]

    def go(
        self, status: str, at: datetime, actor: int | None, channel: str, reason: str = ""
    ) -> bool:
        """Add a step, if it happened by the cutoff: a later one and everything after it did not."""
        if self.steps:
            at = max(at, self.last_at + timedelta(minutes=1))
        if self.stopped or at > self.cutoff:
            self.stopped = True
            return False
        self.steps.append((status, at, actor, channel, reason))
        return True


# --- terms and runs ----------------------------------------------------------------------------


def _courses() -> list[Course]:
    codes = [spec["code"] for spec in data.INSTITUTIONS]
    return list(
        Course.objects.filter(institution__code__in=codes)
        .select_related("institution")
        .order_by("institution__code", "code")
    )


def _ensure_terms(institutions: Iterable[Institution], specs: list[TermSpec]) -> dict[Any, Term]:
    terms = {}
    for institution in institutions:
        for spec in specs:
            term, _ = Term.objects.get_or_create(
                institution=institution,
                code=spec.code,
                defaults={
                    "name_zh": spec.name_zh,
                    "name_en": spec.name_en,
                    "starts_on": spec.starts_on,
                    "ends_on": spec.ends_on,
                },
            )
            terms[(institution.pk, spec.code)] = term
    return terms


def _schedule(course: Course, count: int) -> list[bool]:
    """Which of `count` past terms the course ran in: it starts in one, then runs most terms.
    Depends on the course alone, so every call finds the same runs."""
    rng = _rng(f"runs/{course.institution.code}/{course.code}")
    first = rng.choices(range(count + 1), weights=[50, 25, 15, *[10] * (count - 2)][: count + 1])[0]
    return [i == first or (i > first and rng.random() < 0.8) for i in range(count)]


def _copy(base: Offering, term: Term, section: str, shift: timedelta, **fields: Any) -> Offering:
    """A run like `base` (the course's current one), moved by `shift` into `term`."""
    skip = {"id", "public_id", "term", "section", "created_at", "updated_at", *Offering.COUNTERS}
    values = {
        f.attname: getattr(base, f.attname)
        for f in Offering._meta.concrete_fields
        if f.name not in skip
    }
    for name in ("starts_on", "enrollment_opens_at", "enrollment_closes_at", "drop_deadline"):
        values[name] = values[name] + shift
    values["ends_on"] = max(values["starts_on"], min(values["ends_on"] + shift, term.ends_on))
    values.update(fields)
    return Offering(term=term, section=section, **values)


def _ensure_runs(
    courses: list[Course], terms: dict[Any, Term], specs: list[TermSpec], today: date, sections: int
) -> tuple[list[int], int, int]:
    """Past runs (section 01, and 02... when `sections` asks for more), found or made; the
    current term's runs get the extra sections too. Returns the ids of every run the history
    may fill (the current ones too), how many are in past terms and how many are new."""
    current = terms_around(today)[0]
    bases = {
        o.course_id: o
        for o in Offering.objects.filter(
            course__in=courses, term__code=current.code, section="01"
        ).select_related("term")
    }
    wanted: list[Offering] = []
    for course in courses:
        base = bases.get(course.pk)
        if base is None:
            continue
        rng = _rng(f"status/{course.institution.code}/{course.code}")
        for spec, ran in zip(specs, _schedule(course, len(specs)), strict=True):
            cancelled, by_offer = rng.random() < 0.04, rng.random() < 0.2
            if not ran:
                continue
            term = terms[(course.institution_id, spec.code)]
            status = Offering.Status.CANCELLED if cancelled else Offering.Status.ARCHIVED
            shift = spec.starts_on - current.starts_on
            for n in range(1, sections + 1):
                wanted.append(
                    _copy(base, term, f"{n:02d}", shift, status=status, promote_by_offer=by_offer)
                )
        for n in range(2, sections + 1):
            wanted.append(_copy(base, base.term, f"{n:02d}", timedelta(0)))

    def key(o: Offering) -> tuple[int, int, str]:
        return (o.course_id, o.term_id, o.section)

    have = {key(o): o for o in Offering.objects.filter(course__in=courses)}
    missing = [o for o in wanted if key(o) not in have]
    Offering.objects.bulk_create(missing, batch_size=BATCH)
    through = Offering.instructors.through
    teachers: dict[int, list[int]] = {o.course_id: [] for o in missing}
    for course_id, user_id in through.objects.filter(offering__in=list(bases.values())).values_list(
        "offering__course_id", "user_id"
    ):
        teachers.setdefault(course_id, []).append(user_id)
    through.objects.bulk_create(
        [through(offering_id=o.pk, user_id=u) for o in missing for u in teachers[o.course_id]],
        batch_size=BATCH,
    )
    runs = [have.get(key(o), o) for o in wanted]
    past = Offering.objects.filter(course__in=courses, term__in=[*terms.values()]).count()
    return [o.pk for o in runs] + [b.pk for b in bases.values()], past, len(missing)


def _backdate(offering_ids: list[int]) -> None:
    """An offering exists two weeks before its enrollment opens (created_at is auto_now_add:
    what a report as of a past date sees)."""
    made = F("enrollment_opens_at") - timedelta(days=14)
    Offering.objects.filter(pk__in=offering_ids).filter(created_at__gt=made).update(created_at=made)


# --- learners ----------------------------------------------------------------------------------


def _make_learners(
    rng: random.Random, count: int, tag: str, institutions: list[Institution], start: date
) -> list[_Learner]:
    schools = [i for i in institutions if i.kind != Institution.Kind.DEVELOPMENT_ZONE]
    zones = [i for i in institutions if i.kind == Institution.Kind.DEVELOPMENT_ZONE]
    unusable = make_password(None)  # background people: nobody logs in as them
    types = User.LearnerType
    rows, learners = [], []
    for n in range(1, count + 1):
        kind = rng.choices(
            [types.STUDENT, types.EMPLOYEE, types.GOVERNMENT, types.PUBLIC], [50, 27, 10, 13]
        )[0]
        home: Institution | None
        if kind == types.STUDENT:
            home = rng.choice(schools) if rng.random() < 0.95 else None
        elif kind == types.EMPLOYEE:
            home = rng.choice(zones) if zones and rng.random() < 0.7 else None
        else:
            home = None
        sex = rng.choices([User.Sex.FEMALE, User.Sex.MALE, ""], [45, 45, 10])[0]
        joined = _local(start - timedelta(days=rng.randint(0, 120)), rng.randint(8, 22))
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        rows.append(
            User(
                email=f"{tag}{n:05d}@{EMAIL_DOMAIN}",
                password=unusable,
                display_name=name,
                preferred_language=User.Language.EN if rng.random() < 0.08 else "zh-hans",
                learner_type=kind,
                home_institution=home,
                member_number=f"{joined.year}{n:05d}" if home is not None else "",
                # Sex is recorded only with consent; no consent, nothing recorded.
                sex=sex,
                sex_consent=bool(sex),
                email_verified_at=joined,
                date_joined=joined,
            )
        )
        learners.append(_Learner(n, kind, home.pk if home else None))
    User.objects.bulk_create(rows, batch_size=BATCH)
    for learner, row in zip(learners, rows, strict=True):
        learner.pk = row.pk
    return learners


class _Pools:
    """Who may take a run (its audience and whether it admits other owners' learners), with
    learners of the run's own owner more likely to."""

    def __init__(self, learners: list[_Learner]) -> None:
        self.learners = learners
        self.cache: dict[Any, tuple[list[_Learner], list[float]]] = {}

    def get(self, offering: Offering, owner: int) -> tuple[list[_Learner], list[float]]:
        key = (tuple(offering.audience), offering.open_to_other_institutions, owner)
        if key not in self.cache:
            types = set(offering.audience)
            pool = [
                learner
                for learner in self.learners
                if learner.learner_type in types
                and (offering.open_to_other_institutions or learner.home == owner)
            ]
            weights = [3.0 if learner.home == owner else 1.0 for learner in pool]
            self.cache[key] = (pool, list(accumulate(weights)))
        return self.cache[key]


def _pick(rng: random.Random, pool: list[_Learner], cum: list[float], n: int) -> list[_Learner]:
    """`n` distinct learners, by weight."""
    if n >= len(pool) // 2:
        return rng.sample(pool, n)
    chosen: dict[int, _Learner] = {}
    while len(chosen) < n:
        learner = pool[bisect_left(cum, rng.random() * cum[-1])]
        chosen[learner.index] = learner
    return list(chosen.values())


# --- stories -----------------------------------------------------------------------------------


def _between(rng: random.Random, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
    span = max((end - start).total_seconds(), 60.0)
    at = timezone.localtime(start + timedelta(seconds=span * rng.random() ** skew))
    if not 8 <= at.hour <= 22:  # people act in the day
        at = at.replace(hour=rng.randint(8, 22))
    return min(max(at, start), max(end, start))


def _channel(rng: random.Random, learner: _Learner) -> str:
    if learner.learner_type == User.LearnerType.EMPLOYEE and rng.random() < 0.35:
        return Channel.PARTNER
    return Channel.API if rng.random() < 0.03 else Channel.WEB


GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))


def _result(rng: random.Random, story: _Story, at: datetime, completed: bool) -> None:
    run = story.run
    manager = run.manager
    to = Status.COMPLETED if completed else Status.NOT_COMPLETED
    if not story.go(to, at, manager, Channel.ADMIN, "result recorded"):
        return
    if rng.random() < 0.02:  # a corrected result keeps the date it was first recorded
        completed = not completed
        later = at + timedelta(days=rng.randint(5, 20))
        story.go(
            Status.COMPLETED if completed else Status.NOT_COMPLETED,
            later,
            manager,
            Channel.ADMIN,
            "result corrected",
        )
        if story.status != to and story.status not in (Status.COMPLETED, Status.NOT_COMPLETED):
            return
    completed = story.status == Status.COMPLETED
    low, high = (60, 100) if completed else (20, 59)
    score = rng.randint(low * 10, high * 10) // 10
    story.score = Decimal(score)
    story.grade = next(grade for floor, grade in GRADES if score >= floor)
    story.hours = Decimal(run.course.class_hours) if completed else None


def _finish(rng: random.Random, story: _Story, start_at: datetime, end_at: datetime) -> None:
    """What became of a seat held since `story.last_at`."""
    run, learner = story.run, story.learner
    if run.cancel_at is not None:
        story.go(Status.CANCELLED, run.cancel_at, run.manager, Channel.ADMIN, "offering cancelled")
        return
    r = rng.random()
    if r < 0.07 and story.last_at < start_at:
        story.go(Status.DROPPED, _between(rng, story.last_at, start_at), learner.pk, Channel.WEB)
    elif r < 0.12:
        after = start_at + timedelta(days=1)
        dropped = _between(rng, after, after + timedelta(days=20))
        story.go(Status.DROPPED, dropped, learner.pk, Channel.WEB)
    elif r < 0.16:
        why = "stopped attending" if rng.random() < 0.7 else "left the employer"
        channel = Channel.PARTNER if learner.learner_type == "employee" else Channel.ADMIN
        story.go(
            Status.WITHDRAWN,
            _between(rng, start_at + timedelta(days=7), max(end_at, start_at + timedelta(days=8))),
            run.manager,
            channel,
            why,
        )
    elif run.ended:
        at = min(_between(rng, end_at, end_at + timedelta(days=10)), story.cutoff)
        _result(rng, story, at, completed=rng.random() < 0.87)


def _seat_story(rng: random.Random, story: _Story, t0: datetime) -> list[datetime]:
    """A seat from the start (straight in, or awaiting approval). Returns the times a seat
    freed before the run began (drops), for the waitlist."""
    run, learner = story.run, story.learner
    offering = run.offering
    channel = _channel(rng, learner)
    start_at, end_at = _local(offering.starts_on, 8), _local(offering.ends_on, 18)
    if offering.requires_approval:
        story.go(Status.PENDING, t0, learner.pk, channel)
        decided = t0 + timedelta(hours=rng.randint(4, 72))
        if run.cancel_at is None and rng.random() < 0.06:
            story.go(Status.REJECTED, decided, run.manager, Channel.ADMIN, "not eligible")
            return [story.last_at] if story.last_at < start_at else []
        if run.cancel_at is not None and decided >= run.cancel_at:
            _finish(rng, story, start_at, end_at)
            return []
        story.go(Status.ENROLLED, decided, run.manager, Channel.ADMIN, "approved")
    else:
        story.go(Status.ENROLLED, t0, learner.pk, channel)
    _finish(rng, story, start_at, end_at)
    freed = story.status in (Status.DROPPED, Status.REJECTED) and story.last_at < start_at
    return [story.last_at] if freed else []


def _wait_story(rng: random.Random, story: _Story, t0: datetime, freed: datetime | None) -> None:
    """Joined a full run's waitlist: promoted when a seat freed, or lapsed when it began."""
    run, learner = story.run, story.learner
    offering = run.offering
    start_at, end_at = _local(offering.starts_on, 8), _local(offering.ends_on, 18)
    story.go(Status.WAITLISTED, t0, learner.pk, _channel(rng, learner))
    if run.cancel_at is not None:
        story.go(Status.CANCELLED, run.cancel_at, run.manager, Channel.ADMIN, "offering cancelled")
        return
    if freed is None:
        if rng.random() < 0.12:
            story.go(Status.DROPPED, _between(rng, t0, start_at), learner.pk, Channel.WEB)
        else:
            story.go(Status.EXPIRED, start_at, None, Channel.SYSTEM, "offering started")
        return
    promoted = max(freed, t0) + timedelta(minutes=rng.randint(1, 30))
    if offering.promote_by_offer:
        story.go(Status.OFFERED, promoted, None, Channel.SYSTEM, "promoted from the waitlist")
        claim = timedelta(hours=offering.offer_claim_hours)
        if rng.random() < 0.3:
            story.go(Status.EXPIRED, promoted + claim, None, Channel.SYSTEM, "claim window closed")
            return
        accepted = promoted + claim * rng.uniform(0.05, 0.9)
        story.go(Status.ENROLLED, accepted, learner.pk, Channel.WEB, "offer accepted")
    elif offering.requires_approval:
        story.go(Status.PENDING, promoted, None, Channel.SYSTEM, "promoted from the waitlist")
        approved = promoted + timedelta(hours=rng.randint(4, 48))
        story.go(Status.ENROLLED, approved, run.manager, Channel.ADMIN, "approved")
    else:
        story.go(Status.ENROLLED, promoted, None, Channel.SYSTEM, "promoted from the waitlist")
    _finish(rng, story, start_at, end_at)


def _run_stories(
    rng: random.Random, run: _Run, learners: list[_Learner], cutoff: datetime, queue_from: int
) -> list[_Story]:
    offering = run.offering
    opens, closes = offering.enrollment_opens_at, offering.enrollment_closes_at
    start_at = _local(offering.starts_on, 8)
    last = min(closes, run.cancel_at or closes, cutoff) - timedelta(hours=1)
    seat_room = max(0, offering.capacity - run.existing)
    seated, waiting = learners[:seat_room], learners[seat_room:]
    stories, freed = [], []
    for learner in seated:
        story = _Story(learner, run, cutoff)
        freed += _seat_story(rng, story, _between(rng, opens, last, skew=1.6))
        stories.append(story)
    if waiting:
        # The line forms once the seats are gone, before the run begins.
        joined_from = opens + (min(start_at, last) - opens) * 0.3
        times = sorted(_between(rng, joined_from, min(start_at, last)) for _ in waiting)
        freed.sort()
        for number, (learner, t0) in enumerate(zip(waiting, times, strict=True), queue_from + 1):
            story = _Story(learner, run, cutoff, queue_number=number)
            # A freed seat goes to the first still waiting when it freed.
            seat = next((i for i, at in enumerate(freed) if at > t0), None)
            _wait_story(rng, story, t0, freed.pop(seat) if seat is not None else None)
            stories.append(story)
    return [s for s in stories if s.steps]


# --- writing -----------------------------------------------------------------------------------


def _allocate(rng: random.Random, runs: list[_Run], limits: list[int], total: int) -> list[int]:
    """Share `total` enrollments among runs by weight, none above its limit."""
    counts = [0] * len(runs)
    left = min(total, sum(limits))
    while left > 0:
        open_runs = [i for i in range(len(runs)) if counts[i] < limits[i]]
        weight = sum(runs[i].weight for i in open_runs)
        handed = 0
        for i in open_runs:
            share = min(limits[i] - counts[i], math.floor(left * runs[i].weight / weight))
            counts[i] += share
            handed += share
        if handed == 0:  # the rounding remainder: one each, heaviest first
            for i in sorted(open_runs, key=lambda i: -runs[i].weight)[:left]:
                counts[i] += 1
                handed += 1
        left -= handed
    return counts


def _write(stories: list[_Story]) -> int:
    rows = []
    for story in stories:
        status, first_at = story.status, story.steps[0][1]
        rows.append(
            Enrollment(
                learner_id=story.learner.pk,
                offering_id=story.run.offering.pk,
                status=status,
                queue_number=story.queue_number,
                score=story.score,
                grade=story.grade,
                hours_completed=story.hours,
                channel=story.steps[0][3],
                created_at=first_at,
            )
        )
    Enrollment.objects.bulk_create(rows, batch_size=BATCH)
    events = [
        EnrollmentEvent(
            enrollment_id=row.pk,
            actor_id=actor,
            at=at,
            from_status=story.steps[n - 1][0] if n else "",
            to_status=status,
            reason=reason,
            channel=channel,
        )
        for row, story in zip(rows, stories, strict=True)
        for n, (status, at, actor, channel, reason) in enumerate(story.steps)
    ]
    EnrollmentEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(events)


def _recount(offering_ids: list[int]) -> None:
    """The counters the enrollment services keep, from the rows (one UPDATE)."""
    rows = Enrollment.objects.filter(offering=OuterRef("pk")).order_by().values("offering")
    Offering.objects.filter(pk__in=offering_ids).update(
        seats_taken=Coalesce(
            Subquery(
                rows.filter(status__in=sorted(SEAT_HOLDING)).annotate(n=Count("pk")).values("n")
            ),
            Value(0),
        ),
        waitlist_length=Coalesce(
            Subquery(rows.filter(status=Status.WAITLISTED).annotate(n=Count("pk")).values("n")),
            Value(0),
        ),
        last_queue_number=Coalesce(
            Subquery(rows.annotate(n=Max("queue_number")).values("n")), F("last_queue_number")
        ),
    )


def seed_history(
    *,
    today: date | None = None,
    now: datetime | None = None,
    enrollments: int = DEMO_ENROLLMENTS,
    learners: int | None = None,
    tag: str = "h",
    seed: int = 2025,
) -> HistoryReport:
    """Past terms and runs of the demo courses (found or made), then, unless learners of this
    `tag` exist already, `learners` new learners (default: one per five enrollments) and about
    `enrollments` new enrollments with their events, none after now.

    Call inside a transaction (seed_demo does). Runs still open for enrollment are left alone
    (the demo's live enrollments go there); a run holds no more seats than its capacity.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    cutoff = min(now, _local(today + timedelta(days=1)))
    start = project_start()
    report = HistoryReport()
    institutions = list(
        Institution.objects.filter(code__in=[s["code"] for s in data.INSTITUTIONS]).order_by("code")
    )
    specs = past_terms(today, start)
    terms = _ensure_terms(institutions, specs)
    report.terms = len(terms)
    courses = _courses()
    if not courses:
        return report
    marker = f"{tag}{1:05d}@{EMAIL_DOMAIN}"
    fresh = enrollments > 0 and not User.objects.filter(email=marker).exists()

    # Enough sections that the runs hold the enrollments at about 70% of their capacity.
    current = terms_around(today)[0]
    base_seats = sum(
        o.capacity * (1 + sum(_schedule(o.course, len(specs))))
        for o in Offering.objects.filter(
            course__in=courses, term__code=current.code, section="01"
        ).select_related("course__institution")
    )
    sections = max(1, math.ceil(enrollments / (0.7 * base_seats))) if fresh and base_seats else 1
    run_ids, report.offerings, report.new_offerings = _ensure_runs(
        courses, terms, specs, today, sections
    )
    _backdate(run_ids)
    if not fresh:
        return report

    rng = _rng(f"history/{seed}/{tag}")
    people = _make_learners(rng, learners or max(50, enrollments // 5), tag, institutions, start)
    report.learners = len(people)

    candidates = (
        Offering.objects.filter(
            course__in=courses, starts_on__lte=today, enrollment_opens_at__lt=cutoff
        )
        .filter(Q(term__in=[*terms.values()]) | Q(term__code=current.code))
        .exclude(status=Offering.Status.DRAFT)
        .annotate(existing=Count("enrollments"))
        .select_related("course__institution")
        .order_by("course__institution__code", "course__code", "starts_on", "section")
    )
    managers = dict(
        User.objects.filter(
            email__in=[f"{i.code.lower()}@yuchuang.local" for i in institutions]
        ).values_list("email", "pk")
    )
    runs = []
    for offering in candidates:
        if offering.is_open_for_enrollment(now):
            continue
        owner = offering.course.institution
        cancel_at = None
        if offering.status == Offering.Status.CANCELLED:
            cancel_at = _local(offering.starts_on, 10) - timedelta(days=rng.randint(3, 10))
            cancel_at = max(cancel_at, offering.enrollment_opens_at + timedelta(days=3))
        runs.append(
            _Run(
                offering=offering,
                course=offering.course,
                owner=owner.pk,
                manager=managers.get(f"{owner.code.lower()}@yuchuang.local"),
                ended=offering.ends_on < today,
                cancel_at=cancel_at,
                existing=offering.existing,
                weight=offering.capacity * rng.choice((0.5, 0.5, 1.0, 1.0, 2.5)),
            )
        )
    pools = _Pools(people)
    limits = []
    for run in runs:
        o = run.offering
        room = max(0, o.capacity - run.existing) + o.waitlist_capacity
        if run.cancel_at is not None:
            room = min(room, o.capacity // 3)
        limits.append(min(room, len(pools.get(o, run.owner)[0])))
    counts = _allocate(rng, runs, limits, enrollments)

    stories: list[_Story] = []
    for run, count in zip(runs, counts, strict=True):
        if count:
            pool, cum = pools.get(run.offering, run.owner)
            chosen = _pick(rng, pool, cum, count)
            stories += _run_stories(rng, run, chosen, cutoff, run.offering.last_queue_number)
    report.events = _write(stories)
    report.enrollments = len(stories)
    _recount([run.offering.pk for run in runs])
    return report
