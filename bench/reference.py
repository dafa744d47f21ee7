"""The reference implementation of the offerings list: what most Django projects would write.

Nested ModelSerializers with `fields = "__all__"`, DRF's page-number pagination and no
select_related or prefetching, so every row costs its own queries (course, institution, term,
and one per many-to-many field). Same rows, order, page size and throttle as
GET /api/v1/offerings/; reachable only under bench/settings.py (BENCH_VIEWS). The catalog
scenario's target is to be at least 10 times faster than this.
"""

from django.db.models import QuerySet
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from courses.models import Course, Offering, Term
from courses.rules import PUBLIC_OFFERING_STATUSES
from institutions.models import Institution


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = "__all__"


class CourseSerializer(serializers.ModelSerializer):
    institution = InstitutionSerializer()

    class Meta:
        model = Course
        fields = "__all__"


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = Term
        fields = "__all__"


class OfferingSerializer(serializers.ModelSerializer):
    course = CourseSerializer()
    term = TermSerializer()
    seats_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Offering
        fields = "__all__"


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class OfferingList(generics.ListAPIView):
    serializer_class = OfferingSerializer
    pagination_class = Pagination
    permission_classes = [AllowAny]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[Offering]:
        return Offering.objects.filter(
            status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True
        ).order_by("updated_at", "id")
