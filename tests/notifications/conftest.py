"""A real SMTP server (aiosmtpd, in a thread of the test) for the tests that count connections,
and the small helpers those tests share.

It counts the connections (one EHLO each) and records every message it accepts by Message-ID, so
"once" is counted at the receiving end.
"""

from collections.abc import Iterator
from datetime import timedelta
from email.parser import BytesHeaderParser
from typing import Any
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from notifications import mail
from notifications.models import Delivery
from tests.workers import spare_port


class Server:
    """What the SMTP server saw; `refuse` / `drop` make it fail the next messages."""

    def __init__(self) -> None:
        self.connections = 0
        self.accepted: list[str] = []
        self.refuse = 0  # answer DATA with 451, keep the connection
        self.drop = 0  # close the connection in the middle of DATA, accept nothing
        self.fail_after = 0  # refuse / drop only once this many messages were accepted

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:  # fmt: skip
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.accepted) < self.fail_after:
            pass
        elif self.drop:
            self.drop -= 1
            server.transport.close()
            return "250 never read"
        elif self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        self.accepted.append(headers["Message-ID"])
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[tuple[Server, Controller]]:
    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=spare_port(), timeout=0.5)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield server, controller
    finally:
        mail.forget()
        controller.stop()


def message_id(delivery: Delivery) -> str:
    return f"<{delivery.notification.public_id}.email@yuchuang.local>"


def states() -> list[str]:
    return list(Delivery.objects.order_by("pk").values_list("state", flat=True))


def later(**delta: float) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(**delta))
