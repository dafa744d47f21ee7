"""The platform's URLs, plus the bench-only ones when settings.BENCH_VIEWS is on.

Only bench/settings.py points ROOT_URLCONF here and sets BENCH_VIEWS; the bench paths live
under /api/ so that they pass the same middleware (ApiLanguageMiddleware included) as the API.
"""

from django.conf import settings
from django.urls import URLPattern, URLResolver, path

from config import urls as platform

urlpatterns: list[URLPattern | URLResolver] = []
if getattr(settings, "BENCH_VIEWS", False):
    from . import reference, views

    urlpatterns += [
        path("api/bench/bare/", views.bare, name="bench-bare"),
        path(
            "api/bench/reference/offerings/",
            reference.OfferingList.as_view(),
            name="bench-reference-offerings",
        ),
    ]
urlpatterns += platform.urlpatterns

handler404 = platform.handler404
