"""Bulk enrollment jobs: many (learner, offering, action) rows, applied in the background.

The request that sends a batch only reads and checks the rows' shape, stores them
(`enrollment_batch_create`, one bulk insert) and queues the job once the transaction commits.
The job (`enrollment_batch_run`, called by the Celery task in enrollment.tasks) applies each row
through enrollment.services in a transaction of its own that also records the row's result, so
a row is done exactly once: a retried or doubly delivered job skips the rows already done.

A dry run checks every row the same way (the learner, the offering, the action, and the
enrollment rules through services.check_enrollment) and changes nothing but its own report.

Who may name what: a partner names its own learners (by its external id or their email address)
and offerings of the public catalog; staff name any active learner by email address and only
offerings whose roster they manage. Anything else is a row error, never a leak: an offering the
caller may not use is reported as not found.

Limits: MAX_ROWS rows per batch, MAX_FILE_BYTES per uploaded file.
"""

import csv
import io
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from courses.models import Offering
from courses.rules import PUBLIC_OFFERING_STATUSES
from institutions.rules import is_institution_staff, is_superuser
from partners.models import PartnerLearner, PartnerOrganisation

from . import services
from .eligibility import ALREADY
from .exceptions import EnrollmentError, NotAllowed, RuleViolation
from .models import (
    LIVE,
    SEAT_HOLDING,
    BatchAction,
    BatchRow,
    BatchStatus,
    Channel,
    Enrollment,
    EnrollmentBatch,
    Outcome,
    Status,
)
from .permissions import require_roster_manager
from .selectors import managed_offerings

logger = logging.getLogger(__name__)

MAX_ROWS = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
COLUMNS = ("learner", "offering", "action")
LIMITS = {"learner": 254, "offering": 64, "action": 20}
PROGRESS_EVERY = 100  # rows between two updates of a running batch's counters
CHUNK = 500  # rows read (and learners and offerings resolved) at a time


class BatchInputError(Exception):
    """The rows as sent cannot be read (HTTP 400): nothing is stored. The API passes the code
    and message on as they are (api.errors)."""

    code = "invalid_batch"
    http_status = 400

    def __init__(self, message: Any) -> None:
        self.message = str(message)
        super().__init__(self.message)


class RowError(EnrollmentError):
    """Why one row of a batch was not applied, when no service said so."""

    http_status = 422
    messages = {
        "learner_not_found": _("No learner of yours is known by this id or email address."),
        "offering_not_found": _("No offering you may use has this id."),
        "invalid_action": _("The action must be enroll or withdraw."),
        "not_enrolled": _("This learner has no live enrollment in this offering."),
    }


@dataclass(frozen=True)
class RowInput:
    """One row as sent: `line` is its line in the file (or its place in the JSON list)."""

    line: int
    learner: str
    offering: str
    action: str


# --- reading rows --------------------------------------------------------------------------------


def _checked(line: int, values: dict[str, Any], *, where: Any) -> RowInput:
    cleaned: dict[str, str] = {}
    for name in COLUMNS:
        value = values.get(name)
        if not isinstance(value, str):
            raise BatchInputError(
                _("%(where)s: %(field)s must be text.") % {"where": where, "field": name}
            )
        value = value.strip()
        if not value:
            raise BatchInputError(
                _("%(where)s: %(field)s is empty.") % {"where": where, "field": name}
            )
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise BatchInputError(
                _("%(where)s: %(field)s contains a control character.")
                % {"where": where, "field": name}
            )
        if len(value) > LIMITS[name]:
            raise BatchInputError(
                _("%(where)s: %(field)s is longer than %(limit)s characters.")
                % {"where": where, "field": name, "limit": LIMITS[name]}
            )
        cleaned[name] = value
    return RowInput(line=line, **cleaned)


def _check_count(count: int) -> None:
    if count == 0:
        raise BatchInputError(_("The batch has no rows."))
    if count > MAX_ROWS:
        raise BatchInputError(
            _("A batch has at most %(limit)s rows; split it into several.") % {"limit": MAX_ROWS}
        )


def rows_from_data(data: Any) -> list[RowInput]:
    """Rows from JSON: a list of {"learner", "offering", "action"} objects, all text."""
    if not isinstance(data, list):
        raise BatchInputError(_("rows must be a list of objects."))
    _check_count(len(data))
    rows = []
    for line, item in enumerate(data, start=1):
        where = _("Row %(line)s") % {"line": line}
        if not isinstance(item, dict):
            raise BatchInputError(
                _("%(where)s: expected an object with learner, offering and action.")
                % {"where": where}
            )
        unknown = sorted(set(item) - set(COLUMNS))
        if unknown:
            raise BatchInputError(
                _("%(where)s: unknown fields %(fields)s.")
                % {"where": where, "fields": ", ".join(map(str, unknown))}
            )
        rows.append(_checked(line, item, where=where))
    return rows


def rows_from_csv(upload: Any) -> list[RowInput]:
    """Rows from a CSV file: UTF-8 (a BOM is fine), a header naming the columns learner,
    offering and action in any order, then one row per line. Blank lines are skipped."""
    if getattr(upload, "size", 0) > MAX_FILE_BYTES:
        raise _too_big()
    raw = upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BatchInputError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[RowInput] = []
    try:
        header = next(reader, None)
        names = [cell.strip().lower() for cell in header or []]
        if sorted(names) != sorted(COLUMNS):
            raise BatchInputError(
                _(
                    "The first line must name the columns learner, offering and action; "
                    "it is: %(found)s"
                )
                % {"found": ", ".join(names)[:200] or "-"}
            )
        index = {name: names.index(name) for name in COLUMNS}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            where = _("Line %(line)s") % {"line": reader.line_num}
            if len(cells) != len(COLUMNS):
                raise BatchInputError(
                    _("%(where)s has %(count)s columns; the header has 3.")
                    % {"where": where, "count": len(cells)}
                )
            if len(rows) == MAX_ROWS:
                _check_count(MAX_ROWS + 1)
            values = {name: cells[i] for name, i in index.items()}
            rows.append(_checked(reader.line_num, values, where=where))
    except csv.Error as error:
        raise BatchInputError(
            _("Line %(line)s cannot be read as CSV: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error
    _check_count(len(rows))
    return rows


def _too_big() -> BatchInputError:
    return BatchInputError(
        _("The file is larger than %(size)s MB; split it into several.")
        % {"size": MAX_FILE_BYTES // (1024 * 1024)}
    )


# --- creating and applying batches ---------------------------------------------------------------


def manages_any_roster(user: Any) -> bool:
    """Staff who run at least one roster: superusers, institution staff, instructors."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        is_superuser(user)
        or is_institution_staff(user)
        or Offering.objects.filter(instructors=user).exists()
    )


def batches_of(*, user: Any = None, partner: Any = None) -> QuerySet[EnrollmentBatch]:
    """The batches a partner organisation, or else a user, owns; newest first."""
    if partner is not None:
        return EnrollmentBatch.objects.filter(owner_partner=partner)
    return EnrollmentBatch.objects.filter(owner_user=user, owner_partner__isnull=True)


@transaction.atomic
def enrollment_batch_create(
    *,
    rows: Sequence[RowInput],
    actor: Any,
    dry_run: bool = False,
    partner: PartnerOrganisation | None = None,
    channel: str = Channel.API,
    source_name: str = "",
) -> EnrollmentBatch:
    """Store a batch and its rows and queue the job for when this transaction commits.

    A partner owns its batches (its service account acts); otherwise `actor` owns it and must run
    at least one roster (else NotAllowed). Cheap whatever the size: one insert per 1,000 rows;
    no row is looked at here beyond its shape (see rows_from_data / rows_from_csv).
    """
    _check_count(len(rows))
    if partner is None and not manages_any_roster(actor):
        raise NotAllowed("not_allowed")
    batch = EnrollmentBatch.objects.create(
        owner_user=None if partner is not None else actor,
        owner_partner=partner,
        channel=Channel.PARTNER if partner is not None else channel,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        dry_run=dry_run,
        total=len(rows),
        source_name=source_name[:200],
    )
    BatchRow.objects.bulk_create(
        (
            BatchRow(
                batch=batch,
                line=row.line,
                learner=row.learner,
                offering=row.offering,
                action=row.action,
            )
            for row in rows
        ),
        batch_size=1000,
    )
    transaction.on_commit(lambda: _queue(batch.pk))
    return batch


@transaction.atomic
def enrollment_batch_apply(*, preview: EnrollmentBatch, actor: Any) -> EnrollmentBatch:
    """Apply the rows of a finished dry run as a new batch; once only (a repeat returns it)."""
    preview = EnrollmentBatch.objects.select_for_update().get(pk=preview.pk)
    if preview.applied_as_id is not None:
        return EnrollmentBatch.objects.get(pk=preview.applied_as_id)
    if not preview.dry_run or preview.status != BatchStatus.DONE:
        raise NotAllowed("not_allowed")
    rows = [
        RowInput(line=line, learner=learner, offering=offering, action=action)
        for line, learner, offering, action in preview.rows.order_by("line").values_list(
            "line", "learner", "offering", "action"
        )
    ]
    batch = enrollment_batch_create(
        rows=rows,
        actor=actor,
        partner=preview.owner_partner,
        channel=preview.channel,
        source_name=preview.source_name,
    )
    preview.applied_as = batch
    preview.save(update_fields=["applied_as", "updated_at"])
    return batch


def _queue(batch_id: int) -> None:
    from .tasks import run_enrollment_batch  # the task module imports this one

    try:
        run_enrollment_batch.delay(batch_id)
    except Exception as error:  # a broker outage must not turn a stored batch into a 500
        logger.exception("could not queue enrollment batch %s", batch_id)
        enrollment_batch_fail(batch_id=batch_id, error=f"not queued: {error}")


def enrollment_batch_fail(*, batch_id: int, error: str) -> None:
    """Mark a batch failed (the job itself broke); rows done so far stay done."""
    counts = _counts(batch_id)
    EnrollmentBatch.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
        status=BatchStatus.FAILED,
        error=error[:500],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        **counts,
    )


def _counts(batch_id: int) -> dict[str, int]:
    return BatchRow.objects.filter(batch_id=batch_id).aggregate(
        processed=Count("pk", filter=~Q(outcome="")),
        succeeded=Count("pk", filter=Q(outcome=Outcome.OK)),
        failed=Count("pk", filter=Q(outcome=Outcome.ERROR)),
    )


def _save_progress(batch_id: int) -> None:
    EnrollmentBatch.objects.filter(pk=batch_id).update(
        updated_at=timezone.now(), **_counts(batch_id)
    )


def enrollment_batch_run(*, batch_id: int) -> EnrollmentBatch | None:
    """Run a queued batch to the end. Safe to call again (a retry, a second delivery, two
    workers at once): each row is claimed under its row lock and done once; a finished batch is
    left alone. Counters are refreshed every PROGRESS_EVERY rows."""
    with transaction.atomic():
        batch = (
            EnrollmentBatch.objects.select_for_update(of=("self",))
            .select_related("owner_user", "owner_partner__service_user")
            .filter(pk=batch_id)
            .first()
        )
        if batch is None or batch.is_finished:
            return batch
        batch.status = BatchStatus.RUNNING
        batch.started_at = batch.started_at or timezone.now()
        batch.save(update_fields=["status", "started_at", "updated_at"])
    partner = batch.owner_partner
    if partner is not None and not partner.is_active:
        enrollment_batch_fail(batch_id=batch.pk, error="the partner organisation is inactive")
        return batch
    with translation.override(batch.language):
        _Runner(batch).run()
    now = timezone.now()
    EnrollmentBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).update(
        status=BatchStatus.DONE, finished_at=now, updated_at=now, **_counts(batch.pk)
    )
    batch.refresh_from_db()
    return batch


class _Runner:
    """Applies (or, for a dry run, checks) the rows of one batch not done yet, in line order."""

    def __init__(self, batch: EnrollmentBatch) -> None:
        self.batch = batch
        self.partner = batch.owner_partner
        self.actor = self.partner.service_user if self.partner else batch.owner_user
        self.channel = batch.channel
        self.reason = f"batch {batch.public_id}"
        self.offerings: dict[str, Offering | None] = {}
        # Dry run: what the rows before this one would have done, by (learner id, offering id).
        self.planned: dict[tuple[int, int], str] = {}

    def run(self) -> None:
        last_line, done = 0, 0
        while True:
            chunk = list(
                self.batch.rows.filter(outcome="", line__gt=last_line).order_by("line")[:CHUNK]
            )
            if not chunk:
                break
            learners = self._learners({row.learner for row in chunk})
            self._resolve_offerings({row.offering for row in chunk})
            for row in chunk:
                self._row(row, learners.get(row.learner))
                done += 1
                if done % PROGRESS_EVERY == 0:
                    _save_progress(self.batch.pk)
            last_line = chunk[-1].line

    # Resolving the names used in the rows: one query per chunk, not per row.

    def _learners(self, refs: set[str]) -> dict[str, Any]:
        users = get_user_model().objects.filter(is_active=True)
        by_email = {ref: ref.lower() for ref in refs if "@" in ref}
        found: dict[str, Any] = {}
        if self.partner is not None:
            links = PartnerLearner.objects.filter(
                organisation=self.partner, external_id__in=list(refs), user__is_active=True
            ).select_related("user")
            found.update({link.external_id: link.user for link in links})
            users = users.filter(partner_links__organisation=self.partner)
        if by_email:
            emails = {user.email: user for user in users.filter(email__in=by_email.values())}
            for ref, email in by_email.items():
                if ref not in found and email in emails:
                    found[ref] = emails[email]
        return found

    def _resolve_offerings(self, refs: set[str]) -> None:
        wanted: dict[uuid.UUID, list[str]] = {}
        for ref in refs:
            if ref in self.offerings:
                continue
            self.offerings[ref] = None
            try:
                wanted.setdefault(uuid.UUID(ref), []).append(ref)
            except ValueError:
                continue
        if not wanted:
            return
        usable: QuerySet[Offering]
        if self.partner is not None:
            usable = Offering.objects.filter(
                status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True
            )
        else:
            usable = managed_offerings(user=self.actor)
        for offering in usable.filter(public_id__in=list(wanted)).select_related(
            "course__institution", "term"
        ):
            for ref in wanted[offering.public_id]:  # the same id may be spelled two ways
                self.offerings[ref] = offering

    # One row.

    def _row(self, row: BatchRow, learner: Any) -> None:
        action = row.action.strip().lower()
        offering = self.offerings.get(row.offering)
        try:
            if action not in BatchAction.values:
                raise RowError("invalid_action")
            if learner is None:
                raise RowError("learner_not_found")
            if offering is None:
                raise RowError("offering_not_found")
        except RowError as error:
            self._record_error(row, error)
            return
        if self.batch.dry_run:
            self._check(row, action, learner, offering)
        else:
            self._apply(row, action, learner, offering)

    def _apply(self, row: BatchRow, action: str, learner: Any, offering: Offering) -> None:
        with transaction.atomic():
            claimed = BatchRow.objects.select_for_update().filter(pk=row.pk, outcome="").exists()
            if not claimed:  # another run of this batch did it
                return
            try:
                if action == BatchAction.ENROLL:
                    enrollment = services.enrollment_create(
                        learner=learner,
                        offering=offering,
                        actor=self.actor,
                        channel=self.channel,
                        reason=self.reason,
                        partner=self.partner,
                    )
                else:
                    live = Enrollment.objects.filter(
                        learner=learner, offering=offering, status__in=LIVE
                    ).first()
                    if live is None:
                        raise RowError("not_enrolled")
                    enrollment = services.enrollment_withdraw(
                        enrollment=live,
                        actor=self.actor,
                        channel=self.channel,
                        reason=self.reason,
                        partner=self.partner,
                    )
            except EnrollmentError as error:
                self._record_error(row, error)
            else:
                self._record_ok(row, enrollment.status, enrollment)

    def _check(self, row: BatchRow, action: str, learner: Any, offering: Offering) -> None:
        """The dry run of one row: the same checks, and the counters of the offering as the
        rows before it would have left them. Limits: the term limit is judged against the state
        before the batch, and a learner withdrawn and enrolled again within one batch is
        reported as already enrolled."""
        key = (learner.pk, offering.pk)
        existing: Enrollment | None = None
        try:
            if action == BatchAction.ENROLL:
                before = self.planned.get(key)
                if before in LIVE:
                    raise RuleViolation(ALREADY[before])
                status = services.check_enrollment(
                    learner=learner,
                    offering=offering,
                    actor=self.actor,
                    partner=self.partner,
                    channel=self.channel,
                )
                offering.seats_taken += status in SEAT_HOLDING
                offering.waitlist_length += status == Status.WAITLISTED
            else:
                before = self.planned.get(key)
                if before not in LIVE:
                    existing = Enrollment.objects.filter(
                        learner=learner, offering=offering, status__in=LIVE
                    ).first()
                    if existing is None:
                        raise RowError("not_enrolled")
                    before = existing.status
                self._check_may_withdraw(learner, offering)
                status = Status.WITHDRAWN
                if before in SEAT_HOLDING:
                    if offering.waitlist_length > 0:  # the first in line takes the seat
                        offering.waitlist_length -= 1
                    else:
                        offering.seats_taken -= 1
                elif before == Status.WAITLISTED:
                    offering.waitlist_length -= 1
        except EnrollmentError as error:
            self._record_error(row, error)
            return
        self.planned[key] = status
        self._record_ok(row, status, existing)

    def _check_may_withdraw(self, learner: Any, offering: Offering) -> None:
        if self.partner is not None:
            return  # the learner was found among the partner's own
        require_roster_manager(self.actor, offering)

    # Results: a conditional update, so a row already done by another run is not overwritten.

    def _record_ok(self, row: BatchRow, status: str, enrollment: Enrollment | None) -> None:
        BatchRow.objects.filter(pk=row.pk, outcome="").update(
            outcome=Outcome.OK,
            code="",
            message="",
            status=status,
            enrollment=enrollment,
            processed_at=timezone.now(),
        )

    def _record_error(self, row: BatchRow, error: EnrollmentError) -> None:
        BatchRow.objects.filter(pk=row.pk, outcome="").update(
            outcome=Outcome.ERROR,
            code=error.code[:50],
            message=error.message[:500],
            processed_at=timezone.now(),
        )
