from typing import Any

import django_filters

from api.filters import UpdatedSinceFilter
from institutions.models import Institution

from ..models import Course, Offering, Program, Term


class SyncFilter(django_filters.FilterSet):
    """`updated_since` (ISO 8601): rows changed at or after that time, for incremental sync."""

    updated_since = UpdatedSinceFilter()


class InstitutionFilter(SyncFilter):
    class Meta:
        model = Institution
        fields = ["kind", "project_output"]


class ProgramFilter(SyncFilter):
    institution = django_filters.CharFilter(field_name="institution__code", lookup_expr="iexact")

    class Meta:
        model = Program
        fields = ["kind", "is_active"]


class CourseFilter(SyncFilter):
    institution = django_filters.CharFilter(field_name="institution__code", lookup_expr="iexact")
    program = django_filters.UUIDFilter(field_name="programs__public_id")
    topic = django_filters.CharFilter(field_name="topics__slug")

    class Meta:
        model = Course
        fields = ["language", "level", "is_active"]


class TermFilter(django_filters.FilterSet):
    institution = django_filters.CharFilter(field_name="institution__code", lookup_expr="iexact")

    class Meta:
        model = Term
        fields = ["code"]


class OfferingFilter(SyncFilter):
    institution = django_filters.CharFilter(
        field_name="course__institution__code", lookup_expr="iexact"
    )
    course = django_filters.UUIDFilter(field_name="course__public_id")
    term = django_filters.CharFilter(field_name="term__code", lookup_expr="iexact")
    open = django_filters.BooleanFilter(method="filter_open", label="open for enrollment now")

    class Meta:
        model = Offering
        fields = ["status", "delivery_mode"]

    def filter_open(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        is_open = queryset.open_for_enrollment().values("pk")
        return queryset.filter(pk__in=is_open) if value else queryset.exclude(pk__in=is_open)
