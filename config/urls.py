from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from api.tokens import RevokeTokenView, TokenView

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("config.api_root_urls")),
    path("o/token/", TokenView.as_view(), name="oauth2_token"),
    path("o/revoke_token/", RevokeTokenView.as_view(), name="oauth2_revoke_token"),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("reports/", include("reports.urls")),
    path("", include("notifications.urls")),
    path("", include("enrollment.urls")),
    path("", include("courses.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Unknown /api/ paths answer in the API's error shape; pages get the HTML page."""
    from django.views.defaults import page_not_found

    if request.path_info.startswith("/o/"):
        from api.errors import not_found_json

        return not_found_json(request, exception)
    return page_not_found(request, exception)
