"""One shape for every API error: {"error": {"code", "message", "fields"?}}.

Statuses: 400 malformed or invalid, 401 not authenticated, 403 not allowed, 404 not found,
405 wrong method, 409 wrong state, 415 wrong media type, 422 business rule, 429 throttled.
Messages follow Accept-Language; codes never change once published.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

CODES = {
    exceptions.ParseError: "malformed",
    exceptions.ValidationError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail: Any) -> Any:
    """DRF's ErrorDetail trees as plain lists of strings, keyed by field."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def _is_domain_error(exc: Exception) -> bool:
    """Errors of the apps' services (e.g. enrollment.exceptions) carry their own code, message and
    HTTP status; the API passes them on as they are without importing the apps."""
    return all(
        hasattr(exc, name) for name in ("code", "message", "http_status")
    ) and not isinstance(exc, exceptions.APIException)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if _is_domain_error(exc):
        return Response(error_body(exc.code, exc.message), status=exc.http_status)  # type: ignore[attr-defined]
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else None
        exc = exceptions.ValidationError(fields or {"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        message = _("The request is not valid: see the fields.")
        response.data = error_body(code, message, fields)
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body(code, _("The request body is not valid JSON or form data."))
    else:
        detail = getattr(exc, "detail", "")
        message = str(detail) if not isinstance(detail, dict | list) else _("Request failed.")
        response.data = error_body(code, message)
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def not_found_json(request: Any, exception: Exception | None = None) -> Any:
    """404 for unknown /api/ paths, in the API's shape rather than an HTML page."""
    from django.http import JsonResponse

    return JsonResponse(error_body("not_found", _("Not found.")), status=404)
