"""The test suite: fast hashing, eager tasks, mail in memory. DATABASE_URL picks PostgreSQL."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The worker subprocess of the delivery suite writes mail to a file it names instead.
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
SITE_URL = "http://testserver"
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # the receivers in the tests listen on 127.0.0.1
WEBHOOKS_ALLOW_HTTP = True
OUTBOX_REDISPATCH_AFTER = env.int("OUTBOX_REDISPATCH_AFTER", default=600)
# Tasks run in the test process. The suite marked `celery` starts a real worker and switches
# this off for itself; CELERY_BROKER_URL (set by .ci/run) tells it which broker to use.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("TEST_CACHE_URL", default=""):  # the real-worker suite's worker shares the test's Redis
    CACHES = {"default": env.cache("TEST_CACHE_URL")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
