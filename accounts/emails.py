"""Mail to one person, written in their language, sent only once the current transaction commits.

Every message is three templates: `<name>_subject.txt`, `<name>.txt` and `<name>.html`. They are
rendered at once (in the recipient's preferred language) and handed to the mail backend after
commit. Moving delivery onto Celery later means replacing `_deliver` with a task.
"""

import logging
from functools import partial
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import User

logger = logging.getLogger(__name__)


def render_email(*, user: User, template: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    """The message `template` for `user`, rendered in the user's preferred language."""
    context = {"user": user, **context}
    with translation.override(user.preferred_language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def send_email(*, user: User, template: str, context: dict[str, Any]) -> None:
    """Send `template` to `user` when the current transaction commits (now, outside of one)."""
    message = render_email(user=user, template=template, context=context)
    transaction.on_commit(partial(_deliver, message, user_id=user.pk))


def _deliver(message: EmailMultiAlternatives, *, user_id: int) -> None:
    # The change that asked for the mail is committed: a mail server failure must not turn the
    # page into an error. The person can ask again (resend, password reset).
    try:
        message.send()
    except Exception:
        logger.exception("Could not send %r to user %s", message.subject, user_id)
