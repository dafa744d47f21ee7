"""Filters every list endpoint shares."""

from datetime import UTC
from typing import Any

import django_filters
from django.db.models import QuerySet


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """`updated_since` (ISO 8601 with an offset): rows changed at or after that moment.

    Compared in UTC: an offset PostgreSQL cannot store (beyond ±15:59) still names a moment.
    """

    def __init__(self, field_name: str = "updated_at", **kwargs: Any) -> None:
        super().__init__(field_name=field_name, lookup_expr="gte", **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                # Before year 1 or after year 9999 in UTC: every row is after it, or none is.
                return qs if value.year == 1 else qs.none()
        return super().filter(qs, value)
