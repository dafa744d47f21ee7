"""The webhook screens of the admin: the project office's (superusers') only.

Endpoints are listed without their secrets; the office pauses, resumes and rotates (the new
secret shows once, in a message). Events and deliveries are read only; a delivery can be sent
again now. No test calls a real URL: `partners.outbound.post` is a mock receiver.
"""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from institutions.models import StaffMembership
from partners import webhooks
from partners.models import PartnerOrganisation, WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]+")


@pytest.fixture(autouse=True)
def receiver() -> Iterator[mock.Mock]:
    with mock.patch("partners.outbound.post", return_value=200) as post:
        yield post


@pytest.fixture
def office(login: Any, superuser: User) -> Any:
    return login(superuser)


@pytest.fixture
def organisation(make_partner: Any) -> PartnerOrganisation:
    return make_partner("HR01", contact_email="it@hr.example.com")


@pytest.fixture
def endpoint(organisation: PartnerOrganisation) -> WebhookEndpoint:
    return webhooks.endpoint_create(
        organisation=organisation,
        url="https://hooks.example.com/yuchuang",
        event_types=["enrollment.created", "offering.updated"],
        description="HR system",
    )


@pytest.fixture
def event(endpoint: WebhookEndpoint) -> WebhookEvent:
    with transaction.atomic():
        [event] = webhooks.emit("enrollment.created", [(endpoint.organisation_id, {"n": 1})])
    return event


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:partners_{name}", args=args)


def texts(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def act(office: Any, model: str, action: str, *objects: Any) -> Any:
    return office.post(
        url(f"{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def test_the_office_sees_the_webhook_screens_without_secrets(office, endpoint, event):
    webhooks.endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    delivery = event.deliveries.get()
    pages = [
        url("webhookendpoint_changelist"),
        url("webhookendpoint_change", endpoint.pk),
        url("webhookevent_changelist"),
        url("webhookevent_change", event.pk),
        url("webhookdelivery_changelist"),
        url("webhookdelivery_change", delivery.pk),
        url("webhookdelivery_changelist") + "?state__exact=sent",
        url("webhookendpoint_changelist") + "?q=hooks.example",
    ]
    for page in pages:
        response = office.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert endpoint.secret not in content
        assert endpoint.previous_secret not in content
        assert not SECRET.search(content)
    listing = office.get(url("webhookendpoint_changelist")).content.decode()
    assert "https://hooks.example.com/yuchuang" in listing
    # The event shows its deliveries inline.
    assert (
        "https://hooks.example.com/yuchuang"
        in office.get(url("webhookevent_change", event.pk)).content.decode()
    )


def test_nothing_is_added_edited_or_deleted_here(office, endpoint, event):
    for model in ("webhookendpoint", "webhookevent", "webhookdelivery"):
        assert office.get(url(f"{model}_add")).status_code == 403
    assert office.get(url("webhookendpoint_delete", endpoint.pk)).status_code == 403
    response = office.post(
        url("webhookendpoint_change", endpoint.pk),
        {"url": "https://evil.example.com/", "is_active": ""},
    )
    assert response.status_code in (200, 302)
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.is_active) == ("https://hooks.example.com/yuchuang", True)


@pytest.mark.parametrize("role", [*StaffMembership.Role.values, "is_staff"])
def test_institution_staff_do_not_see_them(login, endpoint, event, role):
    user = UserFactory(is_staff=role == "is_staff")
    if role != "is_staff":
        StaffMembership.objects.create(user=user, institution=InstitutionFactory(), role=role)
    browser = login(user)
    for page in (
        url("webhookendpoint_changelist"),
        url("webhookendpoint_change", endpoint.pk),
        url("webhookevent_changelist"),
        url("webhookdelivery_changelist"),
    ):
        assert browser.get(page).status_code == 403, page
    response = browser.post(
        url("webhookendpoint_changelist"),
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 403
    old = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.secret == old


def test_pausing_and_resuming(office, endpoint):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now())
    response = act(office, "webhookendpoint", "pause", endpoint)
    assert response.status_code == 200
    assert len(texts(response)) == 1
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.paused_at is not None
    assert endpoint.paused_reason == "paused by the project office"
    assert not mail.outbox  # the partner's "failed for a day" mail is for the pipeline's pauses
    # A paused endpoint gets no deliveries for new events.
    with transaction.atomic():
        webhooks.emit("enrollment.created", [(endpoint.organisation_id, {"n": 2})])
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()

    act(office, "webhookendpoint", "resume", endpoint)
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    assert (endpoint.paused_at, endpoint.paused_reason, endpoint.failing_since) == (None, "", None)


def test_pausing_a_paused_endpoint_keeps_its_reason(office, endpoint):
    webhooks.endpoint_pause(endpoint=endpoint, reason="failed for the whole retry window")
    paused_at = WebhookEndpoint.objects.get(pk=endpoint.pk).paused_at
    act(office, "webhookendpoint", "pause", endpoint)
    endpoint.refresh_from_db()
    assert endpoint.paused_reason == "failed for the whole retry window"
    assert endpoint.paused_at == paused_at


def test_rotating_shows_the_new_secret_once(office, endpoint, organisation):
    old = endpoint.secret
    other = webhooks.endpoint_create(
        organisation=organisation,
        url="https://other.example.com/",
        event_types=["offering.updated"],
    )
    response = act(office, "webhookendpoint", "rotate_secret", endpoint, other)
    assert response.status_code == 200
    endpoint.refresh_from_db()
    other.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    assert endpoint.previous_secret_expires_at > timezone.now() + timedelta(hours=23)
    shown = [match for text in texts(response) for match in SECRET.findall(text)]
    assert sorted(shown) == sorted([endpoint.secret, other.secret])
    # Signed with both for a day.
    assert webhooks.signature_header(endpoint, 1_800_000_000, b"{}").count("v1=") == 2
    page = office.get(url("webhookendpoint_change", endpoint.pk)).content.decode()
    assert endpoint.secret not in page


def test_retry_now_sends_a_dead_delivery_again(office, event, receiver, deliver):
    delivery = event.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="dead", attempts=12, last_error="HTTP 500", queued_at=None
    )
    receiver.reset_mock()
    with deliver():
        response = act(office, "webhookdelivery", "retry_now", delivery)
    assert response.status_code == 200
    assert len(texts(response)) == 1
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    assert delivery.attempts == 1  # counted from zero again
    assert delivery.last_error == ""
    assert delivery.last_status_code == 200
    [call] = receiver.call_args_list
    assert call.args[2]["Yuchuang-Event-Id"] == str(event.public_id)
    assert call.args[2]["Yuchuang-Delivery-Attempt"] == "1"


def test_retry_now_resets_the_row_and_dispatches_after_commit(
    office, event, django_capture_on_commit_callbacks
):
    from partners.tasks import deliver_webhook

    delivery = event.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="failed", attempts=3, last_error="timeout", queued_at=None
    )
    before = timezone.now()
    with mock.patch("notifications.outbox.dispatch") as dispatch:
        with django_capture_on_commit_callbacks() as callbacks:
            act(office, "webhookdelivery", "retry_now", delivery)
        assert not dispatch.called  # not before the commit
        delivery.refresh_from_db()
        assert delivery.state == "pending"
        assert delivery.attempts == 0
        assert delivery.last_error == ""
        assert delivery.next_attempt_at >= before
        assert delivery.queued_at >= before
        for callback in callbacks:
            callback()
    dispatch.assert_called_once_with(WebhookDelivery, deliver_webhook, [(delivery.pk, "webhooks")])


def test_retry_now_leaves_deliveries_to_paused_endpoints(
    office, event, endpoint, receiver, deliver
):
    delivery = event.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="dead", attempts=4)
    webhooks.endpoint_update(endpoint=endpoint, is_active=False)
    receiver.reset_mock()
    with deliver():
        response = act(office, "webhookdelivery", "retry_now", delivery)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("dead", 4)
    assert not receiver.called
    assert len(texts(response)) == 2  # none sent, and why


def test_the_delivery_list_filters_on_state(office, event):
    delivery = event.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="dead")
    dead = office.get(url("webhookdelivery_changelist"), {"state__exact": "dead"})
    sent = office.get(url("webhookdelivery_changelist"), {"state__exact": "sent"})
    change = url("webhookdelivery_change", delivery.pk)
    assert change in dead.content.decode()
    assert change not in sent.content.decode()
