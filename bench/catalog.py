"""Catalog: GET /api/v1/offerings/ against its ceiling and against the reference implementation.

Per round, in this order: the bare view (a small JsonResponse behind the same middleware), a
page of 20, a page of 100, and the reference implementation's page of 20 (bench/reference.py).
Each run is wrk for a fixed time with a cap on requests, anonymous clients behind a proxy, a
seeded random page each request. Before any load, the endpoint's queries are counted in
process for both page sizes: constant in page size and at most three.
"""

from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import loadgen, services
from .tables import Ratio, Round, ScenarioResult, throughput_ratio

LIST = "/api/v1/offerings/"
REFERENCE = "/api/bench/reference/offerings/"
BARE = "/api/bench/bare/"
MAX_QUERIES = 3


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    page_size: int  # 0: no paging (the bare view)


TARGETS = [
    Target("bare view", BARE, 0),
    Target("offerings, page of 20", LIST, 20),
    Target("offerings, page of 100", LIST, 100),
    Target("reference, page of 20", REFERENCE, 20),
]


def count_queries(path: str, page_size: int) -> tuple[int, int]:
    """(status, queries) of one anonymous request for page 2, in this process."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    client.get(f"{path}?page=1&page_size={page_size}", secure=True)  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{path}?page=2&page_size={page_size}", secure=True)
    return response.status_code, len(queries.captured_queries)


def public_offerings() -> int:
    from courses.models import Offering
    from courses.rules import PUBLIC_OFFERING_STATUSES

    return Offering.objects.filter(
        status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True
    ).count()


def run(
    base_url: str,
    *,
    rounds: int,
    seconds: float,
    connections: int,
    workers: int,
    seed: int,
) -> ScenarioResult:
    result = ScenarioResult(
        "Catalog",
        "GET /api/v1/offerings/ (institution, course and seats left) against a bare Django view "
        "behind the same middleware and against the reference implementation (nested "
        "ModelSerializers, page-number pagination, no prefetching).",
    )
    queries = {}
    for size in (20, 100):
        status, count = count_queries(LIST, size)
        queries[size] = count
        if status != 200:
            result.failures.append(f"page of {size} answered {status}")
    ref_status, ref_queries = count_queries(REFERENCE, 20)
    result.checks["queries per request (page of 20, of 100)"] = f"{queries[20]}, {queries[100]}"
    result.checks["reference queries (page of 20)"] = ref_queries
    if queries[20] != queries[100]:
        result.failures.append(f"queries grow with page size: {queries[20]} → {queries[100]}")
    if max(queries.values()) > MAX_QUERIES:
        result.notes.append(f"more than {MAX_QUERIES} queries per request: {queries}")
    if ref_status != 200:
        result.failures.append(f"reference answered {ref_status}")

    total = public_offerings()
    # Cap each run at what it could serve at 5,000 requests a second: a bound, never reached.
    limit = int(5000 * seconds / 2) + 1

    def measure(target: Target, run_seconds: float, run_seed: int) -> loadgen.Measurement:
        pages = total // target.page_size if target.page_size else 0
        services.drain(base_url + BARE, workers)
        return loadgen.wrk(
            target.name,
            base_url + target.path,
            "catalog.lua",
            [target.path, str(target.page_size), str(pages), str(run_seed), str(limit)],
            connections=connections,
            threads=2,
            seconds=run_seconds,
        )

    for target in TARGETS:  # warm every worker's connections and caches, not recorded
        measure(target, 1, seed)
    for number in range(rounds):
        current: Round = {}
        for target in TARGETS:
            measurement = measure(target, seconds, seed + number)
            bad = {k: v for k, v in measurement.statuses.items() if k != "200"}
            if bad or any(measurement.errors.values()):
                result.failures.append(
                    f"round {number + 1}, {target.name}: statuses {measurement.statuses}, "
                    f"errors {measurement.errors}"
                )
            current[target.name] = measurement
        result.rounds.append(current)
        print(
            f"  catalog round {number + 1}/{rounds}: "
            + ", ".join(f"{k} {m.throughput:,.0f}/s" for k, m in current.items()),
            flush=True,
        )

    names = [t.name for t in TARGETS]
    result.ratios = [
        throughput_ratio("page of 20 ÷ bare view", result.rounds, names[1], names[0], 0.30),
        throughput_ratio("page of 100 ÷ page of 20", result.rounds, names[2], names[1], 0.60),
        throughput_ratio("page of 20 ÷ reference", result.rounds, names[1], names[3], 10.0),
        Ratio(
            "queries per request (page of 100)", [float(queries[100])], MAX_QUERIES, at_most=True
        ),
    ]
    return result
