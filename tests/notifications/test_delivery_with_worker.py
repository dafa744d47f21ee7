"""Delivery through a real Celery worker on a redis-server of the test's own, on PostgreSQL.

Each test starts its own redis-server (a spare port on 127.0.0.1) and worker subprocess, so it
can stop the broker or kill the worker mid-run; the worker writes every mail it sends as one line
(tests/mailbox.py), so "delivered once" is counted at the receiving end, by Message-ID.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from config.celery import app as celery_app
from enrollment import services
from enrollment.models import EnrollmentEvent, Status
from notifications import services as notifications
from notifications import tasks
from notifications.models import Delivery, Notification
from tests.factories import InstitutionFactory, OfferingFactory, UserFactory
from tests.workers import RedisServer, Worker, use_broker

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    server = RedisServer().start()
    eager, url = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    use_broker(celery_app, server.url)
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.task_always_eager = eager
        use_broker(celery_app, url)


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    return tmp_path / "mailbox.txt"


@pytest.fixture
def worker(broker: RedisServer, mailbox: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        running = Worker(
            broker.url,
            TEST_EMAIL_BACKEND="tests.mailbox.EmailBackend",
            MAILBOX_PATH=str(mailbox),
            **env,
        ).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def received(mailbox: Path) -> Counter[str]:
    if not mailbox.exists():
        return Counter()
    lines = mailbox.read_text(encoding="utf-8").splitlines()
    return Counter(line.split("\t", 1)[0] for line in lines if line)


def expected_ids() -> set[str]:
    return {
        f"<{public_id}.email@yuchuang.local>"
        for public_id in Notification.objects.values_list("public_id", flat=True)
    }


def wait_until_sent(
    mailbox: Path, *, timeout: float, sweep_every: float | None = None, workers: Any = ()
) -> float:
    """Wait until every delivery is sent (running the sweep like beat would). Returns seconds."""
    started = time.monotonic()
    last_sweep = 0.0
    while Delivery.objects.exclude(state="sent").exists():
        elapsed = time.monotonic() - started
        assert elapsed < timeout, (
            f"not all sent in {timeout} s: "
            f"{Counter(Delivery.objects.values_list('state', flat=True))}"
        )
        for running in workers:
            assert running.alive(), "the worker died"
        if sweep_every is not None and time.monotonic() - last_sweep >= sweep_every:
            notifications.deliveries_sweep()
            last_sweep = time.monotonic()
        time.sleep(0.2)
    return time.monotonic() - started


def rush(learners: list[Any], offerings: list[Any]) -> list[Any]:
    return [
        services.enrollment_create(
            learner=person, offering=offerings[i % len(offerings)], actor=person
        )
        for i, person in enumerate(learners)
    ]


def test_a_thousand_changes_give_exactly_the_messages_due_each_delivered_once(worker, mailbox):
    running = worker()
    institution = InstitutionFactory()
    offerings = [
        OfferingFactory(course__institution=institution, capacity=10, waitlist_capacity=10)
        for _ in range(25)
    ]
    learners = UserFactory.create_batch(500)
    started = time.monotonic()
    enrollments = rush(learners, offerings)  # 250 enrolled, 250 waitlisted
    seated = [e for e in enrollments if e.status == Status.ENROLLED]
    assert len(seated) == 250
    for enrollment in seated:  # 250 drops, each promoting the first in line: 500 changes
        services.enrollment_drop(enrollment=enrollment, actor=enrollment.learner)
    changed = time.monotonic() - started
    assert EnrollmentEvent.objects.count() == 1000
    waited = wait_until_sent(mailbox, timeout=240, workers=[running])
    events = Counter(Notification.objects.values_list("event", flat=True))
    assert events == {
        "enrollment.enrolled": 250,
        "enrollment.waitlisted": 250,
        "enrollment.dropped": 250,
        "enrollment.promoted": 250,
    }
    got = received(mailbox)
    assert set(got) == expected_ids()
    assert set(got.values()) == {1}, [k for k, v in got.items() if v > 1][:5]
    print(
        f"\n1,000 changes made in {changed:.1f} s; all {len(got)} messages delivered "
        f"{waited:.1f} s after the last change, each once"
    )


def test_with_a_shared_cache_commits_wake_at_most_the_slots_drains(
    worker, mailbox, broker, settings
):
    """The test and its worker share a Redis cache, as web and mail workers do: commits made
    while the worker is busy wake at most NOTIFICATIONS_DRAIN_SLOTS drains, and every mail
    still arrives once."""
    cache_url = broker.url.rsplit("/", 1)[0] + "/1"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}
    }
    running = worker(MAILBOX_DELAY="0.02", TEST_CACHE_URL=cache_url)  # slow mail: a busy worker
    offerings = [OfferingFactory(capacity=100, waitlist_capacity=0) for _ in range(2)]
    rush(UserFactory.create_batch(4), offerings)
    wait_until_sent(mailbox, timeout=60, workers=[running])  # the worker is up and consuming
    woken = mock.patch.object(tasks.drain, "apply_async", wraps=tasks.drain.apply_async)
    with woken as published:
        rush(UserFactory.create_batch(80), offerings)
    waited = wait_until_sent(mailbox, timeout=120, workers=[running])
    got = received(mailbox)
    assert set(got) == expected_ids()
    assert set(got.values()) == {1}
    slots = [call.args[0][1] for call in published.call_args_list]
    assert set(slots) <= set(range(settings.NOTIFICATIONS_DRAIN_SLOTS)), slots
    assert len(slots) < 80, "no commit found every slot held"
    print(f"\n80 commits woke {len(slots)} drains; all delivered {waited:.1f} s later, each once")


def test_a_broker_outage_delays_messages_and_loses_none(broker, worker, mailbox):
    running = worker()
    offerings = [OfferingFactory(capacity=20, waitlist_capacity=20) for _ in range(4)]
    rush(UserFactory.create_batch(10), offerings)
    wait_until_sent(mailbox, timeout=60, workers=[running])

    broker.stop()  # the broker dies; people go on enrolling
    started = time.monotonic()
    during = rush(UserFactory.create_batch(60), offerings)
    made = time.monotonic() - started
    assert Counter(e.status for e in during) == {Status.ENROLLED: 60}  # the outage hurt no one
    stranded = Delivery.objects.filter(state="pending", queued_at__isnull=True).count()
    assert stranded == 60  # none reached the broker: all are left for the sweep
    assert len(received(mailbox)) == 10

    broker.start()  # same port; the worker reconnects by itself
    waited = wait_until_sent(mailbox, timeout=120, sweep_every=2.0, workers=[running])
    got = received(mailbox)
    assert set(got) == expected_ids()
    assert set(got.values()) == {1}
    print(
        f"\n60 changes during the outage took {made:.1f} s; all delivered {waited:.1f} s "
        "after the broker came back, each once"
    )


def test_a_worker_killed_mid_delivery_loses_nothing(worker, mailbox, settings):
    settings.OUTBOX_REDISPATCH_AFTER = 3  # the sweep may hand a lost task over after 3 s
    first = worker(MAILBOX_DELAY="0.25")
    offerings = [OfferingFactory(capacity=50, waitlist_capacity=0) for _ in range(2)]
    rush(UserFactory.create_batch(40), offerings)
    deadline = time.monotonic() + 60
    while len(received(mailbox)) < 5:
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.05)
    time.sleep(0.1)  # well inside the next send's 0.25 s
    first.kill()
    at_kill = len(received(mailbox))
    assert 0 < at_kill < 40
    second = worker()
    waited = wait_until_sent(mailbox, timeout=120, sweep_every=1.0, workers=[second])
    got = received(mailbox)
    assert set(got) == expected_ids()  # nothing lost
    repeats = sum(count - 1 for count in got.values())
    # A repeat is possible only if the kill fell between the mail leaving and the commit; it
    # carries the same Message-ID, so the receiving side can drop it. A drain commits a batch's
    # outcomes together, so the kill above (in a send's sleep, inside a batch) repeats the mails
    # its batch had sent before it, and nothing else: fewer than a batch, each once more.
    assert repeats < notifications.DRAIN_BATCH, got.most_common(3)
    assert set(got.values()) <= {1, 2}
    print(
        f"\nworker killed after {at_kill} of 40 mails; the rest arrived {waited:.1f} s later "
        f"({repeats} sent again, from the batch the kill interrupted)"
    )
