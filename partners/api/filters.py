from typing import Any

import django_filters

from accounts.models import User
from api.filters import UpdatedSinceFilter

from ..models import PartnerLearner


class StableOrderingFilter(django_filters.OrderingFilter):
    """`ordering=updated_at` and the like, with the row id last so that pages never overlap."""

    def filter(self, qs: Any, value: Any) -> Any:
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


class LearnerFilter(django_filters.FilterSet):
    """`updated_since` (ISO 8601): learners changed at or after that time, for incremental sync."""

    updated_since = UpdatedSinceFilter(field_name="last_changed")
    learner_type = django_filters.ChoiceFilter(
        field_name="user__learner_type", choices=User.LearnerType.choices
    )
    ordering = StableOrderingFilter(
        fields=[
            ("last_changed", "updated_at"),
            ("created_at", "created_at"),
            ("external_id", "external_id"),
        ]
    )

    class Meta:
        model = PartnerLearner
        fields = ["updated_since", "learner_type"]
