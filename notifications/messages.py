"""What each event says, to whom it matters how much, in the reader's language.

One `Message` per event: its category (which decides preferences and quiet hours), whether it is
urgent, and a builder that turns a notification's data into a subject, a lead sentence, the key
facts and one action. Email (HTML and text) and the in-app inbox render the same `Rendered`, so
they never disagree. Builders run under `translation.override(language)`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Category


@dataclass
class Rendered:
    subject: str
    lead: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    action: tuple[str, str] | None = None  # (label, absolute URL)
    table: list[list[str]] = field(default_factory=list)  # first row is the header
    note: str = ""


@dataclass(frozen=True)
class Message:
    event: str
    category: str
    build: Callable[[dict[str, Any]], Rendered]
    urgent: bool = True  # urgent messages are never held for quiet hours


MESSAGES: dict[str, Message] = {}


def message(event: str, category: str = Category.TRANSACTIONAL, *, urgent: bool = True) -> Any:
    def register(build: Callable[[dict[str, Any]], Rendered]) -> Callable[..., Rendered]:
        MESSAGES[event] = Message(event, category, build, urgent)
        return build

    return register


def category_of(event: str) -> str:
    spec = MESSAGES.get(event)
    return spec.category if spec else Category.TRANSACTIONAL


def is_urgent(event: str) -> bool:
    spec = MESSAGES.get(event)
    return spec.urgent if spec else True


def render(event: str, data: dict[str, Any], language: str) -> Rendered:
    with translation.override(language):
        spec = MESSAGES.get(event)
        if spec is None:
            return Rendered(subject=event, lead="")
        return spec.build(data)


# --- helpers ---------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def page(name: str, *args: Any) -> str:
    """The absolute address of a page, in the active language (English pages live under /en/)."""
    return absolute(reverse(name, args=args))


def bilingual(data: dict[str, Any], key: str) -> str:
    """`key_en` when the reader reads English and it is filled in, else `key_zh`."""
    chinese = data.get(f"{key}_zh") or ""
    if translation.get_language() == "en":
        return data.get(f"{key}_en") or chinese
    return chinese or data.get(f"{key}_en") or ""


def course(data: dict[str, Any]) -> str:
    title = bilingual(data, "course_title")
    return f"{data.get('course_code', '')} {title}".strip()


def day(value: Any) -> str:
    parsed = value if isinstance(value, date) else parse_date(str(value or ""))
    return formats.date_format(parsed, "DATE_FORMAT") if parsed else "-"


def moment(value: Any) -> str:
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value or ""))
    if parsed is None:
        return "-"
    return formats.date_format(timezone.localtime(parsed), "DATETIME_FORMAT")


def section(data: dict[str, Any]) -> tuple[str, str]:
    return _("Term and section"), f"{data.get('term_code', '')} · {data.get('section', '')}"


def where(data: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [(_("Starts on"), day(data.get("starts_on")))]
    place = bilingual(data, "location")
    if place:
        facts.append((_("Place"), place))
    schedule = bilingual(data, "schedule")
    if schedule:
        facts.append((_("Meets"), schedule))
    return facts


def my_learning() -> tuple[str, str]:
    return _("Open My learning"), page("enrollment:mine")


def reason(data: dict[str, Any]) -> list[tuple[str, str]]:
    text = (data.get("reason") or "").strip()
    return [(_("Reason"), text)] if text else []


# --- learners: their own enrollments -------------------------------------------------------------


@message("enrollment.enrolled")
def _enrolled(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Enrolled: %(course)s") % {"course": course(data)},
        lead=_("Your seat in %(course)s is confirmed.") % {"course": course(data)},
        facts=[section(data), *where(data)],
        action=my_learning(),
    )


@message("enrollment.approved")
def _approved(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Approved: %(course)s") % {"course": course(data)},
        lead=_("Your request to enroll in %(course)s was approved. Your seat is confirmed.")
        % {"course": course(data)},
        facts=[section(data), *where(data)],
        action=my_learning(),
    )


@message("enrollment.pending")
def _pending(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Awaiting approval: %(course)s") % {"course": course(data)},
        lead=_(
            "Your request to enroll in %(course)s was received. The course staff will approve or "
            "decline it; we will tell you."
        )
        % {"course": course(data)},
        facts=[section(data), *where(data)],
        action=my_learning(),
    )


@message("enrollment.rejected")
def _rejected(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Not approved: %(course)s") % {"course": course(data)},
        lead=_("Your request to enroll in %(course)s was not approved.") % {"course": course(data)},
        facts=[section(data), *reason(data)],
        action=(_("Find another course"), page("courses:catalog")),
    )


@message("enrollment.waitlisted")
def _waitlisted(data: dict[str, Any]) -> Rendered:
    position = data.get("waitlist_position")
    lead = _("%(course)s is full, so you are on its waitlist.") % {"course": course(data)}
    facts = [section(data)]
    if position:
        facts.insert(0, (_("Your place in line"), str(position)))
        lead = _("%(course)s is full, so you are on its waitlist, number %(position)s in line.") % {
            "course": course(data),
            "position": position,
        }
    return Rendered(
        subject=_("Waitlisted: %(course)s") % {"course": course(data)},
        lead=lead,
        facts=[*facts, *where(data)],
        action=my_learning(),
        note=_("When a seat frees up, the first in line gets it. We will tell you."),
    )


@message("enrollment.offered")
def _offered(data: dict[str, Any]) -> Rendered:
    deadline = moment(data.get("offer_expires_at"))
    return Rendered(
        subject=_("A seat is yours to claim: %(course)s") % {"course": course(data)},
        lead=_(
            "A seat in %(course)s freed up and it is offered to you. Accept it before %(deadline)s"
            " or it passes to the next in line."
        )
        % {"course": course(data), "deadline": deadline},
        facts=[(_("Accept by"), deadline), section(data), *where(data)],
        action=(_("Accept or decline the seat"), page("enrollment:mine") + "#offers"),
    )


@message("enrollment.offer_expiring")
def _offer_expiring(data: dict[str, Any]) -> Rendered:
    deadline = moment(data.get("offer_expires_at"))
    return Rendered(
        subject=_("Your seat offer ends soon: %(course)s") % {"course": course(data)},
        lead=_(
            "The seat offered to you in %(course)s is still waiting. The offer ends at "
            "%(deadline)s; after that it passes to the next in line."
        )
        % {"course": course(data), "deadline": deadline},
        facts=[(_("Accept by"), deadline), section(data)],
        action=(_("Accept or decline the seat"), page("enrollment:mine") + "#offers"),
    )


@message("enrollment.promoted")
def _promoted(data: dict[str, Any]) -> Rendered:
    waiting = data.get("status") == "pending"
    return Rendered(
        subject=_("Off the waitlist: %(course)s") % {"course": course(data)},
        lead=(
            _("A seat in %(course)s freed up and it is yours, once the course staff approve.")
            if waiting
            else _("A seat in %(course)s freed up and it is yours: you are enrolled.")
        )
        % {"course": course(data)},
        facts=[section(data), *where(data)],
        action=my_learning(),
    )


@message("enrollment.dropped")
def _dropped(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Dropped: %(course)s") % {"course": course(data)},
        lead=_("You are no longer enrolled in %(course)s.") % {"course": course(data)},
        facts=[section(data)],
        action=(_("Find another course"), page("courses:catalog")),
    )


@message("enrollment.withdrawn")
def _withdrawn(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Withdrawn: %(course)s") % {"course": course(data)},
        lead=_("You were withdrawn from %(course)s.") % {"course": course(data)},
        facts=[section(data), *reason(data)],
        action=my_learning(),
    )


@message("enrollment.completed")
def _completed(data: dict[str, Any]) -> Rendered:
    hours = data.get("hours_completed")
    facts = [section(data)]
    if hours not in (None, ""):
        facts.insert(0, (_("Learning hours"), str(hours)))
    if data.get("grade"):
        facts.append((_("Grade"), str(data["grade"])))
    return Rendered(
        subject=_("Completed: %(course)s") % {"course": course(data)},
        lead=_("Congratulations: you completed %(course)s.") % {"course": course(data)},
        facts=facts,
        action=my_learning(),
    )


@message("enrollment.not_completed")
def _not_completed(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Not completed: %(course)s") % {"course": course(data)},
        lead=_("The course staff recorded that you did not complete %(course)s.")
        % {"course": course(data)},
        facts=[section(data)],
        action=my_learning(),
    )


@message("enrollment.cancelled")
def _cancelled(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("Cancelled: %(course)s") % {"course": course(data)},
        lead=_("%(course)s (%(term)s, section %(section)s) was cancelled. Your place in it ended.")
        % {"course": course(data), "term": data.get("term_code"), "section": data.get("section")},
        facts=[section(data), *reason(data)],
        action=(_("Find another course"), page("courses:catalog")),
    )


@message("enrollment.expired")
def _expired(data: dict[str, Any]) -> Rendered:
    offer = data.get("from_status") == "offered"
    return Rendered(
        subject=_("Your place has ended: %(course)s") % {"course": course(data)},
        lead=(
            _("The seat offered to you in %(course)s was not accepted in time.")
            if offer
            else _("%(course)s has started, so its waitlist is closed.")
        )
        % {"course": course(data)},
        facts=[section(data)],
        action=(_("Find another course"), page("courses:catalog")),
    )


@message("offering.changed")
def _offering_changed(data: dict[str, Any]) -> Rendered:
    labels = {
        "starts_on": _("Starts on"),
        "ends_on": _("Ends on"),
        "location": _("Place"),
        "schedule": _("Meets"),
        "delivery_mode": _("Delivery"),
    }
    facts = [section(data)]
    language = translation.get_language()
    for key, (old, new) in (data.get("changes") or {}).items():
        if key in ("starts_on", "ends_on"):
            old, new = day(old), day(new)
        elif isinstance(old, dict):  # bilingual text: {"zh": ..., "en": ...}
            old = (old.get("en") if language == "en" else "") or old.get("zh") or "-"
            new = (new.get("en") if language == "en" else "") or new.get("zh") or "-"
        elif key == "delivery_mode":
            old, new = _delivery_label(old), _delivery_label(new)
        change = _("%(new)s (was %(old)s)") % {"new": new, "old": old}
        facts.append((str(labels.get(key, key)), change))
    return Rendered(
        subject=_("Changed: %(course)s") % {"course": course(data)},
        lead=_("The course staff changed the dates or place of %(course)s.")
        % {"course": course(data)},
        facts=facts,
        action=my_learning(),
    )


def _delivery_label(value: Any) -> str:
    labels = {
        "in_person": gettext_lazy("In person"),
        "online": gettext_lazy("Online"),
        "hybrid": gettext_lazy("Hybrid"),
    }
    return str(labels.get(value, value or "-"))


@message("offering.starts_soon", Category.REMINDERS, urgent=False)
def _starts_soon(data: dict[str, Any]) -> Rendered:
    days = int(data.get("days_left") or 1)
    values = {"course": course(data), "days": days}
    if days == 1:
        subject = _("Starts tomorrow: %(course)s") % values
        lead = _("%(course)s starts tomorrow.") % values
    else:
        subject = (
            ngettext(
                "Starts in %(days)d day: %(course)s", "Starts in %(days)d days: %(course)s", days
            )
            % values
        )
        lead = (
            ngettext(
                "%(course)s starts in %(days)d day.", "%(course)s starts in %(days)d days.", days
            )
            % values
        )
    return Rendered(
        subject=subject,
        lead=lead,
        facts=[section(data), *where(data)],
        action=my_learning(),
    )


@message("offering.announcement", Category.ANNOUNCEMENTS, urgent=False)
def _announcement(data: dict[str, Any]) -> Rendered:
    return Rendered(
        subject=_("%(course)s: %(subject)s")
        % {"course": course(data), "subject": data.get("subject", "")},
        lead=_("The course staff of %(course)s wrote to everyone in it:")
        % {"course": course(data)},
        facts=[section(data), (_("From"), data.get("sender") or "-")],
        note=str(data.get("body", "")),
        action=my_learning(),
    )


# --- staff ---------------------------------------------------------------------------------------


@message("enrollment.pending_approval")
def _pending_approval(data: dict[str, Any]) -> Rendered:
    who = data.get("learner_name") or data.get("learner_email") or "-"
    return Rendered(
        subject=_("To approve: %(learner)s for %(course)s")
        % {"learner": who, "course": course(data)},
        lead=_("%(learner)s asks to enroll in %(course)s. Approve or decline the request.")
        % {"learner": who, "course": course(data)},
        facts=[section(data), (_("Learner"), who)],
        action=(_("Open the roster"), page("enrollment:roster", data.get("offering", "-"))),
    )


@message("digest.daily", Category.DIGESTS, urgent=False)
def _digest(data: dict[str, Any]) -> Rendered:
    rows = data.get("offerings") or []
    header = [
        _("Offering"),
        _("Enrolled"),
        _("Waitlisted"),
        _("Left"),
        _("To approve"),
        _("Seats taken"),
    ]
    table = [header]
    for row in rows:
        counts = row.get("counts") or {}
        table.append(
            [
                f"{course(row)} · {row.get('term_code', '')} {row.get('section', '')}",
                str(counts.get("enrolled", 0)),
                str(counts.get("waitlisted", 0)),
                str(counts.get("left", 0)),
                str(row.get("pending", 0)),
                f"{row.get('seats_taken', 0)}/{row.get('capacity', 0)}",
            ]
        )
    return Rendered(
        subject=_("Roster changes on %(day)s") % {"day": day(data.get("day"))},
        lead=ngettext(
            "%(count)d of your offerings changed in the day to %(day)s.",
            "%(count)d of your offerings changed in the day to %(day)s.",
            len(rows),
        )
        % {"count": len(rows), "day": day(data.get("day"))},
        table=table,
        action=(_("Open your rosters"), page("enrollment:staff_offerings")),
    )
