"""Registration rush: 2,000 learners released together on 50 offerings with 1,500 seats.

Each round runs the rush twice, alternating: over HTTP (wrk, 200 connections, each learner
POSTs /api/v1/enrollments/ once with the session cookie they got when they logged in before
the release), then pgbench with the same client count running the SQL of one enrollment
(bench/sql/rush_enrollment.sql) on a fresh copy of the same setup. Every run gets new offerings
and new learners, so nothing has to be reset.

Demand is skewed (a few offerings are much wanted) but every offering gets at least its
capacity, so exactly 1,500 learners must end up enrolled; the rest join a waitlist until it is
full and are refused after that (422 waitlist_full). The harness checks the outcome in SQL:
seats taken = enrolled ≤ capacity per offering, counters equal the rows, one live enrollment
per learner and offering, waitlist positions dense (1..n) and in arrival order (nobody waits
while a later arrival got a seat, and line order is insert order), one event per enrollment,
no deadlock (pg_stat_database.deadlocks before and after, and "deadlock detected" in the log
of the bench's own cluster), and no 5xx.
"""

import random
import statistics
import string
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from . import loadgen, services
from .seed import OFFERING_COLUMNS, Ids, Seeded, copy_rows, rng_uuid
from .services import Postgres
from .tables import Ratio, Round, ScenarioResult, throughput_ratio

SQL = Path(__file__).resolve().parent / "sql" / "rush_enrollment.sql"
HTTP, PGBENCH = "HTTP rush (wrk)", "same SQL (pgbench)"
RUSH_BOUND_SECONDS = 90  # a rush that has not finished by then has failed (it takes ~30)
PGBENCH_BOUND_SECONDS = 60
# An unfinished rush also leaves seats free and answers short of rows: no failures of its own.
CONSEQUENCES = ("demand ≥ seats", "expected", "answered 201 for")
ROUND_BOUND_SECONDS = RUSH_BOUND_SECONDS + PGBENCH_BOUND_SECONDS + 30


@dataclass(frozen=True)
class Shape:
    learners: int = 2000
    offerings: int = 50
    seats: int = 1500
    waitlist: int = 10  # places per offering
    clients: int = 200


FULL = Shape()
SMALL = Shape(learners=400, offerings=10, seats=300, waitlist=5, clients=50)


@dataclass
class Plan:
    """One run's offerings and who comes for which, in arrival order."""

    offerings: list[int]
    capacity: dict[int, int]
    public_ids: dict[int, str]
    arrivals: list[tuple[int, int]]  # (learner id, offering id)
    sessions: dict[int, tuple[str, str]]  # learner id → (session key, CSRF secret)

    def expected(self, waitlist: int) -> dict[str, int]:
        demand: dict[int, int] = {}
        for _, offering in self.arrivals:
            demand[offering] = demand.get(offering, 0) + 1
        waiting = sum(min(demand[o] - self.capacity[o], waitlist) for o in self.offerings)
        enrolled = sum(self.capacity.values())
        return {
            "enrolled": enrolled,
            "waitlisted": waiting,
            "refused": len(self.arrivals) - enrolled - waiting,
        }


class Learners:
    """Hands out learners nobody has used in a rush yet."""

    def __init__(self, seeded: Seeded) -> None:
        self.ids = iter(seeded.learners)

    def take(self, count: int) -> list[int]:
        return [next(self.ids) for _ in range(count)]


def _key(rng: random.Random, length: int) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(rng.choice(alphabet) for _ in range(length))


@transaction.atomic
def prepare(
    shape: Shape, learners: list[int], *, rng: random.Random, terms: dict[int, int], label: str
) -> Plan:
    """New offerings (open now, waitlists, no approval), and a session per learner."""
    from accounts.models import User
    from courses.models import Course

    now = timezone.now()
    ids = Ids()
    courses = list(
        Course.objects.filter(is_active=True).order_by("id").values_list("id", "institution_id")
    )
    chosen = rng.sample(courses, shape.offerings)
    base = shape.seats // shape.offerings
    capacities = []
    for _ in range(shape.offerings // 2):
        d = rng.randint(0, base // 3)
        capacities += [base + d, base - d]
    capacities += [base] * (shape.offerings - len(capacities))
    capacities[0] += shape.seats - sum(capacities)
    rows, capacity, public_ids = [], {}, {}
    for index, ((course, owner), seats) in enumerate(zip(chosen, capacities, strict=True)):
        pk = ids.take("courses_offering")
        public = rng_uuid(rng)
        capacity[pk], public_ids[pk] = seats, str(public)
        rows.append(
            (
                pk, public, f"{label}{index:02d}", now.date(), now.date() + timedelta(days=90),
                "", "", "online", "", "", seats, shape.waitlist, 0, 0,
                now - timedelta(hours=1), now + timedelta(days=7), now + timedelta(days=14),
                True, True, True, True, True, False, "published", now, now,
                course, terms[owner], 0, 48, False,
            )
        )  # fmt: skip
    copy_rows(
        "courses_offering",
        OFFERING_COLUMNS,
        rows,
    )  # fmt: skip
    offerings = list(capacity)

    # Demand: every offering its capacity, the rest skewed towards a few favourites.
    wanted = [o for o in offerings for _ in range(capacity[o])]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(offerings))]
    favourites = rng.sample(offerings, len(offerings))
    wanted += rng.choices(favourites, weights=weights, k=len(learners) - len(wanted))
    rng.shuffle(wanted)
    arrivals = list(zip(learners, wanted, strict=True))

    # Sessions as the login view would have left them (db sessions, the production default).
    from django.contrib.sessions.backends.db import SessionStore

    # Every bench learner has the same password, hence the same session hash.
    auth_hash = User.objects.get(pk=learners[0]).get_session_auth_hash()
    store = SessionStore()
    sessions, session_rows = {}, []
    expires = now + timedelta(days=1)
    for learner in learners:
        key, csrf = _key(rng, 32), _key(rng, 32)
        sessions[learner] = (key, csrf)
        data = store.encode(
            {
                SESSION_KEY: str(learner),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: auth_hash,
            }
        )
        session_rows.append((key, data, expires))
    copy_rows("django_session", ["session_key", "session_data", "expire_date"], session_rows)
    return Plan(offerings, capacity, public_ids, arrivals, sessions)


def pgbench_clients(wanted: int) -> int:
    """As many pgbench clients as the HTTP rush has connections, if the server allows them.

    Each pgbench client is a PostgreSQL session; a server with the default max_connections
    (100), shared with other work, cannot take 200. Then as many as are free, less a margin.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity)"
        )
        free = int(cursor.fetchone()[0])
    return max(1, min(wanted, free - 10))


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def check(plan: Plan, shape: Shape) -> tuple[dict[str, int], list[str]]:
    """The outcome, read from the database, and every invariant it breaks."""
    problems: list[str] = []
    ids = plan.offerings
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT o.id, o.capacity, o.seats_taken, o.waitlist_length, o.last_queue_number,
                   count(e.id) FILTER (WHERE e.status IN ('enrolled', 'pending', 'offered')),
                   count(e.id) FILTER (WHERE e.status = 'waitlisted'),
                   coalesce(min(e.queue_number) FILTER (WHERE e.status = 'waitlisted'), 1),
                   coalesce(max(e.queue_number) FILTER (WHERE e.status = 'waitlisted'), 0),
                   count(DISTINCT e.queue_number) FILTER (WHERE e.status = 'waitlisted'),
                   max(e.id) FILTER (WHERE e.status = 'enrolled'),
                   min(e.id) FILTER (WHERE e.status = 'waitlisted')
            FROM courses_offering o LEFT JOIN enrollment_enrollment e ON e.offering_id = o.id
            WHERE o.id = ANY(%s) GROUP BY o.id ORDER BY o.id
            """,
            [ids],
        )
        enrolled = waitlisted = 0
        for (pk, cap, taken, length, last, held, waiting, low, high, distinct, last_seat,
             first_wait) in cursor.fetchall():  # fmt: skip
            enrolled += held
            waitlisted += waiting
            if held != taken or held > cap:
                problems.append(f"offering {pk}: {held} seats held, counter {taken}, cap {cap}")
            if held != cap:
                problems.append(f"offering {pk}: {held} enrolled of {cap} though demand ≥ seats")
            if waiting != length or waiting > shape.waitlist:
                problems.append(f"offering {pk}: {waiting} waiting, counter {length}")
            if waiting and (low != 1 or high != waiting or distinct != waiting or last != high):
                problems.append(f"offering {pk}: positions {low}..{high} for {waiting} (not dense)")
            if first_wait is not None and last_seat is not None and first_wait < last_seat:
                problems.append(f"offering {pk}: a later arrival got a seat while one waited")
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT id < lag(id) OVER (PARTITION BY offering_id ORDER BY queue_number) AS bad
                FROM enrollment_enrollment WHERE offering_id = ANY(%s) AND status = 'waitlisted'
            ) line WHERE bad
            """,
            [ids],
        )
        if out_of_order := cursor.fetchone()[0]:
            problems.append(f"{out_of_order} waitlist places out of arrival order")
        cursor.execute(
            """
            SELECT count(*), count(DISTINCT (learner_id, offering_id))
            FROM enrollment_enrollment
            WHERE offering_id = ANY(%s)
              AND status IN ('enrolled', 'pending', 'offered', 'waitlisted')
            """,
            [ids],
        )
        live, distinct_live = cursor.fetchone()
        if live != distinct_live:
            problems.append(f"{live - distinct_live} duplicate live enrollments")
        cursor.execute(
            """
            SELECT count(*) FROM enrollment_enrollment e
            WHERE e.offering_id = ANY(%s)
              AND (SELECT count(*) FROM enrollment_enrollmentevent v
                   WHERE v.enrollment_id = e.id) <> 1
            """,
            [ids],
        )
        if without_event := cursor.fetchone()[0]:
            problems.append(f"{without_event} enrollments without exactly one event")
    outcome = {"enrolled": enrolled, "waitlisted": waitlisted}
    expected = plan.expected(shape.waitlist)
    for name in ("enrolled", "waitlisted"):
        if outcome[name] != expected[name]:
            problems.append(f"{outcome[name]} {name}, expected {expected[name]}")
    return outcome, problems


def capture_one(plan: Plan) -> list[str]:
    """The SQL of one enrollment request, as the server runs it (in this process)."""
    learner, offering = plan.arrivals[0]
    key, csrf = plan.sessions[learner]
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.cookies["sessionid"] = key
    client.cookies["csrftoken"] = csrf
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/enrollments/",
            {"offering": plan.public_ids[offering]},
            content_type="application/json",
            secure=True,
            headers={"X-CSRFToken": csrf, "Origin": "https://127.0.0.1"},
        )
    if response.status_code != 201:
        raise RuntimeError(f"one enrollment answered {response.status_code}: {response.content!r}")
    return [q["sql"] for q in queries.captured_queries]


def write_plan_table(plan: Plan, run: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_rush_plan (run int, n int, learner_id bigint, "
            "offering_id bigint, session_key text, offering_uuid uuid, PRIMARY KEY (run, n))"
        )
    copy_rows(
        "bench_rush_plan",
        ["run", "n", "learner_id", "offering_id", "session_key", "offering_uuid"],
        (
            (run, n, learner, offering, plan.sessions[learner][0], plan.public_ids[offering])
            for n, (learner, offering) in enumerate(plan.arrivals)
        ),
    )


def run(
    base_url: str,
    *,
    database_url: str,
    seeded: Seeded,
    rounds: int,
    seed: int,
    quick: bool,
    work: Path,
    workers: int,
    deadline: float,
    postgres: Postgres | None = None,
) -> ScenarioResult:
    """The rounds, stopping early (and saying so) when the next could end after `deadline`
    (time.monotonic()), so that the whole bench stays within its time."""
    shape = SMALL if quick else FULL
    result = ScenarioResult(
        "Registration rush",
        f"{shape.learners:,} learners released together ({shape.clients} connections) on "
        f"{shape.offerings} offerings with {shape.seats:,} seats and waitlists of "
        f"{shape.waitlist}: POST /api/v1/enrollments/ with the learner's session, against "
        f"pgbench running the SQL of one enrollment ({SQL.name}) with as many clients.",
        unit="enrollments/s",
    )
    rng = random.Random(seed)  # noqa: S311 (load, not secrets)
    pool = Learners(seeded)
    terms = rush_terms(seeded)

    # The statements of one enrollment, for the record and to keep the pgbench script honest.
    probe = prepare(
        Shape(learners=2, offerings=1, seats=1, waitlist=1, clients=1),
        pool.take(2),
        rng=rng,
        terms=terms,
        label="P",
    )
    statements = capture_one(probe)
    (work / "one-enrollment.sql").write_text(";\n".join(statements) + ";\n")
    result.checks["statements per enrollment (HTTP)"] = len(statements)
    # The script's statements for an enrollment that gets a seat: up to the first \elif,
    # less the plan lookup that only pgbench needs.
    seat_branch = SQL.read_text().split("\\elif", 1)[0].splitlines()
    script_statements = (
        sum(1 for line in seat_branch if line.strip() and not line.startswith(("\\", "--"))) - 1
    )
    result.notes.append(
        "one enrollment over HTTP runs: "
        + "; ".join(" ".join(sql.split()[:6])[:70] for sql in statements)
    )

    clients = pgbench_clients(shape.clients)
    while shape.learners % clients:  # every client runs the same number of transactions
        clients -= 1
    result.checks["pgbench clients"] = clients
    if clients < shape.clients:
        result.notes.append(
            f"pgbench ran {clients} clients, not {shape.clients}: PostgreSQL's max_connections "
            "leaves no more free (the HTTP rush itself needs only gunicorn's threads)"
        )
    per_client = shape.learners // clients
    for number in range(rounds):
        if time.monotonic() + ROUND_BOUND_SECONDS > deadline:
            result.failures.append(f"stopped after {number} of {rounds} rounds: time bound")
            break
        current: Round = {}
        for kind in (HTTP, PGBENCH):
            label = f"R{number}{'H' if kind == HTTP else 'B'}"
            plan = prepare(shape, pool.take(shape.learners), rng=rng, terms=terms, label=label)
            before = deadlocks()
            logged_before = postgres.log_count("deadlock detected") if postgres else 0
            if kind == HTTP:
                services.drain(base_url + "/api/bench/bare/", workers)
                plan_file = work / f"plan-{label}.txt"
                plan_file.write_text(
                    "".join(
                        f"{plan.sessions[learner][0]} {plan.sessions[learner][1]} "
                        f"{plan.public_ids[offering]}\n"
                        for learner, offering in plan.arrivals
                    )
                )
                host = base_url.split("://", 1)[1]
                markers = work / f"markers-{label}"
                markers.mkdir()
                measurement = loadgen.wrk(
                    kind,
                    base_url + "/api/v1/enrollments/",
                    "rush.lua",
                    [str(plan_file), "2", f"https://{host}", str(markers)],
                    connections=shape.clients,
                    threads=2,
                    seconds=RUSH_BOUND_SECONDS,
                    timeout="60s",
                    done=lambda markers=markers: len(list(markers.iterdir())) >= 2,  # type: ignore[misc]
                )
                learners = sum(n for code, n in measurement.statuses.items() if code != "200")
                measurement.throughput = learners / measurement.seconds
            else:
                write_plan_table(plan, number)
                measurement = loadgen.pgbench(
                    kind,
                    database_url,
                    SQL,
                    clients=clients,
                    threads=2,
                    transactions_per_client=per_client,
                    defines={"k": "0", "per": str(per_client), "run": str(number)},
                    timeout=PGBENCH_BOUND_SECONDS,
                )
            time.sleep(1.5)  # statistics reach pg_stat_database within a second
            found = deadlocks() - before
            if postgres is not None:  # the server log too, as the issue asks
                found = max(found, postgres.log_count("deadlock detected") - logged_before)
            outcome, problems = check(plan, shape)
            expected = plan.expected(shape.waitlist)
            if kind == HTTP:
                statuses = measurement.statuses
                created = statuses.get("201", 0)
                refused = statuses.get("422", 0)
                errors = sum(n for code, n in statuses.items() if code.startswith("5"))
                if errors:
                    problems.append(f"{errors} responses 5xx")
                if created != outcome["enrolled"] + outcome["waitlisted"]:
                    problems.append(f"{created} answered 201 for {sum(outcome.values())} rows")
                answered = sum(n for code, n in statuses.items() if code != "200")
                if answered < shape.learners:
                    # Unfinished, so the counts fall short: say that, not fifty consequences.
                    problems = [
                        f"only {answered} of {shape.learners} learners answered within "
                        f"{RUSH_BOUND_SECONDS} s (a machine too busy or too slow)",
                        *(p for p in problems if not any(c in p for c in CONSEQUENCES)),
                    ]
                elif refused != expected["refused"] or answered != shape.learners:
                    problems.append(f"statuses {statuses}, expected {expected}")
                socket_errors = {k: n for k, n in measurement.errors.items() if k != "status" and n}
                if socket_errors and answered < shape.learners:
                    problems.append(f"socket errors {socket_errors}")
                elif socket_errors:
                    # Every learner had an answer: these are idle keep-alive connections the
                    # server closed after their last learner (wrk counts the close as a read
                    # error), not requests lost.
                    measurement.notes.append(f"socket errors after every answer: {socket_errors}")
            if found:
                problems.append(f"{found} deadlocks")
            measurement.notes.append(f"outcome {outcome}, deadlocks {found}")
            result.failures += [f"round {number + 1}, {kind}: {p}" for p in problems]
            current[kind] = measurement
        result.rounds.append(current)
        print(
            f"  rush round {number + 1}/{rounds}: "
            + ", ".join(f"{k} {m.throughput:,.0f}/s" for k, m in current.items()),
            flush=True,
        )

    result.checks["statements in the pgbench script"] = script_statements
    result.checks["deadlocks"] = sum(
        int(m.notes[-1].rsplit(" ", 1)[1]) for r in result.rounds for m in r.values()
    )
    http = [r[HTTP] for r in result.rounds]
    result.ratios = [
        throughput_ratio("HTTP ÷ pgbench (same SQL)", result.rounds, HTTP, PGBENCH, 0.35),
        Ratio(
            "p99 ÷ p50 latency (HTTP)",
            [m.latency_ms["p99"] / m.latency_ms["p50"] for m in http if m.latency_ms["p50"]],
            5.0,
            at_most=True,
        ),
    ]
    result.checks["enrolled per run"] = plan.expected(shape.waitlist)["enrolled"]
    result.notes.append(
        f"median HTTP p50 {statistics.median(m.latency_ms['p50'] for m in http):.0f} ms"
    )
    return result


def rush_terms(seeded: Seeded) -> dict[int, int]:
    """A term per owner for the rushes, so no learner's term limit counts older enrollments."""
    from courses.models import Term

    today = timezone.localdate()
    return {
        owner: Term.objects.create(
            institution_id=owner,
            code=f"bench-rush-{uuid.uuid4().hex[:6]}",
            name_zh="抢课学期",
            name_en="Rush term",
            starts_on=today,
            ends_on=today + timedelta(days=120),
        ).pk
        for owner in seeded.institutions
    }
