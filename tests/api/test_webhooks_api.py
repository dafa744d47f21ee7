"""/api/v1/webhook-endpoints/, /webhook-events/, /webhook-event-types/: a partner's webhooks.

Partner tokens with webhooks:manage only; a partner sees its own endpoints and events only. No
test calls a real URL: `partners.outbound.post` is replaced by a mock receiver.
"""

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from enrollment.services import enrollment_create
from partners import webhooks
from partners.api.webhooks import MAX_ENDPOINTS
from partners.models import (
    WEBHOOK_EVENT_TYPES,
    IdempotencyRecord,
    PartnerLearner,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

SCOPE = ["webhooks:manage"]
ENDPOINTS = "/api/v1/webhook-endpoints/"
EVENTS = "/api/v1/webhook-events/"
TYPES = "/api/v1/webhook-event-types/"
URL = "https://hooks.example.com/yuchuang"
BODY = {"url": URL, "event_types": ["enrollment.created", "offering.updated"]}
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def receiver() -> Iterator[mock.Mock]:
    """Every webhook call in these tests lands here (200 unless a test says otherwise)."""
    with mock.patch("partners.outbound.post", return_value=200) as post:
        yield post


@pytest.fixture
def hooks(as_partner: Any) -> Any:
    return as_partner(SCOPE)


def create(client: Any, **fields: Any) -> Any:
    return client.post(ENDPOINTS, {**BODY, **fields}, format="json")


def endpoint_of(client: Any, **fields: Any) -> WebhookEndpoint:
    """An endpoint of the client's organisation, made by the service (not the API)."""
    values = {"url": URL, "event_types": ["enrollment.created", "offering.updated"], **fields}
    return webhooks.endpoint_create(organisation=client.organisation, **values)


def event_of(client: Any, type: str = "enrollment.created", **data: Any) -> WebhookEvent:
    """An event of the client's organisation and its deliveries, as the pipeline writes them."""
    with transaction.atomic():
        [event] = webhooks.emit(type, [(client.organisation.pk, data or {"n": 1})])
    return event


def errors(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# Who may call ---------------------------------------------------------------------------------


def operations(endpoint: str, event: str) -> list[tuple[str, str, Any]]:
    return [
        ("get", ENDPOINTS, None),
        ("post", ENDPOINTS, BODY),
        ("get", f"{ENDPOINTS}{endpoint}/", None),
        ("patch", f"{ENDPOINTS}{endpoint}/", {"description": "x"}),
        ("delete", f"{ENDPOINTS}{endpoint}/", None),
        ("post", f"{ENDPOINTS}{endpoint}/rotate-secret/", None),
        ("get", EVENTS, None),
        ("get", f"{EVENTS}{event}/", None),
        ("post", f"{EVENTS}{event}/replay/", None),
        ("get", TYPES, None),
    ]


@pytest.fixture
def theirs(as_partner: Any) -> tuple[WebhookEndpoint, WebhookEvent]:
    """An endpoint and an event of some partner, for the callers who may not see them."""
    owner = as_partner(SCOPE)
    return endpoint_of(owner), event_of(owner)


def test_anonymous_callers_are_asked_to_authenticate(api, theirs):
    endpoint, event = theirs
    for method, path, body in operations(endpoint.public_id, event.public_id):
        response = getattr(api, method)(path, body, format="json")
        assert response.status_code == 401, (method, path)
        assert errors(response)["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize("is_superuser", [False, True])
def test_browser_sessions_are_refused(as_user, theirs, is_superuser):
    endpoint, event = theirs
    browser = as_user(UserFactory(is_superuser=is_superuser, is_staff=is_superuser))
    for method, path, body in operations(endpoint.public_id, event.public_id):
        response = getattr(browser, method)(path, body, format="json")
        assert response.status_code == 403, (method, path)
        assert errors(response)["code"] == "permission_denied"
    assert WebhookEndpoint.objects.count() == 1


def test_a_token_without_webhooks_manage_is_refused(as_partner):
    partner = as_partner(["catalog:read", "enrollments:read", "learners:write"])
    endpoint, event = endpoint_of(partner), event_of(partner)
    for method, path, body in operations(endpoint.public_id, event.public_id):
        response = getattr(partner, method)(path, body, format="json")
        assert response.status_code == 403, (method, path)
        assert "webhooks:manage" in errors(response)["message"]
    assert WebhookEndpoint.objects.count() == 1


def test_another_partners_endpoints_and_events_are_not_found(hooks, as_partner, receiver):
    other = as_partner(SCOPE)
    mine, ours = endpoint_of(hooks), event_of(hooks)
    theirs, their_event = endpoint_of(other, url="https://other.example.com/"), event_of(other)
    receiver.reset_mock()
    for method, path, body in operations(theirs.public_id, their_event.public_id):
        if path in (ENDPOINTS, EVENTS, TYPES):
            continue
        response = getattr(hooks, method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
        assert errors(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert (theirs.description, theirs.is_active) == ("", True)
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    assert not receiver.called
    listed = hooks.get(ENDPOINTS).json()
    assert [row["id"] for row in listed["results"]] == [str(mine.public_id)]
    events = hooks.get(EVENTS).json()
    assert [row["id"] for row in events["results"]] == [str(ours.public_id)]
    assert hooks.get(EVENTS, {"endpoint": str(theirs.public_id)}).json()["count"] == 0


@pytest.mark.parametrize(
    "path",
    [
        f"{ENDPOINTS}{MISSING}/",
        f"{ENDPOINTS}{MISSING}/rotate-secret/",
        f"{EVENTS}{MISSING}/",
        f"{EVENTS}{MISSING}/replay/",
        f"{ENDPOINTS}not-a-uuid/",
        f"{ENDPOINTS}{'a' * 36}/",
        f"{EVENTS}{'-' * 36}/",
    ],
)
def test_unknown_ids_are_not_found(hooks, path):
    method = hooks.post if path.endswith(("replay/", "secret/")) else hooks.get
    response = method(path)
    assert response.status_code == 404
    assert errors(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "endpoint"),
        ("post", "endpoint"),
        ("put", ENDPOINTS),
        ("delete", ENDPOINTS),
        ("post", EVENTS),
        ("post", "event"),
        ("patch", "event"),
        ("delete", "event"),
        ("post", TYPES),
        ("get", "rotate"),
        ("get", "replay"),
    ],
)
def test_other_methods_are_not_allowed(hooks, method, path):
    endpoint, event = endpoint_of(hooks), event_of(hooks)
    path = {
        "endpoint": f"{ENDPOINTS}{endpoint.public_id}/",
        "event": f"{EVENTS}{event.public_id}/",
        "rotate": f"{ENDPOINTS}{endpoint.public_id}/rotate-secret/",
        "replay": f"{EVENTS}{event.public_id}/replay/",
    }.get(path, path)
    response = getattr(hooks, method)(path, BODY, format="json")
    assert response.status_code == 405
    assert errors(response)["code"] == "method_not_allowed"
    assert WebhookEndpoint.objects.count() == 1


# Endpoints -------------------------------------------------------------------------------------


def test_creating_an_endpoint_shows_its_secret_once(hooks):
    response = create(
        hooks, event_types=["offering.updated", "enrollment.created"], description="HR"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organisation == hooks.organisation
    assert response["Location"] == f"http://testserver{ENDPOINTS}{endpoint.public_id}/"
    assert body == {
        "id": str(endpoint.public_id),
        "url": URL,
        "description": "HR",
        "event_types": ["enrollment.created", "offering.updated"],
        "is_active": True,
        "paused_at": None,
        "paused_reason": "",
        "failing_since": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "secret": endpoint.secret,
        "previous_secret_expires_at": None,
    }
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) > 40
    # Never again: not in the endpoint, the list, a change, nor the events.
    event_of(hooks)
    for shown in (
        hooks.get(response["Location"]),
        hooks.get(ENDPOINTS),
        hooks.patch(response["Location"], {"description": "HR 2"}, format="json"),
        hooks.get(EVENTS),
    ):
        assert shown.status_code == 200
        assert endpoint.secret not in shown.content.decode()
        assert "secret" not in shown.content.decode()
    detail = hooks.get(response["Location"]).json()
    assert set(detail) == set(body) - {"secret", "previous_secret_expires_at"}


def test_the_description_is_optional(hooks):
    response = hooks.post(ENDPOINTS, {"url": URL, "event_types": ["offering.cancelled"]})
    assert response.status_code == 201
    assert response.json()["description"] == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "https://hooks.example.com:99999/x"}, "url"),
        ({"url": "https://user:pw@hooks.example.com/x"}, "url"),
        ({"url": "https://hooks.example.com/" + "a" * 600}, "url"),
        ({"url": "https://hooks.example.com/" + "a" * 100_000}, "url"),
        ({"url": 12345}, "url"),
        ({"url": ["https://hooks.example.com/"]}, "url"),
        ({"url": None}, "url"),
        ({"url": "https://hooks.example.com/\x00"}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["enrollment.created", "enrollment.created"]}, "event_types"),
        ({"event_types": ["enrollment.exploded"]}, "event_types"),
        ({"event_types": ["*"]}, "event_types"),
        ({"event_types": "enrollment.created"}, "event_types"),
        ({"event_types": {"enrollment.created": True}}, "event_types"),
        ({"event_types": [1, 2]}, "event_types"),
        ({"event_types": [["enrollment.created"]]}, "event_types"),
        ({"event_types": None}, "event_types"),
        ({"event_types": list(WEBHOOK_EVENT_TYPES) * 2}, "event_types"),
        ({"description": "d" * 201}, "description"),
        ({"description": None}, "description"),
        ({"description": ["x"]}, "description"),
        ({"description": "nul \x00 char"}, "description"),
    ],
)
def test_bad_fields_are_named(hooks, fields, field):
    response = create(hooks, **fields)
    assert response.status_code == 400, response.content[:300]
    error = errors(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert all(isinstance(text, str) and text for text in error["fields"][field])
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("missing", ["url", "event_types"])
def test_url_and_event_types_are_required(hooks, missing):
    body = {k: v for k, v in BODY.items() if k != missing}
    response = hooks.post(ENDPOINTS, body, format="json")
    assert response.status_code == 400
    assert list(errors(response)["fields"]) == [missing]


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://192.168.1.20:8443/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://LOCALHOST:8000/hook",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
    ],
)
def test_private_addresses_are_refused(hooks, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = create(hooks, url=url)
    assert response.status_code == 400, response.json()
    assert errors(response)["fields"]["url"] == [
        "Webhook URLs must point to a public address, not a private one."
    ]
    assert not WebhookEndpoint.objects.exists()


def test_public_addresses_pass_when_private_ones_are_refused(hooks, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    for url in ("https://8.8.8.8/hook", "https://hooks.example.com/x?token=1"):
        assert create(hooks, url=url).status_code == 201


def test_plain_http_is_refused_unless_allowed(hooks, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = create(hooks, url="http://hooks.example.com/x")
    assert response.status_code == 400
    assert errors(response)["fields"]["url"] == ["Webhook URLs must start with https://."]
    settings.WEBHOOKS_ALLOW_HTTP = True
    assert create(hooks, url="http://hooks.example.com/x").status_code == 201


def test_the_url_message_follows_accept_language(hooks, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = hooks.post(
        ENDPOINTS, {**BODY, "url": "http://hooks.example.com/"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        expected = translation.gettext("Webhook URLs must start with https://.")
        invalid = translation.gettext("The request is not valid: see the fields.")
    assert errors(response)["fields"]["url"] == [expected]
    assert errors(response)["message"] == invalid


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'{"url": ', "application/json", 400, "malformed"),
        (b"[" * 100_000, "application/json", 400, "malformed"),
        (b'{"url": ' * 50_000, "application/json", 400, "malformed"),
        (b"\xff\xfe", "application/json", 400, "malformed"),
        (b"", "application/json", 400, "invalid"),
        (b"[]", "application/json", 400, "invalid"),
        (b'"text"', "application/json", 400, "invalid"),
        (b"null", "application/json", 400, "invalid"),
        (b"url=https://hooks.example.com/", "application/x-www-form-urlencoded", 415, None),
        (b"<xml/>", "text/xml", 415, "unsupported_media_type"),
    ],
)
def test_bodies_that_are_not_json_objects_are_refused(hooks, content, content_type, status, code):
    response = hooks.generic("POST", ENDPOINTS, content, content_type=content_type)
    assert response.status_code == status, response.content
    assert errors(response)["code"] == (code or "unsupported_media_type")
    assert not WebhookEndpoint.objects.exists()


def test_an_organisation_has_at_most_ten_endpoints(hooks, as_partner):
    for index in range(MAX_ENDPOINTS):
        assert create(hooks, url=f"{URL}/{index}").status_code == 201
    # Paused ones count too.
    paused = WebhookEndpoint.objects.filter(organisation=hooks.organisation).last()
    webhooks.endpoint_update(endpoint=paused, is_active=False)
    response = create(hooks, url=f"{URL}/11")
    assert response.status_code == 422
    assert errors(response) == {
        "code": "endpoint_limit_reached",
        "message": "Your organisation already has 10 webhook endpoints, the most it may have: "
        "delete one first.",
    }
    assert WebhookEndpoint.objects.count() == MAX_ENDPOINTS
    # Another organisation has its own ten; deleting one frees a place.
    assert create(as_partner(SCOPE)).status_code == 201
    first = WebhookEndpoint.objects.filter(organisation=hooks.organisation).first()
    assert hooks.delete(f"{ENDPOINTS}{first.public_id}/").status_code == 204
    assert create(hooks, url=f"{URL}/11").status_code == 201


def test_creating_with_an_idempotency_key_creates_once(hooks):
    first = hooks.post(ENDPOINTS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = hooks.post(ENDPOINTS, BODY, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_changing_an_endpoint(hooks):
    endpoint = endpoint_of(hooks, description="old")
    path = f"{ENDPOINTS}{endpoint.public_id}/"
    response = hooks.patch(
        path,
        {
            "url": "https://new.example.com/hook",
            "event_types": ["offering.cancelled", "enrollment.dropped"],
            "description": "new",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["url"] == "https://new.example.com/hook"
    assert body["event_types"] == ["enrollment.dropped", "offering.cancelled"]
    assert body["description"] == "new"
    assert "secret" not in body
    endpoint.refresh_from_db()
    assert endpoint.url == "https://new.example.com/hook"
    # Only what is sent changes; an empty body changes nothing.
    unchanged = hooks.patch(path, {}, format="json")
    assert unchanged.status_code == 200
    assert {k: v for k, v in unchanged.json().items() if k != "updated_at"} == {
        k: v for k, v in body.items() if k != "updated_at"
    }
    assert hooks.patch(path, {"description": ""}, format="json").json()["description"] == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "ftp://x.example.com/"}, "url"),
        ({"url": "https://localhost/"}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["nope"]}, "event_types"),
        ({"event_types": ["offering.updated", "offering.updated"]}, "event_types"),
        ({"is_active": "maybe"}, "is_active"),
        ({"is_active": None}, "is_active"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(hooks, settings, fields, field):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    endpoint = endpoint_of(hooks)
    before = WebhookEndpoint.objects.values().get(pk=endpoint.pk)
    response = hooks.patch(f"{ENDPOINTS}{endpoint.public_id}/", fields, format="json")
    assert response.status_code == 400
    assert list(errors(response)["fields"]) == [field]
    assert WebhookEndpoint.objects.values().get(pk=endpoint.pk) == before


def test_a_malformed_change_is_refused(hooks):
    endpoint = endpoint_of(hooks)
    path = f"{ENDPOINTS}{endpoint.public_id}/"
    broken = hooks.generic("PATCH", path, b"{", content_type="application/json")
    assert (broken.status_code, errors(broken)["code"]) == (400, "malformed")
    listed = hooks.patch(path, [], format="json")
    assert (listed.status_code, errors(listed)["code"]) == (400, "invalid")


def test_pausing_and_resuming(hooks):
    endpoint = endpoint_of(hooks)
    path = f"{ENDPOINTS}{endpoint.public_id}/"
    paused = hooks.patch(path, {"is_active": False}, format="json").json()
    assert paused["is_active"] is False
    assert paused["paused_at"] is not None
    assert paused["paused_reason"]
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    # Events still happen and are listed, but a paused endpoint gets no delivery.
    event = event_of(hooks)
    assert not event.deliveries.exists()
    # The pipeline paused it after a day of failures; resuming clears the record.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=1), paused_reason="failed"
    )
    resumed = hooks.patch(path, {"is_active": True}, format="json").json()
    assert resumed["is_active"] is True
    assert (resumed["paused_at"], resumed["paused_reason"], resumed["failing_since"]) == (
        None,
        "",
        None,
    )


def test_deleting_an_endpoint_keeps_its_events(hooks, receiver):
    receiver.return_value = 503
    endpoint = endpoint_of(hooks)
    event = event_of(hooks)
    assert event.deliveries.count() == 1
    path = f"{ENDPOINTS}{endpoint.public_id}/"
    response = hooks.delete(path)
    assert response.status_code == 204
    assert response.content == b""
    assert hooks.get(path).status_code == 404
    assert hooks.delete(path).status_code == 404
    assert not WebhookDelivery.objects.exists()
    listed = hooks.get(EVENTS).json()["results"]
    assert [(row["id"], row["deliveries"]) for row in listed] == [(str(event.public_id), [])]


def test_rotating_the_secret(hooks):
    endpoint = endpoint_of(hooks)
    old = endpoint.secret
    response = hooks.post(f"{ENDPOINTS}{endpoint.public_id}/rotate-secret/")
    assert response.status_code == 200, response.json()
    body = response.json()
    endpoint.refresh_from_db()
    assert body["secret"] == endpoint.secret != old
    assert body["secret"].startswith("whsec_")
    assert endpoint.previous_secret == old
    expires = datetime.fromisoformat(body["previous_secret_expires_at"])
    assert abs(expires - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    assert body["id"] == str(endpoint.public_id)
    # The calls carry both signatures meanwhile.
    header = webhooks.signature_header(endpoint, 1_800_000_000, b"{}")
    assert header.count("v1=") == 2
    assert endpoint.secret not in hooks.get(f"{ENDPOINTS}{endpoint.public_id}/").content.decode()


def test_listing_endpoints_oldest_first_in_pages(hooks):
    made = [endpoint_of(hooks, url=f"{URL}/{i}") for i in range(3)]
    page = hooks.get(ENDPOINTS, {"page_size": 2}).json()
    assert page["count"] == 3
    assert [row["id"] for row in page["results"]] == [str(e.public_id) for e in made[:2]]
    assert page["next"]
    assert hooks.get(ENDPOINTS, {"page": 9}).status_code == 404


# Events ----------------------------------------------------------------------------------------


def test_an_enrollment_event_is_listed_with_its_delivery(
    hooks, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_of(hooks)
    learner = UserFactory()
    PartnerLearner.objects.create(organisation=hooks.organisation, user=learner, external_id="E1")
    offering = OfferingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = enrollment_create(learner=learner, offering=offering, actor=learner)
    [call] = receiver.call_args_list
    url, sent, headers = call.args
    assert url == URL
    envelope = json.loads(sent)
    event = WebhookEvent.objects.get()
    assert envelope["id"] == headers["Yuchuang-Event-Id"] == str(event.public_id)
    assert headers["Yuchuang-Event-Type"] == "enrollment.created"

    body = hooks.get(f"{EVENTS}{event.public_id}/").json()
    assert body["id"] == str(event.public_id)
    assert body["type"] == "enrollment.created"
    assert body["data"] == envelope["data"] == event.data
    assert body["data"]["enrollment"]["id"] == str(enrollment.public_id)
    # The partner's own id for the learner rides along (docs/webhooks.md shows this shape).
    assert body["data"]["enrollment"]["learner"]["external_id"] == "E1"
    [delivery] = body["deliveries"]
    assert delivery["endpoint"] == str(endpoint.public_id)
    assert delivery["state"] == "sent"
    assert delivery["attempts"] == 1
    assert delivery["last_status_code"] == 200
    assert delivery["last_error"] == ""
    assert delivery["sent_at"] is not None
    assert delivery["next_attempt_at"] is None
    assert hooks.get(EVENTS).json()["results"] == [body]


def test_a_failed_delivery_shows_its_status_and_next_attempt(
    hooks, receiver, django_capture_on_commit_callbacks
):
    receiver.return_value = 500
    endpoint_of(hooks)
    with django_capture_on_commit_callbacks(execute=True):
        event = event_of(hooks)
    [delivery] = hooks.get(f"{EVENTS}{event.public_id}/").json()["deliveries"]
    assert delivery["state"] == "failed"
    assert delivery["attempts"] == 1
    assert delivery["last_status_code"] == 500
    assert "500" in delivery["last_error"]
    assert delivery["sent_at"] is None
    assert datetime.fromisoformat(delivery["next_attempt_at"]) > timezone.now()


def test_events_newest_first_and_filters(hooks):
    first = endpoint_of(hooks)
    second = endpoint_of(hooks, url=f"{URL}/2", event_types=["offering.updated"])
    old = event_of(hooks, "enrollment.created")
    WebhookEvent.objects.filter(pk=old.pk).update(created_at=datetime(2026, 9, 1, 1, 0, tzinfo=UTC))
    mid = event_of(hooks, "offering.updated")
    WebhookEvent.objects.filter(pk=mid.pk).update(created_at=datetime(2026, 9, 2, 1, 0, tzinfo=UTC))
    new = event_of(hooks, "enrollment.created")

    def ids(**params: Any) -> list[str]:
        response = hooks.get(EVENTS, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [str(new.public_id), str(mid.public_id), str(old.public_id)]
    assert ids(type="offering.updated") == [str(mid.public_id)]
    assert ids(type="enrollment.created") == [str(new.public_id), str(old.public_id)]
    # created_since names a moment: 09:00 in Chongqing is 01:00 UTC, boundary included.
    assert ids(created_since="2026-09-02T09:00:00+08:00") == [
        str(new.public_id),
        str(mid.public_id),
    ]
    assert ids(created_since="2026-09-02T01:00:01Z") == [str(new.public_id)]
    assert ids(created_since="2026-09-02T14:00:00+13:00") == [
        str(new.public_id),
        str(mid.public_id),
    ]
    assert ids(endpoint=str(second.public_id)) == [str(mid.public_id)]
    assert ids(endpoint=str(first.public_id)) == [
        str(new.public_id),
        str(mid.public_id),
        str(old.public_id),
    ]
    assert ids(endpoint=MISSING) == []
    assert ids(endpoint=str(first.public_id), type="offering.updated") == [str(mid.public_id)]


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("0001-01-01T00:00:00+05:00", 1),  # before year 1 in UTC
        ("0001-01-01T00:00:00Z", 1),
        ("9999-12-31T23:59:59-05:00", 0),  # after year 9999 in UTC
        ("9999-12-31T23:59:59Z", 0),
    ],
)
def test_created_since_at_the_ends_of_time(hooks, value, found):
    endpoint_of(hooks)
    event_of(hooks)
    response = hooks.get(EVENTS, {"created_since": value})
    assert response.status_code == 200
    assert response.json()["count"] == found


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "enrollment.exploded"}, "type"),
        ({"created_since": "yesterday"}, "created_since"),
        ({"created_since": "2026-13-01T00:00:00Z"}, "created_since"),
        ({"created_since": "2026-01-01T00:00:00+25:00"}, "created_since"),
        ({"type": ""}, None),
        ({"endpoint": ""}, None),
        ({"endpoint": "not-a-uuid"}, "endpoint"),
        ({"page_size": "x"}, None),
    ],
)
def test_bad_filters_are_named(hooks, params, field):
    response = hooks.get(EVENTS, params)
    if field is None:  # ignored: an empty filter, or a page_size that falls back to the default
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert list(errors(response)["fields"]) == [field]


# Replay ----------------------------------------------------------------------------------------


def test_replaying_sends_the_same_event_again(hooks, receiver, django_capture_on_commit_callbacks):
    endpoint = endpoint_of(hooks)
    with django_capture_on_commit_callbacks(execute=True):
        event = event_of(hooks)
    assert receiver.call_count == 1
    first_body = receiver.call_args.args[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = hooks.post(f"{EVENTS}{event.public_id}/replay/")
    assert response.status_code == 202
    assert response.json() == {"deliveries": 1}
    assert receiver.call_count == 2
    url, body, headers = receiver.call_args.args
    assert url == endpoint.url
    assert body == first_body == webhooks.body_of(event)
    assert headers["Yuchuang-Event-Id"] == str(event.public_id)
    assert headers["Yuchuang-Delivery-Attempt"] == "2"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("sent", 2)


def test_replay_resets_dead_deliveries_and_reaches_new_endpoints(
    hooks, receiver, django_capture_on_commit_callbacks
):
    old = endpoint_of(hooks)
    event = event_of(hooks)
    WebhookDelivery.objects.filter(event=event).update(
        state="dead", last_error="HTTP 500", attempts=9
    )
    new = endpoint_of(hooks, url=f"{URL}/new", event_types=["enrollment.created"])
    endpoint_of(hooks, url=f"{URL}/other", event_types=["offering.updated"])  # another type
    paused = endpoint_of(hooks, url=f"{URL}/paused")
    webhooks.endpoint_update(endpoint=paused, is_active=False)
    receiver.return_value = 500  # the calls fail again: the deliveries show it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = hooks.post(f"{EVENTS}{event.public_id}/replay/")
    assert response.status_code == 202
    assert response.json() == {"deliveries": 2}
    assert len(callbacks) == 1
    assert {call.args[0] for call in receiver.call_args_list} == {old.url, new.url}
    rows = {d.endpoint_id: d for d in WebhookDelivery.objects.filter(event=event)}
    assert set(rows) == {old.pk, new.pk}
    assert rows[old.pk].attempts == 10
    assert rows[new.pk].attempts == 1
    assert rows[new.pk].last_status_code == 500


def test_replay_with_no_active_endpoint_sends_nothing(
    hooks, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_of(hooks)
    event = event_of(hooks)
    webhooks.endpoint_update(endpoint=endpoint, is_active=False)
    receiver.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        response = hooks.post(f"{EVENTS}{event.public_id}/replay/")
    assert (response.status_code, response.json()) == (202, {"deliveries": 0})
    assert not receiver.called


def test_a_replay_with_an_idempotency_key_happens_once(
    hooks, receiver, django_capture_on_commit_callbacks
):
    endpoint_of(hooks)
    event = event_of(hooks)
    receiver.reset_mock()
    path = f"{EVENTS}{event.public_id}/replay/"
    with django_capture_on_commit_callbacks(execute=True):
        first = hooks.post(path, HTTP_IDEMPOTENCY_KEY="replay-1")
    with django_capture_on_commit_callbacks(execute=True):
        again = hooks.post(path, HTTP_IDEMPOTENCY_KEY="replay-1")
    assert first.json() == again.json() == {"deliveries": 1}
    assert again["Idempotent-Replayed"] == "true"
    assert receiver.call_count == 1


# Event types -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_event_types_are_described_in_the_callers_language(hooks, language):
    response = hooks.get(TYPES, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    with translation.override(language):
        expected = [{"type": k, "description": str(v)} for k, v in WEBHOOK_EVENT_TYPES.items()]
    assert response.json() == expected
    assert {row["type"] for row in expected} >= {
        "enrollment.created",
        "enrollment.waitlisted",
        "enrollment.offered",
        "enrollment.promoted",
        "enrollment.dropped",
        "enrollment.withdrawn",
        "enrollment.completed",
        "offering.updated",
        "offering.cancelled",
    }


# Query counts ----------------------------------------------------------------------------------


def test_endpoint_list_queries_do_not_grow(hooks, django_assert_max_num_queries):
    for index in range(MAX_ENDPOINTS):
        endpoint_of(hooks, url=f"{URL}/{index}")
    counts = []
    for size in (5, 100):
        with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as queries:
            response = hooks.get(ENDPOINTS, {"page_size": size})
        assert len(response.json()["results"]) == min(size, MAX_ENDPOINTS)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_event_list_queries_do_not_grow(hooks, django_assert_max_num_queries):
    endpoint_of(hooks)
    endpoint_of(hooks, url=f"{URL}/2")
    with transaction.atomic():
        webhooks.emit("enrollment.created", [(hooks.organisation.pk, {"n": n}) for n in range(105)])
    assert WebhookDelivery.objects.count() == 210
    counts = []
    for size in (5, 100):
        with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as queries:
            response = hooks.get(EVENTS, {"page_size": size})
        results = response.json()["results"]
        assert len(results) == size
        assert all(len(row["deliveries"]) == 2 for row in results)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# The guide's verify_signature -------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def guide_verify_signature() -> Callable[..., bool]:
    [code] = re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 (our own documentation)
    return namespace["verify_signature"]


def test_the_guides_verify_signature_accepts_our_signatures_and_nothing_else():
    verify = guide_verify_signature()
    endpoint = WebhookEndpoint(secret="whsec_new", previous_secret="")
    body = '{"api_version":"v1","data":{"名":"王芳"},"id":"x"}'.encode()
    t = 1_800_000_000
    header = webhooks.signature_header(endpoint, t, body)
    assert verify("whsec_new", header, body, now=t)
    assert verify("whsec_new", header, body, now=t + 300)
    assert verify("whsec_new", header, body, now=t - 300)
    assert not verify("whsec_new", header, body, now=t + 301)
    assert not verify("whsec_new", header, body, now=t - 301)
    assert not verify("whsec_new", header, body + b" ", now=t)
    assert not verify("whsec_other", header, body, now=t)
    assert verify("whsec_new", header.replace(",", ", "), body, now=t)
    # After a rotation either secret verifies, for the day both sign.
    endpoint.previous_secret = "whsec_old"
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=1)
    both = webhooks.signature_header(endpoint, t, body)
    assert both.count("v1=") == 2
    assert verify("whsec_new", both, body, now=t)
    assert verify("whsec_old", both, body, now=t)
    # Without `now`, the clock.
    fresh = int(datetime.now(UTC).timestamp())
    assert verify("whsec_new", webhooks.signature_header(endpoint, fresh, body), body)
    assert not verify("whsec_new", header, body)
    signature = header.split("v1=")[1]
    for bad in (
        "",
        "garbage",
        f"v1={signature}",
        f"t={t}",
        f"t={t},v1=",
        f"t={t},t={t},v1={signature}",
        f"t=+{t},v1={signature}",
        f"t={t}.0,v1={signature}",
        f"t=١٨٠٠٠٠٠٠٠٠,v1={signature}",
        f"t={t},v1=é{signature[1:]}",
        f"t={t},v0={signature}",
        f"t={t},v1={signature.upper()}x",
    ):
        assert verify("whsec_new", bad, body, now=t) is False, bad


def test_the_guides_test_vector_holds():
    verify = guide_verify_signature()
    text = GUIDE.read_text(encoding="utf-8")
    body = re.search(r"^body: +(\{.*\})$", text, re.M).group(1).encode()
    signature = re.search(r"give `v1=([0-9a-f]{64})`", text).group(1)
    assert webhooks.sign("whsec_test_only", 1795910531, body) == signature
    assert verify("whsec_test_only", f"t=1795910531,v1={signature}", body, now=1795910531)
