"""Enrollments and batches as the API shows them, and the bodies of the commands.

Output serializers only read; input serializers only check shapes and types. What a command
does is decided by enrollment.services (and enrollment.batches), called from the views.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.models import User
from courses.models import Offering

from ..batches import MAX_FILE_BYTES, MAX_ROWS, rows_from_data
from ..models import BatchRow, Enrollment, EnrollmentBatch
from ..services import MAX_CAPACITY

# --- output --------------------------------------------------------------------------------------


class EnrollmentLearnerSerializer(serializers.Serializer):
    """The learner of an enrollment. `external_id` is the calling partner's id for them."""

    id = serializers.UUIDField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    external_id = serializers.CharField(read_only=True, allow_null=True)


class EnrollmentOfferingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    course_code = serializers.CharField(source="course.code", read_only=True)
    course_title_zh = serializers.CharField(source="course.title_zh", read_only=True)
    course_title_en = serializers.CharField(source="course.title_en", read_only=True)
    term_code = serializers.CharField(source="term.code", read_only=True)
    institution = serializers.CharField(source="course.institution.code", read_only=True)

    class Meta:
        model = Offering
        fields = [
            "id",
            "course_code",
            "course_title_zh",
            "course_title_en",
            "term_code",
            "section",
            "institution",
        ]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    """An enrollment. `position` is the place on the waitlist (1 is next), null unless
    waitlisted; `offer_expires_at` is set while a seat is offered."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    learner = serializers.SerializerMethodField()
    offering = EnrollmentOfferingSerializer(read_only=True)
    position = serializers.IntegerField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "learner",
            "offering",
            "status",
            "position",
            "offer_expires_at",
            "score",
            "grade",
            "hours_completed",
            "channel",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EnrollmentLearnerSerializer)
    def get_learner(self, enrollment: Enrollment) -> dict[str, Any]:
        learner = enrollment.learner
        return {
            "id": str(learner.public_id),
            "display_name": learner.display_name,
            "email": learner.email,
            "external_id": getattr(enrollment, "external_id", None),
        }


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    home_institution = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    is_email_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "preferred_language",
            "learner_type",
            "home_institution",
            "member_number",
            "is_email_verified",
        ]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    """A bulk enrollment job. `failed` counts rows that were refused; the batch itself is
    `failed` only when the job broke (see `error`). Counters move every 100 rows."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = EnrollmentBatch
        fields = [
            "id",
            "status",
            "dry_run",
            "total",
            "processed",
            "succeeded",
            "failed",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, batch: EnrollmentBatch) -> str:
        return reverse(
            "enrollment-batch-detail",
            kwargs={"id": batch.public_id},
            request=self.context.get("request"),
        )


class BatchRowSerializer(serializers.ModelSerializer):
    """One row of a batch as sent, and its result: `outcome` is null until the row is done.

    `enrollment_status` is the enrollment's state after the row (in a dry run, the state it
    would get); `enrollment` the enrollment's id, when there is one.
    """

    outcome = serializers.SerializerMethodField()
    enrollment_status = serializers.CharField(
        source="status",
        read_only=True,
        help_text="An enrollment status (see Enrollment.status), or empty.",
    )
    enrollment = serializers.SerializerMethodField()

    class Meta:
        model = BatchRow
        fields = [
            "line",
            "learner",
            "offering",
            "action",
            "outcome",
            "code",
            "message",
            "enrollment_status",
            "enrollment",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["ok", "error"], allow_null=True))
    def get_outcome(self, row: BatchRow) -> str | None:
        return row.outcome or None

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_enrollment(self, row: BatchRow) -> str | None:
        return str(row.enrollment.public_id) if row.enrollment is not None else None


# --- input ---------------------------------------------------------------------------------------


class TextUUIDField(serializers.UUIDField):
    """A UUID given as text. DRF's own field also takes numbers (12, even true) as UUIDs."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class EnrollmentCreateSerializer(serializers.Serializer):
    """Enroll in an offering: yourself (leave `learner` out), or, for staff and partners, the
    learner with this id."""

    offering = TextUUIDField()
    learner = TextUUIDField(required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CompleteSerializer(serializers.Serializer):
    """A result: completed or not, with a score (0–100), a grade and hours (0–1000)."""

    completed = serializers.BooleanField()
    score = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )
    grade = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, allow_null=True
    )


class CapacitySerializer(serializers.Serializer):
    capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BatchRowInputSerializer(serializers.Serializer):
    """Documents one row of a JSON batch; rows are read by enrollment.batches."""

    learner = serializers.CharField(
        max_length=254, help_text=_("Your external id for the learner, or their email address.")
    )
    offering = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["enroll", "withdraw"])


@extend_schema_field(BatchRowInputSerializer(many=True))
class RowsField(serializers.Field):
    """The rows of a JSON batch, read in one pass by enrollment.batches.rows_from_data (a
    serializer per row would cost seconds for 10,000 rows)."""

    def to_internal_value(self, data: Any) -> Any:
        return rows_from_data(data)  # a BatchInputError is answered as 400 invalid_batch

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - input only
        return value


class BatchCreateSerializer(serializers.Serializer):
    rows = RowsField(help_text=f"At most {MAX_ROWS:,} rows.")
    dry_run = serializers.BooleanField(default=False)


class BatchUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "CSV, UTF-8 (with or without BOM), header learner,offering,action; at most "
            f"{MAX_ROWS:,} rows and {MAX_FILE_BYTES // (1024 * 1024)} MB."
        )
    )
    dry_run = serializers.BooleanField(default=False)
