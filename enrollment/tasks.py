"""Enrollment jobs: the periodic ones (scheduled in config/celery.py) and bulk batches.

Each is safe to run twice or late.
"""

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import batches, news, services

logger = logging.getLogger(__name__)


@shared_task(name="enrollment.expire_lapsed_offers")
def expire_lapsed_offers() -> int:
    """Release seats whose claim window closed; the next in line is offered them."""
    return services.expire_lapsed_offers()


@shared_task(name="enrollment.close_started_waitlists")
def close_started_waitlists() -> int:
    """Nobody waits for an offering that has started."""
    return services.close_started_waitlists()


@shared_task(bind=True, name="enrollment.run_batch", max_retries=5, acks_late=True)
def run_enrollment_batch(self: Any, batch_id: int) -> str:
    """Apply (or check) a bulk enrollment batch by id; rows already done are skipped.

    A lost database connection is retried with backoff (5 s, 10 s ... at most 5 minutes); after
    the last retry, or on any other error, the batch is marked failed with the error, and the
    rows done so far stay done.
    """
    try:
        batch = batches.enrollment_batch_run(batch_id=batch_id)
    except (OperationalError, InterfaceError) as error:
        if self.request.retries < self.max_retries:
            if self.request.is_eager:  # in-process (tests, ./dev run): retry here and now
                retried = self.apply(args=(batch_id,), retries=self.request.retries + 1)
                return str(retried.get())
            raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 300)) from error
        logger.exception("enrollment batch %s failed", batch_id)
        batches.enrollment_batch_fail(batch_id=batch_id, error=str(error))
        return "failed"
    except Exception as error:
        logger.exception("enrollment batch %s failed", batch_id)
        batches.enrollment_batch_fail(batch_id=batch_id, error=f"{type(error).__name__}: {error}")
        return "failed"
    return batch.status if batch is not None else "missing"


@shared_task(name="enrollment.warn_expiring_offers")
def warn_expiring_offers() -> int:
    """Seat offers lapsing within 12 hours: their learners are reminded, once per offer."""
    return news.warn_expiring_offers()


@shared_task(name="enrollment.remind_starting_courses")
def remind_starting_courses() -> int:
    """Courses starting in 3 days and tomorrow: a reminder each, once."""
    return news.remind_starting_courses()


@shared_task(name="enrollment.send_daily_digests")
def send_daily_digests() -> int:
    """Each staff member's roster changes of the last day: one message a day."""
    return news.send_daily_digests()
