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

How: an enrollment's facts as of D are one joined row of a database view over its events
(`reports.spans`), not subqueries per row and period. Holding a seat reads the stretch from the
first event into a seat-holding state to the first into an ended state: the state machine
(enrollment.models.TRANSITIONS) never goes back into a seat, so that stretch is the only one.

Queries: at most one for the totals and one per dimension, whatever the number of periods,
owners or rows: every period is a filtered aggregate column of the same grouped query. Splits
by the learner's own keys (sex, learner type) are read with the totals, in one query grouped by
them, as every part adds up across them. `compute_many` computes several measures that read the
same rows (source and owners) in the same queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
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
from enrollment.models import SEAT_HOLDING, Enrollment, Status
from institutions.bilingual import prefers_english

from .spans import EnrollmentSpan  # noqa: F401  (the view the measures join, registered here)

SEATS = sorted(SEAT_HOLDING)
RESULTS = [Status.COMPLETED, Status.NOT_COMPLETED]
RUN_STATUSES = [Offering.Status.PUBLISHED, Offering.Status.ARCHIVED]
NEVER = Q(pk__isnull=True)  # a condition no row meets
SPAN = "_span"  # the alias of an enrollment's span as of the report's date (reports.spans)


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
    # The key is the learner's own (sex, learner type): its buckets split learners into groups
    # that do not overlap, so every part (a count of enrollments or learners, a sum) adds up
    # across them, and one query grouped by all such keys gives these splits and the totals.
    of_learner: bool = False

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
        Dimension(
            "sex", _("sex"), {ENROLLMENT: "learner__sex"}, choices=_sex_choices, of_learner=True
        ),
        Dimension(
            "learner_type",
            _("learner type"),
            {ENROLLMENT: "learner__learner_type"},
            choices=_learner_type_choices,
            of_learner=True,
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
    """The conditions of one measure as of a moment, and the aliases they need.

    Measures computed in one query share `aliases`; `where` is what one of them adds to each of
    its conditions (its learner-type or program-kind filter), so measures with different
    filters can share a query.

    An enrollment's facts come from one joined row of `reports.spans.EnrollmentSpan`, its
    status as of `as_of`: no correlated subquery per row or period. Holding a seat uses that
    an enrollment holds one for a single stretch at most, from its first event into a
    seat-holding state to its first event into an ended one: the state machine
    (enrollment.models.TRANSITIONS) has no way back into a seat once it ended.
    """

    def __init__(
        self, as_of: datetime, where: Q | None = None, aliases: dict[str, Any] | None = None
    ) -> None:
        self.as_of = as_of
        self.today = timezone.localtime(as_of).date()
        self.where = where if where is not None else Q()
        self.annotations: dict[str, Any] = aliases if aliases is not None else {}

    def _need(self, name: str, expression: Any) -> str:
        self.annotations.setdefault(name, expression)
        return name

    def _span(self, column: str) -> str:
        """The lookup of `column` of the enrollment's span as of `as_of` (its latest event by
        then, the one without a next event by then)."""
        spans = "report_spans"
        self._need(
            SPAN,
            FilteredRelation(
                spans,
                condition=Q(**{f"{spans}__at__lte": self.as_of})
                & (
                    Q(**{f"{spans}__next_at__isnull": True})
                    | Q(**{f"{spans}__next_at__gt": self.as_of})
                ),
            ),
        )
        return f"{SPAN}__{column}"

    def status(self) -> str:
        """The lookup of the enrollment's status at `as_of`."""
        return self._span("to_status")

    def _last_at(self) -> str:
        return self._span("at")

    def _in(self, name: str, period: Period) -> Q:
        return Q(**{f"{name}__gte": period.start_at, f"{name}__lt": period.end_at})

    def held_seat(self, period: Period) -> Q:
        """Held a seat at some moment of the period: the stretch began before the period ended
        (and by `as_of`) and had not ended before the period began. (An end after `as_of` is
        after the period's start, so it needs no test of its own.)"""
        if period.start_at > self.as_of:
            return NEVER
        began, ended = self._span("seat_from"), self._span("seat_until")
        if period.end_at <= self.as_of:
            start = Q(**{f"{began}__lt": period.end_at})
        else:
            start = Q(**{f"{began}__lte": self.as_of})
        return (
            self.where
            & start
            & (Q(**{f"{ended}__isnull": True}) | Q(**{f"{ended}__gte": period.start_at}))
        )

    def result(self, period: Period, status: str) -> Q:
        """Status at `as_of` is `status` and the first result was recorded in the period (by
        `as_of`, as that status is a result)."""
        return self.where & Q(**{self.status(): status}) & self._in(self._span("result_at"), period)

    def left_after_start(self, period: Period) -> Q:
        """Dropped or withdrawn, in the period, on or after the offering's start date."""
        last = self._last_at()
        day = self._need("_last_day", TruncDate(F(last)))
        return (
            self.where
            & Q(**{f"{self.status()}__in": [Status.DROPPED, Status.WITHDRAWN]})
            & self._in(last, period)
            & Q(**{f"{day}__gte": F("offering__starts_on")})
        )

    def lost_waitlist(self, period: Period) -> Q:
        """Expired or cancelled in the period, waitlisted by `as_of` and never seated by then."""
        waited, seated = self._span("waited_at"), self._span("seat_from")
        return (
            self.where
            & Q(**{f"{self.status()}__in": [Status.EXPIRED, Status.CANCELLED]})
            & self._in(self._last_at(), period)
            & Q(**{f"{waited}__lte": self.as_of})
            & (Q(**{f"{seated}__isnull": True}) | Q(**{f"{seated}__gt": self.as_of}))
        )

    def first_run(self, offerings: QuerySet[Offering], period: Period) -> Q:
        """The earliest run among `offerings` (filtered to the outer row) starts in the period."""
        runs = offerings.filter(
            status__in=RUN_STATUSES, created_at__lte=self.as_of, starts_on__lte=self.today
        )
        first = self._need(
            "_first_run", Subquery(runs.order_by("starts_on").values("starts_on")[:1])
        )
        return self.where & Q(**{f"{first}__gte": period.start, f"{first}__lt": period.end})

    def runs_in(self, period: Period) -> Q:
        return self.where & Q(
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
    parts: Callable[[Scope, Period], Parts]
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
        names = self.parts(Scope(timezone.now()), Period(day, date(2000, 1, 2)))
        return self.combine({name: Decimal(0) for name in names})

    @property
    def uses_learners(self) -> bool:
        return self.source == ENROLLMENT


def _count(column: str, condition: Q) -> Count:
    # A row appears once per group (the span join has one row per enrollment, a multi-valued
    # split one per key), so counting rows needs no DISTINCT, which costs PostgreSQL a sort per
    # aggregate; learners (several enrollments each) do.
    return Count(column, filter=condition, distinct=column != "pk")


def _seat_learners(condition: Q) -> Callable[[Scope, Period], Parts]:
    def parts(s: Scope, p: Period) -> Parts:
        return {"value": _count("learner", s.held_seat(p) & condition)}

    return parts


def _women_parts(s: Scope, p: Period) -> Parts:
    held = s.held_seat(p)
    return {
        "female": _count("learner", held & Q(learner__sex=User.Sex.FEMALE)),
        "male": _count("learner", held & Q(learner__sex=User.Sex.MALE)),
        "not_stated": _count("learner", held & Q(learner__sex="")),
    }


def _rate_parts(s: Scope, p: Period) -> Parts:
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
            lambda s, p: {"value": _count("pk", s.held_seat(p))},
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
            lambda s, p: {"value": _count("pk", s.result(p, Status.COMPLETED))},
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
            lambda s, p: {
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
            lambda s, p: {"value": _count("pk", s.first_run(_program_runs(), p))},
        ),
        Measure(
            "courses_launched",
            _("Courses launched"),
            Unit.COUNT,
            COURSE,
            lambda s, p: {
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
            lambda s, p: {"value": _count("pk", s.runs_in(p))},
        ),
        Measure(
            "seats_offered",
            _("Seats offered"),
            Unit.COUNT,
            OFFERING,
            lambda s, p: {"value": Sum("capacity", filter=s.runs_in(p))},
        ),
        Measure(
            "waitlist_unmet",
            _("Waitlist demand unmet"),
            Unit.COUNT,
            ENROLLMENT,
            lambda s, p: {"value": _count("learner", s.lost_waitlist(p))},
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


def _base(source: str, as_of: datetime, institutions: frozenset[int] | None) -> QuerySet[Any]:
    """The rows of `source` a group of measures reads: those of the owners asked for."""
    qs: QuerySet[Any]
    if source == ENROLLMENT:
        qs = Enrollment.objects.filter(created_at__lte=as_of)
    elif source == OFFERING:
        qs = Offering.objects.all()
    elif source == COURSE:
        qs = Course.objects.all()
    else:
        qs = Program.objects.all()
    if institutions is not None:
        path = DIMENSIONS["institution"].paths[source]
        qs = qs.filter(**{f"{path}__in": sorted(institutions)})
    return qs.order_by()


def _where(measure: Measure, filters: Filters, aliases: dict[str, Any]) -> Q:
    """A measure's own filters (program kind, learner type), as a condition on its rows; the
    program-kind test is an alias, so it stays a column when Django wraps the query."""
    source, where = measure.source, Q()
    if filters.program_kind:
        if source == PROGRAM:
            where &= Q(kind=filters.program_kind)
        else:
            kinds = Program.objects.filter(
                courses=OuterRef(COURSE_PATH[source]), kind=filters.program_kind
            )
            name = f"_kind_{filters.program_kind}"
            aliases.setdefault(name, Exists(kinds))
            where &= Q(**{name: True})
    if filters.learner_type:
        if source != ENROLLMENT:
            raise ValueError(f"{measure.code} does not count learners: no learner-type filter.")
        where &= Q(learner__learner_type=filters.learner_type)
    return where


def _figures(
    measure: Measure, row: Mapping[str, Any], prefix: str, names: Sequence[str], count: int
) -> list[Figure]:
    """The figure of each period from one result row (a missing row is all zeros)."""
    figures = []
    for i in range(count):
        start = f"{prefix}p{i}_"
        parts = {
            name.removeprefix(start): Decimal(row.get(name) or 0)
            for name in names
            if name.startswith(start)
        }
        figures.append(measure.combine(parts))
    return figures


def _label(dimension: Dimension, key: Any, row: Mapping[str, Any]) -> str:
    if key is None:
        return str(dimension.none_label)
    zh, en = row.get("_label_zh") or "", row.get("_label_en") or ""
    return (en or zh) if prefers_english() else (zh or en)


@dataclass(frozen=True)
class Request:
    """One measure to compute: with which filters, split by which dimensions."""

    code: str
    filters: Filters = field(default_factory=Filters)
    dimensions: tuple[str, ...] = ()


def compute_many(
    requests: Sequence[Request], *, periods: Sequence[Period], as_of: datetime | None = None
) -> list[list[Result]]:
    """`compute` for several measures over the same periods and date: one list of results per
    request, in order.

    Requests that read the same rows (the same source and owners) share their queries, each
    measure's own filters becoming conditions of its aggregates: one query for the totals and
    one per dimension any of them is split by, whatever the number of measures, periods, owners
    or rows.
    """
    as_of = as_of or timezone.now()
    groups: dict[tuple[str, frozenset[int] | None], list[int]] = {}
    for j, request in enumerate(requests):
        measure = MEASURES[request.code]
        allowed = {*measure.dimensions, measure.drill_dimension}  # the drill split lists rows
        for name in request.dimensions:
            if name not in allowed:
                raise ValueError(f"{request.code} cannot be split by {name}.")
        key = (measure.source, request.filters.institutions)
        groups.setdefault(key, []).append(j)

    results: list[list[Result]] = [[] for _ in requests]
    for (source, institutions), members in groups.items():
        computed = _compute_group(
            source, institutions, {j: requests[j] for j in members}, periods, as_of
        )
        for j, result in computed.items():
            results[j] = result
    return results


def _compute_group(
    source: str,
    institutions: frozenset[int] | None,
    requests: Mapping[int, Request],
    periods: Sequence[Period],
    as_of: datetime,
) -> dict[int, list[Result]]:
    aliases: dict[str, Any] = {}
    aggregates: dict[str, Any] = {}
    names: dict[int, list[str]] = {}
    rows_of: dict[int, str] = {}  # requests with filters of their own: their row count
    wheres: dict[int, Q] = {}
    for j, request in requests.items():
        measure = MEASURES[request.code]
        where = wheres[j] = _where(measure, request.filters, aliases)
        scope = Scope(as_of, where=where, aliases=aliases)
        names[j] = []
        for i, period in enumerate(periods):
            for part, expression in measure.parts(scope, period).items():
                names[j].append(f"r{j}_p{i}_{part}")
                aggregates[names[j][-1]] = expression
        if where:
            rows_of[j] = f"r{j}_rows"
    qs = _base(source, as_of, institutions)
    if aliases:
        qs = qs.alias(**aliases)

    wanted = {name for request in requests.values() for name in request.dimensions}
    by_learner = [code for code, d in DIMENSIONS.items() if code in wanted and d.of_learner]
    grouped: dict[str, dict[Any, dict[str, Any]]] = {}
    if by_learner:
        # One query for the totals and every split by the learner's own keys: they add up.
        paths = [DIMENSIONS[code].paths[source] for code in by_learner]
        columns = {**aggregates, **_row_counts(rows_of, wheres)}
        cells = list(qs.values(*paths).annotate(**columns))
        totals = _add(cells, columns)
        for code, path in zip(by_learner, paths, strict=True):
            grouped[code] = {
                key: _add([c for c in cells if c[path] == key], columns)
                for key in {cell[path] for cell in cells}
            }
    else:
        totals = qs.aggregate(**aggregates)
    splits: dict[int, dict[str, list[list[Bucket]]]] = {j: {} for j in requests}
    for name in (code for code in DIMENSIONS if code in wanted):
        dimension = DIMENSIONS[name]
        path = dimension.paths[source]
        asking = [j for j, request in requests.items() if name in request.dimensions]
        if name in grouped:
            rows = grouped[name]
        else:
            columns = {n: aggregates[n] for j in asking for n in names[j]}
            columns.update(_row_counts({j: rows_of[j] for j in asking if j in rows_of}, wheres))
            rows = {
                row[path]: row
                for row in qs.values(path).annotate(**dimension.label_lookups(source), **columns)
            }
        for j in asking:
            measure = MEASURES[requests[j].code]
            # A key is shown for the rows this measure reads (its own filters applied).
            own = {k: r for k, r in rows.items() if j not in rows_of or r[rows_of[j]]}
            if dimension.choices is not None:
                keys: list[Any] = list(dimension.choices())
                labels = dimension.choices()
            else:
                keys = sorted(own, key=lambda k: (k is None, _label(dimension, k, own[k])))
                labels = {k: _label(dimension, k, own[k]) for k in keys}
            per_period: list[list[Bucket]] = [[] for _ in periods]
            for key in keys:
                figures = _figures(measure, own.get(key, {}), f"r{j}_", names[j], len(periods))
                for i, figure in enumerate(figures):
                    per_period[i].append(Bucket(key, labels[key], figure))
            splits[j][name] = per_period

    out = {}
    for j, request in requests.items():
        measure = MEASURES[request.code]
        figures = _figures(measure, totals, f"r{j}_", names[j], len(periods))
        out[j] = [
            Result(
                measure=request.code,
                unit=measure.unit,
                period=period,
                as_of=as_of,
                figure=figures[i],
                breakdowns={name: splits[j][name][i] for name in request.dimensions},
            )
            for i, period in enumerate(periods)
        ]
    return out


def _row_counts(rows_of: Mapping[int, str], wheres: Mapping[int, Q]) -> dict[str, Count]:
    """For measures with filters of their own: how many rows of a group they read."""
    return {name: Count("pk", filter=wheres[j]) for j, name in rows_of.items()}


def _add(cells: Sequence[Mapping[str, Any]], columns: Iterable[str]) -> dict[str, Any]:
    """Cells of a grouped query added up, column by column (missing and null count 0)."""
    return {name: sum((cell[name] or 0 for cell in cells), 0) for name in columns}


def compute(
    code: str,
    *,
    periods: Sequence[Period],
    as_of: datetime | None = None,
    filters: Filters | None = None,
    dimensions: Sequence[str] = (),
) -> list[Result]:
    """One result per period of measure `code`, as of `as_of` (now by default), split by
    `dimensions`. Queries: one, plus one per dimension (sex and learner type come with the
    totals)."""
    request = Request(code, filters or Filters(), tuple(dimensions))
    return compute_many([request], periods=periods, as_of=as_of)[0]


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
