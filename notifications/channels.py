"""Channels a notification reaches a person through, besides the in-app inbox.

A channel is an object with a `name`, the Celery `queue` its sends run on, `drains`, and
`send(delivery)`. `send` raises outbox.Skip when there is nothing to send, outbox.GiveUp when it
can never work, and anything else for a failure worth retrying. A channel that `drains` has its
fresh deliveries sent in batches by drain tasks (notifications.services.deliveries_drain: many
rows per Celery message); any other gets one `deliver` task per row. Settings list the channels
in use (NOTIFICATION_CHANNELS); an SMS or WeCom sender is one more class here and one more line
there. Enrollment code only ever calls notifications.services.publish.
"""

from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.signing import TimestampSigner
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string

from . import mail, messages
from .models import Category, Delivery, Preferences
from .outbox import Skip

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# Where a drain puts each recipient's Preferences row (or None), read for the whole batch at once.
PREFETCHED_PREFERENCES = "prefetched_email_preferences"


class Channel(Protocol):
    name: str
    queue: str
    drains: bool

    def send(self, delivery: Delivery) -> None: ...


@cache
def channels() -> dict[str, Channel]:
    loaded = (import_string(path)() for path in settings.NOTIFICATION_CHANNELS)
    return {channel.name: channel for channel in loaded}


def unsubscribe_token(user: Any, category: str) -> str:
    """A link token naming the person and the category; signed, so it cannot be forged."""
    return TimestampSigner(salt=UNSUBSCRIBE_SALT).sign_object(
        {"u": str(user.public_id), "c": category}, compress=True
    )


def unsubscribe_url(user: Any, category: str) -> str:
    with translation.override(user.preferred_language):
        path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user, category)])
    return messages.absolute(path)


def build_email(delivery: Delivery) -> EmailMultiAlternatives:
    """The email for a delivery: subject, text and HTML in the recipient's language."""
    notification = delivery.notification
    user = notification.recipient
    if user is None or not user.email:
        raise Skip("no email address")
    language = user.preferred_language or settings.LANGUAGE_CODE
    rendered = messages.render(notification.event, notification.data, language)
    unsubscribe = (
        unsubscribe_url(user, notification.category)
        if notification.category != Category.TRANSACTIONAL
        else ""
    )
    context = {
        "user": user,
        "message": rendered,
        "unsubscribe_url": unsubscribe,
        "category": Category(notification.category).label,
    }
    with translation.override(language):
        context["preferences_url"] = messages.page("notifications:preferences")
        context["inbox_url"] = messages.page("notifications:inbox")
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN
    headers = {
        # The same id on every attempt: a mail system that sees a repeat can drop it.
        "Message-ID": f"<{notification.public_id}.{delivery.channel}@{domain}>",
        "X-Yuchuang-Event": notification.event,
    }
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=" ".join(rendered.subject.split()), body=text, to=[user.email], headers=headers
    )
    email.attach_alternative(html, "text/html")
    return email


def _preferences(user: Any) -> Preferences | None:
    if hasattr(user, PREFETCHED_PREFERENCES):
        found: Preferences | None = getattr(user, PREFETCHED_PREFERENCES)
        return found
    return Preferences.objects.filter(user=user).first()


class EmailChannel:
    name = "email"
    queue = "email"
    drains = True  # a backlog of mail goes out a batch per task, over one SMTP connection

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        user = notification.recipient
        if user is None or not user.is_active:
            raise Skip("no active recipient")
        if notification.category != Category.TRANSACTIONAL:
            preferences = _preferences(user)
            if preferences is not None and not preferences.wants(notification.category):
                raise Skip(f"turned off {notification.category}")
        mail.send(build_email(delivery))
