"""Delivery jobs. `drain` sends a channel's due emails in batches (what a commit wakes);
`deliver` sends one row (the sweep's hand-overs, staff retries); the sweep and the pruning run on
celery beat.

Every job is safe to run twice or late: a delivery is sent under its row lock and only while due.
"""

from typing import Any

from celery import shared_task, signals
from django.db import InterfaceError, OperationalError

from . import mail, services

# A lost database connection is worth retrying; the row stays due meanwhile, so even when the
# retries run out the sweep hands it over again.
DATABASE_TROUBLE = (OperationalError, InterfaceError)


# What every delivery task (an email, a webhook call) runs with.
DELIVERY_TASK = {
    "acks_late": True,
    "autoretry_for": DATABASE_TROUBLE,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 45,
    "time_limit": 60,
}


@shared_task(name="notifications.deliver", **DELIVERY_TASK)
def deliver(delivery_id: int) -> str:
    return services.delivery_send(delivery_id)


@shared_task(name="notifications.drain", **DELIVERY_TASK)
def drain(channel: str, slot: int | None = None) -> int:
    """Send `channel`'s due deliveries a batch at a time; `slot` is the wake-up slot it frees."""
    return services.deliveries_drain(channel=channel, slot=slot)


@signals.worker_process_shutdown.connect
def _close_mail_connection(**kwargs: Any) -> None:
    mail.close()  # a polite QUIT on the SMTP connection the process kept between deliveries


@shared_task(name="notifications.sweep", time_limit=300)
def sweep() -> int:
    """Hand deliveries that missed the broker (an outage, a lost worker) to it again."""
    return services.deliveries_sweep()


@shared_task(name="notifications.prune", time_limit=1800)
def prune() -> dict[str, int]:
    return services.prune()
