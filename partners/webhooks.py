"""Partner webhooks: events written with the change, signed calls, retries, pausing, replay.

An event is written for each partner that has an endpoint for its type, in the transaction of
the change; a delivery per active endpoint goes to Celery after commit (notifications.outbox
gives the once-only and never-lost rules). Each call is signed:

    Yuchuang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

During a day after a secret is rotated, a second v1= carries the signature with the old secret.
Failures are retried with exponential backoff and jitter for WEBHOOKS_RETRY_WINDOW; an endpoint
that fails for that long is paused and its partner told by email.
"""

import functools
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from config import rows
from notifications import outbox

from .models import (
    PartnerLearner,
    PartnerOrganisation,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

USER_AGENT = "Yuchuang-Webhooks/1"
QUEUE = "webhooks"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def retry_policy() -> outbox.RetryPolicy:
    return outbox.RetryPolicy(
        base=timedelta(seconds=settings.WEBHOOKS_RETRY_BASE_SECONDS),
        cap=timedelta(hours=4),
        window=timedelta(seconds=settings.WEBHOOKS_RETRY_WINDOW_SECONDS),
    )


# --- writing events ----------------------------------------------------------------------------


def emit(
    event_type: str, items: Iterable[tuple[int, dict[str, Any]]], *, now: datetime | None = None
) -> list[WebhookEvent]:
    """Write (organisation id, data) events of one type and their deliveries, in the caller's
    transaction. Partners without an endpoint for the type get nothing."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("emit() must run inside a transaction.")
    items = list(items)
    if not items:
        return []
    now = now or timezone.now()
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        organisation_id__in={org for org, _ in items}, organisation__is_active=True
    ):
        if event_type in (endpoint.event_types or []):
            endpoints.setdefault(endpoint.organisation_id, []).append(endpoint)
    events = [
        WebhookEvent(organisation_id=org, type=event_type, data=data)
        for org, data in items
        if org in endpoints
    ]
    if not events:
        return []
    WebhookEvent.objects.bulk_create(events)
    deliveries = [
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, queued_at=now)
        for event in events
        for endpoint in endpoints[event.organisation_id]
        if endpoint.is_active
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    from .tasks import deliver_webhook

    outbox.on_commit_dispatch(WebhookDelivery, deliver_webhook, [(d.pk, QUEUE) for d in deliveries])
    return events


def emit_for_learners(
    event_type: str, items: Iterable[tuple[int, dict[str, Any]]]
) -> list[WebhookEvent]:
    """Events about learners (user id, data), to each partner that registered the learner.

    One query when no such partner listens, which is the common case. The data gains
    `enrollment.learner.external_id`: the partner's own id for the person, as in the API.
    """
    items = list(items)
    users = sorted({user for user, _ in items})
    if not users:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_listening_links_sql(len(users)), users)
        links = cursor.fetchall()
    by_user: dict[int, list[tuple[int, str]]] = {}
    for user, org, external in links:
        by_user.setdefault(user, []).append((org, external))
    if not by_user:
        return []
    out = []
    for user, data in items:
        for org, external in by_user.get(user, []):
            out.append((org, _with_external_id(data, external)))
    return emit(event_type, out)


@functools.lru_cache(maxsize=64)
def _listening_links_sql(count: int) -> str:
    """(user, organisation, external id) of the links of `count` users to partners with an
    endpoint: the SQL the ORM sends for PartnerLearner.objects.filter(user_id__in=...,
    organisation__webhook_endpoints__isnull=False).values_list(...).distinct(), written once.
    Every enrollment change asks this, and building that query cost more than running it."""
    user, organisation = (
        rows.column(PartnerLearner, "user"),
        rows.column(PartnerLearner, "organisation"),
    )
    external, listener = (
        rows.column(PartnerLearner, "external_id"),
        rows.column(WebhookEndpoint, "organisation"),
    )
    places = ", ".join(["%s"] * count)
    # The names come from the models' meta; the values are bound.
    sql = (
        f"SELECT DISTINCT l.{user}, l.{organisation}, l.{external} "  # noqa: S608
        f"FROM {rows.table(PartnerLearner)} l WHERE l.{user} IN ({places}) AND EXISTS (SELECT 1 "
        f"FROM {rows.table(WebhookEndpoint)} w WHERE w.{listener} = l.{organisation})"
    )
    return sql


def _with_external_id(data: dict[str, Any], external_id: str) -> dict[str, Any]:
    """The partner's id for the learner, where the API puts it: `enrollment.learner`."""
    enrollment = data.get("enrollment")
    if not isinstance(enrollment, dict) or not isinstance(enrollment.get("learner"), dict):
        return data
    learner = {**enrollment["learner"], "external_id": external_id}
    return {**data, "enrollment": {**enrollment, "learner": learner}}


def emit_to_all(event_type: str, data: dict[str, Any]) -> list[WebhookEvent]:
    """A catalog event (an offering changed): every partner with an endpoint for it."""
    orgs = set(
        WebhookEndpoint.objects.filter(organisation__is_active=True).values_list(
            "organisation_id", flat=True
        )
    )
    return emit(event_type, [(org, data) for org in sorted(orgs)])


# --- sending -----------------------------------------------------------------------------------


def body_of(event: WebhookEvent) -> bytes:
    """The exact bytes sent for an event: the same on every attempt and every replay."""
    envelope = {
        "id": str(event.public_id),
        "type": event.type,
        "created_at": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "api_version": "v1",
        "data": event.data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(endpoint: WebhookEndpoint, timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}", f"v1={sign(endpoint.secret, timestamp, body)}"]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > timezone.now():
        parts.append(f"v1={sign(endpoint.previous_secret, timestamp, body)}")
    return ",".join(parts)


class ReceiverFailed(Exception):
    pass


def delivery_send(delivery_id: int) -> str:
    """Call the endpoint for one due delivery; safe to call twice."""
    return outbox.attempt(
        WebhookDelivery.objects.select_related("event", "endpoint__organisation"),
        delivery_id,
        _call,
        policy=retry_policy(),
        on_give_up=_gave_up,
        fields=("last_status_code",),
    )


def _call(delivery: WebhookDelivery) -> None:
    from .outbound import TargetRefused, post

    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_active:
        raise outbox.Skip("endpoint paused")
    body = body_of(event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Yuchuang-Event-Id": str(event.public_id),
        "Yuchuang-Event-Type": event.type,
        "Yuchuang-Delivery-Attempt": str(delivery.attempts + 1),
        "Yuchuang-Signature": signature_header(endpoint, timestamp, body),
    }
    try:
        with translation.override("en"):  # last_error is an operator's log line: in English
            status = post(endpoint.url, body, headers)
    except TargetRefused as refused:
        raise outbox.GiveUp(str(refused)) from refused
    except Exception:
        delivery.last_status_code = None
        _failed(endpoint)
        raise
    delivery.last_status_code = status
    if not 200 <= status < 300:
        _failed(endpoint)
        raise ReceiverFailed(f"HTTP {status}")
    if endpoint.failing_since is not None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)


def _failed(endpoint: WebhookEndpoint) -> None:
    """Note when an endpoint started failing; a success clears it (see _call)."""
    if endpoint.failing_since is None:
        now = timezone.now()
        endpoint.failing_since = now
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
            failing_since=now
        )


def _gave_up(delivery: WebhookDelivery) -> None:
    """A delivery ran out of retries. If its endpoint has failed all along, pause it."""
    logger.warning("webhook delivery %s dead: %s", delivery.pk, delivery.last_error)
    endpoint = delivery.endpoint
    failing_since = endpoint.failing_since
    if failing_since is not None and failing_since <= delivery.created_at + timedelta(minutes=5):
        endpoint_pause(endpoint=endpoint, reason="failed for the whole retry window")


def endpoint_pause(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop calling an endpoint: its due deliveries end, and its partner is told by email."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, paused_at=now, paused_reason=reason[:300], updated_at=now
    )
    endpoint.is_active, endpoint.paused_at, endpoint.paused_reason = False, now, reason[:300]
    WebhookDelivery.objects.filter(endpoint=endpoint, state__in=outbox.OutboxItem.DUE).update(
        state=WebhookDelivery.State.DEAD, last_error="endpoint paused", updated_at=now
    )
    if changed:
        transaction.on_commit(lambda: _tell_partner_paused(endpoint.pk))


def _tell_partner_paused(endpoint_id: int) -> None:
    endpoint = WebhookEndpoint.objects.select_related("organisation").filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.organisation.contact_email:
        return
    context = {"endpoint": endpoint, "organisation": endpoint.organisation}
    # A partner has no language setting: the mail carries both, Chinese first.
    parts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            parts.append(
                (
                    render_to_string("partners/email/webhook_paused_subject.txt", context).strip(),
                    render_to_string("partners/email/webhook_paused.txt", context),
                    render_to_string("partners/email/webhook_paused_body.html", context),
                )
            )
    subject = f"{parts[0][0]} / {parts[1][0]}"
    text = "\n\n----\n\n".join(part[1] for part in parts)
    html = render_to_string(
        "partners/email/webhook_paused.html", {"bodies": [part[2] for part in parts]}
    )
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[endpoint.organisation.contact_email]
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("could not tell %s that its endpoint was paused", endpoint.organisation)


# --- managing endpoints, replay, sweep ---------------------------------------------------------


@transaction.atomic
def endpoint_create(
    *, organisation: PartnerOrganisation, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        secret=new_secret(),
    )


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, **fields: Any) -> WebhookEndpoint:
    """Change URL, types, description or `is_active` (resuming clears the failure record)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    for name in ("url", "description"):
        if name in fields:
            setattr(endpoint, name, fields[name])
    if "event_types" in fields:
        endpoint.event_types = sorted(set(fields["event_types"]))
    if "is_active" in fields and bool(fields["is_active"]) != endpoint.is_active:
        endpoint.is_active = bool(fields["is_active"])
        if endpoint.is_active:
            endpoint.paused_at, endpoint.paused_reason, endpoint.failing_since = None, "", None
        else:
            endpoint.paused_at, endpoint.paused_reason = timezone.now(), "paused by the partner"
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (as a second signature) for a day."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=24)
    endpoint.secret = new_secret()
    endpoint.save()
    return endpoint


@transaction.atomic
def event_replay(*, event: WebhookEvent) -> int:
    """Send one event again, with the same id, to each active endpoint that takes its type."""
    now = timezone.now()
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(organisation_id=event.organisation_id)
        if e.wants(event.type)
    ]
    jobs = []
    for endpoint in endpoints:
        delivery, created = WebhookDelivery.objects.select_for_update().get_or_create(
            event=event,
            endpoint=endpoint,
            defaults={"next_attempt_at": now, "queued_at": now},
        )
        if not created:
            delivery.state, delivery.next_attempt_at, delivery.queued_at = "pending", now, now
            # Attempts keep counting (the history stays); the retry window starts afresh.
            delivery.last_error, delivery.first_attempt_at = "", None
            delivery.save(
                update_fields=[
                    "state",
                    "next_attempt_at",
                    "queued_at",
                    "last_error",
                    "first_attempt_at",
                ]
            )
        jobs.append((delivery.pk, QUEUE))
    from .tasks import deliver_webhook

    outbox.on_commit_dispatch(WebhookDelivery, deliver_webhook, jobs)
    return len(jobs)


def deliveries_retry(*, ids: Iterable[int]) -> tuple[int, int]:
    """Staff: send these deliveries again from scratch. Returns (retried, left: paused endpoint)."""
    from .tasks import deliver_webhook

    now = timezone.now()
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=list(ids))
            .select_related("endpoint")
            .order_by("pk")
        )
        ready = [row for row in rows if row.endpoint.is_active]
        for row in ready:
            row.state, row.next_attempt_at, row.queued_at = WebhookDelivery.State.PENDING, now, now
            row.attempts, row.last_error, row.first_attempt_at = 0, "", None
        WebhookDelivery.objects.bulk_update(
            ready,
            ["state", "next_attempt_at", "queued_at", "attempts", "last_error", "first_attempt_at"],
        )
        outbox.on_commit_dispatch(
            WebhookDelivery, deliver_webhook, [(row.pk, QUEUE) for row in ready]
        )
    return len(ready), len(rows) - len(ready)


def deliveries_sweep(*, now: datetime | None = None, limit: int = 2000) -> int:
    from .tasks import deliver_webhook

    now = now or timezone.now()
    with transaction.atomic():
        ids = outbox.due_for_sweep(
            WebhookDelivery.objects.filter(endpoint__is_active=True), now=now, limit=limit
        )
    return outbox.dispatch(WebhookDelivery, deliver_webhook, [(pk, QUEUE) for pk in ids])


def prune(*, now: datetime | None = None) -> dict[str, int]:
    """Idempotency keys older than 48 hours; events (and deliveries) past their retention."""
    from .models import IdempotencyRecord

    now = now or timezone.now()
    keys = IdempotencyRecord.objects.filter(created_at__lt=now - timedelta(hours=48)).delete()[0]
    events = outbox.delete_in_batches(
        WebhookEvent.objects.filter(
            created_at__lt=now - timedelta(days=settings.WEBHOOKS_EVENT_RETENTION_DAYS)
        ).exclude(deliveries__state__in=outbox.OutboxItem.DUE)
    )
    return {"idempotency_keys": keys, "webhook_events": events}
