from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .errors import not_found_json

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    """API messages follow Accept-Language (zh-hans, en); pages follow their URL prefix.

    Also turns an unknown /api/ path's 404 page into the API's JSON error.

    LocaleMiddleware gives every unprefixed path the default language, which is right for pages
    (/ is Chinese, /en/ English) but not for /api/, whose callers say what they read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            language = "zh-hans"
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if response.status_code == 404 and "json" not in response.get("Content-Type", ""):
            # An unknown path under /api/: answer in the API's shape, not with an HTML page.
            response = not_found_json(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ["Accept-Language"])
        return response
