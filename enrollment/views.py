"""Learner and staff pages for enrollment. Thin: they call services and show the outcome."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from courses.models import Offering
from institutions.rules import CATALOG_EDITORS, institution_ids, is_superuser

from . import batches, exports, news, selectors, services
from .exceptions import EnrollmentError
from .models import BatchStatus, Channel, Enrollment, EnrollmentBatch, Outcome, Status
from .permissions import can_manage_roster


def _uuid(value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError as error:
        raise Http404 from error


def _offering(public_id: str) -> Offering:
    return get_object_or_404(
        Offering.objects.select_related("course__institution", "term"),
        public_id=_uuid(public_id),
    )


def _course_url(offering: Offering) -> str:
    course = offering.course
    url = reverse("courses:course_detail", args=[course.institution.code, course.code])
    return f"{url}#offering-{offering.public_id}"


def _own_enrollment(request: HttpRequest, public_id: str) -> Enrollment:
    """The signed-in learner's enrollment; someone else's id is simply not found."""
    return get_object_or_404(
        Enrollment.objects.select_related("offering__course__institution", "offering__term"),
        public_id=_uuid(public_id),
        learner=request.user,
    )


def _outcome(enrollment: Enrollment) -> str:
    offering = enrollment.offering
    title = offering.course.title
    if enrollment.status == Status.ENROLLED:
        return _("You are enrolled in %(course)s.") % {"course": title}
    if enrollment.status == Status.PENDING:
        return _(
            "Your enrollment in %(course)s awaits the staff's approval; your seat is held."
        ) % {"course": title}
    if enrollment.status == Status.WAITLISTED:
        positioned = selectors.learner_enrollments(learner=enrollment.learner, offerings=[offering])
        position = getattr(positioned[offering.pk], "position", None)
        return _("%(course)s is full. You are number %(position)s on the waitlist.") % {
            "course": title,
            "position": position,
        }
    if enrollment.status == Status.DROPPED:
        return _("You left %(course)s.") % {"course": title}
    return str(Status(enrollment.status).label)


# --- learners ----------------------------------------------------------------------------------


@login_required
def enroll(request: HttpRequest, offering: str) -> HttpResponse:
    """GET: what will happen, and a button. POST: enroll, then back to the course page."""
    target = _offering(offering)
    if request.method == "POST":
        try:
            enrollment = services.enrollment_create(
                learner=request.user, offering=target, actor=request.user, channel=Channel.WEB
            )
        except EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _outcome(enrollment))
        return redirect(_course_url(target))
    mine = selectors.learner_enrollments(learner=request.user, offerings=[target]).get(target.pk)
    return render(
        request,
        "enrollment/confirm_enroll.html",
        {
            "offering": target,
            "course": target.course,
            "existing": mine if mine and mine.is_live else None,
            "will_wait": target.seats_taken >= target.capacity or target.waitlist_length > 0,
        },
    )


LEARNER_ACTIONS = {
    "drop": (services.enrollment_drop, {Status.ENROLLED, Status.PENDING, Status.WAITLISTED}),
    "accept": (services.enrollment_accept_offer, {Status.OFFERED}),
    "decline": (services.enrollment_decline_offer, {Status.OFFERED}),
}


@login_required
def learner_action(request: HttpRequest, enrollment: str, action: str) -> HttpResponse:
    """Drop, accept an offered seat or decline it: confirm on GET, act on POST."""
    if action not in LEARNER_ACTIONS:
        raise Http404
    mine = _own_enrollment(request, enrollment)
    service, _states = LEARNER_ACTIONS[action]
    if request.method == "POST":
        try:
            changed = service(enrollment=mine, actor=request.user, channel=Channel.WEB)
        except EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _learner_outcome(action, changed))
        if request.POST.get("next") == "mine":
            return redirect("enrollment:mine")
        return redirect(_course_url(mine.offering))
    positioned = selectors.learner_enrollments(learner=request.user, offerings=[mine.offering])
    return render(
        request,
        "enrollment/confirm_action.html",
        {
            "enrollment": positioned.get(mine.offering_id, mine),
            "offering": mine.offering,
            "course": mine.offering.course,
            "action": action,
            "next": request.GET.get("next", ""),
        },
    )


def _learner_outcome(action: str, enrollment: Enrollment) -> str:
    title = enrollment.offering.course.title
    if action == "accept":
        if enrollment.status == Status.PENDING:
            return _("You accepted the seat in %(course)s; it now awaits approval.") % {
                "course": title
            }
        return _("You accepted the seat: you are enrolled in %(course)s.") % {"course": title}
    if action == "decline":
        return _("You declined the seat in %(course)s.") % {"course": title}
    return _("You left %(course)s.") % {"course": title}


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.my_learning(learner=request.user))
    return render(
        request,
        "enrollment/my_learning.html",
        {
            "offered": [e for e in rows if e.status == Status.OFFERED],
            "live": [e for e in rows if e.status in (Status.ENROLLED, Status.PENDING)],
            "waiting": [e for e in rows if e.status == Status.WAITLISTED],
            "past": [e for e in rows if not e.is_live],
            "now": timezone.now(),
        },
    )


# --- staff -------------------------------------------------------------------------------------


def _managed_offering(request: HttpRequest, public_id: str) -> Offering:
    offering = _offering(public_id)
    if not can_manage_roster(request.user, offering):
        raise Http404  # not "forbidden": whether it exists is none of their business
    return offering


@login_required
def staff_offerings(request: HttpRequest) -> HttpResponse:
    if not (is_superuser(request.user) or institution_ids(request.user)):
        raise Http404
    today = timezone.localdate()
    offerings = list(selectors.managed_offerings(user=request.user)[:300])
    return render(
        request,
        "enrollment/staff_offerings.html",
        {
            "current": [o for o in offerings if o.ends_on >= today],
            "past": [o for o in offerings if o.ends_on < today],
            "can_edit_catalog": bool(institution_ids(request.user, CATALOG_EDITORS)),
        },
    )


@login_required
def roster(request: HttpRequest, offering: str) -> HttpResponse:
    target = _managed_offering(request, offering)
    rows = list(selectors.roster(offering=target, statuses=Status.values))
    by_status: dict[str, list[Enrollment]] = {}
    for row in rows:
        by_status.setdefault(row.status, []).append(row)
    waiting = sorted(by_status.get(Status.WAITLISTED, []), key=lambda e: e.queue_number or 0)
    return render(
        request,
        "enrollment/roster.html",
        {
            "offering": target,
            "course": target.course,
            "enrolled": by_status.get(Status.ENROLLED, []),
            "pending": by_status.get(Status.PENDING, []),
            "offered": by_status.get(Status.OFFERED, []),
            "waiting": waiting,
            "finished": [r for r in rows if r.status in (Status.COMPLETED, Status.NOT_COMPLETED)],
            "ended": [
                r
                for r in rows
                if not r.is_live and r.status not in (Status.COMPLETED, Status.NOT_COMPLETED)
            ],
            "siblings": list(selectors.sibling_offerings(offering=target)),
            "subject_max": news.ANNOUNCEMENT_SUBJECT_MAX,
            "body_max": news.ANNOUNCEMENT_BODY_MAX,
        },
    )


STAFF_ACTIONS = {
    "approve": services.enrollment_approve,
    "reject": services.enrollment_reject,
    "withdraw": services.enrollment_withdraw,
}


@login_required
@require_POST
def staff_action(request: HttpRequest, offering: str, enrollment: str, action: str) -> HttpResponse:
    target = _managed_offering(request, offering)
    if action not in STAFF_ACTIONS:
        raise Http404
    row = get_object_or_404(Enrollment, public_id=_uuid(enrollment), offering=target)
    reason = request.POST.get("reason", "")[:300]
    try:
        changed = STAFF_ACTIONS[action](
            enrollment=row, actor=request.user, channel=Channel.WEB, reason=reason
        )
    except EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": changed.learner.get_full_name(), "status": changed.get_status_display()},
        )
    return redirect("enrollment:roster", offering=target.public_id)


@login_required
@require_POST
def staff_enroll(request: HttpRequest, offering: str) -> HttpResponse:
    """Enroll someone by their email address, outside the window and without approval."""
    target = _managed_offering(request, offering)
    email = request.POST.get("email", "").strip()[:254]
    learner = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if learner is None:
        messages.error(
            request, _("No active account uses the email address %(email)s.") % {"email": email}
        )
        return redirect("enrollment:roster", offering=target.public_id)
    try:
        enrollment = services.enrollment_create(
            learner=learner, offering=target, actor=request.user, channel=Channel.WEB
        )
    except EnrollmentError as error:
        messages.error(request, f"{learner.get_full_name()}: {error.message}")
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": learner.get_full_name(), "status": enrollment.get_status_display()},
        )
    return redirect("enrollment:roster", offering=target.public_id)


@login_required
@require_POST
def staff_move(request: HttpRequest, offering: str, enrollment: str) -> HttpResponse:
    """Move a learner to another offering of the same course."""
    target = _managed_offering(request, offering)
    row = get_object_or_404(Enrollment, public_id=_uuid(enrollment), offering=target)
    try:
        destination = Offering.objects.get(public_id=UUID(request.POST.get("to", "")))
    except (ValueError, Offering.DoesNotExist):
        messages.error(request, _("Choose one of the listed offerings."))
        return redirect("enrollment:roster", offering=target.public_id)
    try:
        moved = services.enrollment_move(
            enrollment=row, to_offering=destination, actor=request.user, channel=Channel.WEB
        )
    except EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s moved to %(term)s, section %(section)s.")
            % {
                "name": moved.learner.get_full_name(),
                "term": destination.term.name,
                "section": destination.section,
            },
        )
    return redirect("enrollment:roster", offering=target.public_id)


@login_required
@require_POST
def staff_complete(request: HttpRequest, offering: str) -> HttpResponse:
    """Bulk completion from the roster form: one row per learner, blank rows left alone."""
    target = _managed_offering(request, offering)
    results: dict[str, services.Result] = {}
    for key, value in request.POST.items():
        if not key.startswith("result-") or value not in ("completed", "not_completed"):
            continue
        public_id = key.removeprefix("result-")
        try:
            UUID(public_id)
        except ValueError:
            messages.error(request, _("The form was changed in a way it cannot be: nothing saved."))
            return redirect("enrollment:roster", offering=target.public_id)
        results[public_id] = services.Result(
            completed=value == "completed",
            score=request.POST.get(f"score-{public_id}") or None,  # type: ignore[arg-type]
            grade=request.POST.get(f"grade-{public_id}", ""),
            hours=request.POST.get(f"hours-{public_id}") or None,  # type: ignore[arg-type]
        )
    if not results:
        messages.error(request, _("Choose completed or not completed for at least one learner."))
        return redirect("enrollment:roster", offering=target.public_id)
    try:
        done = services.enrollments_complete(
            offering=target, actor=request.user, results=results, channel=Channel.WEB
        )
    except EnrollmentError as error:
        messages.error(request, _("Nothing was saved: %(reason)s") % {"reason": error.message})
    except ValidationError:
        messages.error(request, _("The form was changed in a way it cannot be: nothing saved."))
    else:
        messages.success(
            request, _("Results recorded for %(count)s learners.") % {"count": len(done)}
        )
    return redirect("enrollment:roster", offering=target.public_id)


@login_required
@require_POST
def staff_capacity(request: HttpRequest, offering: str) -> HttpResponse:
    target = _managed_offering(request, offering)
    try:
        capacity = int(request.POST.get("capacity", ""))
    except ValueError:
        messages.error(request, _("Give the capacity as a whole number."))
        return redirect("enrollment:roster", offering=target.public_id)
    try:
        services.offering_change_capacity(
            offering=target, capacity=capacity, actor=request.user, channel=Channel.WEB
        )
    except EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Capacity is now %(capacity)s.") % {"capacity": capacity})
    return redirect("enrollment:roster", offering=target.public_id)


@login_required
@require_POST
def staff_announce(request: HttpRequest, offering: str) -> HttpResponse:
    """Write to everyone holding or waiting for a place: inbox, and email unless turned off."""
    target = _managed_offering(request, offering)
    try:
        count = news.offering_announce(
            offering=target,
            actor=request.user,
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
        )
    except EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Your message goes to %(count)d learner.",
                "Your message goes to %(count)d learners.",
                count,
            )
            % {"count": count},
        )
    return redirect("enrollment:roster", offering=target.public_id)


@login_required
def roster_export(request: HttpRequest, offering: str, fmt: str) -> HttpResponse:
    target = _managed_offering(request, offering)
    rows = selectors.roster(offering=target, statuses=Status.values)
    if fmt == "csv":
        return exports.roster_csv(target, rows)
    if fmt == "xlsx":
        return exports.roster_xlsx(target, rows)
    raise Http404


# --- bulk import (the same batches as the API's /enrollment-batches/) ---------------------------

IMPORT_ROWS_PER_PAGE = 200


def _own_batch(request: HttpRequest, public_id: str) -> EnrollmentBatch:
    """A batch this user sent; anyone else's is simply not found."""
    return get_object_or_404(
        batches.batches_of(user=request.user).select_related("applied_as"),
        public_id=_uuid(public_id),
    )


@login_required
def import_upload(request: HttpRequest, offering: str) -> HttpResponse:
    """Upload a CSV: it is checked as a dry run first, and shown as a preview to apply."""
    target = _managed_offering(request, offering)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a CSV file to upload.")
        else:
            try:
                rows = batches.rows_from_csv(upload)
                preview = batches.enrollment_batch_create(
                    rows=rows,
                    actor=request.user,
                    dry_run=True,
                    channel=Channel.WEB,
                    source_name=upload.name or "",
                )
            except batches.BatchInputError as problem:
                error = problem.message
            except EnrollmentError as problem:
                error = problem.message
            else:
                return redirect("enrollment:import_batch", batch=preview.public_id)
    recent = batches.batches_of(user=request.user).filter(dry_run=False)[:5]
    return render(
        request,
        "enrollment/import_upload.html",
        {
            "offering": target,
            "course": target.course,
            "error": error,
            "recent": recent,
            "max_rows": batches.MAX_ROWS,
            "max_megabytes": batches.MAX_FILE_BYTES // (1024 * 1024),
        },
        status=400 if error else 200,
    )


@login_required
def import_batch(request: HttpRequest, batch: str) -> HttpResponse:
    """A batch's progress and per-row results; refreshes itself while the job runs."""
    job = _own_batch(request, batch)
    rows = job.rows.select_related("enrollment").order_by("line")
    errors_only = request.GET.get("show") == "errors"
    if errors_only:
        rows = rows.filter(outcome=Outcome.ERROR)
    page = Paginator(rows, IMPORT_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    refs: dict[int, UUID] = {}
    for row in page:
        try:
            refs[row.pk] = UUID(row.offering)
        except ValueError:
            continue
    named = Offering.objects.filter(public_id__in=set(refs.values())).select_related(
        "course", "term"
    )
    names = {o.public_id: o for o in named}
    return render(
        request,
        "enrollment/import_batch.html",
        {
            "batch": job,
            "page": page,
            "rows": [(row, names.get(refs.get(row.pk))) for row in page],  # type: ignore[arg-type]
            "errors_only": errors_only,
            "remaining": job.total - job.processed,
            "refresh": not job.is_finished,
            "can_apply": job.dry_run and job.status == BatchStatus.DONE and not job.applied_as_id,
        },
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, batch: str) -> HttpResponse:
    """Apply a checked preview as a real batch (once: a second click shows the same job)."""
    preview = _own_batch(request, batch)
    try:
        job = batches.enrollment_batch_apply(preview=preview, actor=request.user)
    except EnrollmentError as error:
        messages.error(request, error.message)
        return redirect("enrollment:import_batch", batch=preview.public_id)
    return redirect("enrollment:import_batch", batch=job.public_id)
