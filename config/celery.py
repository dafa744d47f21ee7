"""The Celery app. Tasks run eagerly when no broker is configured (see settings.base)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("yuchuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
