"""Partner systems (a park's HR system, a college's student information system) and their people."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from institutions.bilingual import Bilingual
from institutions.models import Institution, code_validator
from notifications.models import OutboxItem

SCOPES = {
    "catalog:read": _("Read the catalog: institutions, programs, courses, terms, offerings"),
    "enrollments:read": _("Read your organisation's learners' enrollments"),
    "enrollments:write": _("Enroll and withdraw your organisation's learners"),
    "learners:write": _("Register and update your organisation's learners"),
    "webhooks:manage": _("Manage your webhook endpoints"),
    "reports:read": _("Read the project's indicator reports"),
}


class PartnerOrganisation(models.Model):
    """An organisation whose system calls the API. It acts through its own service account.

    The service account is the OAuth2 application's user: client-credentials tokens carry it, so
    every change a partner makes is recorded with it as the actor.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("institution"),
        help_text=_("The institution or zone this organisation belongs to, if any."),
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="partner_organisation",
        verbose_name=_("service account"),
        editable=False,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    name = Bilingual()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="partner_code_unique_ci",
                violation_error_message=_("A partner with this code already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PartnerClient(models.Model):
    """Which organisation an OAuth2 application belongs to, and which scopes it may ask for."""

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_client",
        verbose_name=_("application"),
    )
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="clients",
        verbose_name=_("organisation"),
    )
    scopes = models.JSONField(
        _("allowed scopes"), default=list, blank=True, help_text=_("A subset of the API scopes.")
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner client")
        verbose_name_plural = _("partner clients")

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.application.name}"


class PartnerLearner(models.Model):
    """A learner a partner registered, known to it by its own id (an employee number)."""

    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="learners",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="partner_links",
        verbose_name=_("learner"),
    )
    external_id = models.CharField(_("external id"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner learner")
        verbose_name_plural = _("partner learners")
        ordering = ["organisation", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                name="partner_learner_external_id_unique",
                violation_error_message=_("This partner already uses this external id."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "user"],
                name="partner_learner_once_per_partner",
                violation_error_message=_("This learner is already registered by this partner."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}:{self.external_id}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for repeats of that key."""

    client = models.CharField(_("client"), max_length=100)
    key = models.CharField(_("key"), max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"


# --- webhooks ----------------------------------------------------------------------------------

WEBHOOK_EVENT_TYPES = {
    "enrollment.created": _("A learner of yours enrolled, or asked to (pending approval)"),
    "enrollment.approved": _("A pending enrollment was approved"),
    "enrollment.rejected": _("A pending enrollment was declined"),
    "enrollment.waitlisted": _("A learner joined a waitlist"),
    "enrollment.offered": _("A waitlisted learner was offered a seat"),
    "enrollment.promoted": _("A waitlisted learner got a seat"),
    "enrollment.dropped": _("A learner dropped"),
    "enrollment.withdrawn": _("A learner was withdrawn"),
    "enrollment.completed": _("A learner completed (or did not complete) a course"),
    "enrollment.expired": _("A seat offer or a waitlist place lapsed"),
    "enrollment.cancelled": _("An enrollment ended because its offering was cancelled"),
    "offering.updated": _("An offering's dates, place, seats or status changed"),
    "offering.cancelled": _("An offering was cancelled"),
}


class WebhookEndpoint(models.Model):
    """Where a partner wants to hear of events, and the secret its calls are signed with."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("organisation"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(
        _("event types"), default=list, help_text=_("The event types to send; at least one.")
    )
    # Kept readable because each call is signed with it; shown to the partner once.
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    # After a rotation the old secret still signs for a day, so receivers can switch over.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Paused endpoints receive nothing.")
    )
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    paused_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["organisation", "created_at"]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.url}"

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in (self.event_types or [])


class WebhookEvent(models.Model):
    """One event for one partner. Its public id is the event id receivers deduplicate on."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="webhook_events",
        verbose_name=_("organisation"),
    )
    type = models.CharField(_("type"), max_length=60)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="webhook_event_org_recent")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class WebhookDelivery(OutboxItem):
    """One event to one endpoint, with its attempts."""

    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["pending", "failed"]),
                name="webhook_delivery_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "sent", "failed", "dead", "skipped"]),
                name="webhook_delivery_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.state})"
