"""Webhook jobs: one call per task; the sweep and the pruning run on celery beat."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import webhooks


@shared_task(
    name="partners.deliver_webhook",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=45,
    time_limit=60,
)
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.delivery_send(delivery_id)


@shared_task(name="partners.sweep_webhooks", time_limit=300)
def sweep_webhooks() -> int:
    return webhooks.deliveries_sweep()


@shared_task(name="partners.prune", time_limit=1800)
def prune() -> dict[str, int]:
    """Old idempotency keys and webhook events."""
    return webhooks.prune()
