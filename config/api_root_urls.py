"""Only the API, mounted as in config/urls.py: what the OpenAPI schema describes."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include(("config.api_urls", "api"), namespace="v1")),
]
