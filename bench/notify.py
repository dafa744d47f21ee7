"""Notifications: how fast one Celery worker delivers enrollment changes as email, against how
fast the same worker runs no-ops.

One Celery worker for the whole scenario, started as docs/deployment.md deploys the mail worker
(`celery -A config worker -Q email,default --concurrency 4 -n mail@%h --loglevel INFO`, plus
`--include bench.notify` for the no-op task), with the bench settings, the bench's
redis-server as broker and EMAIL_URL pointing at an SMTP sink (aiosmtpd, a subprocess of its
own on a spare port) that writes the time and Message-ID of every message it accepts.

Per round, the latency run, then the two drains in alternating order:

L. Latency: enrollment changes through the real services in this process with the worker
   consuming (enroll into fresh offerings, half of them waitlisted, then drop the seated, which
   promotes the first in line: four changes per pair of learners), each in a transaction of its
   own whose commit time is recorded; each change's notification becomes one delivery and one
   email, and each commit wakes a drain task (`notifications.drain`) if one of the slots is free
   (NOTIFICATIONS_DRAIN_SLOTS), which sends every due email. Figures: commit to arrival at the
   sink (p50, p95, p99); its rate is the producer's, so no ratio uses it.
A. Emails, drained: the worker's consumers of both queues are cancelled (Celery remote
   control), the same kind of changes are made, so their drain tasks wait in the broker (a few:
   the commits coalesce on the slots) and their deliveries in the database; then the consumers
   are added back, and the clock runs from that command until the broker's queues and unacked
   set are empty. A drain stops only when its claim finds no due row, and is acknowledged after
   it returns (acks_late): idle means every drain done, so every email sent and its outcome
   committed (the sink's arrivals and the `sent` check below confirm it). Rate: emails ÷ that
   window.
B. No-ops, drained: as many tasks of `bench.noop` (it does nothing), enqueued from here while
   the worker is not consuming, timed the same way.

Every part checks that the sink got each Message-ID exactly once and that every delivery is
`sent`. New PostgreSQL sessions: `pg_stat_database.sessions` of the bench database before and
after each part (read on this process's own connection, after the stats are flushed), divided
by the emails delivered (the drains run far fewer Celery tasks than that: the worker's log
counts them) or, for the no-ops, by the tasks.
"""

import asyncio
import bisect
import contextlib
import os
import re
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import shared_task

NOOP = "bench.noop"
QUEUES = ("email", "default")
DRAIN_DONE = re.compile(r"Task notifications\.drain\[[^\]]*\] succeeded")
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)
PRODUCERS = 2  # forked processes making a backlog: one per core of the bench machine
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
        at = time.time()
        # A search, not the email parser: the sink shares the cores with what it measures.
        head = (envelope.original_content or envelope.content).split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        message_id = found.group(1).decode("ascii", "replace") if found else ""
        self.out.write(f"{at:.6f}\t{message_id}\n")
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
    """This process's CPU and its reaped children's (the forked producers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def broker_idle(client: Any) -> bool:
    """No task waiting in a queue or held unacknowledged by the worker (one round trip)."""
    with client.pipeline(transaction=False) as pipe:
        waiting, emails, unacked = pipe.llen("default").llen("email").hlen("unacked").execute()
    return not waiting and not emails and not unacked


def wait_idle(client: Any, bound: float) -> float | None:
    """Wall time at which the broker was first seen idle, or None past `bound` (monotonic)."""
    while not broker_idle(client):
        if time.monotonic() > bound:
            return None
        time.sleep(0.01)
    return time.time()


def consuming(app: Any, on: bool) -> None:
    """Add back (or cancel) the worker's consumers of its queues; what it holds, it finishes."""
    call = app.control.add_consumer if on else app.control.cancel_consumer
    for queue in QUEUES:
        # limit=1: return on the (one) worker's reply instead of waiting out the timeout
        if not call(queue, reply=True, timeout=10, limit=1):
            raise RuntimeError(f"the worker did not answer {call.__name__}({queue!r})")


def group_cpu(pgid: int) -> float:
    """CPU seconds of the live processes of a process group (the worker and its pool)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


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


def run_changes(pairs: list[tuple[Any, Any]]) -> list[float]:
    """Each (learner, offering) enrolls in order (an offering's first half seated, the rest
    waitlisted), then the seated drop (each promotes the first in line). Returns the commit time
    of each change, in order."""
    from django.db import transaction

    from enrollment import services
    from enrollment.models import Status

    stamps: list[float] = []

    def change(call: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            transaction.on_commit(lambda: stamps.append(time.time()))  # runs first after commit
            return call(**kwargs)

    made = [
        change(services.enrollment_create, learner=person, offering=offering, actor=person)
        for person, offering in pairs
    ]
    for enrollment in made:
        if enrollment.status == Status.ENROLLED:
            change(services.enrollment_drop, enrollment=enrollment, actor=enrollment.learner)
    return stamps


def _changes_of_ids(pairs: list[tuple[int, int]]) -> list[float]:
    """run_changes() in a forked producer, from ids (it opens its own connections)."""
    from django.db import connections

    from accounts.models import User
    from courses.models import Offering

    try:
        people = User.objects.in_bulk({learner for learner, _ in pairs})
        offerings = Offering.objects.in_bulk({offering for _, offering in pairs})
        return run_changes([(people[lr], offerings[of]) for lr, of in pairs])
    finally:
        connections.close_all()


def run_changes_in_parallel(pairs: list[tuple[Any, Any]], producers: int) -> list[float]:
    """run_changes() split by offering over `producers` forked processes (each offering's
    arrivals stay in one process, in order): a backlog made with the worker paused is made as
    fast as the machine allows. Commit times of all of them, sorted."""
    import multiprocessing

    from django.db import connections

    offerings = sorted({offering.pk for _, offering in pairs})
    share = {pk: n % producers for n, pk in enumerate(offerings)}
    parts = [
        [(person.pk, offering.pk) for person, offering in pairs if share[offering.pk] == part]
        for part in range(producers)
    ]
    connections.close_all()  # no connection may be shared with a child
    with multiprocessing.get_context("fork").Pool(producers) as pool:
        stamps = [at for part in pool.map(_changes_of_ids, parts) for at in part]
    return sorted(stamps)


@dataclass
class Batch:
    """One set of changes made here: when each committed, and the messages they must give."""

    changes: int  # asked for
    first_id: int  # the batch's notifications come after this one
    stamps: list[float]  # commit times, in order
    commit_of: dict[str, float]  # Message-ID → the commit of its notification
    notifications: int
    seconds: float
    cpu: float


def make_batch(
    seeded: Any, learner_ids: list[int], changes: int, label: str, *, producers: int = 1
) -> Batch:
    from django.conf import settings

    from accounts.models import User
    from notifications.models import Notification

    learners = list(User.objects.filter(pk__in=learner_ids).order_by("pk"))
    offerings = make_offerings(seeded, learner_ids, changes // 4, label)
    first_id = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    pairs = [(person, offerings[i % len(offerings)]) for i, person in enumerate(learners)]
    cpu, started = cpu_seconds(), time.time()
    stamps = run_changes_in_parallel(pairs, producers) if producers > 1 else run_changes(pairs)
    seconds, cpu = time.time() - started, cpu_seconds() - cpu
    rows = list(Notification.objects.filter(pk__gt=first_id).values_list("public_id", "created_at"))
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN
    commit_of = {}
    for public_id, created in rows:
        index = bisect.bisect_left(stamps, created.timestamp())
        commit_of[f"<{public_id}.email@{domain}>"] = stamps[min(index, len(stamps) - 1)]
    return Batch(changes, first_id, stamps, commit_of, len(rows), seconds, cpu)


@dataclass
class Tally:
    """What reached the sink for a batch, and the state of its deliveries."""

    arrived: dict[str, float]  # Message-ID → arrival
    missing: int
    repeats: int
    stray: int
    states: Counter[str]


def tally(mailbox: Path, seen: int, batch: Batch, bound: float) -> Tally:
    """Wait (until `bound`, monotonic) for every message of the batch; count what came."""
    from notifications.models import Delivery

    expected = set(batch.commit_of)
    while True:
        got = received(mailbox)[seen:]
        if {m for _, m in got} >= expected or time.monotonic() > bound:
            break
        time.sleep(0.1)
    counts = Counter(m for _, m in got)
    states = Counter(
        Delivery.objects.filter(notification_id__gt=batch.first_id).values_list("state", flat=True)
    )
    return Tally(
        arrived={m: at for at, m in got if m in expected},
        missing=len(expected - set(counts)),
        repeats=sum(c - 1 for c in counts.values()),
        stray=len(set(counts) - expected),
        states=states,
    )


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

    from notifications import services as notifications
    from notifications.models import Delivery

    from . import services
    from .loadgen import Measurement
    from .tables import Ratio, Round, ScenarioResult

    changes = 300 if quick else 5000  # per drain
    paced = 100 if quick else 1000  # the latency run
    result = ScenarioResult(
        "Notifications",
        f"{changes:,} enrollment changes (enroll, waitlist, drop, promote) through "
        "enrollment.services, each a notification and one email, made while the Celery worker "
        "(production flags: -Q email,default --concurrency 4) is not consuming, then drained "
        f"by it to an SMTP sink on 127.0.0.1, against {changes:,} no-op tasks drained the same "
        f"way; latency from {paced:,} changes made with the worker consuming (first round).",
        unit="emails or tasks/s",
    )
    sink_port = services.spare_port()
    mailbox = work / "sink.txt"
    sink = processes.start(
        "smtp-sink",
        [sys.executable, "-m", "bench.notify", str(sink_port), str(mailbox)],
        env=dict(os.environ),
        log=work / "sink.log",
    )
    broker = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    # Tasks the earlier scenarios queued (the rush's notifications: no worker ran then) would be
    # drained first and counted against the latency run. They go, before the worker starts.
    left = sum(broker.llen(queue) for queue in QUEUES)
    broker.delete(*QUEUES, "unacked", "unacked_index")
    if left:
        result.notes.append(f"{left:,} tasks left in the broker by earlier scenarios, purged")
    # Their deliveries too: a drain sends every due email, so the latency run's first would
    # send them all (strays at the sink); and their drains' wake-up slots would still be held.
    stale = Delivery.objects.filter(state__in=Delivery.DUE).update(
        state=Delivery.State.SKIPPED, last_error="left due by an earlier bench scenario"
    )
    notifications.drainers_reset(channel="email")
    if stale:
        result.notes.append(f"{stale:,} deliveries left due by earlier scenarios, set skipped")
    worker_log = work / "celery.log"
    worker_env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}"}
    worker = processes.start(
        "celery",
        [str(services.VENV_BIN / "celery"), *WORKER_ARGV, "--include", "bench.notify"],
        env=worker_env,
        log=worker_log,
    )
    app = noop.app
    pool = list(reversed(seeded.learners))  # from the end of the seeded range (rush: the start)

    def learners(count: int) -> list[int]:
        nonlocal pool
        taken, pool = pool[: count // 2], pool[count // 2 :]
        return taken

    def drains_run() -> int:
        """Drain tasks the worker has finished so far (its log names each one it ran)."""
        if not worker_log.exists():
            return 0
        text = worker_log.read_text(encoding="utf-8", errors="replace")
        return len(DRAIN_DONE.findall(text))

    def checked(number: int, part: str, batch: Batch, got: Tally) -> None:
        pairs = batch.changes // 4  # three transactions and four notifications a pair
        if len(batch.stamps) != 3 * pairs or batch.notifications != batch.changes:
            result.failures.append(
                f"round {number + 1} {part}: {len(batch.stamps)} transactions, "
                f"{batch.notifications} notifications (expected {3 * pairs} and {batch.changes})"
            )
        if got.missing or got.repeats or got.stray:
            result.failures.append(
                f"round {number + 1} {part}: {got.missing} messages missing, {got.repeats} "
                f"repeated, {got.stray} unexpected"
            )
        if set(got.states) != {"sent"}:
            result.failures.append(f"round {number + 1} {part}: deliveries {dict(got.states)}")

    def latency_run(number: int) -> tuple[Measurement, list[float], int]:
        seen = len(received(mailbox))
        drains = drains_run()
        before = sessions(database)
        batch = make_batch(seeded, learners(paced), paced, f"L{number}")
        bound = time.monotonic() + ROUND_BOUND_SECONDS
        got = tally(mailbox, seen, batch, bound)
        wait_idle(broker, bound)
        new_sessions = sessions(database) - before
        got.states = tally(mailbox, seen, batch, bound).states  # after every commit
        checked(number, "latency", batch, got)
        latency = [(at - batch.commit_of[m]) * 1000 for m, at in got.arrived.items()]
        last = max(got.arrived.values(), default=0.0)
        window = (last - batch.stamps[0]) if got.arrived else 0.0
        return (
            Measurement(
                name="emails as made (latency)",
                requests=len(got.arrived),
                seconds=window,
                throughput=len(got.arrived) / window if window else 0.0,
                latency_ms=percentiles(latency),
                statuses=dict(got.states),
                errors={"missing": got.missing, "repeats": got.repeats, "stray": got.stray},
                generator_cpu_seconds=batch.cpu,
                generator_cores=batch.cpu / batch.seconds if batch.seconds else 0.0,
                valid=True,
                notes=[
                    f"{batch.notifications} changes ({len(batch.stamps)} transactions) made in "
                    f"{batch.seconds:.1f} s ({batch.notifications / batch.seconds:,.0f}/s) by "
                    "this process with the worker consuming: the rate is the producer's (the "
                    "application's own service, so its CPU does not invalidate the run); last "
                    f"message {last - batch.stamps[-1]:.2f} s after the last commit; "
                    f"{new_sessions} new PostgreSQL sessions; {drains_run() - drains} drain tasks"
                ],
            ),
            latency,
            new_sessions,
        )

    def drain(
        name: str, tasks: int, *, notes: list[str], each: str = "task"
    ) -> tuple[Measurement, float, float]:
        """Let the worker consume what waits in the broker; time it until the broker is idle."""
        cpu, worker_cpu, sink_cpu = (
            cpu_seconds(),
            group_cpu(worker.popen.pid),
            group_cpu(sink.popen.pid),
        )
        drains = drains_run()
        begun = time.time()
        consuming(app, True)
        finished = wait_idle(broker, time.monotonic() + ROUND_BOUND_SECONDS)
        if finished is None:
            result.failures.append(f"{name}: the broker was not idle in time")
            finished = time.time()
        window = finished - begun
        cpu = cpu_seconds() - cpu
        worker_cpu = group_cpu(worker.popen.pid) - worker_cpu
        sink_cpu = group_cpu(sink.popen.pid) - sink_cpu
        drains = drains_run() - drains
        notes.append(
            f"drained in {window:.2f} s; worker CPU {worker_cpu / tasks * 1000:.2f} ms per {each} "
            f"({worker_cpu / window:.2f} cores), SMTP sink {sink_cpu / window:.2f} cores"
            + (f"; {drains} drain tasks, {tasks / drains:,.0f} emails each" if drains else "")
        )
        measurement = Measurement(
            name=name,
            requests=tasks,
            seconds=window,
            throughput=tasks / window if window else 0.0,
            latency_ms={},
            statuses={},
            errors={},
            generator_cpu_seconds=cpu,  # the polling of the broker: nothing else runs here
            generator_cores=cpu / window if window else 0.0,
            valid=cpu / window <= 0.5 if window else False,
            notes=notes,
        )
        return measurement, begun, finished

    def drained_emails(number: int) -> tuple[Measurement, int]:
        seen = len(received(mailbox))
        before = sessions(database)
        consuming(app, False)
        batch = make_batch(seeded, learners(changes), changes, f"N{number}", producers=PRODUCERS)
        early = len(received(mailbox)) - seen
        measurement, begun, _ = drain(
            "emails (drained)",
            batch.notifications,
            each="email",
            notes=[
                f"{batch.notifications} changes ({len(batch.stamps)} transactions) made in "
                f"{batch.seconds:.1f} s by {PRODUCERS} forked producers with the worker not "
                f"consuming ({batch.cpu:.1f} s of CPU; {early} messages sent before the drain)"
            ],
        )
        got = tally(mailbox, seen, batch, time.monotonic() + ROUND_BOUND_SECONDS)
        new_sessions = sessions(database) - before
        checked(number, "drain", batch, got)
        last = max(got.arrived.values(), default=begun)
        measurement.requests = sum(1 for at in got.arrived.values() if at >= begun)
        measurement.throughput = measurement.requests / measurement.seconds
        measurement.statuses = dict(got.states)
        measurement.errors = {"missing": got.missing, "repeats": got.repeats, "stray": got.stray}
        measurement.notes.append(
            f"last message at the sink {last - begun:.2f} s after the drain began; "
            f"{new_sessions} new PostgreSQL sessions"
        )
        return measurement, new_sessions

    def drained_noops(number: int) -> tuple[Measurement, int]:
        before = sessions(database)
        consuming(app, False)
        cpu, started = cpu_seconds(), time.time()
        for _ in range(changes):
            noop.apply_async(queue="default")
        enqueued, cpu = time.time() - started, cpu_seconds() - cpu
        measurement, _, _ = drain(
            "no-op tasks (drained)",
            changes,
            notes=[f"enqueued in {enqueued:.1f} s ({cpu:.1f} s of CPU) with the worker paused"],
        )
        new_sessions = sessions(database) - before
        measurement.notes.append(f"{new_sessions} new PostgreSQL sessions")
        return measurement, new_sessions

    try:
        wait_for_log(worker_log, " ready.", worker, 60)
        # Every pool process up and importing what the tasks need, before measuring.
        for _ in range(40):
            noop.apply_async(queue="default")
        wait_idle(broker, time.monotonic() + 30)

        emails_rate, noop_sessions, per_email = [], [], []
        all_lat: list[float] = []
        for number in range(rounds):
            current: Round = {}
            paced_sessions, paced_emails = 0, 0
            if number == 0:  # the latency, once: its rate is the producer's, not a ratio's
                paced_run, latency, paced_sessions = latency_run(number)
                paced_emails = paced
                all_lat += latency
                current[paced_run.name] = paced_run
            order = ("emails", "noops") if number % 2 == 0 else ("noops", "emails")
            for part in order:
                if part == "emails":
                    emails, email_sessions = drained_emails(number)
                    current[emails.name] = emails
                else:
                    nothing, none_sessions = drained_noops(number)
                    current[nothing.name] = nothing
            result.rounds.append(current)
            emails_rate.append(emails.throughput / nothing.throughput)
            per_email.append((email_sessions + paced_sessions) / (changes + paced_emails))
            noop_sessions.append(none_sessions / changes)
            print(
                f"  notify round {number + 1}/{rounds} ({' then '.join(order)}): emails "
                f"{emails.throughput:,.0f}/s, no-ops {nothing.throughput:,.0f}/s, ratio "
                f"{emails_rate[-1]:.3f}; sessions per email {per_email[-1]:.3f}",
                flush=True,
            )
    finally:
        with contextlib.suppress(Exception):
            broker.close()
        for name in ("celery", "smtp-sink"):
            for process in [p for p in processes.items if p.name == name]:
                processes.stop(process)

    result.ratios = [
        Ratio("emails/s ÷ no-op tasks/s (both drained)", emails_rate, 0.50),
        Ratio("new PostgreSQL sessions per email delivered", per_email, 0.05, at_most=True),
        Ratio("new PostgreSQL sessions per task (no-ops)", noop_sessions, 0.05, at_most=True),
    ]
    p95 = percentiles(all_lat).get("p95", float("nan"))
    print(f"  p95 commit to sink (worker consuming): {p95:,.0f} ms", flush=True)
    result.checks["messages arrived exactly once, every delivery sent"] = not any(
        "missing" in f or "repeated" in f or "deliveries" in f for f in result.failures
    )
    result.checks["p95 commit → delivery, all rounds (ms)"] = f"{p95:,.0f}"
    result.checks["CONN_MAX_AGE, CONN_HEALTH_CHECKS"] = (
        f"{settings.DATABASES['default']['CONN_MAX_AGE']}, "
        f"{settings.DATABASES['default'].get('CONN_HEALTH_CHECKS', False)}"
    )
    result.notes.append(
        "Both drains are timed the same way: from the command that adds the worker's consumers "
        "back to the first poll (every 10 ms) that finds the broker's queues and unacked set "
        "empty, so every task is done and acknowledged; the tasks waited in the broker, made "
        "while the worker was not consuming. Emails go many to a Celery task (a drain claims "
        "20 due deliveries at a time until none is left), so the email side runs far fewer "
        "tasks than emails; its rate and its sessions are per email. Latency comes from the run "
        "with the worker consuming, in the first round (its rate is the producer's). The "
        f"backlogs of emails are made by {PRODUCERS} forked producer processes (the worker "
        "paused, so the machine is theirs). The median of the per-round ratios is the figure."
    )
    return result


if __name__ == "__main__":
    serve_sink(int(sys.argv[1]), Path(sys.argv[2]))
