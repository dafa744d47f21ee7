import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What a message is for. Learners may turn off every category but the transactional one."""

    TRANSACTIONAL = "transactional", _("About your enrollments")
    REMINDERS = "reminders", _("Reminders")
    DIGESTS = "digests", _("Digests")
    ANNOUNCEMENTS = "announcements", _("Announcements")


OPTIONAL_CATEGORIES = (Category.REMINDERS, Category.DIGESTS, Category.ANNOUNCEMENTS)


class Notification(models.Model):
    """Something that happened and who should hear of it: one outbox row per recipient.

    Written in the same transaction as the change that caused it, so a change and its news are
    never separated. The row is also the in-app inbox item; each other channel (email, later SMS
    or WeCom) has a Delivery row written with it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=60, db_index=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.TRANSACTIONAL
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    # Scheduled jobs name what they sent ("starts:3:<enrollment>") so a second run sends nothing.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in Category]),
                name="notification_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id or '-'}"


class OutboxItem(models.Model):
    """What every delivery (an email, a webhook call) records: its state and its attempts.

    Pending rows are sent after commit and again by the sweep; `next_attempt_at` holds a row back
    (a retry's backoff, quiet hours). A sent, skipped or dead row is never sent again unless
    staff retry it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Dead (gave up)")
        SKIPPED = "skipped", _("Skipped")

    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # When a task for the row was last handed to the broker. The sweep hands it again only when
    # that was long ago (the message was lost with a broker or a worker), or never happened.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The retry window runs from the first attempt (a row held for quiet hours, or retried by
    # staff or a replay, gets the whole window again).
    first_attempt_at = models.DateTimeField(_("first attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    DUE = (State.PENDING, State.FAILED)

    class Meta:
        abstract = True


class Delivery(OutboxItem):
    """One notification through one channel (email, ...): sent at most once per row and channel."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=20)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "failed"]),
                name="delivery_due",
            ),
            models.Index(fields=["state", "updated_at"], name="delivery_state_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "failed", "dead", "skipped"]),
                name="delivery_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.notification_id} ({self.state})"


class Preferences(models.Model):
    """Which optional categories a person wants by email. Missing row: everything on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    reminders = models.BooleanField(
        _("reminders"), default=True, help_text=_("Courses starting soon.")
    )
    digests = models.BooleanField(
        _("digests"), default=True, help_text=_("Daily summaries of roster changes, for staff.")
    )
    announcements = models.BooleanField(
        _("announcements"), default=True, help_text=_("News from course staff.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def wants(self, category: str) -> bool:
        return category == Category.TRANSACTIONAL or bool(getattr(self, category, True))
