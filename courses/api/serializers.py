"""Catalog resources as the API shows them: flat, both languages, public ids only."""

from datetime import datetime, tzinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.models import Institution

from ..models import Course, Offering, Prerequisite, Program, Term, Topic


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = [
            "code",
            "name_zh",
            "name_en",
            "short_name_zh",
            "short_name_en",
            "kind",
            "district",
            "website",
            "project_output",
            "updated_at",
        ]


class ProgramSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    institution = serializers.SlugRelatedField(
        slug_field="code", queryset=Institution.objects.all()
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "institution",
            "code",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "kind",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class CourseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    institution = serializers.SlugRelatedField(
        slug_field="code", queryset=Institution.objects.all()
    )
    topics = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Topic.objects.all(), required=False
    )
    programs = serializers.SlugRelatedField(
        slug_field="public_id", many=True, queryset=Program.objects.all(), required=False
    )
    prerequisites = serializers.SlugRelatedField(
        slug_field="public_id", many=True, queryset=Course.objects.all(), required=False
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "institution",
            "code",
            "title_zh",
            "title_en",
            "summary_zh",
            "summary_en",
            "description_zh",
            "description_en",
            "credits",
            "class_hours",
            "language",
            "level",
            "topics",
            "programs",
            "prerequisites",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        institution = data.get("institution") or getattr(self.instance, "institution", None)
        owner = getattr(institution, "pk", None)
        for name in ("programs", "prerequisites"):
            if any(item.institution_id != owner for item in data.get(name, [])):
                raise serializers.ValidationError(
                    {name: _("Choose items of the course's own institution.")}
                )
        if self.instance and self.instance in data.get("prerequisites", []):
            raise serializers.ValidationError(
                {"prerequisites": _("A course cannot be its own prerequisite.")}
            )
        return data

    @transaction.atomic
    def create(self, validated: dict[str, Any]) -> Course:
        related = {name: validated.pop(name, None) for name in ("topics", "programs")}
        prerequisites = validated.pop("prerequisites", [])
        course = Course(**validated)
        course.full_clean()
        course.save()
        self._set_related(course, related, prerequisites)
        return course

    @transaction.atomic
    def update(self, course: Course, validated: dict[str, Any]) -> Course:
        related = {name: validated.pop(name, None) for name in ("topics", "programs")}
        prerequisites = validated.pop("prerequisites", None)
        for name, value in validated.items():
            setattr(course, name, value)
        course.full_clean()
        course.save()
        self._set_related(course, related, prerequisites)
        return course

    @staticmethod
    def _set_related(course: Course, related: dict[str, Any], prerequisites: Any) -> None:
        for name, value in related.items():
            if value is not None:
                getattr(course, name).set(value)
        if prerequisites is not None:
            Prerequisite.objects.filter(course=course).delete()
            Prerequisite.objects.bulk_create(
                [Prerequisite(course=course, required_course=r) for r in prerequisites]
            )


class TermSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Term
        fields = ["id", "institution", "code", "name_zh", "name_en", "starts_on", "ends_on"]


class CourseBriefSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title_zh", "title_en"]


class TermBriefSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Term
        fields = ["id", "code", "name_zh", "name_en"]


AUDIENCE_FIELDS = {
    "student": "open_to_students",
    "employee": "open_to_employees",
    "government": "open_to_government",
    "public": "open_to_public",
}
AUDIENCE_CHOICES = list(AUDIENCE_FIELDS)


class OfferingSerializer(serializers.ModelSerializer):
    """An offering with its seats: `seats_left` and `waitlist_length` are live counters."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    course = CourseBriefSerializer(read_only=True)
    institution = serializers.CharField(source="course.institution.code", read_only=True)
    term = TermBriefSerializer(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    audience = serializers.SerializerMethodField()
    is_open_for_enrollment = serializers.SerializerMethodField()

    class Meta:
        model = Offering
        fields = [
            "id",
            "course",
            "institution",
            "term",
            "section",
            "status",
            "starts_on",
            "ends_on",
            "schedule_zh",
            "schedule_en",
            "delivery_mode",
            "location_zh",
            "location_en",
            "capacity",
            "seats_taken",
            "seats_left",
            "waitlist_capacity",
            "waitlist_length",
            "enrollment_opens_at",
            "enrollment_closes_at",
            "drop_deadline",
            "audience",
            "open_to_other_institutions",
            "requires_approval",
            "promote_by_offer",
            "offer_claim_hours",
            "is_open_for_enrollment",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(AUDIENCE_CHOICES)))
    def get_audience(self, offering: Offering) -> list[str]:
        return offering.audience

    def get_is_open_for_enrollment(self, offering: Offering) -> bool:
        return offering.is_open_for_enrollment()

    def to_representation(self, offering: Offering) -> dict[str, Any]:
        """The fields above, written by hand: what DRF's fields give, in their order, without
        their per-field machinery (it took ~0.25 ms of every row of the catalog list)."""
        return offering_dict(offering, timezone.get_current_timezone())


# What offering_row_dict reads, in this order: the list reads them with values_list() (no model
# instances), one offering from its instance (offering_dict). Ends on the audience flags.
OFFERING_COLUMNS = (
    "public_id",
    "course__public_id",
    "course__code",
    "course__title_zh",
    "course__title_en",
    "course__institution__code",
    "term__public_id",
    "term__code",
    "term__name_zh",
    "term__name_en",
    "section",
    "status",
    "starts_on",
    "ends_on",
    "schedule_zh",
    "schedule_en",
    "delivery_mode",
    "location_zh",
    "location_en",
    "capacity",
    "seats_taken",
    "waitlist_capacity",
    "waitlist_length",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "drop_deadline",
    "open_to_other_institutions",
    "requires_approval",
    "promote_by_offer",
    "offer_claim_hours",
    "updated_at",
    *AUDIENCE_FIELDS.values(),
)
AUDIENCE_KINDS = tuple(AUDIENCE_FIELDS)
PUBLISHED = str(Offering.Status.PUBLISHED)


def _iso(value: datetime, zone: tzinfo) -> str:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, zone)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def offering_dict(offering: Offering, zone: tzinfo) -> dict[str, Any]:
    """OfferingSerializer's representation of `offering` (course, its institution and term
    loaded), times in `zone`."""
    row = []
    for column in OFFERING_COLUMNS:
        value: Any = offering
        for name in column.split("__"):
            value = getattr(value, name)
        row.append(value)
    return offering_row_dict(row, zone)


def offering_row_dict(row: Any, zone: tzinfo) -> dict[str, Any]:
    """An offering as OfferingSerializer shows it, from its OFFERING_COLUMNS values. Mirrors
    Offering.seats_left, .audience and .is_open_for_enrollment(); tests/api/test_catalog_api.py
    holds it to the nested ModelSerializers it replaced, byte for byte."""
    (
        public_id,
        course_id,
        course_code,
        course_title_zh,
        course_title_en,
        institution,
        term_id,
        term_code,
        term_name_zh,
        term_name_en,
        section,
        status,
        starts_on,
        ends_on,
        schedule_zh,
        schedule_en,
        delivery_mode,
        location_zh,
        location_en,
        capacity,
        seats_taken,
        waitlist_capacity,
        waitlist_length,
        opens_at,
        closes_at,
        drop_deadline,
        other_institutions,
        requires_approval,
        promote_by_offer,
        offer_claim_hours,
        updated_at,
        *audience_flags,
    ) = row
    status = str(status)
    now = timezone.now()
    return {
        "id": str(public_id),
        "course": {
            "id": str(course_id),
            "code": str(course_code),
            "title_zh": str(course_title_zh),
            "title_en": str(course_title_en),
        },
        "institution": str(institution),
        "term": {
            "id": str(term_id),
            "code": str(term_code),
            "name_zh": str(term_name_zh),
            "name_en": str(term_name_en),
        },
        "section": str(section),
        "status": status,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "schedule_zh": str(schedule_zh),
        "schedule_en": str(schedule_en),
        "delivery_mode": str(delivery_mode),
        "location_zh": str(location_zh),
        "location_en": str(location_en),
        "capacity": int(capacity),
        "seats_taken": int(seats_taken),
        "seats_left": max(int(capacity) - int(seats_taken), 0),
        "waitlist_capacity": int(waitlist_capacity),
        "waitlist_length": int(waitlist_length),
        "enrollment_opens_at": _iso(opens_at, zone),
        "enrollment_closes_at": _iso(closes_at, zone),
        "drop_deadline": _iso(drop_deadline, zone),
        "audience": [
            kind for kind, allowed in zip(AUDIENCE_KINDS, audience_flags, strict=True) if allowed
        ],
        "open_to_other_institutions": bool(other_institutions),
        "requires_approval": bool(requires_approval),
        "promote_by_offer": bool(promote_by_offer),
        "offer_claim_hours": int(offer_claim_hours),
        "is_open_for_enrollment": status == PUBLISHED and opens_at <= now < closes_at,
        "updated_at": _iso(updated_at, zone),
    }


class OfferingWriteSerializer(serializers.ModelSerializer):
    """What staff send to create or change an offering. Capacity and cancelling go through the
    enrollment services (PATCH capacity, or POST .../cancel/)."""

    course = serializers.SlugRelatedField(slug_field="public_id", queryset=Course.objects.all())
    term = serializers.SlugRelatedField(slug_field="public_id", queryset=Term.objects.all())
    audience = serializers.ListField(
        child=serializers.ChoiceField(AUDIENCE_CHOICES), allow_empty=False, required=False
    )
    status = serializers.ChoiceField(
        choices=[Offering.Status.DRAFT, Offering.Status.PUBLISHED, Offering.Status.ARCHIVED],
        required=False,
    )

    class Meta:
        model = Offering
        fields = [
            "course",
            "term",
            "section",
            "status",
            "starts_on",
            "ends_on",
            "schedule_zh",
            "schedule_en",
            "delivery_mode",
            "location_zh",
            "location_en",
            "capacity",
            "waitlist_capacity",
            "enrollment_opens_at",
            "enrollment_closes_at",
            "drop_deadline",
            "audience",
            "open_to_other_institutions",
            "requires_approval",
            "promote_by_offer",
            "offer_claim_hours",
        ]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and data.get("capacity", self.instance.capacity) != (
            self.instance.capacity
        ):
            raise serializers.ValidationError(
                {"capacity": _("Change the capacity with POST …/capacity/: it moves the waitlist.")}
            )
        audience = data.pop("audience", None)
        if audience is not None:
            for kind, field in AUDIENCE_FIELDS.items():
                data[field] = kind in audience
        return data

    def to_representation(self, offering: Offering) -> dict[str, Any]:
        return OfferingSerializer(offering, context=self.context).data

    def _saved(self, offering: Offering) -> Offering:
        offering.full_clean()
        offering.save()
        return offering

    def create(self, validated: dict[str, Any]) -> Offering:
        return self._saved(Offering(**validated))

    def update(self, offering: Offering, validated: dict[str, Any]) -> Offering:
        for name, value in validated.items():
            setattr(offering, name, value)
        return self._saved(offering)
