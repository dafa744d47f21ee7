"""How any outbox row (an email, a webhook call) is sent at most once and never lost.

- The row is written in the transaction of the change that caused it, with `queued_at` set when
  a task for it will be handed to the broker after commit. If that hand-off fails (the broker is
  down), `queued_at` is cleared and the sweep hands it over later.
- A task sends a row under its row lock (SELECT ... FOR UPDATE SKIP LOCKED): two tasks for the
  same row (the first dispatch and a sweep's) cannot both send it, and a row already sent is
  skipped. If the worker dies mid-send, its transaction dies with it, the lock goes and the row
  stays due; the sweep hands it over again once `queued_at` is old.
- A task may also claim a batch of due rows the same way (`attempt_batch`: a drain of the email
  channel, notifications.services.deliveries_drain): each row's outcome is recorded as `attempt`
  records it, all of them in one UPDATE in the batch's transaction.
- A failed attempt is retried with exponential backoff and jitter until the channel gives up.

The one window left is a crash between the receiver accepting a message and our commit: the row
is sent again, with the same Message-ID or webhook event id, so receivers can drop the repeat.
A batch commits once, so for it that is every row it had sent before the crash.
"""

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from .models import OutboxItem

logger = logging.getLogger(__name__)

State = OutboxItem.State
Item = TypeVar("Item", bound=OutboxItem)


class Skip(Exception):
    """Nothing to send after all (the person unsubscribed, has no address): not an error."""


class GiveUp(Exception):
    """Sending can never succeed (a refused address): no retry."""


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta  # the first retry waits about this long
    cap: timedelta  # no wait is longer than this
    window: timedelta  # after this long since the row was written, a failure is final

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter: between half and all of min(cap, base * 2^(n-1))."""
        ceiling = min(self.cap, self.base * 2 ** max(attempts - 1, 0))
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 (spreading retries, not secrets)


# What recording an attempt writes on a row (besides the columns a sender sets itself).
OUTCOME_FIELDS = (
    "state",
    "attempts",
    "last_error",
    "sent_at",
    "next_attempt_at",
    "queued_at",
    "first_attempt_at",
    "updated_at",
)


def _send_and_record(
    item: Item, send: Callable[[Item], None], *, policy: RetryPolicy, now: datetime
) -> None:
    """Send one locked row through `send` and set its outcome on it (the caller saves it)."""
    if item.first_attempt_at is None:
        item.first_attempt_at = now
    try:
        send(item)
    except DatabaseError:
        raise
    except Skip as reason:
        item.state, item.last_error = State.SKIPPED, str(reason)[:2000]
    except GiveUp as reason:
        item.attempts += 1
        item.state, item.last_error = State.DEAD, str(reason)[:2000]
    except Exception as error:  # any failure of the receiver: retried
        item.attempts += 1
        item.last_error = f"{type(error).__name__}: {error}"[:2000]
        retry_at = now + policy.delay(item.attempts)
        if retry_at - item.first_attempt_at > policy.window:
            item.state = State.DEAD
        else:
            item.state, item.next_attempt_at, item.queued_at = State.FAILED, retry_at, None
        logger.warning("delivery %s %s failed: %s", type(item).__name__, item.pk, item.last_error)
    else:
        item.state, item.sent_at, item.last_error = State.SENT, timezone.now(), ""
        item.attempts += 1
    item.updated_at = timezone.now()  # bulk_update does not fill auto_now columns


def _due(queryset: models.QuerySet[Item], now: datetime) -> models.QuerySet[Item]:
    return queryset.select_for_update(skip_locked=True, of=("self",)).filter(
        state__in=OutboxItem.DUE, next_attempt_at__lte=now
    )


def attempt(
    queryset: models.QuerySet[Item],
    pk: int,
    send: Callable[[Item], None],
    *,
    policy: RetryPolicy,
    on_give_up: Callable[[Item], None] | None = None,
    fields: tuple[str, ...] = (),
    now: datetime | None = None,
) -> str:
    """Send one due row through `send` under its lock and record the outcome. Returns its state.

    `send` raises Skip or GiveUp, or any other exception for a failure worth retrying. Database
    errors propagate (the task retries) and leave the row as it was. `fields` names more columns
    `send` sets on the row.
    """
    with transaction.atomic():
        now = now or timezone.now()
        item = next(iter(_due(queryset, now).filter(pk=pk)[:1]), None)  # not first(): ORDER BY
        if item is None:
            return "not due"
        _send_and_record(item, send, policy=policy, now=now)
        item.save(update_fields=[*OUTCOME_FIELDS, *fields])
        if item.state == State.DEAD and on_give_up is not None:
            on_give_up(item)
    return str(item.state)


def attempt_batch(
    queryset: models.QuerySet[Item],
    send: Callable[[Item], None],
    *,
    policy: RetryPolicy,
    limit: int,
    until: float | None = None,
    on_give_up: Callable[[Item], None] | None = None,
    fields: tuple[str, ...] = (),
    now: datetime | None = None,
) -> list[Item]:
    """Claim up to `limit` due rows (oldest first), send each, record every outcome at once.

    The rows `queryset` selects are locked FOR UPDATE SKIP LOCKED in one transaction, so a row
    another batch or an `attempt` holds is left to it; the outcomes are written with one UPDATE
    before the commit. Each row's outcome is `attempt`'s: one row failing does not touch the
    others. Rows not yet sent when the clock passes `until` (time.monotonic()) are left as they
    were, still due. Database errors propagate and roll the whole batch back (every row stays
    due; one already accepted by its receiver is sent again, with its same id). Returns the rows
    attempted, their outcome set.
    """
    with transaction.atomic():
        now = now or timezone.now()
        items = list(_due(queryset, now).order_by("next_attempt_at", "pk")[:limit])
        done: list[Item] = []
        for item in items:
            if until is not None and done and time.monotonic() > until:
                break  # out of time: the rest stay due, unlocked at the commit
            _send_and_record(item, send, policy=policy, now=now)
            done.append(item)
        if done:
            type(done[0])._default_manager.bulk_update(done, [*OUTCOME_FIELDS, *fields])
        if on_give_up is not None:
            for item in done:
                if item.state == State.DEAD:
                    on_give_up(item)
    return done


def leave_for_sweep(model: type[OutboxItem], ids: list[int]) -> None:
    """Rows whose task could not reach the broker: the sweep hands them over (after commit)."""
    if not ids:
        return
    try:
        model._default_manager.filter(pk__in=ids).update(queued_at=None)
    except DatabaseError:  # they still go: queued_at grows old and the sweep sees it
        logger.exception("could not mark %d rows for the sweep", len(ids))


def dispatch(model: type[OutboxItem], task: Any, jobs: Iterable[tuple[int, str]]) -> int:
    """Hand (row id, queue) pairs to the broker. Rows it cannot take wait for the sweep.

    Runs after commit: whatever happens here, the change that caused the rows stands.
    """
    sent = 0
    jobs = list(jobs)
    for index, (pk, queue) in enumerate(jobs):
        try:
            task.apply_async((pk,), queue=queue, retry=False)
        except Exception:
            unsent = [job[0] for job in jobs[index:]]
            logger.warning(
                "broker unavailable: %d %s rows left for the sweep",
                len(unsent),
                model.__name__,
                exc_info=True,
            )
            leave_for_sweep(model, unsent)
            break
        sent += 1
    return sent


def due_for_sweep(queryset: models.QuerySet[Item], *, now: datetime, limit: int) -> list[int]:
    """Rows due whose task was never handed over, or handed over so long ago it must be lost."""
    stale = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER)
    rows = (
        queryset.filter(state__in=OutboxItem.DUE, next_attempt_at__lte=now)
        .filter(models.Q(queued_at__isnull=True) | models.Q(queued_at__lt=stale))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(rows)
    if ids:
        queryset.model._default_manager.filter(pk__in=ids).update(queued_at=now)
    return ids


def on_commit_dispatch(model: type[OutboxItem], task: Any, jobs: list[tuple[int, str]]) -> None:
    if jobs:
        transaction.on_commit(lambda: dispatch(model, task, jobs))


def hold_for_quiet_hours(at: datetime) -> datetime:
    """`at`, or the end of the quiet hours (Asia/Shanghai) if `at` falls inside them."""
    start, end = settings.NOTIFICATIONS_QUIET_HOURS
    local = timezone.localtime(at)
    overnight = start > end  # such as 22 → 8
    quiet = (local.hour >= start or local.hour < end) if overnight else start <= local.hour < end
    if not quiet:
        return at
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return morning


def delete_in_batches(queryset: models.QuerySet[Any], size: int = 5000) -> int:
    """Delete what `queryset` selects a batch at a time (no long lock); returns how many rows."""
    model = queryset.model
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:size]):
        deleted += model._default_manager.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
    return deleted
