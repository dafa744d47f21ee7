"""Setting up partner organisations and their OAuth2 clients (used by the admin and tests)."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import Application

from accounts.models import User

from .models import SCOPES, PartnerClient, PartnerOrganisation


@transaction.atomic
def partner_organisation_create(
    *, code: str, name_zh: str, name_en: str = "", institution: Any = None, contact_email: str = ""
) -> PartnerOrganisation:
    """A partner with its service account (no password: it only ever acts through tokens)."""
    service_user = User.objects.create_user(
        f"partner+{code.lower()}@partners.yuchuang.local",
        None,
        display_name=name_zh,
        learner_type=User.LearnerType.PUBLIC,
    )
    organisation = PartnerOrganisation(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        institution=institution,
        contact_email=contact_email,
        service_user=service_user,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def partner_client_create(
    *, organisation: PartnerOrganisation, name: str, scopes: list[str]
) -> tuple[PartnerClient, str]:
    """A client-credentials application; returns it and its secret, shown this once only."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    secret = Application._meta.get_field("client_secret").default()
    application = Application.objects.create(
        name=name,
        user=organisation.service_user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = PartnerClient.objects.create(
        application=application, organisation=organisation, scopes=sorted(scopes)
    )
    return client, secret


@transaction.atomic
def partner_client_rotate_secret(*, client: PartnerClient) -> str:
    """A new secret; the old one stops working at once, as do the tokens issued with it."""
    application = client.application
    secret = Application._meta.get_field("client_secret").default()
    application.client_secret = secret
    application.save()
    application.accesstoken_set.all().delete()
    return secret


@transaction.atomic
def partner_client_revoke(*, client: PartnerClient) -> PartnerClient:
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    client.application.accesstoken_set.all().delete()
    return client
