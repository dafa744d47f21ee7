"""Idempotency-Key for POSTs: a repeat returns the first response and does nothing again.

The key is per client (a partner application, or a signed-in user). The same key with another
body is refused with 422. Keys are kept IDEMPOTENCY_KEY_TTL_HOURS (48) hours; an older key counts
as new. Two requests racing with one key: the second waits for the first to commit, then
replays its response, so there is one effect.
"""

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken

from partners.models import IdempotencyRecord

from .errors import error_body

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _client(request: HttpRequest) -> str | None:
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization.lower().startswith("bearer "):
        # Tokens are stored hashed (RFC 9700 settings): look them up by their checksum.
        checksum = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
        token = (
            AccessToken.objects.filter(token_checksum=checksum)
            .values_list("application_id", flat=True)
            .first()
        )
        return f"app:{token}" if token else None
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


def _digest(request: HttpRequest) -> str:
    content = b"\n".join(
        [
            (request.method or "").encode(),
            request.path.encode(),
            (request.content_type or "").encode(),
            request.body,
        ]
    )
    return hashlib.sha256(content).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.status_code or 200,
        content_type=record.content_type or "application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotentMixin:
    """Mix into DRF views: POSTs with an Idempotency-Key are recorded and replayed."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        client = _client(request)
        if client is None or len(key) > MAX_KEY_LENGTH:
            # Anonymous callers have nothing to key on; let the view answer (it will say 401).
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        try:
            digest = _digest(request)
        except RequestDataTooBig:
            return JsonResponse(
                error_body("too_large", _("The request body is too large.")), status=413
            )
        cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        with transaction.atomic():
            IdempotencyRecord.objects.filter(client=client, key=key, created_at__lt=cutoff).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        client=client,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=digest,
                    )
            except IntegrityError:
                # Another request holds or held this key; on PostgreSQL the insert above waited
                # for it to commit, so its response is there.
                record = IdempotencyRecord.objects.select_for_update().get(client=client, key=key)
                if record.request_hash != digest:
                    return JsonResponse(
                        error_body(
                            "idempotency_key_reused",
                            _("This Idempotency-Key was used with another request."),
                        ),
                        status=422,
                    )
                return _replay(record)
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if hasattr(response, "render"):
                response.render()
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = response.content
            record.content_type = response.get("Content-Type", "")
            record.save(update_fields=["status_code", "response_body", "content_type"])
        return response
