"""Typed errors of the enrollment services, each with a stable code and a translated message.

Pages show `message`; the API maps the class to an HTTP status and returns `code` as it is.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class EnrollmentError(Exception):
    """Base class. `code` never changes once published; `message` follows the user's language."""

    http_status = 400
    messages: dict[str, Promise] = {}

    def __init__(self, code: str, message: Promise | str | None = None, **params: Any) -> None:
        self.code = code
        self.params = params
        template = message if message is not None else self.messages.get(code, code)
        self._template = template
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(self._template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class RuleViolation(EnrollmentError):
    """The request is well formed but a business rule refuses it (HTTP 422)."""

    http_status = 422
    messages = {
        "offering_not_published": _("This offering is not open for enrollment."),
        "offering_cancelled": _("This offering has been cancelled."),
        "enrollment_not_open_yet": _("Enrollment for this offering opens at %(opens_at)s."),
        "enrollment_closed": _("Enrollment for this offering closed at %(closes_at)s."),
        "audience_not_allowed": _("This offering is not open to learners of your type."),
        "other_institution_not_allowed": _(
            "This offering is only open to learners of its own institution."
        ),
        "prerequisites_missing": _("Complete these courses first: %(courses)s."),
        "term_limit_reached": _(
            "You already hold %(limit)s enrollments in this term, the most this institution allows."
        ),
        "already_enrolled": _("You are already enrolled in this offering."),
        "already_waitlisted": _("You are already on the waitlist of this offering."),
        "already_pending": _("Your enrollment in this offering is already awaiting approval."),
        "already_offered": _("A seat in this offering is already held for you: accept it."),
        "waitlist_full": _("This offering is full and its waitlist is full too."),
        "offering_full": _("This offering is full and has no waitlist."),
        "email_not_verified": _("Verify your email address before you enroll."),
        "drop_deadline_passed": _("The drop deadline of this offering passed at %(deadline)s."),
        "offer_expired": _("The seat held for you was released when the claim window closed."),
        "capacity_below_taken": _(
            "%(taken)s seats are taken; the capacity cannot be lower than that."
        ),
        "not_same_course": _("A learner can only be moved to another offering of the same course."),
        "same_offering": _("The learner is already in this offering."),
        "offering_started": _("This offering has already started."),
        "invalid_capacity": _("Give a capacity between 0 and %(most)s."),
        "invalid_result": _("Give a score between 0 and 100 and hours between 0 and 1000."),
        "announcement_empty": _("Write a subject and a message."),
        "announcement_too_long": _(
            "Keep the subject within %(subject)s characters and the message within %(body)s."
        ),
    }


class InvalidTransition(EnrollmentError):
    """The enrollment is not in a state that allows this (HTTP 409)."""

    http_status = 409
    messages = {
        "invalid_transition": _("This enrollment is %(status)s; it cannot be %(action)s."),
        "offering_not_cancellable": _("This offering is %(status)s and cannot be cancelled."),
    }


class NotAllowed(EnrollmentError):
    """The actor may not do this to this enrollment or offering (HTTP 403)."""

    http_status = 403
    messages = {
        "not_allowed": _("You are not allowed to do this."),
        "not_your_enrollment": _("This enrollment is not yours."),
    }
