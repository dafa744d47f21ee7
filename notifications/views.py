"""The inbox, message preferences, and the unsubscribe link that works without logging in."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import User

from . import services
from .channels import UNSUBSCRIBE_SALT
from .messages import render as render_message
from .models import OPTIONAL_CATEGORIES, Category, Notification, Preferences

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required has run: only a misconfiguration gets here
        raise TypeError("An authenticated accounts.User is required.")
    return user


def _local(url: str) -> str:
    """Links in messages are absolute (they are mailed); in the inbox they stay on this site."""
    site = settings.SITE_URL.rstrip("/")
    return url[len(site) :] or "/" if url.startswith(site) else url


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = Notification.objects.filter(recipient=_user(request)).order_by("-created_at", "-id")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows.only("public_id", "event", "data", "read_at", "created_at"), PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    language = translation.get_language()
    items = []
    for notification in page_obj:
        rendered = render_message(notification.event, notification.data, language)
        link = _local(rendered.action[1]) if rendered.action else ""
        items.append({"notification": notification, "message": rendered, "link": link})
    return render(
        request,
        "notifications/inbox.html",
        {"items": items, "page_obj": page_obj, "unread_only": unread_only},
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or, with `all`, every one read; then go on to `next`."""
    if request.POST.get("all"):
        count = services.inbox_mark_read(user=request.user)
        messages.success(request, _("All messages marked read.") if count else _("Nothing unread."))
    else:
        try:
            public_id = UUID(request.POST.get("id", ""))
        except ValueError:
            messages.error(request, _("That message was not found."))
            return redirect("notifications:inbox")
        services.inbox_mark_read(user=request.user, public_ids=[public_id])
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.preferences_for(request.user)
    if request.method == "POST":
        services.preferences_set(
            user=request.user, **{c: request.POST.get(c) == "on" for c in OPTIONAL_CATEGORIES}
        )
        messages.success(request, _("Your message choices are saved."))
        return redirect("notifications:preferences")
    choices = [
        {
            "name": category.value,
            "label": category.label,
            "help": Preferences._meta.get_field(category.value).help_text,  # type: ignore[union-attr]
            "on": getattr(current, category.value),
        }
        for category in OPTIONAL_CATEGORIES
    ]
    return render(request, "notifications/preferences.html", {"choices": choices})


def _unsubscribe_target(token: str) -> tuple[User, str] | None:
    try:
        value = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).unsign_object(token)
        user = User.objects.get(public_id=UUID(str(value["u"])))
        category = str(value["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    if category not in OPTIONAL_CATEGORIES:
        return None
    return user, category


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058) without one
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST turns it off."""
    target = _unsubscribe_target(token)
    if target is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user, category = target
    label = Category(category).label
    if request.method == "POST":
        services.preferences_set(user=user, **{category: False})
        return render(request, "notifications/unsubscribe.html", {"done": True, "label": label})
    # Never broken across lines: the address is what a reader checks before confirming.
    email = format_html('<span class="unsubscribe-email">{}</span>', _masked(user.email))
    return render(request, "notifications/unsubscribe.html", {"label": label, "email": email})


def _masked(email: str) -> str:
    """Enough of the address to recognise it, not enough to harvest it from a forwarded mail."""
    name, _, domain = email.partition("@")
    return f"{name[:2]}…@{domain}" if domain else "…"
