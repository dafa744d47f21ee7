"""The quarterly report: cumulative level, trend, goals and progress, owners, as-of dates.

Figures come from the hand-computed data set in `tests/reports/world.py`, with the project
starting on 2027-01-01 so the report covers Q1 and Q2 2027.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from demo.indicators import seed_indicators
from reports import privacy
from reports.measures import Figure, Period
from reports.models import Indicator, IndicatorTarget
from reports.report import (
    BadQuarter,
    as_of_for,
    build_report,
    parse_quarter,
    quarter_code,
    reportable_quarters,
)
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, UserFactory
from tests.reports.world import S, World, at, history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project_2027")]

Q1, Q2 = parse_quarter("2027Q1"), parse_quarter("2027Q2")
D = Decimal


def test_quarters_are_read_and_written() -> None:
    assert parse_quarter("2027Q1") == Period(date(2027, 1, 1), date(2027, 4, 1))
    assert parse_quarter(" 2027-q4 ") == Period(date(2027, 10, 1), date(2028, 1, 1))
    assert quarter_code(parse_quarter("2028Q3")) == "2028Q3"
    for bad in ["", "2027", "2027Q5", "2027Q0", "Q1 2027", "1999Q1", "9" * 400, "2027Q1; drop"]:
        with pytest.raises(BadQuarter):
            parse_quarter(bad)


def test_reportable_quarters_run_from_the_start_to_now() -> None:
    now = at(5, 3)
    assert [quarter_code(q) for q in reportable_quarters(now)] == ["2027Q2", "2027Q1"]
    assert as_of_for(Q2, now) == now
    end_of_q1 = as_of_for(Q1, now)
    assert timezone.localtime(end_of_q1).date() == date(2027, 3, 31)
    assert end_of_q1 < Q1.end_at


def test_combined_report(world: World) -> None:
    report = build_report(quarter=Q2, as_of=at(7, 15))
    assert report.institution is None
    assert report.quarter_code == "2027Q2"
    assert report.periods == [Q1, Q2]
    learners = report.find("pw-learners")
    assert learners is not None
    assert learners.cumulative.value == 7  # u1 … u7 held a seat in the half year
    assert [r.value for r in learners.trend] == [6, 5]
    assert learners.quarter.value == 5
    assert learners.goal is not None
    assert (learners.goal.baseline, learners.goal.target) == (0, 20000)
    assert learners.level == 7
    assert learners.progress == D("0.0")
    # One row per active owner, with its figures (A: OA1 + OA2, B: OB1, C: OC1).
    assert [(o.institution.code, o.cumulative.value, o.quarter.value) for o in learners.owners] == [
        ("A", 6, 3),
        ("B", 2, 0),
        ("C", 3, 3),
    ]
    assert all(o.goal is None for o in learners.owners)  # no owner targets set
    assert set(learners.dimensions) == {"sex", "learner_type", "institution", "program", "term"}
    sex = {b.key: b.value for b in learners.cumulative.breakdowns["sex"]}
    assert sex == {"female": 3, "male": 2, "": 2}
    rate = report.find("PW-COMPLETION-RATE")
    assert rate is not None
    # Ended in the half year: E1 E3 E4 (Q1), E2 E8 E12 E10 E11 (Q2); completed E1 E2 E8 E12.
    assert (rate.cumulative.figure.numerator, rate.cumulative.figure.denominator) == (4, 8)
    assert rate.level == D("50.0")
    assert rate.progress == D("62.5")  # 50 of the way to 80 from 0
    groups = [output for output, _ in report.by_output()]
    assert groups == [1, 2, 3, None]


def test_level_adds_the_baseline_for_counts_not_for_percentages(world: World) -> None:
    Indicator.objects.filter(code="PW-LEARNERS").update(baseline=2, target=12)
    Indicator.objects.filter(code="PW-WOMEN").update(baseline=50, target=60)
    report = build_report(quarter=Q2, as_of=at(7, 15))
    learners, women = report.find("PW-LEARNERS"), report.find("PW-WOMEN")
    assert learners is not None
    assert women is not None
    assert (learners.level, learners.progress) == (9, D("70.0"))  # 2 + 7, (9 - 2) / (12 - 2)
    # Women: u1 u2 u6 of u1 u2 u3 u4 u6 (u5 and u7 not stated): 60 %, all the way.
    assert (women.level, women.progress) == (D("60.0"), D("100.0"))
    Indicator.objects.filter(code="PW-WOMEN").update(baseline=60, target=60)
    women = build_report(quarter=Q2, as_of=at(7, 15)).find("PW-WOMEN")
    assert women is not None
    assert women.progress is None  # no distance to cover: no progress to show


def test_owner_report_uses_the_owner_target_and_its_indicators(world: World) -> None:
    employees = Indicator.objects.get(code="O2-EMPLOYEES")
    learners = Indicator.objects.get(code="PW-LEARNERS")
    IndicatorTarget.objects.create(indicator=learners, institution=world.a, baseline=1, target=21)
    report = build_report(quarter=Q2, institution=world.a, as_of=at(7, 15))
    codes = [r.indicator.code for r in report.indicators]
    assert "O2-EMPLOYEES" not in codes  # output 2 belongs to the zones
    assert "O1-COURSES" in codes
    assert "PW-LEARNERS" in codes
    row = report.find("PW-LEARNERS")
    assert row is not None
    assert row.cumulative.value == 6
    assert row.owners == []
    assert row.goal is not None
    assert (row.goal.baseline, row.goal.target) == (1, 21)
    assert (row.level, row.progress) == (7, D("30.0"))
    assert report.find("O1-COURSES").goal is None  # type: ignore[union-attr]
    # A target for A on an output-2 indicator brings it into A's report.
    IndicatorTarget.objects.create(indicator=employees, institution=world.a, target=10)
    report = build_report(quarter=Q2, institution=world.a, as_of=at(7, 15))
    assert report.find("O2-EMPLOYEES") is not None
    zone = build_report(quarter=Q2, institution=world.c, as_of=at(7, 15))
    found = zone.find("O2-EMPLOYEES")
    assert found is not None
    assert found.cumulative.value == 1  # u2 at OC1; u6, the other employee, was at B
    combined = build_report(quarter=Q2, as_of=at(7, 15)).find("PW-LEARNERS")
    assert combined is not None
    owner_goals = {o.institution.code: o.goal for o in combined.owners}
    assert owner_goals["A"] is not None
    assert owner_goals["B"] is None
    assert {o.institution.code: o.progress for o in combined.owners}["A"] == D("30.0")


def test_an_owner_only_indicator(world: World) -> None:
    Indicator.objects.create(
        code="C-ONLY",
        name_zh="丙区学员",
        measure="unique_learners",
        institution=world.c,
        target=30,
    )
    combined = build_report(quarter=Q2, as_of=at(7, 15)).find("C-ONLY")
    assert combined is not None
    assert combined.cumulative.value == 3
    assert [o.institution.code for o in combined.owners] == ["C"]
    assert combined.goal is not None  # its own target is C's
    assert build_report(quarter=Q2, institution=world.a, as_of=at(7, 15)).find("C-ONLY") is None
    own = build_report(quarter=Q2, institution=world.c, as_of=at(7, 15)).find("C-ONLY")
    assert own is not None
    assert own.progress == D("10.0")


def test_last_quarter_run_later_gives_last_quarter_figures(world: World) -> None:
    with mock.patch("django.utils.timezone.now", return_value=at(11, 20)):
        q1 = build_report(quarter=Q1)
    assert timezone.localtime(q1.as_of).date() == date(2027, 3, 31)
    completions = q1.find("PW-COMPLETIONS")
    assert completions is not None
    assert completions.cumulative.value == 1  # E1; E2 completed on 04-05
    assert [r.value for r in completions.trend] == [1]
    hours = q1.find("PW-HOURS")
    assert hours is not None
    assert hours.cumulative.value == 32


def test_quarters_before_the_start_are_refused(world: World) -> None:
    with pytest.raises(BadQuarter):
        build_report(quarter=parse_quarter("2026Q4"), as_of=at(7, 15))


def test_inactive_indicators_are_left_out(world: World) -> None:
    Indicator.objects.filter(code="O3-SEATS").update(is_active=False)
    report = build_report(quarter=Q2, as_of=at(7, 15))
    assert report.find("O3-SEATS") is None
    assert len(report.indicators) == 11


def _owners(count: int) -> None:
    for _ in range(count):
        offering = OfferingFactory(
            course=CourseFactory(institution=InstitutionFactory()), starts_on=date(2027, 1, 5)
        )
        learner = UserFactory(sex="female", sex_consent=True)
        history(learner, offering, (S.ENROLLED, at(1, 6)), (S.COMPLETED, at(2, 1)), hours="4")


@pytest.mark.parametrize(("owners", "start"), [(2, date(2027, 1, 1)), (7, date(2025, 1, 1))])
def test_query_count_does_not_grow_with_owners_or_quarters(
    owners: int, start: date, django_assert_num_queries: Any
) -> None:
    seed_indicators()
    _owners(owners)
    # The same count for 2 owners over 2 quarters and 7 over 10 (see build_report); one more
    # on PostgreSQL, where the report turns JIT off for its transaction.
    expected = 18 + (connection.vendor == "postgresql")
    with override_settings(REPORTS_PROJECT_START=start), django_assert_num_queries(expected):
        report = build_report(quarter=Q2, as_of=at(7, 15))
    assert len(report.periods) == (2 if start.year == 2027 else 10)
    completions = report.find("PW-COMPLETIONS")
    assert completions is not None
    assert completions.cumulative.value == owners


def test_small_cells() -> None:
    assert privacy.public_value(Figure(D(3), people=D(3)), "count") == "<5"
    assert privacy.public_value(Figure(D(5), people=D(5)), "count") == 5
    assert privacy.public_value(Figure(D(0), people=D(0)), "count") == 0
    assert privacy.public_value(Figure(D("12.5"), people=D(4)), "hours") == "<5"
    assert privacy.public_value(Figure(D("75.0"), D(3), D(4), people=D(4)), "percent") == "<5"
    assert privacy.public_value(Figure(D("0.0"), D(0), D(0), people=D(0)), "percent") == "–"
    assert privacy.public_value(Figure(D(2)), "count") == 2  # seats, offerings: nobody
    assert [privacy.public_count(n) for n in (0, 1, 4, 5, None)] == [0, "<5", "<5", 5, None]


def test_as_of_in_the_future_quarter_is_now() -> None:
    now = datetime(2027, 5, 3, 12, tzinfo=timezone.get_current_timezone())
    assert as_of_for(Q2, now) == now
