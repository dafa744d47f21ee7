"""Notifications: enrollment changes delivered as email by a real Celery worker, against no-ops.

One Celery worker for the whole scenario, started as docs/deployment.md deploys the mail worker
(`celery -A config worker -Q email,default --concurrency 4 -n mail@%h --loglevel INFO`, plus
`--include bench.notify` for the no-op task), with the bench settings, the bench's
redis-server as broker and EMAIL_URL pointing at an SMTP sink (aiosmtpd, a subprocess of its
own on a spare port) that writes the time and Message-ID of every message it accepts.

Per round, alternating:

A. Emails: enrollment changes through the real services in this process (enroll into fresh
   offerings, half of them waitlisted, then drop the seated, which promotes the first in line:
   four changes per pair of learners), each in a transaction of its own whose commit time is
   recorded; each change's notification becomes one delivery, one task, one message. Done when
   the sink has every Message-ID. Rate: messages ÷ (last arrival − first commit).
B. No-ops: as many tasks of `bench.noop` (it does nothing) on the same worker, enqueued from
   here; done when the broker's queue and unacked set are empty. Rate: tasks ÷ (last − first
   enqueue).

New PostgreSQL sessions per task: `pg_stat_database.sessions` of the bench database before and
after each part (read on this process's own connection, after the stats are flushed), divided
by the tasks.
"""

import asyncio
import bisect
import contextlib
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from celery import shared_task

NOOP = "bench.noop"
ROUND_BOUND_SECONDS = 300  # one part (A or B) that has not finished by then has failed
WORKER_ARGV = [
    "-A", "config", "worker", "-Q", "email,default", "--concurrency", "4",
    "-n", "mail@%h", "--loglevel", "INFO",
]  # fmt: skip


@shared_task(name=NOOP, ignore_result=True)
def noop() -> None:
    """The ceiling: a task that does nothing."""


# --- the SMTP sink (a subprocess: python -m bench.notify PORT PATH) ----------------------------


class _Sink:
    def __init__(self, out: Any) -> None:
        self.out = out

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email.parser import BytesHeaderParser

        at = time.time()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.out.write(f"{at:.6f}\t{headers.get('Message-ID', '').strip()}\n")
        self.out.flush()
        return "250 OK"


def serve_sink(port: int, path: Path) -> None:
    from aiosmtpd.smtp import SMTP

    async def main() -> None:
        with path.open("a", encoding="utf-8") as out:
            loop = asyncio.get_running_loop()
            server = await loop.create_server(
                lambda: SMTP(_Sink(out), hostname="sink.bench.local"), "127.0.0.1", port
            )
            async with server:
                await server.serve_forever()

    asyncio.run(main())


def received(path: Path) -> list[tuple[float, str]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        at, _, message_id = line.partition("\t")
        if message_id:
            rows.append((float(at), message_id))
    return rows


# --- measuring ------------------------------------------------------------------------------------


def sessions(database: str) -> int:
    """pg_stat_database.sessions of `database`, after other backends have flushed their stats."""
    from django.db import connection

    time.sleep(1.2)  # backends flush pending statistics at most once a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [database])
        return int(cursor.fetchone()[0])


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def broker_idle(client: Any) -> bool:
    return not client.llen("default") and not client.llen("email") and not client.hlen("unacked")


def wait_for_log(log: Path, text: str, process: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
        if log.exists() and text in log.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not log {text!r} within {timeout:.0f} s")


# --- the changes ------------------------------------------------------------------------------


def make_offerings(seeded: Any, learners: list[int], pairs: int, label: str) -> list[Any]:
    """Fresh open offerings with `pairs` seats and `pairs` waitlist places in all."""
    import random

    from courses.models import Offering

    from . import rush

    count = 5 if pairs < 500 else 25
    shape = rush.Shape(learners=len(learners), offerings=count, seats=pairs, waitlist=0)
    rng = random.Random(f"notify-{label}")  # noqa: S311 (one set of ids per round, not secrets)
    plan = rush.prepare(shape, learners, rng=rng, terms=rush.rush_terms(seeded), label=label)
    Offering.objects.filter(pk__in=plan.offerings).update(
        capacity=pairs // count, waitlist_capacity=pairs // count
    )
    return list(Offering.objects.filter(pk__in=plan.offerings).order_by("pk"))


def run_changes(learners: list[Any], offerings: list[Any]) -> list[float]:
    """Enroll every learner (the first half seated, the rest waitlisted), then drop the seated
    (each promotes the first in line). Returns the commit time of each change, in order."""
    from django.db import transaction

    from enrollment import services
    from enrollment.models import Status

    stamps: list[float] = []

    def change(call: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            transaction.on_commit(lambda: stamps.append(time.time()))  # runs first after commit
            return call(**kwargs)

    made = [
        change(
            services.enrollment_create,
            learner=person,
            offering=offerings[i % len(offerings)],
            actor=person,
        )
        for i, person in enumerate(learners)
    ]
    for enrollment in made:
        if enrollment.status == Status.ENROLLED:
            change(services.enrollment_drop, enrollment=enrollment, actor=enrollment.learner)
    return stamps


# --- the scenario -----------------------------------------------------------------------------


def run(
    *,
    processes: Any,
    env: dict[str, str],
    database: str,
    seeded: Any,
    rounds: int,
    quick: bool,
    work: Path,
) -> Any:
    import redis
    from django.conf import settings

    from accounts.models import User
    from notifications.models import Delivery, Notification

    from . import services
    from .loadgen import Measurement
    from .tables import Ratio, Round, ScenarioResult

    changes = 300 if quick else 5000
    pairs = changes // 4
    result = ScenarioResult(
        "Notifications",
        f"{changes:,} enrollment changes (enroll, waitlist, drop, promote) through "
        "enrollment.services, each a notification and one email, delivered by a Celery worker "
        "with the production flags (-Q email,default --concurrency 4) to an SMTP sink on "
        f"127.0.0.1, against {changes:,} no-op tasks on the same worker.",
        unit="tasks/s",
    )
    sink_port = services.spare_port()
    mailbox = work / "sink.txt"
    processes.start(
        "smtp-sink",
        [sys.executable, "-m", "bench.notify", str(sink_port), str(mailbox)],
        env=dict(os.environ),
        log=work / "sink.log",
    )
    worker_log = work / "celery.log"
    worker_env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}"}
    worker = processes.start(
        "celery",
        [str(services.VENV_BIN / "celery"), *WORKER_ARGV, "--include", "bench.notify"],
        env=worker_env,
        log=worker_log,
    )
    broker = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    try:
        wait_for_log(worker_log, " ready.", worker, 60)
        # Every pool process up and importing what the tasks need, before measuring.
        for _ in range(40):
            noop.apply_async(queue="default")
        deadline = time.monotonic() + 30
        while not broker_idle(broker) and time.monotonic() < deadline:
            time.sleep(0.05)

        # Learners from the end of the seeded range (the rush takes them from the start).
        pool = list(reversed(seeded.learners))
        emails_rate, noop_sessions, per_task = [], [], []
        all_lat: list[float] = []
        for number in range(rounds):
            current: Round = {}
            label = f"N{number}"
            ids, pool = pool[: 2 * pairs], pool[2 * pairs :]
            learners = list(User.objects.filter(pk__in=ids).order_by("pk"))
            offerings = make_offerings(seeded, ids, pairs, label)
            first_id = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
            first_id = first_id or 0
            seen = len(received(mailbox))

            # A: the emails.
            before, cpu = sessions(database), cpu_seconds()
            started = time.time()
            stamps = run_changes(learners, offerings)
            made_in = time.time() - started
            producer_cpu = cpu_seconds() - cpu
            rows = list(
                Notification.objects.filter(pk__gt=first_id).values_list("public_id", "created_at")
            )
            domain = settings.EMAIL_MESSAGE_ID_DOMAIN
            commit_of = {}
            for public_id, created in rows:
                index = bisect.bisect_left(stamps, created.timestamp())
                commit_of[f"<{public_id}.email@{domain}>"] = stamps[min(index, len(stamps) - 1)]
            bound = time.monotonic() + ROUND_BOUND_SECONDS
            while True:
                got = received(mailbox)[seen:]
                if {m for _, m in got} >= set(commit_of) or time.monotonic() > bound:
                    break
                time.sleep(0.1)
            counts = Counter(m for _, m in got)
            missing = set(commit_of) - set(counts)
            repeats = sum(c - 1 for c in counts.values())
            stray = set(counts) - set(commit_of)
            after = sessions(database)
            arrived = {m: at for at, m in got if m in commit_of}
            latency = [(arrived[m] - commit_of[m]) * 1000 for m in arrived]
            all_lat += latency
            window = (max(arrived.values()) - stamps[0]) if arrived else 0.0
            delivered = len(arrived)
            states = Counter(
                Delivery.objects.filter(notification_id__gt=first_id).values_list(
                    "state", flat=True
                )
            )
            emails = Measurement(
                name="emails (enrollment changes)",
                requests=delivered,
                seconds=window,
                throughput=delivered / window if window else 0.0,
                latency_ms=percentiles(latency),
                statuses={str(k): v for k, v in states.items()},
                errors={"missing": len(missing), "repeats": repeats, "stray": len(stray)},
                generator_cpu_seconds=producer_cpu,
                generator_cores=producer_cpu / made_in if made_in else 0.0,
                valid=True,
                notes=[
                    f"{len(rows)} changes ({len(stamps)} transactions) made in {made_in:.1f} s "
                    f"({len(rows) / made_in:,.0f}/s) by this process (the producer is the "
                    "application's own service, so its CPU does not invalidate the run); "
                    f"last message {max(arrived.values(), default=0) - stamps[-1]:.1f} s after "
                    f"the last commit; {after - before} new PostgreSQL sessions",
                ],
            )
            if len(stamps) != 3 * pairs or len(rows) != changes:
                result.failures.append(
                    f"round {number + 1}: {len(stamps)} transactions, {len(rows)} notifications "
                    f"(expected {3 * pairs} and {changes})"
                )
            if missing or repeats or stray:
                result.failures.append(
                    f"round {number + 1}: {len(missing)} messages missing, {repeats} repeated, "
                    f"{len(stray)} unexpected"
                )
            current[emails.name] = emails
            per_task.append((after - before) / max(len(commit_of), 1))

            # B: the no-ops.
            before = sessions(database)
            cpu = cpu_seconds()
            started = time.time()
            for _ in range(changes):
                noop.apply_async(queue="default")
            enqueued = time.time() - started
            bound = time.monotonic() + ROUND_BOUND_SECONDS
            while not broker_idle(broker) and time.monotonic() < bound:
                time.sleep(0.01)
            finished = time.time()
            idle = broker_idle(broker)
            after = sessions(database)
            nothing = Measurement(
                name="no-op tasks",
                requests=changes,
                seconds=finished - started,
                throughput=changes / (finished - started),
                latency_ms={},
                statuses={},
                errors={"left in broker": 0 if idle else 1},
                generator_cpu_seconds=cpu_seconds() - cpu,
                generator_cores=(cpu_seconds() - cpu) / (finished - started),
                valid=True,
                notes=[f"enqueued in {enqueued:.1f} s; {after - before} new PostgreSQL sessions"],
            )
            if not idle:
                result.failures.append(f"round {number + 1}: no-ops not done in time")
            current[nothing.name] = nothing
            result.rounds.append(current)
            emails_rate.append(emails.throughput / nothing.throughput)
            noop_sessions.append((after - before) / changes)
            print(
                f"  notify round {number + 1}/{rounds}: emails {emails.throughput:,.0f}/s "
                f"(p95 {emails.latency_ms.get('p95', 0):,.0f} ms, {delivered}/{len(commit_of)} "
                f"delivered, {repeats} repeats), no-ops {nothing.throughput:,.0f}/s, "
                f"sessions per email task {per_task[-1]:.3f}",
                flush=True,
            )
    finally:
        with contextlib.suppress(Exception):
            broker.close()
        for name in ("celery", "smtp-sink"):
            for process in [p for p in processes.items if p.name == name]:
                processes.stop(process)

    result.ratios = [
        Ratio("emails/s ÷ no-op tasks/s", emails_rate, 0.50),
        Ratio("new PostgreSQL sessions per task (emails)", per_task, 0.05, at_most=True),
        Ratio("new PostgreSQL sessions per task (no-ops)", noop_sessions, 0.05, at_most=True),
    ]
    p95 = percentiles(all_lat).get("p95", float("nan"))
    result.checks["messages arrived exactly once"] = not any(
        "missing" in f or "repeated" in f for f in result.failures
    )
    result.checks["p95 commit → delivery, all rounds (ms)"] = f"{p95:,.0f}"
    result.checks["CONN_MAX_AGE, CONN_HEALTH_CHECKS"] = (
        f"{settings.DATABASES['default']['CONN_MAX_AGE']}, "
        f"{settings.DATABASES['default'].get('CONN_HEALTH_CHECKS', False)}"
    )
    result.notes.append(
        "Emails/s counts from the first commit to the last message at the sink, so it includes "
        "the producer: when the changes are slower than the worker, the rate is theirs "
        "(see each round's notes: changes/s and how long after the last commit the last "
        "message arrived). The median of the per-round ratios is the figure."
    )
    return result


if __name__ == "__main__":
    serve_sink(int(sys.argv[1]), Path(sys.argv[2]))
