"""The whole API surface under /api/v1/: each app's routes, the schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.errors import not_found_json

urlpatterns = [
    path("", include("courses.api.urls")),
    path("", include("enrollment.api.urls")),
    path("", include("partners.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="redoc"),
    re_path(r"^.*$", not_found_json),  # anything else: a 404 in the API's shape
]
