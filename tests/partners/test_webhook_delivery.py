"""Webhook calls against a real HTTP receiver on 127.0.0.1: signed, retried, paused, refused.

Tasks run eagerly: after a change commits, the call is made in the test process. Time moves by
patching django.utils.timezone.now, so a day of retries takes a moment.
"""

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from enrollment import services
from partners import webhooks
from partners.models import PartnerLearner, WebhookDelivery, WebhookEndpoint, WebhookEvent
from partners.outbound import TargetRefused, check_url
from partners.services import partner_organisation_create
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


class Receiver:
    """An HTTP server that answers each POST with the next status in `answers` (then 200)."""

    def __init__(self, answers: list[int] | None = None, delay: float = 0.0) -> None:
        self.answers = list(answers or [])
        self.delay = delay
        self.calls: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        return [call["headers"]["Yuchuang-Event-Id"] for call in self.calls]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def partner() -> Any:
    return partner_organisation_create(code="HR", name_zh="两江人事", contact_email="it@hr.example")


def endpoint_for(partner: Any, url: str, types: list[str] | None = None) -> WebhookEndpoint:
    return webhooks.endpoint_create(
        organisation=partner, url=url, event_types=types or ["enrollment.created"]
    )


def learner_of(partner: Any, external_id: str = "E-1") -> Any:
    person = UserFactory()
    PartnerLearner.objects.create(organisation=partner, user=person, external_id=external_id)
    return person


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    def run(action: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def documented_verify() -> Any:
    """The verification snippet from docs/webhooks.md, run as an integrator would paste it."""
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (snippet,) = [b for b in blocks if "def verify_signature" in b]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # noqa: S102 (our own documentation)
    return namespace["verify_signature"]


def enroll(learner: Any, **offering: Any) -> Any:
    place = OfferingFactory(**offering)
    return services.enrollment_create(learner=learner, offering=place, actor=learner)


# --- a call, signed ------------------------------------------------------------------------------


def test_an_enrollment_reaches_the_partner_signed_as_documented(partner, receiver, commit):
    endpoint = endpoint_for(partner, receiver.url)
    person = learner_of(partner, "HR-0042")
    enrollment = commit(lambda: enroll(person))
    (call,) = receiver.calls
    headers, body = call["headers"], call["body"]
    payload = json.loads(body)
    event = WebhookEvent.objects.get()
    assert payload["id"] == headers["Yuchuang-Event-Id"] == str(event.public_id)
    assert payload["type"] == headers["Yuchuang-Event-Type"] == "enrollment.created"
    assert payload["api_version"] == "v1"
    resource = payload["data"]["enrollment"]
    assert resource["id"] == str(enrollment.public_id)
    assert resource["status"] == "enrolled"
    assert resource["learner"]["external_id"] == "HR-0042"
    assert headers["Content-Type"].startswith("application/json")
    verify = documented_verify()
    signature = headers["Yuchuang-Signature"]
    assert verify(endpoint.secret, signature, body)
    assert not verify("whsec_wrong", signature, body)
    assert not verify(endpoint.secret, signature, body.replace(b"enrolled", b"dropped"))
    stamp = int(re.search(r"t=(\d+)", signature).group(1))  # type: ignore[union-attr]
    assert not verify(endpoint.secret, signature, body, now=stamp + 3600)  # a replayed capture
    assert WebhookDelivery.objects.get().state == "sent"
    assert WebhookDelivery.objects.get().last_status_code == 200


def test_only_the_partner_that_registered_the_learner_hears(partner, receiver, commit):
    other = partner_organisation_create(code="CQ", name_zh="其他")
    with Receiver() as other_receiver:
        endpoint_for(partner, receiver.url)
        endpoint_for(other, other_receiver.url)
        commit(lambda: enroll(learner_of(partner)))
        commit(lambda: enroll(UserFactory()))  # nobody's learner
    assert len(receiver.calls) == 1
    assert other_receiver.calls == []


def test_learner_events_go_once_to_each_listening_partner_with_its_external_id(partner):
    """emit_for_learners's hand-written lookup answers what the ORM query it replaces did."""
    quiet = partner_organisation_create(code="QT", name_zh="无端点")
    second = partner_organisation_create(code="CQ", name_zh="其他")
    endpoint_for(partner, "https://hr.example/a")
    endpoint_for(partner, "https://hr.example/b")  # two endpoints: still one event
    endpoint_for(second, "https://cq.example/")
    both, alone, nobody = UserFactory(), UserFactory(), UserFactory()
    PartnerLearner.objects.create(organisation=partner, user=both, external_id="E-1")
    PartnerLearner.objects.create(organisation=second, user=both, external_id="C-9")
    PartnerLearner.objects.create(organisation=quiet, user=alone, external_id="Q-1")
    PartnerLearner.objects.create(organisation=partner, user=alone, external_id="E-2")
    data = {"enrollment": {"learner": {"id": "x"}}}
    events = webhooks.emit_for_learners(
        "enrollment.created", [(both.pk, data), (alone.pk, data), (nobody.pk, data)]
    )
    heard = sorted(
        (event.organisation.code, event.data["enrollment"]["learner"]["external_id"])
        for event in events
    )
    assert heard == [("CQ", "C-9"), ("HR", "E-1"), ("HR", "E-2")]
    assert webhooks.emit_for_learners("enrollment.created", [(nobody.pk, data)]) == []
    assert webhooks.emit_for_learners("enrollment.created", []) == []


def test_types_not_subscribed_are_not_sent(partner, receiver, commit):
    endpoint_for(partner, receiver.url, ["enrollment.dropped"])
    person = learner_of(partner)
    enrollment = commit(lambda: enroll(person))
    assert receiver.calls == []
    commit(lambda: services.enrollment_drop(enrollment=enrollment, actor=person))
    assert [json.loads(c["body"])["type"] for c in receiver.calls] == ["enrollment.dropped"]


def test_an_offering_change_goes_to_every_partner_listening(partner, receiver, commit, superuser):
    endpoint_for(partner, receiver.url, ["offering.updated", "offering.cancelled"])
    offering = OfferingFactory(location_en="Room 1")

    def move() -> None:
        from courses.models import Offering

        fresh = Offering.objects.get(pk=offering.pk)
        fresh.location_en = "Room 2"
        fresh.save()

    commit(move)
    commit(lambda: services.offering_cancel(offering=offering, actor=superuser))
    types = [json.loads(c["body"])["type"] for c in receiver.calls]
    assert types == ["offering.updated", "offering.cancelled"]
    assert json.loads(receiver.calls[0]["body"])["data"]["offering"]["location_en"] == "Room 2"


# --- failures, retries, pausing ------------------------------------------------------------------


def sweep_after(seconds: float) -> int:
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=seconds)
    ):
        return webhooks.deliveries_sweep()


def test_a_receiver_that_fails_then_recovers_gets_the_event_once_with_one_id(partner, commit):
    with Receiver(answers=[500, 503]) as flaky:
        endpoint = endpoint_for(partner, flaky.url)
        commit(lambda: enroll(learner_of(partner)))
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
        assert sweep_after(10) == 0  # not due yet (the first retry waits 15 to 30 seconds)
        assert sweep_after(31) == 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == ("failed", 2)
        assert sweep_after(31 + 61) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("sent", 3, 200)
    assert len(set(flaky.ids())) == 1
    assert len(flaky.ids()) == 3
    assert [c["headers"]["Yuchuang-Delivery-Attempt"] for c in flaky.calls] == ["1", "2", "3"]
    assert len({c["body"] for c in flaky.calls}) == 1  # byte for byte the same body
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.is_active


def test_a_receiver_that_never_recovers_is_paused_after_the_window(partner, commit, settings):
    with Receiver(answers=[500] * 100) as broken:
        endpoint = endpoint_for(partner, broken.url)
        commit(lambda: enroll(learner_of(partner)))
        start = timezone.now()
        clock = start
        for _ in range(40):
            delivery = WebhookDelivery.objects.get()
            if delivery.state != "failed":
                break
            clock = delivery.next_attempt_at + timedelta(seconds=1)
            with mock.patch("django.utils.timezone.now", return_value=clock):
                commit(webhooks.deliveries_sweep)
        calls = len(broken.calls)
    delivery = WebhookDelivery.objects.get()
    endpoint.refresh_from_db()
    window = timedelta(seconds=settings.WEBHOOKS_RETRY_WINDOW_SECONDS)
    assert delivery.state == "dead"
    assert not endpoint.is_active
    assert endpoint.paused_at is not None
    # The last try is the one whose next wait (at most 4 hours) would end past the window.
    assert window - timedelta(hours=4) <= clock - start <= window
    assert 8 <= calls <= 20, calls  # exponential: a dozen or so attempts in a day
    (notice,) = [m for m in mail.outbox if m.to == ["it@hr.example"]]
    assert "paused" in notice.subject
    # Paused: new events are stored for replay but not sent.
    with Receiver() as fixed:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=fixed.url)
        commit(lambda: enroll(learner_of(partner, "E-2")))
        assert fixed.calls == []
        assert WebhookEvent.objects.count() == 2
        # Resumed and replayed: the missed event arrives, with its original id.
        webhooks.endpoint_update(endpoint=endpoint, is_active=True)
        missed = WebhookEvent.objects.order_by("-pk").first()
        assert missed is not None
        commit(lambda: webhooks.event_replay(event=missed))
        assert fixed.ids() == [str(missed.public_id)]


def test_redirects_are_failures_and_not_followed(partner, commit):
    with Receiver(answers=[302]) as moved:
        endpoint_for(partner, moved.url)
        commit(lambda: enroll(learner_of(partner)))
    assert len(moved.calls) == 1  # the Location was not visited
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == ("failed", 302)


def test_a_slow_receiver_times_out(partner, commit, settings):
    settings.WEBHOOKS_TIMEOUT = (1.0, 0.3)
    with Receiver(delay=1.0) as slow:
        endpoint_for(partner, slow.url)
        started = time.monotonic()
        commit(lambda: enroll(learner_of(partner)))
        took = time.monotonic() - started
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert "Timeout" in delivery.last_error
    assert took < 1.0


# --- refused targets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.1/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "https:///hook",
    ],
)
def test_private_and_odd_targets_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(TargetRefused):
        check_url(url)


def test_public_https_targets_pass_the_check(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOKS_ALLOW_HTTP = False
    check_url("https://hr.example.com/hooks/yuchuang")
    check_url("https://8.8.8.8:8443/hook")


def test_a_name_resolving_to_a_private_address_is_refused_at_call_time(
    partner, receiver, commit, settings
):
    """Checked when calling, not only when saving: DNS may change after the endpoint is saved."""
    endpoint_for(partner, receiver.url.replace("127.0.0.1", "localtest.invalid"))
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    fake = [(2, 1, 6, "", ("127.0.0.1", 80))]
    with mock.patch("socket.getaddrinfo", return_value=fake):
        commit(lambda: enroll(learner_of(partner)))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "dead"
    assert "public address" in delivery.last_error
    assert receiver.calls == []


# --- secrets -------------------------------------------------------------------------------------


def test_after_rotation_both_secrets_sign_for_a_day(partner, receiver, commit):
    endpoint = endpoint_for(partner, receiver.url)
    old = endpoint.secret
    endpoint = webhooks.endpoint_rotate_secret(endpoint=endpoint)
    assert endpoint.secret != old
    commit(lambda: enroll(learner_of(partner)))
    call = receiver.calls[0]
    verify = documented_verify()
    assert verify(endpoint.secret, call["headers"]["Yuchuang-Signature"], call["body"])
    assert verify(old, call["headers"]["Yuchuang-Signature"], call["body"])
    body = webhooks.body_of(WebhookEvent.objects.get())
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=25)):
        header = webhooks.signature_header(endpoint, int(time.time()), body)
    assert header.count("v1=") == 1


def test_a_deactivated_partner_hears_nothing(partner, receiver, commit):
    endpoint_for(partner, receiver.url)
    person = learner_of(partner)
    partner.is_active = False
    partner.save()
    commit(lambda: enroll(person))
    assert receiver.calls == []
    assert WebhookEvent.objects.count() == 0
