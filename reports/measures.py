"""What an indicator counts: a registry of measures computed in SQL, as of a date.

A measure reads enrollments through their event history, so a report for last quarter run today
gives last quarter's figures: an enrollment's status at a moment D is the `to_status` of its
latest `EnrollmentEvent` with `at <= D` (ties broken by id); events after D and enrollments
created after D are not seen. An enrollment without events has no status and counts nowhere.

Periods are half-open, [start, end), in local dates (Asia/Shanghai): a period starts at local
midnight of `start` and ends just before local midnight of `end`.

The measures (`MEASURES`, by code):

- `enrollments`: enrollments that held a seat (pending, enrolled or offered) at some moment of
  the period: their status just before the period began held a seat, or an event in the period
  moved them into a seat-holding state.
- `unique_learners`: distinct learners with such an enrollment.
- `completions`: enrollments whose status at D is completed and whose first recorded result
  (the earliest event into completed or not completed) falls in the period. A corrected result
  keeps the date it was first recorded.
- `completion_rate`: completions / enrollments that ended in the period, in percent. Ended means
  a first recorded result (completed or not completed, as the status stands at D) in the period,
  or a drop or withdrawal in the period on or after the offering's start date (people who began
  and did not finish). Drops before the course began, rejections, cancellations and lapsed
  waitlists are not in the denominator. Empty denominator: 0.
- `learning_hours`: the sum of `hours_completed` of those completions (missing hours count 0).
  Hours are read as they stand now; the event history does not keep past values.
- `courses_launched`: courses whose first run (the earliest start date among their offerings
  that are published or archived, created by D and starting on or before D) falls in the period.
- `programs_launched`: programs whose first run (the same, over the offerings of the program's
  courses) falls in the period.
- `offerings_run`: offerings published or archived (not draft, not cancelled), created by D,
  starting in the period and on or before D. Offering status has no history: an offering
  cancelled after D no longer counts for D.
- `seats_offered`: the capacity of those offerings (capacity as it stands now).
- `waitlist_unmet`: distinct learners with an enrollment that was waitlisted, never held a seat
  (never pending, enrolled or offered: an offer that lapsed was a seat given), and whose status
  at D is expired or cancelled by an event in the period.
- `share_of_women`: among the period's unique learners, female / (female + male) in percent;
  learners whose sex is not stated are left out of the ratio and reported next to it
  (`not_stated`), never guessed. Empty denominator: 0.
- `learners_employers`: distinct learners of the period who are company employees or
  government staff.
- `learners_other_institutions`: distinct learners of the period holding a seat in a course of
  an owner other than their home institution (learners without a home institution do not count).

Every measure can be split by the dimensions its rows have (`Measure.dimensions`): sex (female,
male and "not stated"), learner type, institution (the course's owner), program and term (by
term code: terms of different owners sharing a code are one period). A course in two programs
counts under both, so program buckets may add up to more than the total.

Queries: one for the totals and one per dimension, whatever the number of periods, owners or
rows: every period is a filtered aggregate column of the same grouped query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from courses.models import Course, Offering, Program
from enrollment.models import SEAT_HOLDING, Enrollment, EnrollmentEvent, Status
from institutions.bilingual import prefers_english

SEATS = sorted(SEAT_HOLDING)
RESULTS = [Status.COMPLETED, Status.NOT_COMPLETED]
RUN_STATUSES = [Offering.Status.PUBLISHED, Offering.Status.ARCHIVED]
NEVER = Q(pk__isnull=True)  # a condition no row meets


class Unit:
    COUNT = "count"
    PERCENT = "percent"
    HOURS = "hours"


# --- periods and results -----------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    """Local dates [start, end)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("A period ends after it starts.")

    @property
    def start_at(self) -> datetime:
        return _local_midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return _local_midnight(self.end)


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return Period(start, end)


def quarters(first: date, count: int) -> list[Period]:
    """`count` consecutive quarters, the first one containing `first`."""
    periods = [quarter_of(first)]
    while len(periods) < count:
        periods.append(quarter_of(periods[-1].end))
    return periods


@dataclass(frozen=True)
class Filters:
    """Which rows a measure reads: owners (None: all), program kind, learner type ("": any)."""

    institutions: frozenset[int] | None = None
    program_kind: str = ""
    learner_type: str = ""


@dataclass(frozen=True)
class Figure:
    """A value; ratios also carry their parts, share of women its not-stated count.

    `people` is how many learners (or enrollments) the figure rests on, for measures that count
    people: what small-cell suppression judges. None for catalog measures.
    """

    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    not_stated: int | None = None
    people: Decimal | None = None


@dataclass(frozen=True)
class Bucket:
    key: Any
    label: str
    figure: Figure

    @property
    def value(self) -> Decimal:
        return self.figure.value


@dataclass(frozen=True)
class Result:
    measure: str
    unit: str
    period: Period
    as_of: datetime
    figure: Figure
    breakdowns: dict[str, list[Bucket]] = field(default_factory=dict)

    @property
    def value(self) -> Decimal:
        return self.figure.value


# --- dimensions --------------------------------------------------------------------------------

ENROLLMENT, OFFERING, COURSE, PROGRAM = "enrollment", "offering", "course", "program"
NONE_LABEL = _("none")


@dataclass(frozen=True)
class Dimension:
    """A split. `paths[source]` is the lookup of the key; `names` the suffixes of its labels
    (Chinese, English) when they come from the related row; `choices` when from a fixed list,
    every one of which gets a bucket, zero or not."""

    code: str
    label: Promise
    paths: Mapping[str, str]
    names: tuple[str, str] | None = None
    choices: Callable[[], dict[Any, str]] | None = None
    none_label: Promise = NONE_LABEL
    drill: bool = False  # only for listing the rows behind a number, not a report split

    def label_lookups(self, source: str) -> dict[str, Any]:
        if self.names is None:
            return {}
        base = self.paths[source].removesuffix("__code")
        prefix = "" if base == "pk" else f"{base}__"
        return {
            "_label_zh": Min(f"{prefix}{self.names[0]}"),
            "_label_en": Min(f"{prefix}{self.names[1]}"),
        }


def _sex_choices() -> dict[Any, str]:
    return {**{k: str(v) for k, v in User.Sex.choices}, "": str(_("not stated"))}


def _learner_type_choices() -> dict[Any, str]:
    return {k: str(v) for k, v in User.LearnerType.choices}


DIMENSIONS: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension("sex", _("sex"), {ENROLLMENT: "learner__sex"}, choices=_sex_choices),
        Dimension(
            "learner_type",
            _("learner type"),
            {ENROLLMENT: "learner__learner_type"},
            choices=_learner_type_choices,
        ),
        Dimension(
            "institution",
            _("institution"),
            {
                ENROLLMENT: "offering__course__institution",
                OFFERING: "course__institution",
                COURSE: "institution",
                PROGRAM: "institution",
            },
            names=("name_zh", "name_en"),
        ),
        Dimension(
            "program",
            _("program"),
            {
                ENROLLMENT: "offering__course__programs",
                OFFERING: "course__programs",
                COURSE: "programs",
            },
            names=("name_zh", "name_en"),
            none_label=_("no program"),
        ),
        Dimension(
            "term",
            _("term"),
            {ENROLLMENT: "offering__term__code", OFFERING: "term__code"},
            names=("name_zh", "name_en"),
        ),
        # The rows behind a number: offerings, or courses and programs for the launch measures.
        Dimension("offering", _("offering"), {ENROLLMENT: "offering", OFFERING: "pk"}, drill=True),
        Dimension(
            "course", _("course"), {COURSE: "pk"}, names=("title_zh", "title_en"), drill=True
        ),
        Dimension(
            "launched_program",
            _("program"),
            {PROGRAM: "pk"},
            names=("name_zh", "name_en"),
            drill=True,
        ),
    )
}

# The lookup from each source to its course, for the program-kind filter.
COURSE_PATH = {ENROLLMENT: "offering__course", OFFERING: "course", COURSE: "pk"}


# --- conditions per period ---------------------------------------------------------------------


class Scope:
    """The conditions of one query, as of a moment, and the annotations they need."""

    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        self.today = timezone.localtime(as_of).date()
        self.annotations: dict[str, Any] = {}

    def _need(self, name: str, expression: Any) -> str:
        self.annotations.setdefault(name, expression)
        return name

    def _events(self) -> QuerySet[EnrollmentEvent]:
        return EnrollmentEvent.objects.filter(enrollment=OuterRef("pk"), at__lte=self.as_of)

    def _latest(self, column: str, **conditions: Any) -> Subquery:
        latest = self._events().filter(**conditions).order_by("-at", "-id").values(column)[:1]
        return Subquery(latest)

    def status(self) -> str:
        """The annotation holding the enrollment's status at `as_of`."""
        return self._need("_status", self._latest("to_status"))

    def _last_at(self) -> str:
        return self._need("_last_at", self._latest("at"))

    def _in(self, name: str, period: Period) -> Q:
        return Q(**{f"{name}__gte": period.start_at, f"{name}__lt": period.end_at})

    def held_seat(self, i: int, period: Period) -> Q:
        if period.start_at > self.as_of:
            return NEVER
        before = self._need(f"_before{i}", self._latest("to_status", at__lt=period.start_at))
        into = self._need(
            f"_into{i}",
            Exists(
                self._events().filter(
                    to_status__in=SEATS, at__gte=period.start_at, at__lt=period.end_at
                )
            ),
        )
        return Q(**{f"{before}__in": SEATS}) | Q(**{into: True})

    def result(self, period: Period, status: str) -> Q:
        """Status at `as_of` is `status` and the first result was recorded in the period."""
        first = self._need(
            "_result_at",
            Subquery(
                self._events().filter(to_status__in=RESULTS).order_by("at", "id").values("at")[:1]
            ),
        )
        return Q(**{self.status(): status}) & self._in(first, period)

    def left_after_start(self, period: Period) -> Q:
        """Dropped or withdrawn, in the period, on or after the offering's start date."""
        last = self._last_at()
        day = self._need("_last_day", TruncDate(F(last)))
        return (
            Q(**{f"{self.status()}__in": [Status.DROPPED, Status.WITHDRAWN]})
            & self._in(last, period)
            & Q(**{f"{day}__gte": F("offering__starts_on")})
        )

    def lost_waitlist(self, period: Period) -> Q:
        waited = self._need("_waited", Exists(self._events().filter(to_status=Status.WAITLISTED)))
        seated = self._need("_seated", Exists(self._events().filter(to_status__in=SEATS)))
        return (
            Q(**{f"{self.status()}__in": [Status.EXPIRED, Status.CANCELLED]})
            & self._in(self._last_at(), period)
            & Q(**{waited: True, seated: False})
        )

    def first_run(self, offerings: QuerySet[Offering], period: Period) -> Q:
        """The earliest run among `offerings` (filtered to the outer row) starts in the period."""
        runs = offerings.filter(
            status__in=RUN_STATUSES, created_at__lte=self.as_of, starts_on__lte=self.today
        )
        first = self._need(
            "_first_run", Subquery(runs.order_by("starts_on").values("starts_on")[:1])
        )
        return Q(**{f"{first}__gte": period.start, f"{first}__lt": period.end})

    def runs_in(self, period: Period) -> Q:
        return Q(
            status__in=RUN_STATUSES,
            created_at__lte=self.as_of,
            starts_on__gte=period.start,
            starts_on__lt=period.end,
            starts_on__lte=self.today,
        )


# --- the measures ------------------------------------------------------------------------------

Parts = dict[str, Any]


def _pct(numerator: Decimal, denominator: Decimal) -> Decimal:
    if not denominator:
        return Decimal("0.0")
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _plain(parts: dict[str, Decimal]) -> Figure:
    return Figure(parts["value"])


def _people(parts: dict[str, Decimal]) -> Figure:
    return Figure(parts["value"], people=parts["value"])


def _hours(parts: dict[str, Decimal]) -> Figure:
    return Figure(parts["value"], people=parts["people"])


def _rate(parts: dict[str, Decimal]) -> Figure:
    return Figure(_pct(parts["num"], parts["den"]), parts["num"], parts["den"], people=parts["den"])


def _women(parts: dict[str, Decimal]) -> Figure:
    women, men = parts["female"], parts["male"]
    return Figure(
        _pct(women, women + men), women, women + men, int(parts["not_stated"]), people=women + men
    )


@dataclass(frozen=True)
class Measure:
    code: str
    label: Promise
    unit: str
    source: str
    parts: Callable[[Scope, int, Period], Parts]
    combine: Callable[[dict[str, Decimal]], Figure] = _plain

    @property
    def dimensions(self) -> list[str]:
        """The splits a report shows."""
        return [code for code, d in DIMENSIONS.items() if self.source in d.paths and not d.drill]

    @property
    def drill_dimension(self) -> str:
        """The split that lists the rows behind a number (offerings, courses or programs)."""
        return next(code for code, d in DIMENSIONS.items() if self.source in d.paths and d.drill)

    def zero(self) -> Figure:
        """The figure of a row with nothing in it."""
        day = date(2000, 1, 1)
        names = self.parts(Scope(timezone.now()), 0, Period(day, date(2000, 1, 2)))
        return self.combine({name: Decimal(0) for name in names})

    @property
    def uses_learners(self) -> bool:
        return self.source == ENROLLMENT


def _count(column: str, condition: Q) -> Count:
    return Count(column, filter=condition, distinct=True)


def _seat_learners(condition: Q) -> Callable[[Scope, int, Period], Parts]:
    def parts(s: Scope, i: int, p: Period) -> Parts:
        return {"value": _count("learner", s.held_seat(i, p) & condition)}

    return parts


def _women_parts(s: Scope, i: int, p: Period) -> Parts:
    held = s.held_seat(i, p)
    return {
        "female": _count("learner", held & Q(learner__sex=User.Sex.FEMALE)),
        "male": _count("learner", held & Q(learner__sex=User.Sex.MALE)),
        "not_stated": _count("learner", held & Q(learner__sex="")),
    }


def _rate_parts(s: Scope, i: int, p: Period) -> Parts:
    completed = s.result(p, Status.COMPLETED)
    ended = completed | s.result(p, Status.NOT_COMPLETED) | s.left_after_start(p)
    return {"num": _count("pk", completed), "den": _count("pk", ended)}


def _program_runs() -> QuerySet[Offering]:
    return Offering.objects.filter(course__programs=OuterRef("pk"))


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure(
            "enrollments",
            _("Learners enrolled (enrollments holding a seat)"),
            Unit.COUNT,
            ENROLLMENT,
            lambda s, i, p: {"value": _count("pk", s.held_seat(i, p))},
            _people,
        ),
        Measure(
            "unique_learners",
            _("Unique learners"),
            Unit.COUNT,
            ENROLLMENT,
            _seat_learners(Q()),
            _people,
        ),
        Measure(
            "completions",
            _("Completions"),
            Unit.COUNT,
            ENROLLMENT,
            lambda s, i, p: {"value": _count("pk", s.result(p, Status.COMPLETED))},
            _people,
        ),
        Measure(
            "completion_rate",
            _("Completion rate"),
            Unit.PERCENT,
            ENROLLMENT,
            _rate_parts,
            _rate,
        ),
        Measure(
            "learning_hours",
            _("Learning hours delivered"),
            Unit.HOURS,
            ENROLLMENT,
            lambda s, i, p: {
                "value": Sum("hours_completed", filter=s.result(p, Status.COMPLETED)),
                "people": _count("pk", s.result(p, Status.COMPLETED)),
            },
            _hours,
        ),
        Measure(
            "programs_launched",
            _("Programs launched"),
            Unit.COUNT,
            PROGRAM,
            lambda s, i, p: {"value": _count("pk", s.first_run(_program_runs(), p))},
        ),
        Measure(
            "courses_launched",
            _("Courses launched"),
            Unit.COUNT,
            COURSE,
            lambda s, i, p: {
                "value": _count(
                    "pk", s.first_run(Offering.objects.filter(course=OuterRef("pk")), p)
                )
            },
        ),
        Measure(
            "offerings_run",
            _("Offerings run"),
            Unit.COUNT,
            OFFERING,
            lambda s, i, p: {"value": _count("pk", s.runs_in(p))},
        ),
        Measure(
            "seats_offered",
            _("Seats offered"),
            Unit.COUNT,
            OFFERING,
            lambda s, i, p: {"value": Sum("capacity", filter=s.runs_in(p))},
        ),
        Measure(
            "waitlist_unmet",
            _("Waitlist demand unmet"),
            Unit.COUNT,
            ENROLLMENT,
            lambda s, i, p: {"value": _count("learner", s.lost_waitlist(p))},
            _people,
        ),
        Measure(
            "share_of_women",
            _("Share of women among learners"),
            Unit.PERCENT,
            ENROLLMENT,
            _women_parts,
            _women,
        ),
        Measure(
            "learners_employers",
            _("Learners from enterprises or government"),
            Unit.COUNT,
            ENROLLMENT,
            _seat_learners(
                Q(
                    learner__learner_type__in=[
                        User.LearnerType.EMPLOYEE,
                        User.LearnerType.GOVERNMENT,
                    ]
                )
            ),
            _people,
        ),
        Measure(
            "learners_other_institutions",
            _("Learners from other institutions"),
            Unit.COUNT,
            ENROLLMENT,
            _seat_learners(
                Q(learner__home_institution__isnull=False)
                & ~Q(learner__home_institution=F("offering__course__institution"))
            ),
            _people,
        ),
    )
}


def measure_choices() -> list[tuple[str, Promise]]:
    return [(m.code, m.label) for m in MEASURES.values()]


# --- computing ---------------------------------------------------------------------------------


def _base(measure: Measure, scope: Scope, filters: Filters) -> QuerySet[Any]:
    source = measure.source
    qs: QuerySet[Any]
    if source == ENROLLMENT:
        qs = Enrollment.objects.filter(created_at__lte=scope.as_of)
    elif source == OFFERING:
        qs = Offering.objects.all()
    elif source == COURSE:
        qs = Course.objects.all()
    else:
        qs = Program.objects.all()
    if filters.institutions is not None:
        path = DIMENSIONS["institution"].paths[source]
        qs = qs.filter(**{f"{path}__in": sorted(filters.institutions)})
    if filters.program_kind:
        if source == PROGRAM:
            qs = qs.filter(**{"kind": filters.program_kind})
        else:
            kinds = Program.objects.filter(
                courses=OuterRef(COURSE_PATH[source]), kind=filters.program_kind
            )
            qs = qs.filter(Exists(kinds))
    if filters.learner_type:
        if source != ENROLLMENT:
            raise ValueError(f"{measure.code} does not count learners: no learner-type filter.")
        qs = qs.filter(**{"learner__learner_type": filters.learner_type})
    return qs.order_by()


def _figures(
    measure: Measure, row: Mapping[str, Any], names: Sequence[str], count: int
) -> list[Figure]:
    """The figure of each period from one result row (a missing row is all zeros)."""
    figures = []
    for i in range(count):
        prefix = f"p{i}_"
        parts = {
            name.removeprefix(prefix): Decimal(row.get(name) or 0)
            for name in names
            if name.startswith(prefix)
        }
        figures.append(measure.combine(parts))
    return figures


def _label(dimension: Dimension, key: Any, row: Mapping[str, Any]) -> str:
    if key is None:
        return str(dimension.none_label)
    zh, en = row.get("_label_zh") or "", row.get("_label_en") or ""
    return (en or zh) if prefers_english() else (zh or en)


def compute(
    code: str,
    *,
    periods: Sequence[Period],
    as_of: datetime | None = None,
    filters: Filters | None = None,
    dimensions: Sequence[str] = (),
) -> list[Result]:
    """One result per period of measure `code`, as of `as_of` (now by default), split by
    `dimensions`. Queries: one, plus one per dimension."""
    measure = MEASURES[code]
    as_of = as_of or timezone.now()
    filters = filters or Filters()
    allowed = {*measure.dimensions, measure.drill_dimension}  # the drill split lists rows
    for name in dimensions:
        if name not in allowed:
            raise ValueError(f"{code} cannot be split by {name}.")
    scope = Scope(as_of)
    aggregates: dict[str, Any] = {}
    for i, period in enumerate(periods):
        for part, expression in measure.parts(scope, i, period).items():
            aggregates[f"p{i}_{part}"] = expression
    qs = _base(measure, scope, filters)
    if scope.annotations:
        qs = qs.annotate(**scope.annotations)

    totals = _figures(measure, qs.aggregate(**aggregates), list(aggregates), len(periods))
    splits: dict[str, list[list[Bucket]]] = {}
    for name in dimensions:
        dimension = DIMENSIONS[name]
        path = dimension.paths[measure.source]
        rows = {
            row[path]: row
            for row in qs.values(path).annotate(
                **dimension.label_lookups(measure.source), **aggregates
            )
        }
        if dimension.choices is not None:
            keys: list[Any] = list(dimension.choices())
            labels = dimension.choices()
        else:
            keys = sorted(rows, key=lambda k: (k is None, _label(dimension, k, rows[k])))
            labels = {k: _label(dimension, k, rows[k]) for k in keys}
        per_period: list[list[Bucket]] = [[] for _ in periods]
        for key in keys:
            figures = _figures(measure, rows.get(key, {}), list(aggregates), len(periods))
            for i, figure in enumerate(figures):
                per_period[i].append(Bucket(key, labels[key], figure))
        splits[name] = per_period

    return [
        Result(
            measure=code,
            unit=measure.unit,
            period=period,
            as_of=as_of,
            figure=totals[i],
            breakdowns={name: splits[name][i] for name in dimensions},
        )
        for i, period in enumerate(periods)
    ]


def compute_one(
    code: str,
    *,
    start: date,
    end: date,
    as_of: datetime | None = None,
    filters: Filters | None = None,
    dimensions: Sequence[str] = (),
) -> Result:
    """The measure over one period [start, end)."""
    return compute(
        code, periods=[Period(start, end)], as_of=as_of, filters=filters, dimensions=dimensions
    )[0]
