"""A mail backend for the worker subprocess of the delivery suite: one line per message sent.

Lines are `<Message-ID>\\t<to>\\t<subject>` appended to $MAILBOX_PATH, so the test can count
exactly how often each message arrived. $MAILBOX_DELAY (seconds) makes each send slow, so a
worker can be killed in the middle of one.
"""

import os
import time
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        path = os.environ["MAILBOX_PATH"]
        delay = float(os.environ.get("MAILBOX_DELAY") or 0)
        for message in email_messages:
            if delay:
                time.sleep(delay)
            line = "\t".join(
                [message.extra_headers.get("Message-ID", ""), ",".join(message.to), message.subject]
            )
            with open(path, "a", encoding="utf-8") as mailbox:  # one write per line: O_APPEND
                mailbox.write(line.replace("\n", " ") + "\n")
        return len(email_messages)
