"""Bench-only settings: production as deployed, plus the bench's own URLs (BENCH_VIEWS).

The harness (bench/run.py) sets the environment production needs: a random DJANGO_SECRET_KEY
per run, DJANGO_ALLOWED_HOSTS, DATABASE_URL (a fresh database), REDIS_URL and
CELERY_BROKER_URL (a redis-server of its own). Nothing else differs from production: requests
arrive as through a TLS proxy (X-Forwarded-Proto: https), and partner-facing throttles stay on.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

# The bare view and the reference implementation (bench/urls.py). Only this module sets it.
BENCH_VIEWS = True
ROOT_URLCONF = "bench.urls"

# The load generator is one machine; each simulated client names its own address the way a
# proxy would (X-Forwarded-For), so the per-address throttle counts clients, not the bench.
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env.int("API_NUM_PROXIES", default=1)}  # noqa: F405
