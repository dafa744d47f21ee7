"""The Celery app. Tasks run eagerly when no broker is configured (see settings.base)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yuchuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs, in code so every deployment runs the same schedule (celery beat).
app.conf.beat_schedule = {
    "expire-lapsed-offers": {
        "task": "enrollment.expire_lapsed_offers",
        "schedule": 300.0,  # a lapsed offer waits at most five minutes to pass on
    },
    "close-started-waitlists": {
        "task": "enrollment.close_started_waitlists",
        "schedule": 3600.0,
    },
}
