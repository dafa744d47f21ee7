"""The Celery app. Tasks run eagerly when no broker is configured (see settings.base)."""

import os
from typing import Any

from celery import Celery, signals
from celery.fixups.django import DjangoFixup
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yuchuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _close_old_connections(**kwargs: Any) -> None:
    from django.db import close_old_connections

    close_old_connections()


@signals.worker_init.connect
def _reuse_database_connections(**kwargs: Any) -> None:
    """Treat a task like a request: keep its database connection for CONN_MAX_AGE.

    Celery's Django fixup closes every connection before and after each task, whatever
    CONN_MAX_AGE says, so each task opened a new PostgreSQL session (the bench measured 1.0
    per email task; docs/performance.md, "Notifications"). Django's own rule
    at request boundaries instead closes a connection only when it is broken (an error
    occurred, or it fails the CONN_HEALTH_CHECKS check) or older than CONN_MAX_AGE; with
    CONN_MAX_AGE 0 (the default without DATABASE_URL) that still means closing after each task.
    """
    for fixup in getattr(app, "_fixups", []):
        if isinstance(fixup, DjangoFixup):
            fixup.worker_fixup.close_database = _close_old_connections


# Periodic jobs, in code so every deployment runs the same schedule (celery beat). Each is safe to
# run twice or late: see the task's docstring.
app.conf.beat_schedule = {
    "expire-lapsed-offers": {
        "task": "enrollment.expire_lapsed_offers",
        "schedule": 300.0,  # a lapsed offer waits at most five minutes to pass on
    },
    "close-started-waitlists": {
        "task": "enrollment.close_started_waitlists",
        "schedule": 3600.0,
    },
    "warn-expiring-offers": {
        "task": "enrollment.warn_expiring_offers",
        "schedule": 900.0,  # 12 hours before the deadline, give or take a quarter of an hour
    },
    "remind-starting-courses": {
        "task": "enrollment.remind_starting_courses",
        "schedule": crontab(minute=0, hour="9,15"),  # twice, so a missed run costs hours
    },
    "daily-digests": {
        "task": "enrollment.send_daily_digests",
        "schedule": crontab(minute=5, hour=8),
    },
    "sweep-deliveries": {"task": "notifications.sweep", "schedule": 60.0},
    "sweep-webhooks": {"task": "partners.sweep_webhooks", "schedule": 60.0},
    "prune-notifications": {
        "task": "notifications.prune",
        "schedule": crontab(minute=30, hour=3),
    },
    "prune-partners": {"task": "partners.prune", "schedule": crontab(minute=40, hour=3)},
}
