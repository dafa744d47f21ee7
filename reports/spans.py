"""How long each enrollment status lasted: a read-only database view the measures join.

`reports_enrollment_span` (migration reports 0002) has one row per `EnrollmentEvent`: the
status it moved to, when, when the enrollment's next event came (`next_at`, null for the
latest), and, repeated on every row of the enrollment, the times of its first event into a
seat-holding state (`seat_from`), into an ended state (`seat_until`), into a result
(`result_at`) and onto the waitlist (`waited_at`).

As of a moment D an enrollment's status is the row with `at <= D` and no next event by D
(`next_at` null or after D): one row at most, so a measure joins it once per enrollment
instead of running correlated subqueries per row and period. The view is computed with window
functions (SQLite 3.25+ and PostgreSQL); the index `enrollment_event_timeline` on
(enrollment, at, id) gives it its order.

The status lists in the view's SQL (in the migration) are those of `enrollment.models`
(SEAT_HOLDING, LIVE, the results): a change there needs a migration that redefines the view.
"""

from django.db import models

from enrollment.models import Enrollment


class EnrollmentSpan(models.Model):
    """One event and how long its status lasted (the view above; never written)."""

    id = models.BigIntegerField(primary_key=True)  # the event's
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="report_spans",
    )
    at = models.DateTimeField()
    to_status = models.CharField(max_length=20)
    next_at = models.DateTimeField(null=True)
    seat_from = models.DateTimeField(null=True)
    seat_until = models.DateTimeField(null=True)
    result_at = models.DateTimeField(null=True)
    waited_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "reports_enrollment_span"
        app_label = "reports"

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.to_status} {self.at:%Y-%m-%d}"
