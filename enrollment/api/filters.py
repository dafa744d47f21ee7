import django_filters

from courses.api.filters import SyncFilter

from ..models import Enrollment, Status


class EnrollmentFilter(SyncFilter):
    """`offering` and `learner` by id, `status`, and `updated_since` (on updated_at) for sync."""

    offering = django_filters.UUIDFilter(field_name="offering__public_id")
    learner = django_filters.UUIDFilter(field_name="learner__public_id")
    status = django_filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = Enrollment
        fields = ["offering", "learner", "status", "updated_since"]
