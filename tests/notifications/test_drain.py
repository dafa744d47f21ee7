"""Drains: a commit of email deliveries wakes a drainer, which sends every due one in batches.

A drain claims DRAIN_BATCH due rows under their locks, sends each over the process's one SMTP
connection, records every outcome in one UPDATE and claims again until nothing is due. Commits
wake at most NOTIFICATIONS_DRAIN_SLOTS drainers at a time (the slots are cache keys).
"""

import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import channels, outbox, services, tasks
from notifications.models import Delivery, Preferences
from tests.factories import UserFactory
from tests.notifications.conftest import later, message_id, states

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
COURSE = {"course_code": "IE101", "course_title_en": "Design thinking"}


@pytest.fixture(autouse=True)
def _never_quiet(settings: Any) -> None:
    """Optional messages are due at once whatever the hour (one test sets quiet hours again)."""
    settings.NOTIFICATIONS_QUIET_HOURS = (3, 3)


def publish(count: int = 1, event: str = "enrollment.enrolled", **fields: Any) -> list[Delivery]:
    """`count` emails in one transaction; its commit hooks do not run (the test drains)."""
    with transaction.atomic():
        services.publish(
            event=event,
            recipients=UserFactory.create_batch(count, preferred_language="en", **fields),
            data=COURSE,
        )
    return list(Delivery.objects.order_by("-pk")[:count])[::-1]


def committed(capture: Any, count: int = 1) -> list[Delivery]:
    """publish() as a request would: its commit hooks run."""
    with capture(execute=True):
        return publish(count)


def statements(captured: CaptureQueriesContext) -> list[str]:
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")
    return [q["sql"].split()[0] for q in captured.captured_queries if not q["sql"].startswith(skip)]


# --- what a commit does ---------------------------------------------------------------------------


def test_a_commit_sends_its_emails_through_one_drain_not_a_task_each(
    django_capture_on_commit_callbacks,
):
    drain = mock.patch.object(tasks.drain, "apply_async", wraps=tasks.drain.apply_async)
    with mock.patch.object(tasks.deliver, "apply_async") as deliver, drain as woken:
        rows = committed(django_capture_on_commit_callbacks, 5)  # eager: the drain runs here
    deliver.assert_not_called()
    woken.assert_called_once_with(("email", 0), queue="email", retry=False)
    assert Counter(m.extra_headers["Message-ID"] for m in mail.outbox) == {
        message_id(row): 1 for row in rows
    }
    assert states() == ["sent"] * 5
    assert cache.get("notifications:drain:email:0") is None  # the drainer freed its slot


def test_many_commits_wake_at_most_slots_drains_until_one_starts(
    django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATIONS_DRAIN_SLOTS = 3
    with mock.patch.object(tasks.drain, "apply_async") as woken:  # published, not yet started
        for _ in range(10):
            committed(django_capture_on_commit_callbacks)
        assert [c.args[0] for c in woken.call_args_list] == [("email", n) for n in range(3)]
        # The drainer of slot 1 starts: it frees its slot first, then claims all ten rows.
        assert services.deliveries_drain(channel="email", slot=1) == 10
        assert states() == ["sent"] * 10
        committed(django_capture_on_commit_callbacks)  # after that: a drainer is woken again
        assert woken.call_args.args[0] == ("email", 1)
        committed(django_capture_on_commit_callbacks)
        assert woken.call_count == 4  # every slot held again
        # A drain message lost before it started only delays rows: its slot expires.
        expired = time.time() + services.SLOT_TTL + 1
        with mock.patch("django.core.cache.backends.locmem.time.time", return_value=expired):
            committed(django_capture_on_commit_callbacks)
        assert woken.call_args.args[0] == ("email", 0)
    assert len(mail.outbox) == 10


def test_a_broker_emptied_of_its_drains_has_its_slots_freed(django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.drain, "apply_async") as woken:
        for _ in range(5):
            committed(django_capture_on_commit_callbacks)
        assert woken.call_count == 4  # every slot held
        services.drainers_reset(channel="email")  # the queue was purged: those drains are gone
        committed(django_capture_on_commit_callbacks)
        assert woken.call_args.args[0] == ("email", 0)


def test_with_the_cache_down_every_commit_still_wakes_a_drainer(django_capture_on_commit_callbacks):
    from django.core.cache.backends.locmem import LocMemCache

    down = ConnectionError("cache unavailable")
    with (
        mock.patch.object(LocMemCache, "get_many", side_effect=[{}, down, down]),
        mock.patch.object(LocMemCache, "add", side_effect=down),
        mock.patch.object(LocMemCache, "delete", side_effect=down),
        mock.patch.object(tasks.drain, "apply_async", wraps=tasks.drain.apply_async) as woken,
    ):
        for _ in range(3):
            committed(django_capture_on_commit_callbacks)
    assert [c.args[0] for c in woken.call_args_list] == [("email", None)] * 3
    assert states() == ["sent"] * 3
    assert len(mail.outbox) == 3


def test_a_cache_each_process_has_for_itself_never_holds_back_a_wake_up(
    django_capture_on_commit_callbacks,
):
    """With a broker, a LocMemCache slot taken here is one no worker could free: no slots."""
    conf = tasks.drain.app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False
    try:
        with mock.patch.object(tasks.drain, "apply_async") as woken:
            for _ in range(6):
                committed(django_capture_on_commit_callbacks)
    finally:
        conf.task_always_eager = eager
    assert [c.args[0] for c in woken.call_args_list] == [("email", None)] * 6


def test_the_sweep_staff_retries_and_held_rows_still_go_through_deliver(
    django_capture_on_commit_callbacks,
):
    (row,) = publish()
    with mock.patch.object(tasks.deliver, "apply_async") as deliver:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.deliveries_retry(ids=[row.pk]) == 1
        deliver.assert_called_once_with((row.pk,), queue="email", retry=False)
        Delivery.objects.filter(pk=row.pk).update(queued_at=None)
        assert services.deliveries_sweep() == 1
    assert deliver.call_count == 2


# --- what a drain does ----------------------------------------------------------------------------


def test_one_drain_sends_a_backlog_in_batches_over_one_connection(smtp):
    server, _ = smtp
    rows = publish(2 * services.DRAIN_BATCH + 5)
    with CaptureQueriesContext(connection) as captured:
        assert services.deliveries_drain(channel="email") == len(rows)
    assert server.connections == 1
    assert server.accepted == [message_id(row) for row in rows]  # oldest first
    assert states() == ["sent"] * len(rows)
    # Per batch: the claim, the recipients' preferences, one UPDATE; then a claim finds none.
    assert statements(captured) == ["SELECT", "SELECT", "UPDATE"] * 3 + ["SELECT"]


def test_claiming_and_recording_a_batch_costs_the_same_whatever_its_size(
    django_assert_max_num_queries,
):
    counts = []
    for size in (2, services.DRAIN_BATCH):
        rows = publish(size, event="offering.announcement")  # announcements: preferences are read
        Preferences.objects.create(user=rows[0].notification.recipient, announcements=False)
        with CaptureQueriesContext(connection) as captured:
            assert services.deliveries_drain(channel="email") == size
        counts.append(statements(captured))
        assert Counter(states()[-size:]) == {"skipped": 1, "sent": size - 1}
    assert counts[0] == counts[1] == ["SELECT", "SELECT", "UPDATE", "SELECT"]
    publish(services.DRAIN_BATCH, event="offering.announcement")
    with django_assert_max_num_queries(8):  # the four above, in two savepoints
        services.deliveries_drain(channel="email")


def test_each_row_of_a_batch_gets_its_own_outcome():
    rows = publish(5, event="offering.announcement")
    inactive, turned_off, refused = (row.notification.recipient for row in rows[1:4])
    inactive.is_active = False
    inactive.save()
    Preferences.objects.create(user=turned_off, announcements=False)
    real = channels.build_email

    def build(delivery: Delivery) -> Any:
        if delivery.notification.recipient_id == refused.pk:
            raise OSError("mailbox unavailable")
        return real(delivery)

    with mock.patch.object(channels, "build_email", side_effect=build):
        assert services.deliveries_drain(channel="email") == 5
    assert states() == ["sent", "skipped", "skipped", "failed", "sent"]
    failed = Delivery.objects.get(pk=rows[3].pk)
    assert (failed.attempts, failed.queued_at) == (1, None)
    assert "OSError: mailbox unavailable" in failed.last_error
    assert failed.next_attempt_at > timezone.now()
    assert len(mail.outbox) == 2
    with later(minutes=2):  # its retry is due: the next drain (or the sweep) sends it
        assert services.deliveries_drain(channel="email") == 1
    assert Delivery.objects.get(pk=rows[3].pk).state == "sent"
    assert mail.outbox[-1].extra_headers["Message-ID"] == message_id(rows[3])


def test_a_connection_lost_mid_batch_fails_those_rows_and_their_retry_sends_each_once(smtp):
    server, _ = smtp
    rows = publish(6)
    server.fail_after = 2  # the third message: hung up on in the middle of DATA; the fourth: 451
    server.drop = server.refuse = 1
    assert services.deliveries_drain(channel="email") == 6
    assert states() == ["sent", "sent", "failed", "failed", "sent", "sent"]
    assert "SMTPServerDisconnected" in Delivery.objects.get(pk=rows[2].pk).last_error
    assert server.connections == 3  # neither broken connection was used again
    with later(minutes=2):
        assert services.deliveries_drain(channel="email") == 2
    assert states() == ["sent"] * 6
    # Each arrived once, under the Message-ID it had on its failed attempt too.
    assert Counter(server.accepted) == {message_id(row): 1 for row in rows}
    assert [Delivery.objects.get(pk=row.pk).attempts for row in rows] == [1, 1, 2, 2, 1, 1]


def test_a_row_held_for_quiet_hours_is_not_drained_early(settings):
    settings.NOTIFICATIONS_QUIET_HOURS = (22, 8)
    night = datetime(2026, 11, 29, 23, 30, tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=night):
        (held,) = publish(event="offering.starts_soon")  # a reminder: it waits for 08:00
        publish()  # transactional: due at once
        assert services.deliveries_drain(channel="email") == 1
    assert states() == ["pending", "sent"]
    morning = datetime(2026, 11, 30, 7, 59, tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=morning):
        assert services.deliveries_drain(channel="email") == 0
    with mock.patch("django.utils.timezone.now", return_value=morning + timedelta(minutes=2)):
        assert services.deliveries_drain(channel="email") == 1
    assert states() == ["sent", "sent"]
    assert mail.outbox[-1].extra_headers["Message-ID"] == message_id(held)


def test_a_drain_out_of_time_stops_claiming_and_wakes_another(monkeypatch):
    publish(5)
    monkeypatch.setattr(services, "DRAIN_BATCH", 2)
    start = time.monotonic()
    readings = iter([start, start, start + services.DRAIN_BUDGET + 1])
    monkeypatch.setattr(services, "time", SimpleNamespace(monotonic=lambda: next(readings)))
    with mock.patch.object(tasks.drain, "apply_async") as woken:
        assert services.deliveries_drain(channel="email", slot=0) == 2
    woken.assert_called_once_with(("email", 0), queue="email", retry=False)
    assert states() == ["sent", "sent", "pending", "pending", "pending"]


def test_a_batch_past_its_deadline_leaves_the_rest_due():
    rows = publish(3)
    done = outbox.attempt_batch(
        Delivery.objects.all(),
        lambda row: None,
        policy=services.EMAIL_RETRIES,
        limit=10,
        until=time.monotonic() - 1,
    )
    assert [row.pk for row in done] == [rows[0].pk]  # one row at least: progress
    assert states() == ["sent", "pending", "pending"]


def test_a_database_error_rolls_the_batch_back_and_propagates():
    from django.db import OperationalError

    publish(3)
    with (
        mock.patch.object(
            Delivery._default_manager, "bulk_update", side_effect=OperationalError("gone")
        ),
        pytest.raises(OperationalError),
    ):
        services.deliveries_drain(channel="email")
    assert states() == ["pending"] * 3  # still due: the task's retry (or the sweep) sends them
    assert services.deliveries_drain(channel="email") == 3


def test_an_unknown_channel_drains_nothing():
    publish()
    assert services.deliveries_drain(channel="pigeon", slot=0) == 0
    assert services.drainers_wake(channel="pigeon") is False
    assert states() == ["pending"]


# --- concurrency (PostgreSQL: SQLite has no row locks) --------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drainers_and_a_sweeps_deliver_send_each_email_exactly_once():
    with mock.patch.object(tasks.drain, "apply_async"):  # the commit wakes nobody
        rows = publish(60)
    start = threading.Barrier(3)
    attempted: dict[str, int] = {}

    def drainer(name: str) -> None:
        try:
            start.wait(10)
            attempted[name] = services.deliveries_drain(channel="email")
        finally:
            connection.close()

    def slowly(email: Any) -> None:
        time.sleep(0.005)  # long enough for the others to claim while a batch is sending
        email.send()

    threads = [threading.Thread(target=drainer, args=(name,)) for name in ("a", "b")]
    with mock.patch("notifications.mail.send", side_effect=slowly):
        for thread in threads:
            thread.start()
        start.wait(10)
        swept = [services.delivery_send(row.pk) for row in reversed(rows)]  # the sweep's tasks
        for thread in threads:
            thread.join(30)
    got = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
    assert got == {message_id(row): 1 for row in rows}
    assert states() == ["sent"] * 60
    assert attempted["a"] + attempted["b"] + swept.count("sent") == 60
    assert min(attempted.values()) > 0, attempted  # both drained, side by side
