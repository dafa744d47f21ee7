"""Partner organisations, their OAuth2 clients, and the learners they register.

The admin, the management command and the API call these; each is one transaction.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from accounts.emails import send_email
from accounts.models import User

from .exceptions import LearnerConflict
from .models import SCOPES, PartnerClient, PartnerLearner, PartnerOrganisation


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
    """End a client for good: its tokens stop working and its secret no longer gets new ones
    (it is replaced by one nobody knows), so the token endpoint refuses it as invalid_client."""
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    application = client.application
    application.client_secret = Application._meta.get_field("client_secret").default()
    application.save()
    application.accesstoken_set.all().delete()
    return client


@transaction.atomic
def partner_client_update(*, client: PartnerClient, name: str, scopes: list[str]) -> PartnerClient:
    """Rename a client or change what it may ask for. Tokens it holds stop working at once if
    it loses a scope (they were granted with it); a new token is a call away."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    locked = (
        PartnerClient.objects.select_for_update().select_related("application").get(pk=client.pk)
    )
    lost = set(locked.scopes) - set(scopes)
    locked.scopes = client.scopes = sorted(scopes)
    locked.save(update_fields=["scopes"])
    if locked.application.name != name:
        locked.application.name = name
        locked.application.save(update_fields=["name", "updated"])
    if lost:
        locked.application.accesstoken_set.all().delete()
    return client


# Learners a partner registers --------------------------------------------------------------

AbsoluteUrl = Callable[[str], str]

external_id_validator = RegexValidator(
    r"\A(?!\.{1,2}\Z)[A-Za-z0-9._-]{1,100}\Z",
    _("Use 1 to 100 letters, digits, dots, underscores and hyphens."),
    code="invalid_external_id",
)

PROFILE_FIELDS = ["display_name", "learner_type", "member_number", "preferred_language"]


def partner_learner_upsert(
    *,
    organisation: PartnerOrganisation,
    external_id: str,
    email: str,
    display_name: str,
    learner_type: str,
    member_number: str = "",
    preferred_language: str = "zh-hans",
    absolute_url: AbsoluteUrl,
) -> tuple[PartnerLearner, bool]:
    """Register or update the learner a partner knows as `external_id`; True when registered.

    - A new external id with a new address creates an account without a usable password and
      mails the person an invitation (a link to choose a password) in their language.
    - A new external id with the address of an existing person's account links that account
      (no duplicate) and tells the person the partner now manages their enrollments. Service
      accounts, operators (is_staff, superusers) and deactivated accounts are never linked.
    - A known external id updates the profile. A new address is taken only while the account
      is this partner's alone and the person has not chosen a password yet (otherwise the
      partner could take over a person's account); the invitation then goes to the new address.
    - An address of another account, this partner's other learners included: LearnerConflict
      "email_in_use"; a change of an activated learner's address: LearnerConflict
      "email_locked". Invalid fields: ValidationError keyed by field.

    One transaction, which holds the organisation's row so that one partner's registrations
    queue one behind the other; mail goes out when it commits, so a failure leaves nothing.
    A race with another partner or a sign-up for the same new address is retried once.
    """
    email = User.objects.normalize_email(email).strip().lower()
    profile = {
        "display_name": display_name.strip(),
        "learner_type": learner_type,
        "member_number": member_number.strip(),
        "preferred_language": preferred_language,
    }
    _check_learner_fields(external_id=external_id, email=email, profile=profile)
    try:
        return _learner_upsert(
            organisation=organisation,
            external_id=external_id,
            email=email,
            profile=profile,
            absolute_url=absolute_url,
        )
    except IntegrityError:
        # Someone else took the address (or this external id) between our check and insert;
        # their row is committed now, so a second attempt sees it and decides again.
        return _learner_upsert(
            organisation=organisation,
            external_id=external_id,
            email=email,
            profile=profile,
            absolute_url=absolute_url,
        )


def _check_learner_fields(*, external_id: str, email: str, profile: dict[str, str]) -> None:
    """Choices, lengths and formats, before anything is looked up or written."""
    errors: dict[str, list[str]] = {}
    try:
        external_id_validator(external_id)
    except ValidationError as error:
        errors["external_id"] = error.messages
    try:
        User(email=email, **profile).clean_fields(
            exclude=[f.name for f in User._meta.fields if f.name not in {"email", *PROFILE_FIELDS}]
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def _learner_upsert(
    *,
    organisation: PartnerOrganisation,
    external_id: str,
    email: str,
    profile: dict[str, str],
    absolute_url: AbsoluteUrl,
) -> tuple[PartnerLearner, bool]:
    organisation = PartnerOrganisation.objects.select_for_update().get(pk=organisation.pk)
    link = (
        PartnerLearner.objects.select_for_update()
        .filter(organisation=organisation, external_id=external_id)
        .first()
    )
    if link is None:
        return _learner_register(
            organisation=organisation,
            external_id=external_id,
            email=email,
            profile=profile,
            absolute_url=absolute_url,
        ), True
    _learner_update(link=link, email=email, profile=profile, absolute_url=absolute_url)
    return link, False


def _learner_register(
    *,
    organisation: PartnerOrganisation,
    external_id: str,
    email: str,
    profile: dict[str, str],
    absolute_url: AbsoluteUrl,
) -> PartnerLearner:
    user = User.objects.select_for_update().filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, **profile)  # None: an unusable password
        link = PartnerLearner.objects.create(
            organisation=organisation, user=user, external_id=external_id
        )
        _send_invitation(link=link, absolute_url=absolute_url)
        return link
    if (
        not _may_link(user)
        or PartnerLearner.objects.filter(organisation=organisation, user=user).exists()
    ):
        raise LearnerConflict("email_in_use")
    _save_profile(user, profile)
    link = PartnerLearner.objects.create(
        organisation=organisation, user=user, external_id=external_id
    )
    _send_linked_notice(link=link, absolute_url=absolute_url)
    return link


def _may_link(user: User) -> bool:
    """People's own accounts: not a partner's service account, an operator's or a closed one."""
    is_service_account = PartnerOrganisation.objects.filter(service_user=user).exists()
    return user.is_active and not (user.is_staff or user.is_superuser or is_service_account)


def _learner_update(
    *, link: PartnerLearner, email: str, profile: dict[str, str], absolute_url: AbsoluteUrl
) -> None:
    user = User.objects.select_for_update().get(pk=link.user_id)
    new_email = user.email != email
    if new_email:
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise LearnerConflict("email_in_use")
        shared = PartnerLearner.objects.filter(user=user).exclude(pk=link.pk).exists()
        if user.has_usable_password() or shared:
            raise LearnerConflict("email_locked")
        user.email = email
    changed = _save_profile(user, profile, force=new_email)
    link.user = user
    if changed:
        link.save(update_fields=["updated_at"])  # the learner's record changed: sync sees it
    if new_email:
        _send_invitation(link=link, absolute_url=absolute_url)


def _save_profile(user: User, profile: dict[str, str], *, force: bool = False) -> bool:
    """Set the partner's profile fields; save (and move updated_at) only if something changed."""
    changed = force or any(getattr(user, name) != value for name, value in profile.items())
    if changed:
        for name, value in profile.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save()
    return changed


def _choose_password_path(user: User) -> str:
    """The path of a link to choose a password: Django's password reset link, in the user's
    language. It works once, until PASSWORD_RESET_TIMEOUT, and not after the address changes."""
    with translation.override(user.preferred_language):
        return reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(user.public_id.bytes),
                "token": default_token_generator.make_token(user),
            },
        )


def _send_invitation(*, link: PartnerLearner, absolute_url: AbsoluteUrl) -> None:
    """Mail the person a link to choose their password."""
    send_email(
        user=link.user,
        template="accounts/email/invitation",
        context={
            "link": absolute_url(_choose_password_path(link.user)),
            "organisation": link.organisation,
        },
    )


def _send_linked_notice(*, link: PartnerLearner, absolute_url: AbsoluteUrl) -> None:
    """Tell the person that this partner now manages their enrollments (with a link to log in,
    or to choose a password if they never did, e.g. when another partner registered them)."""
    user = link.user
    choose_password = not user.has_usable_password()
    if choose_password:
        path = _choose_password_path(user)
    else:
        with translation.override(user.preferred_language):
            path = reverse("accounts:login")
    send_email(
        user=user,
        template="partners/email/learner_linked",
        context={
            "link": absolute_url(path),
            "organisation": link.organisation,
            "choose_password": choose_password,
        },
    )
