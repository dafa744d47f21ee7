"""The one entry point other apps use to say that something happened and who should hear it."""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from .models import Notification


def publish_each(items: Iterable[tuple[str, Any, dict[str, Any]]]) -> list[Notification]:
    """Record many (event, recipient, data) at once, in the caller's transaction: one query."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "publish_each() must run inside a transaction."
        )
    rows = [
        Notification(event=event, recipient_id=getattr(r, "pk", r), data=data)
        for event, r, data in items
    ]
    return Notification.objects.bulk_create(rows, batch_size=500)


def publish(*, event: str, recipients: Iterable[Any], data: dict[str, Any]) -> list[Notification]:
    """Record `event` for each recipient (users or user ids) in the caller's transaction.

    Must run inside the transaction that made the change: if it rolls back, so does the news.
    `data` is JSON-serialisable and carries everything a message needs, so notifications never
    has to read the caller's models.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("publish() must run inside a transaction.")
    rows = [
        Notification(event=event, recipient_id=getattr(r, "pk", r), data=data) for r in recipients
    ]
    return Notification.objects.bulk_create(rows)
