"""The one entry point other apps use to say that something happened and who should hear it.

`publish` writes, in the caller's transaction, the inbox rows and one delivery per channel, and
arranges for the deliveries to be handed to Celery once that transaction commits: email ones
wake a drainer (`drainers_wake`: at most NOTIFICATIONS_DRAIN_SLOTS drain tasks wait at a time),
which sends every due email a batch per transaction (`deliveries_drain`); a channel that does
not drain gets one `deliver` task per row, as do the sweep's hand-overs and staff retries. If
the transaction rolls back, nothing is sent. Everything else here is for the inbox pages, the
jobs and the admin.
"""

import functools
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from . import outbox
from .channels import PREFETCHED_PREFERENCES, channels
from .messages import category_of, is_urgent
from .models import Delivery, Notification, Preferences

Item = tuple[str, Any, dict[str, Any]]  # (event, recipient or its id, data)

logger = logging.getLogger(__name__)


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
    _hand_over_on_commit([d for d in deliveries if d.queued_at is not None])


def _hand_over_on_commit(rows: list[Delivery]) -> None:
    """After commit, a draining channel's rows wake its drainers; any other's get a task each."""
    from .tasks import deliver

    found = channels()
    drained: dict[str, list[int]] = {}
    jobs = []
    for row in rows:
        channel = found[row.channel]
        if channel.drains:
            drained.setdefault(row.channel, []).append(row.pk)
        else:
            jobs.append((row.pk, channel.queue))
    outbox.on_commit_dispatch(Delivery, deliver, jobs)
    for name, ids in drained.items():
        transaction.on_commit(functools.partial(drainers_wake, channel=name, ids=ids))


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


def _reads() -> QuerySet[Delivery]:
    # Only the columns sending reads: the recipient's others (the password hash among them) cost
    # a conversion each, for every email. A test holds the task to its two statements.
    return Delivery.objects.select_related("notification__recipient").only(*DELIVERY_READS)


def _send(delivery: Delivery) -> None:
    channel = channels().get(delivery.channel)
    if channel is None:
        raise outbox.GiveUp(f"unknown channel {delivery.channel}")
    channel.send(delivery)


def delivery_send(delivery_id: int) -> str:
    """Send one delivery now if it is due; safe to call twice (the second finds it sent)."""
    return outbox.attempt(_reads(), delivery_id, _send, policy=EMAIL_RETRIES)


# --- drains: a draining channel's due deliveries, many per task ---------------------------------

DRAIN_BATCH = 20  # rows claimed, sent and recorded per transaction
DRAIN_BUDGET = 30.0  # seconds a drain goes on claiming (the task's soft_time_limit is 45 s)
DRAIN_SEND_UNTIL = 40.0  # a batch still sending by then stops; its other rows stay due
SLOT_TTL = 30  # seconds: a slot whose drain never started (a lost message) frees itself


def _slot_key(channel: str, slot: int) -> str:
    return f"notifications:drain:{channel}:{slot}"


def _slots_shared() -> bool:
    """Slots can stand for drainers only where those see them: a cache every process shares,
    or tasks run in this process. A per-process cache (LocMemCache with a broker) would keep a
    slot here that no worker ever frees, so every commit wakes a drainer instead."""
    from .tasks import drain

    return bool(drain.app.conf.task_always_eager) or not isinstance(caches["default"], LocMemCache)


def _take_slot(channel: str) -> int | None:
    """The first free slot of `channel` (now taken), -1 if every one is held, None without
    slots (a cache that is down or not shared: the wake-up is never left out)."""
    if not _slots_shared():
        return None
    keys = [_slot_key(channel, slot) for slot in range(settings.NOTIFICATIONS_DRAIN_SLOTS)]
    try:
        # One round trip while a backlog holds every slot (each commit of a rush asks). A slot
        # seen held here and freed just after is no loss: its drainer claims after freeing it,
        # so after this commit.
        held = cache.get_many(keys)
        for slot, key in enumerate(keys):
            if key not in held and cache.add(key, 1, timeout=SLOT_TTL):
                return slot
    except Exception:
        logger.warning("cache down: %s drainer woken without a slot", channel, exc_info=True)
        return None
    return -1


def _free_slot(channel: str, slot: int | None) -> None:
    if slot is None or slot < 0:
        return
    try:
        cache.delete(_slot_key(channel, slot))
    except Exception:  # it frees itself after SLOT_TTL
        logger.warning("cache unavailable: drain slot %s:%s left to expire", channel, slot)


def drainers_reset(*, channel: str) -> None:
    """Free every wake-up slot of `channel`: for whoever emptied the broker of its drains."""
    for slot in range(settings.NOTIFICATIONS_DRAIN_SLOTS):
        _free_slot(channel, slot)


def drainers_wake(*, channel: str, ids: list[int] | None = None) -> bool:
    """After commit: see that a drainer of `channel` will claim its due rows (`ids` among them).

    At most NOTIFICATIONS_DRAIN_SLOTS drain tasks wait at a time: a wake-up takes a free slot and
    publishes a drain for it; with every slot held it publishes nothing, since a drainer that
    has not started yet frees its slot before its first claim and so sees these rows. If the
    broker cannot take the task, `ids` are left for the sweep, as `deliver`'s would be. Returns
    whether a drain was published.
    """
    from .tasks import drain

    found = channels().get(channel)
    if found is None:
        return False
    slot = _take_slot(channel)
    if slot == -1:
        return False
    try:
        drain.apply_async((channel, slot), queue=found.queue, retry=False)
    except Exception:
        logger.warning(
            "broker unavailable: %d %s deliveries left for the sweep",
            len(ids or ()),
            channel,
            exc_info=True,
        )
        outbox.leave_for_sweep(Delivery, list(ids or ()))
        _free_slot(channel, slot)
        return False
    return True


def deliveries_drain(*, channel: str, slot: int | None = None) -> int:
    """Send `channel`'s due deliveries, DRAIN_BATCH rows a transaction, until none is left.

    Each batch is claimed under the rows' locks (SKIP LOCKED: another drainer's rows, or a row a
    sweep's `deliver` holds, are left to it), sent over the process's one SMTP connection, and
    its outcomes written in one UPDATE; a database error rolls the batch back (its rows stay
    due) and the task retries. After DRAIN_BUDGET seconds it stops claiming and wakes another
    drainer, so a large backlog goes on draining within the task's time limits. Returns how many
    rows it attempted.
    """
    # No wake-up is lost: the slot is freed before the first claim. A commit that found it held
    # (and so woke nobody) committed before that, so its rows are claimed by this drainer or by
    # one holding their locks; a commit after it takes the slot again and wakes another drainer.
    # A drain message lost before it started only delays rows: its slot expires after SLOT_TTL,
    # and the sweep hands over rows whose queued_at grew old.
    _free_slot(channel, slot)
    if channel not in channels():
        return 0
    recipients = Prefetch(
        "notification__recipient__notification_preferences",
        queryset=Preferences.objects.all(),
        to_attr=PREFETCHED_PREFERENCES,
    )
    queryset = _reads().filter(channel=channel).prefetch_related(recipients)
    started = time.monotonic()
    attempted = 0
    while time.monotonic() - started < DRAIN_BUDGET:
        batch = outbox.attempt_batch(
            queryset,
            _send,
            policy=EMAIL_RETRIES,
            limit=DRAIN_BATCH,
            until=started + DRAIN_SEND_UNTIL,
        )
        if not batch:
            return attempted
        attempted += len(batch)
    drainers_wake(channel=channel)  # out of time, rows may be left: another drainer goes on
    return attempted


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
