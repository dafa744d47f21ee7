"""Typed errors of the partner services, each with a stable code and a translated message.

The API passes them on as they are (api.errors reads `code`, `message` and `http_status`).
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class PartnerError(Exception):
    """Base class. `code` never changes once published; `message` follows the active language."""

    http_status = 400
    messages: dict[str, Promise] = {}

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(self.messages.get(self.code, self.code))
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class LearnerConflict(PartnerError):
    """The learner cannot be registered or changed as asked because of another account (409)."""

    http_status = 409
    messages = {
        "email_in_use": _("Another account uses this email address."),
        "email_locked": _(
            "This learner has activated their account: their email address is theirs to change."
        ),
    }
