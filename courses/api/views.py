"""Catalog endpoints: public reads (partners need catalog:read), staff writes by role."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from api.idempotency import IdempotentMixin
from api.permissions import TokenScopes
from api.views import CatalogViewSet
from institutions.models import Institution

from ..models import Course, Offering, Program, Term
from ..rules import COURSE, OFFERING, PROGRAM, PUBLIC_OFFERING_STATUSES, TERM
from . import cache, filters, serializers


class _CountedRows:
    """The values of `columns` of `offerings` for the paginator, counted on `offerings` itself:
    the count then joins only what the filters need (values_list() would join every table it
    reads from)."""

    def __init__(self, offerings: QuerySet[Offering], columns: tuple[str, ...]) -> None:
        self.offerings = offerings
        self.rows = offerings.values_list(*columns)

    def count(self) -> int:
        return self.offerings.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]


class InstitutionViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The seven sub-project owners. Looked up by code, e.g. CQJTU."""

    queryset = Institution.objects.filter(is_active=True)
    serializer_class = serializers.InstitutionSerializer
    permission_classes = [AllowAny, TokenScopes]
    required_scopes = {"list": ["catalog:read"], "retrieve": ["catalog:read"]}
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9_.-]+"
    filterset_class = filters.InstitutionFilter
    search_fields = ["code", "name_zh", "name_en"]
    ordering_fields = ["code", "updated_at"]
    ordering = ["code"]


class ProgramViewSet(
    CatalogViewSet,  # first: its perform_create/update check the owner
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = serializers.ProgramSerializer
    rule = PROGRAM
    public = Q(is_active=True, institution__is_active=True)
    filterset_class = filters.ProgramFilter
    search_fields = ["code", "name_zh", "name_en"]
    ordering_fields = ["code", "updated_at"]

    def get_queryset(self) -> QuerySet[Program]:
        return self.visible(Program.objects.select_related("institution"))


class CourseViewSet(
    CatalogViewSet,  # first: its perform_create/update check the owner
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = serializers.CourseSerializer
    rule = COURSE
    public = Q(is_active=True, institution__is_active=True)
    filterset_class = filters.CourseFilter
    search_fields = ["code", "title_zh", "title_en"]
    ordering_fields = ["code", "updated_at"]

    def get_queryset(self) -> QuerySet[Course]:
        return self.visible(
            Course.objects.select_related("institution").prefetch_related(
                Prefetch("topics"),
                Prefetch("programs"),
                Prefetch("prerequisites"),
            )
        ).distinct()


class TermViewSet(CatalogViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = serializers.TermSerializer
    rule = TERM
    public = Q(institution__is_active=True)
    filterset_class = filters.TermFilter
    ordering_fields = ["starts_on", "code"]
    ordering = ["-starts_on", "id"]

    def get_queryset(self) -> QuerySet[Term]:
        return self.visible(Term.objects.select_related("institution"))


class OfferingViewSet(
    CatalogViewSet,  # first: its perform_create/update check the owner
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Offerings with their seats. Capacity changes and cancelling are actions of their own
    (POST /offerings/{id}/capacity/, /cancel/): they move learners."""

    rule = OFFERING
    owner_field = "course"
    public = Q(status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True)
    filterset_class = filters.OfferingFilter
    search_fields = ["course__code", "course__title_zh", "course__title_en"]
    ordering_fields = ["starts_on", "enrollment_opens_at", "updated_at"]

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "update", "partial_update"):
            return serializers.OfferingWriteSerializer
        return serializers.OfferingSerializer

    # Long texts of the joined course and institution that the list never shows. Left out of the
    # list's query: sorting ~2,000 joined rows with them spilled to disk (20 ms a page, 5 without).
    LIST_DEFERRED = (
        "course__summary_zh",
        "course__summary_en",
        "course__description_zh",
        "course__description_en",
        "course__institution__description_zh",
        "course__institution__description_en",
    )

    def get_queryset(self) -> QuerySet[Offering]:
        offerings = Offering.objects.select_related("course__institution", "term")
        if self.action == "list":
            offerings = offerings.defer(*self.LIST_DEFERRED)
        return self.visible(offerings)

    def filter_queryset(self, queryset: QuerySet[Offering]) -> QuerySet[Offering]:
        """Without any of its parameters the filter set filters nothing: it is left out then
        (building its form took a fifth of an unfiltered page's time). Any parameter that
        starts with a filter's name (`updated_since`, `open`...) runs it as before."""
        names = tuple(self.filterset_class.base_filters)
        if any(key.startswith(names) for key in self.request.query_params):
            return super().filter_queryset(queryset)
        for backend in self.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    # The page is read as plain values (only the columns it shows, no model instances) and
    # written by offering_row_dict: what OfferingSerializer gives, at a fraction of the cost.
    # (A comment, not a docstring: the docstring would become the operation's description.)
    # Answers that are the same for every caller are cached as rendered JSON (courses/api/cache.py).
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.get_serializer_class() is not serializers.OfferingSerializer:
            return super().list(request, *args, **kwargs)
        key = cache.entry_key(request)
        if key is not None:
            version, cached = cache.lookup(request, key)
            if cached is not None:
                return cached
        before = timezone.now()
        offerings = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(_CountedRows(offerings, serializers.OFFERING_COLUMNS))
        assert page is not None  # noqa: S101 (the API always paginates its lists)
        zone = timezone.get_current_timezone()
        response = self.get_paginated_response(
            [serializers.offering_row_dict(r, zone) for r in page]
        )
        if key is None:
            return response
        body = request.accepted_renderer.render(
            response.data, request.accepted_media_type, self.get_renderer_context()
        )
        cache.store(key, version, body, page, before)
        return cache.json_response(request, body)
