"""Webhook jobs: one call per task; the sweep and the pruning run on celery beat."""

from celery import shared_task

from notifications.tasks import DELIVERY_TASK

from . import webhooks


@shared_task(name="partners.deliver_webhook", **DELIVERY_TASK)
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.delivery_send(delivery_id)


@shared_task(name="partners.sweep_webhooks", time_limit=300)
def sweep_webhooks() -> int:
    return webhooks.deliveries_sweep()


@shared_task(name="partners.prune", time_limit=1800)
def prune() -> dict[str, int]:
    """Old idempotency keys and webhook events."""
    return webhooks.prune()
