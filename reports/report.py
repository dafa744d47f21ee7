"""A quarterly progress report: every active indicator's figures for one owner or the project.

The report reads as of the end of its quarter (or now, for the quarter running), so last
quarter's report run today gives last quarter's figures. For each indicator it holds:

- `cumulative`: the measure from the project's start (`settings.REPORTS_PROJECT_START`) to the
  end of the quarter, split by every dimension the measure has;
- `trend`: one result per quarter from the project's start to the report's quarter, each split
  the same way (the last one is the report's quarter);
- the baseline and target that apply (the owner's own for an owner's report, the project's for
  the combined one) and the progress towards the target;
- for the combined report, one row per owner with the owner's target.

Level and progress: the baseline is the level before the project began. For counts and hours
the level now is the baseline plus what was counted since the start; for percentages it is the
percentage measured since the start. Progress is (level - baseline) / (target - baseline).

Queries: one for the indicators and one for their targets, one for the owners, on PostgreSQL
one that turns JIT off, then `measures.compute_many`'s: per source of rows (enrollments,
offerings, courses, programs) one for the totals and the splits by sex and learner type, and one
per other split, every indicator of that source in the same query. The same whatever the number
of owners, quarters or indicators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from . import measures
from .measures import MEASURES, Bucket, Period, Result, quarter_of
from .models import Indicator, IndicatorTarget

QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


class BadQuarter(ValueError):
    """A quarter that cannot be read, or lies outside what the project reports on."""


def parse_quarter(text: str) -> Period:
    """`2027Q1`, `2027-Q1` or `2027q1` to that quarter."""
    match = QUARTER.match(text or "")
    if match is None:
        raise BadQuarter(_("Write a quarter as 2027Q1."))
    year, number = int(match[1]), int(match[2])
    if not 2000 <= year <= 2100:
        raise BadQuarter(_("Choose a quarter between 2000 and 2100."))
    return quarter_of(date(year, 3 * number - 2, 1))


def quarter_code(period: Period) -> str:
    return f"{period.start.year}Q{(period.start.month - 1) // 3 + 1}"


def project_start() -> date:
    start = settings.REPORTS_PROJECT_START
    return start if isinstance(start, date) else date.fromisoformat(str(start))


def first_quarter() -> Period:
    return quarter_of(project_start())


def current_quarter(now: datetime | None = None) -> Period:
    return quarter_of(timezone.localtime(now or timezone.now()).date())


def reportable_quarters(now: datetime | None = None) -> list[Period]:
    """Every quarter from the project's start to the one running now, newest first."""
    periods, quarter, last = [], first_quarter(), current_quarter(now)
    while quarter.start <= last.start:
        periods.append(quarter)
        quarter = quarter_of(quarter.end)
    return periods[::-1]


def as_of_for(quarter: Period, now: datetime | None = None) -> datetime:
    """The end of the quarter, or now while it runs."""
    now = now or timezone.now()
    return min(now, quarter.end_at - timedelta(microseconds=1))


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Goal:
    baseline: Decimal
    target: Decimal
    target_date: date | None


def level(unit: str, goal: Goal | None, measured: Decimal) -> Decimal:
    if unit == measures.Unit.PERCENT or goal is None:
        return measured
    return goal.baseline + measured


def progress(unit: str, goal: Goal | None, measured: Decimal) -> Decimal | None:
    """Percent of the way from baseline to target (may pass 100), None without a target."""
    if goal is None:
        return None
    return _ratio(level(unit, goal, measured) - goal.baseline, goal.target - goal.baseline)


@dataclass(frozen=True)
class OwnerRow:
    institution: Institution
    goal: Goal | None
    cumulative: Bucket
    quarter: Bucket

    @property
    def level(self) -> Decimal:
        return level(self.unit, self.goal, self.cumulative.value)

    @property
    def progress(self) -> Decimal | None:
        return progress(self.unit, self.goal, self.cumulative.value)

    unit: str = measures.Unit.COUNT


@dataclass(frozen=True)
class IndicatorReport:
    indicator: Indicator
    goal: Goal | None
    cumulative: Result
    trend: list[Result]
    owners: list[OwnerRow] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.cumulative.unit

    @property
    def quarter(self) -> Result:
        return self.trend[-1]

    @property
    def level(self) -> Decimal:
        return level(self.unit, self.goal, self.cumulative.value)

    @property
    def progress(self) -> Decimal | None:
        return progress(self.unit, self.goal, self.cumulative.value)

    @property
    def dimensions(self) -> list[str]:
        return list(self.cumulative.breakdowns)

    @property
    def counts_people(self) -> bool:
        return MEASURES[self.indicator.measure].uses_learners


@dataclass(frozen=True)
class Report:
    institution: Institution | None  # None: the whole project
    quarter: Period
    as_of: datetime
    start: date
    indicators: list[IndicatorReport]
    owners: list[Institution]

    @property
    def quarter_code(self) -> str:
        return quarter_code(self.quarter)

    @property
    def periods(self) -> list[Period]:
        return [r.period for r in self.indicators[0].trend] if self.indicators else []

    def by_output(self) -> list[tuple[int | None, list[IndicatorReport]]]:
        """Indicators grouped by project output: 1, 2, 3, then project-wide (None)."""
        groups: dict[int | None, list[IndicatorReport]] = {}
        for row in self.indicators:
            groups.setdefault(row.indicator.project_output, []).append(row)
        return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))

    def find(self, code: str) -> IndicatorReport | None:
        wanted = code.lower()
        return next((r for r in self.indicators if r.indicator.code.lower() == wanted), None)


def indicators_for(institution: Institution | None) -> list[Indicator]:
    """Active indicators of a report, with their owner targets (one query).

    An owner's report has the project-wide indicators, those of its project output, those kept
    for it alone and any the office set it a target on; the combined report has every one.
    """
    qs = Indicator.objects.filter(is_active=True).select_related("institution")
    targets = IndicatorTarget.objects.select_related("institution").order_by("institution__code")
    if institution is not None:
        qs = qs.filter(
            (Q(institution__isnull=True) | Q(institution=institution))
            & (
                Q(project_output__isnull=True)
                | Q(project_output=institution.project_output)
                | Q(institution=institution)
                | Q(targets__institution=institution)
            )
        ).distinct()
        targets = targets.filter(institution=institution)
    return list(qs.prefetch_related(Prefetch("targets", queryset=targets, to_attr="owner_targets")))


def _goal(indicator: Indicator, institution: Institution | None) -> Goal | None:
    owner_targets: list[IndicatorTarget] = getattr(indicator, "owner_targets", [])
    if institution is None and indicator.institution_id is None:
        return Goal(indicator.baseline, indicator.target, indicator.target_date)
    owner = institution.pk if institution is not None else indicator.institution_id
    for target in owner_targets:
        if target.institution_id == owner:
            return Goal(target.baseline, target.target, indicator.target_date)
    if indicator.institution_id is not None and indicator.institution_id == owner:
        return Goal(indicator.baseline, indicator.target, indicator.target_date)
    return None


@contextmanager
def _without_jit() -> Iterator[None]:
    """On PostgreSQL, the report's queries without JIT compilation (one query more).

    Their plans cost enough to cross `jit_above_cost`, and compiling a few hundred filtered
    aggregates takes about 0.1 s a query and saves nothing over rows that are already in
    memory (docs/performance.md). SET LOCAL lasts to the end of the transaction only.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def build_report(
    *,
    quarter: Period,
    institution: Institution | None = None,
    as_of: datetime | None = None,
    indicator_codes: list[str] | None = None,
) -> Report:
    """The report of `quarter` for one owner (or the project when None), as of the quarter's end
    by default. Quarters before the project's start have nothing to report."""
    as_of = as_of or as_of_for(quarter)
    start = project_start()
    first = quarter_of(start)
    if quarter.start < first.start:
        raise BadQuarter(
            _("The project's reporting starts in %(quarter)s.") % {"quarter": quarter_code(first)}
        )
    trend = [first]
    while trend[-1] != quarter:
        trend.append(quarter_of(trend[-1].end))
    cumulative = Period(start, quarter.end)
    owners = list(Institution.objects.filter(is_active=True).order_by("code"))
    scope = frozenset({institution.pk}) if institution is not None else None

    chosen = [
        indicator
        for indicator in indicators_for(institution)
        if indicator_codes is None or indicator.code.lower() in indicator_codes
    ]
    # Every indicator at once: those reading the same rows share their queries.
    with _without_jit():
        computed = measures.compute_many(
            [
                measures.Request(
                    indicator.measure,
                    indicator.filters(scope),
                    tuple(MEASURES[indicator.measure].dimensions),
                )
                for indicator in chosen
            ],
            periods=[cumulative, *trend],
            as_of=as_of,
        )
    rows = []
    for indicator, results in zip(chosen, computed, strict=True):
        measure = MEASURES[indicator.measure]
        owner_rows = []
        if institution is None and "institution" in results[0].breakdowns:
            total = {b.key: b for b in results[0].breakdowns["institution"]}
            now = {b.key: b for b in results[-1].breakdowns["institution"]}
            zero = measure.zero()
            for owner in owners:
                if indicator.institution_id not in (None, owner.pk):
                    continue
                label = owner.display_name
                owner_rows.append(
                    OwnerRow(
                        institution=owner,
                        goal=_goal(indicator, owner),
                        cumulative=total.get(owner.pk, Bucket(owner.pk, label, zero)),
                        quarter=now.get(owner.pk, Bucket(owner.pk, label, zero)),
                        unit=measure.unit,
                    )
                )
        rows.append(
            IndicatorReport(
                indicator=indicator,
                goal=_goal(indicator, institution),
                cumulative=results[0],
                trend=results[1:],
                owners=owner_rows,
            )
        )
    return Report(
        institution=institution,
        quarter=quarter,
        as_of=as_of,
        start=start,
        indicators=rows,
        owners=owners if institution is None else [institution],
    )
