"""What people do with their own accounts. Views call these; each change is one transaction.

Services check their input again (forms are one caller among others) and raise ValidationError,
keyed by field name where there is one, for anything they refuse; they change nothing then.
Links in mail are absolute: callers pass `absolute_url`, normally `request.build_absolute_uri`.
"""

from collections.abc import Callable
from enum import StrEnum

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from . import throttling
from .emails import send_email
from .models import User
from .tokens import (
    EMAIL_VERIFICATION_MAX_AGE,
    InvalidToken,
    email_matches,
    make_email_verification_token,
    read_email_verification_token,
)

AbsoluteUrl = Callable[[str], str]

PROFILE_FIELDS = [
    "display_name",
    "preferred_language",
    "learner_type",
    "home_institution",
    "member_number",
    "sex",
    "sex_consent",
]


class ResendResult(StrEnum):
    SENT = "sent"
    THROTTLED = "throttled"
    ALREADY_VERIFIED = "already_verified"


def _check_sex(*, sex: str, sex_consent: bool) -> None:
    if sex and not sex_consent:
        raise ValidationError(
            {"sex_consent": _("Tick the consent box to record your sex, or leave it out.")},
            code="sex_needs_consent",
        )


def _check_home_institution(
    institution: Institution | None, *, current_id: int | None = None
) -> None:
    """A new home institution must be an active one; an unchanged one may stay as it is."""
    if institution is None or institution.pk == current_id:
        return
    if not isinstance(institution, Institution) or not institution.is_active:
        raise ValidationError(
            {"home_institution": _("Choose one of the listed institutions.")},
            code="invalid_institution",
        )


def _duplicate_email() -> ValidationError:
    return ValidationError(
        {"email": User._meta.get_field("email").error_messages["unique"]}, code="unique"
    )


def user_sign_up(
    *,
    email: str,
    password: str,
    display_name: str,
    learner_type: str,
    preferred_language: str,
    home_institution: Institution | None = None,
    member_number: str = "",
    sex: str = "",
    sex_consent: bool = False,
    absolute_url: AbsoluteUrl,
) -> User:
    """Create a learner account (address in lower case) and mail a verification link."""
    _check_sex(sex=sex, sex_consent=sex_consent)
    _check_home_institution(home_institution)
    email = email.strip().lower()
    fields = {
        "display_name": display_name.strip(),
        "preferred_language": preferred_language,
        "learner_type": learner_type,
        "home_institution": home_institution,
        "member_number": member_number.strip(),
        "sex": sex,
        "sex_consent": bool(sex),
    }
    try:
        password_validation.validate_password(password, User(email=email, **fields))
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error
    try:
        with transaction.atomic():
            # create_user validates every field and constraint, uniqueness of the address too.
            user = User.objects.create_user(email, password, **fields)
            user_send_verification_email(user=user, absolute_url=absolute_url)
    except IntegrityError as error:  # the same address signed up a moment ago
        raise _duplicate_email() from error
    return user


def user_send_verification_email(*, user: User, absolute_url: AbsoluteUrl) -> None:
    """Mail `user` a link that verifies their current address, in their language."""
    token = make_email_verification_token(public_id=user.public_id, email=user.email)
    with translation.override(user.preferred_language):
        path = reverse("accounts:verify_email", kwargs={"token": token})
    send_email(
        user=user,
        template="accounts/email/verify_email",
        context={"link": absolute_url(path), "valid_days": EMAIL_VERIFICATION_MAX_AGE.days},
    )


def user_resend_verification_email(*, user: User, absolute_url: AbsoluteUrl) -> ResendResult:
    """Mail a new verification link, at most once a minute per user."""
    if user.is_email_verified:
        return ResendResult.ALREADY_VERIFIED
    if not throttling.verification_resend_allowed(user_id=user.pk):
        return ResendResult.THROTTLED
    user_send_verification_email(user=user, absolute_url=absolute_url)
    return ResendResult.SENT


def user_verify_email(*, token: str) -> User:
    """Mark the address in `token` verified (once; later visits change nothing).

    Raises tokens.ExpiredToken for an authentic link older than three days and
    tokens.InvalidToken for anything else that is not a current link: altered, made for another
    purpose, for an unknown or inactive user, or for an address the user no longer has.
    """
    public_id, digest = read_email_verification_token(token)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(public_id=public_id, is_active=True).first()
        if user is None or not email_matches(digest, user.email):
            raise InvalidToken
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at", "updated_at"])
    return user


def user_update_profile(
    *,
    user: User,
    display_name: str,
    preferred_language: str,
    learner_type: str,
    home_institution: Institution | None,
    member_number: str,
    sex: str,
    sex_consent: bool,
) -> User:
    """Save the learner profile. Sex is kept only with consent; withdrawing consent means the
    caller passes sex="" and sex_consent=False, which removes it."""
    _check_sex(sex=sex, sex_consent=sex_consent)
    _check_home_institution(home_institution, current_id=user.home_institution_id)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.display_name = display_name.strip()
        locked.preferred_language = preferred_language
        locked.learner_type = learner_type
        locked.home_institution = home_institution
        locked.member_number = member_number.strip()
        locked.sex = sex
        locked.sex_consent = bool(sex)
        # Choices and lengths; the consent rule is checked above and by the database.
        locked.clean_fields(exclude=["password", "email"])
        locked.save(update_fields=[*PROFILE_FIELDS, "updated_at"])
    for name in PROFILE_FIELDS:
        setattr(user, name, getattr(locked, name))
    return user
