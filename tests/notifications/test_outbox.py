"""The outbox rules: a delivery is sent once, retried with backoff, never lost, prunable."""

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import outbox, services, tasks
from notifications.models import Delivery, Notification
from partners.models import IdempotencyRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def publish_one(**data: Any) -> Delivery:
    """One transactional message, its commit hooks never run (as if the broker missed it)."""
    with transaction.atomic():
        services.publish(
            event="enrollment.enrolled",
            recipients=[UserFactory(preferred_language="en")],
            data={"course_code": "IE101", "course_title_en": "Design thinking", **data},
        )
    return Delivery.objects.latest("pk")


def later(**delta: float) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(**delta))


def test_a_delivery_is_sent_once_however_often_its_task_runs():
    delivery = publish_one()
    assert services.delivery_send(delivery.pk) == "sent"
    assert services.delivery_send(delivery.pk) == "not due"
    assert tasks.deliver.delay(delivery.pk).get() == "not due"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_sending_is_two_statements_the_lock_and_one_update():
    """The lock reads what the email needs (only those columns); nothing else is read later."""
    delivery = publish_one()
    with CaptureQueriesContext(connection) as captured:
        assert services.delivery_send(delivery.pk) == "sent"
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
    ]
    assert [sql.split()[0] for sql in statements] == ["SELECT", "UPDATE"], statements
    assert '"accounts_user"."password"' not in statements[0]
    assert len(mail.outbox) == 1


def test_a_failure_is_retried_with_backoff_then_sent(settings):
    delivery = publish_one()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")):
        assert services.delivery_send(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert "OSError: down" in delivery.last_error
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < wait <= timedelta(minutes=1)  # half to all of the first step
    assert delivery.queued_at is None
    # Not due yet: neither the task nor the sweep touch it.
    assert services.delivery_send(delivery.pk) == "not due"
    assert services.deliveries_sweep() == 0
    with later(minutes=2):
        assert services.deliveries_sweep() == 1  # eager: the task ran
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_backoff_grows_and_is_capped():
    policy = outbox.RetryPolicy(
        base=timedelta(seconds=30), cap=timedelta(hours=4), window=timedelta(days=1)
    )
    for attempt, ceiling in [(1, 30), (2, 60), (5, 480), (12, 4 * 3600), (30, 4 * 3600)]:
        delays = {policy.delay(attempt).total_seconds() for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays)
        assert len(delays) > 1  # jitter


def test_a_delivery_that_keeps_failing_dies_after_a_day():
    delivery = publish_one()
    failing = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("x"))
    with failing:
        assert services.delivery_send(delivery.pk) == "failed"  # the window starts here
        with later(hours=24):
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            assert services.delivery_send(delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("dead", 2)
    with later(days=2):
        assert services.deliveries_sweep() == 0


def test_the_broker_being_down_leaves_rows_for_the_sweep(django_capture_on_commit_callbacks):
    down = ConnectionError("no broker")
    with (
        mock.patch.object(tasks.drain, "apply_async", side_effect=down) as woken,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        services.publish(
            event="enrollment.enrolled",
            recipients=[UserFactory(), UserFactory()],
            data={"course_code": "IE101"},
        )
    woken.assert_called_once_with(("email", 0), queue="email", retry=False)
    assert mail.outbox == []
    assert list(Delivery.objects.values_list("state", "queued_at")) == [("pending", None)] * 2
    assert cache.get("notifications:drain:email:0") is None  # the slot was given back
    with mock.patch.object(tasks.drain, "apply_async") as drain:
        assert services.deliveries_sweep() == 2  # the sweep hands each row to `deliver`
    drain.assert_not_called()
    assert sorted(Delivery.objects.values_list("state", flat=True)) == ["sent", "sent"]
    assert len(mail.outbox) == 2


def test_the_sweep_leaves_fresh_hand_offs_alone_and_repeats_stale_ones(settings):
    delivery = publish_one()  # queued_at set: its task is (as far as we know) on its way
    assert services.deliveries_sweep() == 0
    with later(seconds=settings.OUTBOX_REDISPATCH_AFTER + 1):
        assert services.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.state == "sent"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_sending_is_skipped_not_sent_twice():
    import threading

    from django.db import connection

    with mock.patch.object(tasks.drain, "apply_async"):  # nobody sends it after commit
        delivery = publish_one()
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        assert services.delivery_send(delivery.pk) == "not due"  # SKIP LOCKED: no wait, no send
        assert mail.outbox == []
    finally:
        release.set()
        thread.join()
    assert services.delivery_send(delivery.pk) == "sent"
    assert len(mail.outbox) == 1


def test_an_inactive_recipient_is_skipped_not_retried():
    delivery = publish_one()
    delivery.notification.recipient.is_active = False
    delivery.notification.recipient.save()
    assert services.delivery_send(delivery.pk) == "skipped"
    assert mail.outbox == []


def test_an_unknown_channel_gives_up():
    delivery = publish_one()
    Delivery.objects.filter(pk=delivery.pk).update(channel="pigeon")
    assert services.delivery_send(delivery.pk) == "dead"


def test_staff_retry_sends_a_dead_delivery_again(superuser, client):
    delivery = publish_one()
    Delivery.objects.filter(pk=delivery.pk).update(state="dead", attempts=9, last_error="x")
    client.force_login(superuser)
    response = client.post(
        "/en/admin/notifications/delivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    # The admin's request ran in the test's transaction: the hook did not run; the row is due.
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("pending", 0, "")
    assert services.delivery_send(delivery.pk) == "sent"
    assert client.get("/en/admin/notifications/delivery/").status_code == 200
    assert client.get(f"/en/admin/notifications/delivery/{delivery.pk}/change/").status_code == 200
    assert (
        client.get(
            f"/en/admin/notifications/notification/{delivery.notification_id}/change/"
        ).status_code
        == 200
    )


def test_only_superusers_see_deliveries_in_the_admin(client, make_staff):
    from tests.factories import InstitutionFactory

    staff = make_staff(InstitutionFactory(), "admin")
    client.force_login(staff)
    assert client.get("/en/admin/notifications/delivery/").status_code == 403


def test_pruning_forgets_only_what_is_old_and_finished(settings):
    old_sent = publish_one()
    services.delivery_send(old_sent.pk)
    old_pending = publish_one()
    fresh = publish_one()
    services.delivery_send(fresh.pk)
    long_ago = timezone.now() - timedelta(days=settings.NOTIFICATIONS_DELIVERY_RETENTION_DAYS + 1)
    Delivery.objects.filter(pk__in=[old_sent.pk, old_pending.pk]).update(updated_at=long_ago)
    IdempotencyRecord.objects.create(
        client="c", key="old", method="POST", path="/", request_hash="h"
    )
    IdempotencyRecord.objects.create(
        client="c", key="new", method="POST", path="/", request_hash="h"
    )
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=49)
    )
    assert services.prune() == {"deliveries": 1, "notifications": 0}
    assert set(Delivery.objects.values_list("pk", flat=True)) == {old_pending.pk, fresh.pk}
    Notification.objects.filter(pk=old_pending.notification_id).update(
        created_at=timezone.now() - timedelta(days=settings.NOTIFICATIONS_INBOX_RETENTION_DAYS + 1)
    )
    assert services.prune()["notifications"] == 0  # still owed a delivery: kept

    from partners import webhooks

    assert webhooks.prune()["idempotency_keys"] == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    # Twice is harmless.
    assert services.prune() == {"deliveries": 0, "notifications": 0}
    assert webhooks.prune()["idempotency_keys"] == 0


def test_quiet_hours_hold_until_eight_in_the_morning():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    for hour, expected in [
        (21, None),
        (22, datetime(2026, 11, 30, 8, tzinfo=shanghai)),
        (23, datetime(2026, 11, 30, 8, tzinfo=shanghai)),
        (7, datetime(2026, 11, 29, 8, tzinfo=shanghai)),
        (8, None),
    ]:
        at = datetime(2026, 11, 29, hour, 30, tzinfo=shanghai)
        assert outbox.hold_for_quiet_hours(at) == (expected or at), hour


def test_beat_schedule_names_real_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_retry_window_runs_from_the_first_attempt_not_from_writing():
    """A row held for the night, or retried by staff days later, still gets its retries."""
    delivery = publish_one()
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(days=3), state="dead", attempts=9
    )
    assert services.deliveries_retry(ids=[delivery.pk]) == 1
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("x")):
        assert services.delivery_send(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.first_attempt_at is not None
