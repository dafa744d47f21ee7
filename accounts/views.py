"""Account pages: thin views over accounts.services and Django's authentication views."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import services, throttling
from .forms import (
    SEX_CONSENT_TEXT,
    EmailAuthenticationForm,
    LearnerPasswordResetForm,
    ProfileForm,
    SignUpForm,
)
from .models import User
from .tokens import ExpiredToken, InvalidToken


def _current_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required has run: only a misconfiguration gets here
        raise TypeError("An authenticated accounts.User is required.")
    return user


def _add_service_errors(
    form: Form, error: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """Show a service's errors next to the fields they name, the others above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (rename or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


def _home_url(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return reverse("courses:home")


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            user = services.user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                **form.profile_data(),
                absolute_url=request.build_absolute_uri,
            )
        except ValidationError as error:
            _add_service_errors(form, error, rename={"password": "password2"})
        else:
            login(request, user)
            return redirect("accounts:verify_email_sent")
    return render(request, "accounts/signup.html", {"form": form, "consent_text": SEX_CONSENT_TEXT})


@login_required
@require_http_methods(["GET"])
def verify_email_sent(request: HttpRequest) -> HttpResponse:
    """ "Check your mailbox", with a button for another link."""
    return render(request, "accounts/verify_email_sent.html", {"account": _current_user(request)})


@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("accounts:verify_email_sent"))
    result = services.user_resend_verification_email(
        user=_current_user(request), absolute_url=request.build_absolute_uri
    )
    if result is services.ResendResult.SENT:
        messages.success(request, gettext("We sent you a new link. Check your mailbox."))
    elif result is services.ResendResult.THROTTLED:
        messages.error(
            request, gettext("We sent you a link less than a minute ago. Wait a minute first.")
        )
    else:
        messages.info(request, gettext("Your email address is already verified."))
    return redirect(_safe_next(request) or reverse("accounts:verify_email_sent"))


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        verified = services.user_verify_email(token=token)
    except ExpiredToken:
        context: dict[str, Any] = {"problem": "expired"}
    except InvalidToken:
        context = {"problem": "invalid"}
    else:
        context = {"verified": verified}
    return render(
        request,
        "accounts/verify_email.html",
        context,
        status=400 if "problem" in context else 200,
    )


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """The home page in the user's preferred language."""
        language = getattr(self.request.user, "preferred_language", "") or ""
        return _home_url(language)

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "courses:home"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = LearnerPasswordResetForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link names the user by public id (see LearnerPasswordResetForm)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64: str) -> Any:
        try:
            public_id = uuid.UUID(bytes=urlsafe_base64_decode(uidb64))
            return User._default_manager.get(public_id=public_id)
        except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
            return None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # The person proved they own the mailbox: earlier wrong guesses no longer lock them out,
        # and the address counts as verified (an invitation link is a password reset link).
        if self.user is not None:
            throttling.login_unlock(email=self.user.email)
            if self.user.email_verified_at is None:
                User.objects.filter(pk=self.user.pk, email_verified_at__isnull=True).update(
                    email_verified_at=timezone.now()
                )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password is changed."))
        return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = ProfileForm(request.POST if request.method == "POST" else None, user=user)
    if form.is_bound and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.profile_data())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            # The next page, and the message on it, are in the language just chosen.
            with translation.override(user.preferred_language):
                messages.success(request, gettext("Your profile is saved."))
                return HttpResponseRedirect(reverse("accounts:profile"))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "account": user, "consent_text": SEX_CONSENT_TEXT},
    )
