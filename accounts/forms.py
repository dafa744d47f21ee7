from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution

from . import throttling
from .emails import send_email
from .models import User

SEX_NOT_SAID = ""
SEX_CHOICES = [
    (User.Sex.FEMALE.value, User.Sex.FEMALE.label),
    (User.Sex.MALE.value, User.Sex.MALE.label),
    (SEX_NOT_SAID, _("Prefer not to say")),
]
SEX_CONSENT_TEXT = _(
    "Your sex is optional. If you give it, it is used only for anonymous statistics that the "
    "project reports to its funder, never shown to others; you can remove it at any time in "
    "your profile."
)


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class LearnerProfileFields(forms.Form):
    """The profile fields sign-up and the profile page share, with the consent rule for sex."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        help_text=_("How the platform addresses you, e.g. your name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=User.Language.choices,
        help_text=_("The language of the mail we send you."),
    )
    learner_type = forms.ChoiceField(label=_("I am a"), choices=User.LearnerType.choices)
    home_institution = InstitutionChoiceField(
        label=_("Home institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Your university, college or development area, if you belong to one."),
    )
    member_number = forms.CharField(
        label=_("Student or staff number"),
        max_length=50,
        required=False,
        help_text=_("Your number at your home institution or employer, if you have one."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=SEX_CHOICES,
        required=False,
        initial=SEX_NOT_SAID,
        widget=forms.RadioSelect,
    )
    sex_consent = forms.BooleanField(
        label=_("I agree that my sex is recorded for anonymous statistics."),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "sex-consent-text"}),
    )

    consent_text = SEX_CONSENT_TEXT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_institution"].queryset = self.institution_choices()  # type: ignore[attr-defined]

    def institution_choices(self) -> Any:
        return Institution.objects.filter(is_active=True).order_by("code")

    def withdrawing_consent(self) -> bool:
        return False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("sex") and not cleaned.get("sex_consent"):
            if self.withdrawing_consent():
                cleaned["sex"] = SEX_NOT_SAID
            else:
                self.add_error(
                    "sex_consent",
                    ValidationError(
                        _(
                            "Tick the consent box to record your sex, "
                            "or choose “Prefer not to say”."
                        ),
                        code="sex_needs_consent",
                    ),
                )
        return cleaned

    def profile_data(self) -> dict[str, Any]:
        """The cleaned values, as keyword arguments for the services."""
        data = self.cleaned_data
        return {
            "display_name": data["display_name"],
            "preferred_language": data["preferred_language"],
            "learner_type": data["learner_type"],
            "home_institution": data["home_institution"],
            "member_number": data["member_number"],
            "sex": data["sex"],
            "sex_consent": bool(data["sex"]) and data["sex_consent"],
        }


class SignUpForm(SetPasswordMixin, LearnerProfileFields):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send a link to this address to check that it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password again")
    )

    field_order = [
        "email",
        "password1",
        "password2",
        "display_name",
        "learner_type",
        "home_institution",
        "member_number",
        "preferred_language",
        "sex",
        "sex_consent",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = translation.get_language()
        self.fields["learner_type"].initial = User.LearnerType.STUDENT

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                User._meta.get_field("email").error_messages["unique"], code="unique"
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.validate_passwords()
        if self.cleaned_data.get("password2") and not self.has_error("password2"):
            candidate = User(
                email=cleaned.get("email") or "", display_name=cleaned.get("display_name") or ""
            )
            self.validate_password_for_user(candidate)
        return cleaned


class ProfileForm(LearnerProfileFields):
    field_order = [
        "display_name",
        "preferred_language",
        "learner_type",
        "home_institution",
        "member_number",
        "sex",
        "sex_consent",
    ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "preferred_language": user.preferred_language,
                "learner_type": user.learner_type,
                "home_institution": user.home_institution_id,
                "member_number": user.member_number,
                "sex": user.sex,
                "sex_consent": user.sex_consent,
            },
        )
        super().__init__(*args, **kwargs)

    def institution_choices(self) -> Any:
        # An institution that has since been deactivated stays available to whoever has it.
        return Institution.objects.filter(
            Q(is_active=True) | Q(pk=self.user.home_institution_id)
        ).order_by("code")

    def withdrawing_consent(self) -> bool:
        # Unticking the box removes what was recorded, whatever the sex buttons still say.
        return self.user.sex_consent


class EmailAuthenticationForm(AuthenticationForm):
    """Email and password, with repeated failures locked out (see accounts.throttling)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or the password is not correct."),
        "throttled": _(
            "Too many failed attempts to log in. For your security, try again in 15 minutes "
            "or reset your password."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "maxlength": 254}
        )
        self.throttled = False

    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "")
        ip = throttling.client_ip(self.request) if self.request is not None else ""
        if throttling.login_locked(email=email, ip=ip):
            self.throttled = True
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                throttling.login_failed(email=email, ip=ip)
            raise
        if self.user_cache is not None:
            throttling.login_succeeded(email=email)
        return cleaned


class LearnerPasswordResetForm(PasswordResetForm):
    """Mails the reset link in the recipient's language, after commit, through accounts.emails.

    The link names the user by public id, not by the internal sequence number.
    """

    request: HttpRequest | None = None

    def get_users(self, email: str) -> Any:
        """Active people with this address, including those a partner registered who never
        set a password (Django's form skips them, so an expired invitation could not be
        renewed). Partner service accounts never log in and are left out."""
        return User.objects.filter(
            email__iexact=email.strip(), is_active=True, partner_organisation__isnull=True
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.request = kwargs.get("request")
        super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        with translation.override(user.preferred_language):
            path = reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(user.public_id.bytes),
                    "token": context["token"],
                },
            )
        if self.request is not None:
            link = self.request.build_absolute_uri(path)
        else:
            link = f"{context['protocol']}://{context['domain']}{path}"
        send_email(user=user, template="accounts/email/password_reset", context={"link": link})
