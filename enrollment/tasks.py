"""Periodic enrollment jobs (the schedule is in config/celery.py). Each is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="enrollment.expire_lapsed_offers")
def expire_lapsed_offers() -> int:
    """Release seats whose claim window closed; the next in line is offered them."""
    return services.expire_lapsed_offers()


@shared_task(name="enrollment.close_started_waitlists")
def close_started_waitlists() -> int:
    """Nobody waits for an offering that has started."""
    return services.close_started_waitlists()
