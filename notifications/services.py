"""The one entry point other apps use to say that something happened and who should hear it.

`publish` writes, in the caller's transaction, the inbox rows and one delivery per channel, and
arranges for the deliveries to be handed to Celery once that transaction commits. If it rolls
back, nothing is sent. Everything else here is for the inbox pages, the jobs and the admin.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import outbox
from .channels import channels
from .messages import category_of, is_urgent
from .models import Delivery, Notification, Preferences

Item = tuple[str, Any, dict[str, Any]]  # (event, recipient or its id, data)


def _require_transaction(name: str) -> None:
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(f"{name}() must run inside a transaction.")


def publish_each(
    items: Iterable[Item], *, dedupe_keys: Iterable[str] | None = None
) -> list[Notification]:
    """Record many (event, recipient, data) at once, in the caller's transaction.

    Three queries whatever the count: the notifications, their deliveries, nothing else. With
    `dedupe_keys` (one per item), an item whose key its recipient already has is left out, so a
    scheduled job that runs twice sends once.
    """
    _require_transaction("publish_each")
    now = timezone.now()
    rows = []
    keys = iter(dedupe_keys) if dedupe_keys is not None else None
    for event, recipient, data in items:
        rows.append(
            Notification(
                event=event,
                category=category_of(event),
                recipient_id=getattr(recipient, "pk", recipient),
                data=data,
                dedupe_key=next(keys) if keys is not None else "",
            )
        )
    if keys is not None:
        rows = _not_sent_before(rows)
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows, batch_size=500)
    _plan_deliveries(created, now=now)
    return created


def publish(*, event: str, recipients: Iterable[Any], data: dict[str, Any]) -> list[Notification]:
    """Record `event` for each recipient (users or user ids) in the caller's transaction.

    Must run inside the transaction that made the change: if it rolls back, so does the news.
    `data` is JSON-serialisable and carries everything a message needs, so notifications never
    has to read the caller's models.
    """
    _require_transaction("publish")
    return publish_each((event, recipient, data) for recipient in recipients)


def _not_sent_before(rows: list[Notification]) -> list[Notification]:
    keyed = {(row.recipient_id, row.dedupe_key) for row in rows}
    taken = set(
        Notification.objects.filter(
            recipient_id__in={r for r, _ in keyed}, dedupe_key__in={k for _, k in keyed}
        ).values_list("recipient_id", "dedupe_key")
    )
    fresh, seen = [], set()
    for row in rows:
        key = (row.recipient_id, row.dedupe_key)
        if key not in taken and key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh


def _plan_deliveries(created: list[Notification], *, now: datetime) -> None:
    """One delivery per notification and channel; due ones go to Celery after commit."""
    deliveries = []
    for notification in created:
        if notification.recipient_id is None:
            continue
        due = now if is_urgent(notification.event) else outbox.hold_for_quiet_hours(now)
        for channel in channels().values():
            deliveries.append(
                Delivery(
                    notification=notification,
                    channel=channel.name,
                    next_attempt_at=due,
                    queued_at=now if due <= now else None,
                )
            )
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries, batch_size=500)
    queues = {name: channel.queue for name, channel in channels().items()}
    from .tasks import deliver

    outbox.on_commit_dispatch(
        Delivery,
        deliver,
        [(d.pk, queues[d.channel]) for d in deliveries if d.queued_at is not None],
    )


# --- delivery -------------------------------------------------------------------------------------

EMAIL_RETRIES = outbox.RetryPolicy(
    base=timedelta(minutes=1), cap=timedelta(hours=1), window=timedelta(hours=24)
)


DELIVERY_READS = (
    *(f.name for f in Delivery._meta.concrete_fields),
    *(f"notification__{name}" for name in ("public_id", "event", "category", "recipient", "data")),
    *(
        f"notification__recipient__{name}"
        for name in ("public_id", "email", "display_name", "preferred_language", "is_active")
    ),
)


def delivery_send(delivery_id: int) -> str:
    """Send one delivery now if it is due; safe to call twice (the second finds it sent)."""
    # Only the columns sending reads: the recipient's others (the password hash among them) cost
    # a conversion each, for every email. A test holds the task to its two statements.
    queryset = Delivery.objects.select_related("notification__recipient").only(*DELIVERY_READS)

    def send(delivery: Delivery) -> None:
        channel = channels().get(delivery.channel)
        if channel is None:
            raise outbox.GiveUp(f"unknown channel {delivery.channel}")
        channel.send(delivery)

    return outbox.attempt(queryset, delivery_id, send, policy=EMAIL_RETRIES)


def deliveries_sweep(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Hand over deliveries that are due but whose task never reached (or left) the broker."""
    from .tasks import deliver

    now = now or timezone.now()
    with transaction.atomic():
        ids = outbox.due_for_sweep(Delivery.objects.all(), now=now, limit=limit)
        queues = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "channel"))
    lanes = {name: channel.queue for name, channel in channels().items()}
    return outbox.dispatch(Delivery, deliver, [(pk, lanes.get(queues[pk], "email")) for pk in ids])


def deliveries_retry(*, ids: Iterable[int]) -> int:
    """Staff: send these again from scratch (dead, failed or skipped ones alike)."""
    from .tasks import deliver

    now = timezone.now()
    with transaction.atomic():
        rows = list(Delivery.objects.select_for_update().filter(pk__in=list(ids)))
        for row in rows:
            row.state, row.next_attempt_at, row.queued_at = Delivery.State.PENDING, now, now
            row.attempts, row.last_error, row.first_attempt_at = 0, "", None
        Delivery.objects.bulk_update(
            rows,
            ["state", "next_attempt_at", "queued_at", "attempts", "last_error", "first_attempt_at"],
        )
        lanes = {name: channel.queue for name, channel in channels().items()}
        outbox.on_commit_dispatch(
            Delivery, deliver, [(row.pk, lanes.get(row.channel, "email")) for row in rows]
        )
    return len(rows)


def prune(*, now: datetime | None = None) -> dict[str, int]:
    """Forget what is old: finished deliveries and read or old inbox items past retention."""
    now = now or timezone.now()
    finished = [Delivery.State.SENT, Delivery.State.SKIPPED, Delivery.State.DEAD]
    deliveries = outbox.delete_in_batches(
        Delivery.objects.filter(
            state__in=finished,
            updated_at__lt=now - timedelta(days=settings.NOTIFICATIONS_DELIVERY_RETENTION_DAYS),
        )
    )
    inbox = outbox.delete_in_batches(
        Notification.objects.filter(
            created_at__lt=now - timedelta(days=settings.NOTIFICATIONS_INBOX_RETENTION_DAYS)
        ).exclude(deliveries__state__in=Delivery.DUE)
    )
    return {"deliveries": deliveries, "notifications": inbox}


# --- the inbox and preferences -------------------------------------------------------------------


def inbox_mark_read(*, user: Any, public_ids: Iterable[Any] | None = None) -> int:
    """Mark some (or, with None, all) of the user's unread notifications read."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if public_ids is not None:
        rows = rows.filter(public_id__in=list(public_ids))
    return rows.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preferences_for(user: Any) -> Preferences:
    found = Preferences.objects.filter(user=user).first()
    return found or Preferences(user=user)


@transaction.atomic
def preferences_set(*, user: Any, **choices: bool) -> Preferences:
    preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
    for category, wanted in choices.items():
        if category in ("reminders", "digests", "announcements"):
            setattr(preferences, category, bool(wanted))
    preferences.save()
    return preferences
