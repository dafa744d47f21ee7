"""Enrollment endpoints: read scoped to the caller, every change through enrollment.services.

Who sees what (the same rule for lists, details and actions, in `get_queryset`):

- a partner token (enrollments:read) sees the enrollments of its own learners;
- a signed-in staff user sees the enrollments of the offerings whose roster they run, and their
  own; a superuser sees all;
- any other signed-in user sees their own enrollments.

Statuses: no credentials 401; a token without the action's scope, or a token on an endpoint
that is not for partners (drop, accept, decline, approve, reject, complete, /me/, offering
actions), 403. An enrollment outside what the caller sees is 404, for reading and for every
action alike (another learner's enrollment, another partner's learner, another institution's
roster). An enrollment the caller sees but may not change this way is 403 with the service's
code (`not_your_enrollment` when staff try to drop for a learner, `not_allowed` when a learner
tries to approve). Offering actions follow the catalog: an offering the caller can see in the
catalog but does not manage is 403, one they cannot see 404. Rules refuse with 422 and their
stable code, wrong states with 409.
"""

import functools
import uuid
from typing import Any

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.models import User
from api.authentication import partner_of
from api.idempotency import IdempotentMixin
from api.permissions import TokenScopes
from courses.api.serializers import OfferingSerializer
from courses.models import Offering
from courses.rules import OFFERING, PUBLIC_OFFERING_STATUSES
from courses.selectors import public_offering_to_enroll
from institutions.rules import is_superuser
from partners.models import PartnerLearner
from partners.selectors import partner_learners_q

from .. import batches, services
from ..exceptions import NotAllowed
from ..models import BatchRow, Channel, Enrollment, EnrollmentBatch, Outcome, Status
from ..selectors import managed_offerings
from . import serializers
from .filters import EnrollmentFilter

READ, WRITE = "enrollments:read", "enrollments:write"
PUBLIC_OFFERINGS = Q(status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True)


class PublicIdLookup:
    """Objects are looked up by their public UUID; anything else is a 404, not a 400."""

    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    kwargs: dict[str, Any]

    def get_object(self) -> Any:
        try:
            uuid.UUID(self.kwargs["id"])
        except ValueError as error:
            raise NotFound() from error
        return super().get_object()  # type: ignore[misc]


def _enrollments() -> QuerySet[Enrollment]:
    return Enrollment.objects.select_related(
        "learner", "offering__course__institution", "offering__term"
    ).with_position()


def _with_external_id(queryset: QuerySet[Enrollment], partner: Any) -> QuerySet[Enrollment]:
    """Annotate the calling partner's external id for each learner (null for other callers)."""
    if partner is None:
        return queryset.annotate(external_id=Value(None, output_field=CharField()))
    external = PartnerLearner.objects.filter(
        organisation=partner, user_id=OuterRef("learner_id")
    ).values("external_id")[:1]
    return queryset.annotate(external_id=Subquery(external))


def visible_offerings(request: Request) -> QuerySet[Offering]:
    """Offerings the caller may name: the public catalog, plus what their staff role shows."""
    offerings = Offering.objects.select_related("course__institution", "term")
    user = request.user
    if partner_of(request) is None and user.is_authenticated:
        return offerings.filter(PUBLIC_OFFERINGS | OFFERING.visible(user))
    return offerings.filter(PUBLIC_OFFERINGS)


def _offering_to_enroll(request: Request, public_id: Any) -> Offering | None:
    """visible_offerings(request) by public id, the public catalog tried first: most offerings
    named are public, and then the caller's staff roles (a query) cannot matter."""
    found = public_offering_to_enroll(public_id)
    if found is None and partner_of(request) is None and request.user.is_authenticated:
        found = visible_offerings(request).filter(public_id=public_id).first()
    return found


@functools.cache
def _enrollment_writer() -> serializers.EnrollmentSerializer:
    """One EnrollmentSerializer for the answers to POSTs: a ModelSerializer builds its fields
    from the model for every instance, which costs more than writing the enrollment. Its
    fields are built once here and only read after (to_representation keeps no state)."""
    writer = serializers.EnrollmentSerializer()
    writer.fields  # noqa: B018 (built now, before threads share it)
    return writer


def _not_found(message: Any) -> NotFound:
    return NotFound(str(message))


@extend_schema_view(
    list=extend_schema(summary="Enrollments you may see"),
    retrieve=extend_schema(summary="One enrollment"),
)
class EnrollmentViewSet(
    IdempotentMixin,
    PublicIdLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Enrollments: read them, enroll, and move them through their states."""

    serializer_class = serializers.EnrollmentSerializer
    permission_classes = [IsAuthenticated, TokenScopes]
    required_scopes = {
        "list": [READ],
        "retrieve": [READ],
        "create": [WRITE],
        "withdraw": [WRITE],
    }
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = EnrollmentFilter
    ordering_fields = ["updated_at", "created_at"]
    ordering = ["updated_at", "id"]

    def get_queryset(self) -> QuerySet[Enrollment]:
        if getattr(self, "swagger_fake_view", False):
            return Enrollment.objects.none()
        partner = partner_of(self.request)
        rows = _enrollments()
        if partner is not None:
            rows = rows.filter(partner_learners_q(partner, "learner_id"))
        elif not is_superuser(self.request.user):
            user = self.request.user
            managed = managed_offerings(user=user).order_by().values("pk")
            rows = rows.filter(Q(learner=user) | Q(offering__in=managed))
        return _with_external_id(rows, partner)

    def _render(self, enrollment: Enrollment, code: int = status.HTTP_200_OK) -> Response:
        """The enrollment as changed, read again with its position and external id."""
        fresh = _with_external_id(_enrollments(), partner_of(self.request)).get(pk=enrollment.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _render_created(self, enrollment: Enrollment, offering: Offering) -> Response:
        """A new enrollment from what is in hand, not read again with the six-table join: the
        enrollment as saved (its learner the row locked for it), `offering` as the view found
        it (course, institution and term loaded), the place in line (waitlisted ones only) and
        the partner's external id. What reading it back gives
        (tests/api/test_enrollments_api.py)."""
        position = None
        if enrollment.status == Status.WAITLISTED:
            # Last in line when it joined: its place is the line's length, as counted under
            # the lock (the service's offering), which is what counting the rows gives.
            position = enrollment.offering.waitlist_length
        enrollment.offering = offering
        enrollment.position = position  # type: ignore[attr-defined]
        partner = partner_of(self.request)
        enrollment.external_id = (  # type: ignore[attr-defined]
            None
            if partner is None
            else PartnerLearner.objects.filter(organisation=partner, user_id=enrollment.learner_id)
            .values_list("external_id", flat=True)
            .first()
        )
        data = _enrollment_writer().to_representation(enrollment)
        return Response(data, status=status.HTTP_201_CREATED)

    def _body(self, serializer_class: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Enroll",
        description=(
            "A signed-in learner enrolls themselves (leave `learner` out). Staff enroll the "
            "learner with this id in an offering whose roster they run. A partner (scope "
            "enrollments:write) enrolls one of its own learners; the learner rules apply, "
            "including the enrollment window. Unknown or foreign learner or offering ids: 404."
        ),
        request=serializers.EnrollmentCreateSerializer,
        responses={201: serializers.EnrollmentSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(serializers.EnrollmentCreateSerializer)
        partner = partner_of(request)
        offering = _offering_to_enroll(request, data["offering"])
        if offering is None:
            raise _not_found(_("No offering has this id."))
        learner_id = data.get("learner")
        if partner is not None:
            if learner_id is None:
                raise ValidationError({"learner": [_("Name the learner to enroll.")]})
            learner = User.objects.filter(
                partner_learners_q(partner), public_id=learner_id, is_active=True
            ).first()
            if learner is None:
                raise _not_found(_("None of your learners has this id."))
            enrollment = services.enrollment_create(
                learner=learner, offering=offering, partner=partner, read_now=True
            )
        else:
            user = request.user
            if learner_id is None or learner_id == user.public_id:
                learner = user
            else:
                if not batches.manages_any_roster(user):
                    raise NotAllowed("not_allowed")
                learner = User.objects.filter(public_id=learner_id, is_active=True).first()
                if learner is None:
                    raise _not_found(_("No learner has this id."))
            enrollment = services.enrollment_create(
                learner=learner, offering=offering, actor=user, channel=Channel.API, read_now=True
            )
        response = self._render_created(enrollment, offering)
        response["Location"] = reverse(
            "enrollment-detail", kwargs={"id": enrollment.public_id}, request=request
        )
        return response

    # Learners.

    @extend_schema(
        summary="Drop (the learner)", request=None, responses=serializers.EnrollmentSerializer
    )
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        changed = services.enrollment_drop(
            enrollment=self.get_object(), actor=request.user, channel=Channel.API
        )
        return self._render(changed)

    @extend_schema(
        summary="Accept an offered seat (the learner)",
        request=None,
        responses=serializers.EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        changed = services.enrollment_accept_offer(
            enrollment=self.get_object(), actor=request.user, channel=Channel.API
        )
        return self._render(changed)

    @extend_schema(
        summary="Decline an offered seat (the learner)",
        request=None,
        responses=serializers.EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        changed = services.enrollment_decline_offer(
            enrollment=self.get_object(), actor=request.user, channel=Channel.API
        )
        return self._render(changed)

    # Staff, and partners for their learners.

    @extend_schema(
        summary="Withdraw (staff, or a partner for its learners)",
        request=serializers.ReasonSerializer,
        responses=serializers.EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment = self.get_object()  # first: an enrollment out of sight is a 404
        reason = self._body(serializers.ReasonSerializer)["reason"]
        partner = partner_of(request)
        if partner is not None:
            changed = services.enrollment_withdraw(
                enrollment=enrollment, actor=None, partner=partner, reason=reason
            )
        else:
            changed = services.enrollment_withdraw(
                enrollment=enrollment, actor=request.user, channel=Channel.API, reason=reason
            )
        return self._render(changed)

    @extend_schema(
        summary="Approve a pending enrollment (staff)",
        request=serializers.ReasonSerializer,
        responses=serializers.EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment = self.get_object()
        reason = self._body(serializers.ReasonSerializer)["reason"]
        changed = services.enrollment_approve(
            enrollment=enrollment, actor=request.user, channel=Channel.API, reason=reason
        )
        return self._render(changed)

    @extend_schema(
        summary="Reject a pending enrollment (staff)",
        request=serializers.RequiredReasonSerializer,
        responses=serializers.EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment = self.get_object()
        reason = self._body(serializers.RequiredReasonSerializer)["reason"]
        changed = services.enrollment_reject(
            enrollment=enrollment, actor=request.user, channel=Channel.API, reason=reason
        )
        return self._render(changed)

    @extend_schema(
        summary="Record a result (staff)",
        request=serializers.CompleteSerializer,
        responses=serializers.EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enrollment = self.get_object()
        data = self._body(serializers.CompleteSerializer)
        result = services.Result(
            completed=data["completed"],
            score=data.get("score"),
            grade=data.get("grade", ""),
            hours=data.get("hours"),
        )
        changed = services.enrollment_complete(
            enrollment=enrollment, actor=request.user, result=result, channel=Channel.API
        )
        return self._render(changed)


class SessionOnly:
    """Signed-in people only: tokens of partner systems are refused (403), anonymous 401."""

    permission_classes = [IsAuthenticated, TokenScopes]
    required_scopes: dict[str, list[str]] = {}


class MeViewSet(SessionOnly, viewsets.GenericViewSet):
    serializer_class = serializers.MeSerializer

    @extend_schema(summary="Your profile", responses=serializers.MeSerializer)
    def profile(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = User.objects.select_related("home_institution").get(pk=request.user.pk)
        return Response(self.get_serializer(user).data)


@extend_schema_view(list=extend_schema(summary="Your own enrollments"))
class MyEnrollmentViewSet(SessionOnly, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.EnrollmentSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = EnrollmentFilter
    ordering_fields = ["updated_at", "created_at"]
    ordering = ["updated_at", "id"]

    def get_queryset(self) -> QuerySet[Enrollment]:
        if getattr(self, "swagger_fake_view", False):
            return Enrollment.objects.none()
        return _with_external_id(_enrollments().filter(learner=self.request.user), None)


class OfferingActionViewSet(IdempotentMixin, SessionOnly, PublicIdLookup, viewsets.GenericViewSet):
    """Commands on an offering that move learners, for the staff who run its roster."""

    serializer_class = OfferingSerializer

    def get_queryset(self) -> QuerySet[Offering]:
        if getattr(self, "swagger_fake_view", False):
            return Offering.objects.none()
        return visible_offerings(self.request)

    @extend_schema(
        summary="Change the capacity (staff)",
        description="Never below the seats taken (422); raising it promotes the waitlist.",
        request=serializers.CapacitySerializer,
        responses=OfferingSerializer,
    )
    @action(detail=True, methods=["post"])
    def capacity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offering = self.get_object()
        body = serializers.CapacitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        offering = services.offering_change_capacity(
            offering=offering,
            capacity=body.validated_data["capacity"],
            actor=request.user,
            channel=Channel.API,
        )
        return Response(OfferingSerializer(offering, context={"request": request}).data)

    @extend_schema(
        summary="Cancel the offering (staff)",
        description="Every live enrollment ends as cancelled and each learner is told.",
        request=serializers.CancelSerializer,
        responses=OfferingSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offering = self.get_object()
        body = serializers.CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        offering = services.offering_cancel(
            offering=offering,
            actor=request.user,
            reason=body.validated_data["reason"],
            channel=Channel.API,
        )
        return Response(OfferingSerializer(offering, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(summary="Your enrollment batches"),
    retrieve=extend_schema(summary="One batch and its progress"),
)
class EnrollmentBatchViewSet(
    IdempotentMixin,
    PublicIdLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bulk enrollment jobs of the caller: staff (rosters they run) or a partner (its
    learners). A batch belongs to whoever sent it; anyone else's is a 404."""

    serializer_class = serializers.BatchSerializer
    permission_classes = [IsAuthenticated, TokenScopes]
    required_scopes = {name: [WRITE] for name in ("list", "retrieve", "create", "rows")}
    parser_classes = [JSONParser, MultiPartParser]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[EnrollmentBatch]:
        if getattr(self, "swagger_fake_view", False):
            return EnrollmentBatch.objects.none()
        return batches.batches_of(user=self.request.user, partner=partner_of(self.request))

    @extend_schema(
        summary="Send a batch",
        description=(
            "JSON `{rows: [{learner, offering, action}], dry_run}` or a multipart upload of a "
            "CSV `file` (columns learner, offering, action). Partners name their own learners "
            "by external id or email; staff name learners by email. The job runs in the "
            "background: poll the batch (Location) and read its rows. A dry run checks every "
            "row and changes nothing. A malformed row set or file is a 400 (code "
            "invalid_batch) and nothing is stored."
        ),
        request={
            "application/json": serializers.BatchCreateSerializer,
            "multipart/form-data": serializers.BatchUploadSerializer,
        },
        responses={
            202: OpenApiResponse(
                serializers.BatchSerializer,
                description="Accepted and queued; Location is the batch.",
            )
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        source_name = ""
        if (request.content_type or "").startswith("multipart/"):
            upload = serializers.BatchUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            file = upload.validated_data["file"]
            rows = batches.rows_from_csv(file)
            dry_run, source_name = upload.validated_data["dry_run"], file.name or ""
        else:
            body = serializers.BatchCreateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            rows, dry_run = body.validated_data["rows"], body.validated_data["dry_run"]
        batch = batches.enrollment_batch_create(
            rows=rows,
            actor=request.user,
            dry_run=dry_run,
            partner=partner_of(request),
            channel=Channel.API,
            source_name=source_name,
        )
        data = self.get_serializer(batch).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    @extend_schema(
        summary="The rows of a batch and their results",
        parameters=[
            OpenApiParameter(
                "outcome",
                OpenApiTypes.STR,
                enum=["ok", "error", "pending"],
                description="Only rows with this outcome (pending: not done yet).",
            )
        ],
        responses=serializers.BatchRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        rows = BatchRow.objects.filter(batch=batch).select_related("enrollment").order_by("line")
        wanted = request.query_params.get("outcome")
        if wanted is not None:
            outcomes = {"ok": Outcome.OK, "error": Outcome.ERROR, "pending": ""}
            if wanted not in outcomes:
                raise ValidationError({"outcome": [_("Choose ok, error or pending.")]})
            rows = rows.filter(outcome=outcomes[wanted])
        page = self.paginate_queryset(rows)
        data = serializers.BatchRowSerializer(page, many=True).data
        return self.get_paginated_response(data)
