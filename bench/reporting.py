"""Reporting: the quarterly report over the bench's seeded data, its time and its query count.

In the bench process, on the seeded database (production settings, DEBUG off), with the demo's
indicators (demo/indicators.py): the combined report of the latest complete quarter, timed once
per round, and each owner's report once. Its query count must not grow with the quarters it
covers (2, by moving the project's start, against all since the start) or with the owners (2
active, in a transaction rolled back, against 7); those two runs are also the warm-up. No
ceiling: the issue asks for the time and a constant count. bench/reports.py is the standalone
version over the demo's history.
"""

import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from .loadgen import Measurement
from .tables import Ratio, ScenarioResult

COMBINED = "combined report (7 owners)"


def timed_once(fn: Callable[[], Any]) -> tuple[float, int]:
    """Seconds and queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        fn()
        seconds = time.perf_counter() - started
    return seconds, len(queries)


def quarters_back(day: date, quarters: int) -> date:
    """The first day of the quarter `quarters` before the one starting on `day`."""
    month = day.month - 3 * quarters
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def measurement(name: str, seconds: float, queries: int) -> Measurement:
    """One report as a measurement: throughput in reports per second, its time as latency."""
    return Measurement(
        name=name,
        requests=1,
        seconds=seconds,
        throughput=1 / seconds,
        latency_ms={"p50": seconds * 1000},
        statuses={},
        errors={},
        generator_cpu_seconds=0.0,
        generator_cores=0.0,
        valid=True,
        notes=[f"{queries} queries"],
    )


def quarters_covered(quarter: Any) -> int:
    """How many quarters the report covers: from the project's start to `quarter`."""
    from reports.report import project_start

    count, first = 1, quarter.start
    while first > project_start():
        first, count = quarters_back(first, 1), count + 1
    return count


def run(*, rounds: int) -> ScenarioResult:
    from django.db import connection, transaction
    from django.test import override_settings

    from demo.indicators import seed_indicators
    from enrollment.models import Enrollment
    from institutions.models import Institution
    from reports.measures import quarter_of
    from reports.report import build_report, current_quarter, quarter_code

    indicators = seed_indicators()
    with connection.cursor() as cursor:  # what autovacuum does soon after the bulk load
        cursor.execute("VACUUM ANALYZE")
    quarter = quarter_of(current_quarter().start - timedelta(days=1))
    owners = list(Institution.objects.filter(is_active=True).order_by("code"))
    covered = quarters_covered(quarter)
    result = ScenarioResult(
        "Reporting",
        f"The quarterly report of {quarter_code(quarter)} over the seeded data "
        f"({Enrollment.objects.count():,} enrollments, {indicators} indicators, {covered} "
        f"quarters since the project's start): the combined report timed once per round, each "
        "owner's once; the combined report's query count with 2 quarters and with 2 active "
        f"owners against {covered} quarters and {len(owners)} owners. Time reported, no ceiling.",
        unit="reports/s",
    )

    def combined() -> Any:
        return build_report(quarter=quarter)

    counts: dict[str, int] = {}
    # These two runs are also the warm-up (imports, first plans) of the timed ones.
    with override_settings(REPORTS_PROJECT_START=quarters_back(quarter.start, 1)):
        counts["2 quarters"] = timed_once(combined)[1]
    with transaction.atomic():
        Institution.objects.exclude(pk__in=[o.pk for o in owners[:2]]).update(is_active=False)
        counts["2 owners"] = timed_once(combined)[1]
        transaction.set_rollback(True)
    queries_seen = set()
    for number in range(rounds):
        took, queries = timed_once(combined)
        queries_seen.add(queries)
        result.rounds.append({COMBINED: measurement(COMBINED, took, queries)})
        print(f"  report round {number + 1}/{rounds}: {took:.2f} s, {queries} queries")
    full = max(queries_seen)
    counts[f"{covered} quarters, {len(owners)} owners"] = full
    per_owner = {}
    for owner in owners:

        def owner_report(owner: Any = owner) -> Any:
            return build_report(quarter=quarter, institution=owner)

        per_owner[owner.code] = timed_once(owner_report)
    seconds = [m.seconds for r in result.rounds for m in r.values()]
    result.checks["query counts (combined report)"] = counts
    result.ratios = [
        Ratio(
            f"queries: {covered} quarters ÷ 2 quarters",
            [full / counts["2 quarters"]],
            1.0,
            at_most=True,
        ),
        Ratio(
            f"queries: {len(owners)} owners ÷ 2 owners",
            [full / counts["2 owners"]],
            1.0,
            at_most=True,
        ),
    ]
    for ratio in result.ratios:
        if not ratio.holds:
            result.failures.append(f"{ratio.name}: {ratio.median:.3f} (the count grows)")
    if len(queries_seen) > 1:
        result.failures.append(f"the combined report's count changed between runs: {queries_seen}")
    result.notes.append(
        f"combined report: median {statistics.median(seconds):.2f} s, min {min(seconds):.2f}, "
        f"max {max(seconds):.2f} over {len(seconds)} runs, {full} queries"
    )
    result.notes.append(
        "each owner's report (one run): "
        + ", ".join(f"{code} {s:.2f} s ({q} queries)" for code, (s, q) in per_owner.items())
    )
    return result
