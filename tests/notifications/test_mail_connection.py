"""Deliveries share one SMTP connection per process, and a bad one is never trusted again.

A real SMTP server (aiosmtpd, in a thread of the test: conftest.py) counts the connections (one
EHLO each) and records every message it accepts by Message-ID, so "once" is counted at the
receiving end.
"""

import smtplib
import time
from collections import Counter
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction

from notifications import mail, services
from notifications.models import Delivery
from tests.factories import UserFactory
from tests.notifications.conftest import Server, later, message_id, states
from tests.workers import spare_port

pytestmark = pytest.mark.django_db


def deliveries(count: int) -> list[Delivery]:
    """`count` transactional emails, due now, their tasks never run (the test sends them)."""
    with transaction.atomic():
        services.publish(
            event="enrollment.enrolled",
            recipients=UserFactory.create_batch(count, preferred_language="en"),
            data={"course_code": "IE101", "course_title_en": "Design thinking"},
        )
    return list(Delivery.objects.order_by("pk"))


def test_several_messages_go_over_one_connection(smtp):
    server, _ = smtp
    rows = deliveries(5)
    assert [services.delivery_send(row.pk) for row in rows] == ["sent"] * 5
    assert server.connections == 1
    assert server.accepted == [message_id(row) for row in rows]
    mail.close()  # a worker process shutting down: QUIT; the next send connects again
    (extra,) = deliveries(1)[-1:]
    assert services.delivery_send(extra.pk) == "sent"
    assert server.connections == 2


def test_a_connection_the_server_closed_is_opened_again(smtp):
    server, _ = smtp
    first, second = deliveries(2)
    assert services.delivery_send(first.pk) == "sent"
    time.sleep(1.0)  # past the server's idle timeout (0.5 s): it hung up on us
    assert services.delivery_send(second.pk) == "sent"
    assert server.connections == 2
    assert server.accepted == [message_id(first), message_id(second)]


def test_a_connection_idle_too_long_is_not_trusted(smtp, monkeypatch):
    server, _ = smtp
    monkeypatch.setattr(mail, "IDLE_SECONDS", 0.0)
    rows = deliveries(3)
    assert [services.delivery_send(row.pk) for row in rows] == ["sent"] * 3
    assert server.connections == 3


def test_a_refused_message_is_retried_later_and_arrives_once(smtp):
    server, _ = smtp
    rows = deliveries(3)
    server.refuse = 1
    assert services.delivery_send(rows[0].pk) == "failed"
    assert [services.delivery_send(row.pk) for row in rows[1:]] == ["sent", "sent"]
    assert server.connections == 2  # the failed one was dropped, not reused
    assert states() == ["failed", "sent", "sent"]
    with later(minutes=2):  # its retry is due
        assert services.delivery_send(rows[0].pk) == "sent"
    assert Counter(server.accepted) == {message_id(row): 1 for row in rows}


def test_a_connection_lost_in_the_middle_of_a_message_loses_and_doubles_nothing(smtp):
    server, _ = smtp
    rows = deliveries(3)
    assert services.delivery_send(rows[0].pk) == "sent"
    server.drop = 1
    assert services.delivery_send(rows[1].pk) == "failed"
    assert "SMTPServerDisconnected" in Delivery.objects.get(pk=rows[1].pk).last_error
    assert services.delivery_send(rows[2].pk) == "sent"
    assert server.connections == 2
    with later(minutes=2):
        assert services.delivery_send(rows[1].pk) == "sent"
    assert Counter(server.accepted) == {message_id(row): 1 for row in rows}


def test_a_send_interrupted_by_the_time_limit_does_not_leave_a_half_used_connection(smtp):
    server, _ = smtp
    rows = deliveries(3)
    assert services.delivery_send(rows[0].pk) == "sent"
    # Interrupted after MAIL FROM: reusing that connection would nest a second MAIL in it.
    with mock.patch.object(smtplib.SMTP, "rcpt", side_effect=SoftTimeLimitExceeded()):
        assert services.delivery_send(rows[1].pk) == "failed"
    assert services.delivery_send(rows[2].pk) == "sent"
    assert server.connections == 2
    with later(minutes=2):
        assert services.delivery_send(rows[1].pk) == "sent"
    assert Counter(server.accepted) == {message_id(row): 1 for row in rows}


def test_other_settings_get_a_connection_of_their_own(smtp, settings):
    server, _ = smtp
    other = Server()
    second = Controller(other, hostname="127.0.0.1", port=spare_port())
    second.start()
    try:
        first, then = deliveries(2)
        assert services.delivery_send(first.pk) == "sent"
        settings.EMAIL_PORT = second.port
        assert services.delivery_send(then.pk) == "sent"
    finally:
        second.stop()
    assert (server.accepted, other.accepted) == ([message_id(first)], [message_id(then)])
