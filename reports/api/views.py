"""The quarterly report as JSON: GET /api/v1/reports/{quarter}/[?owner=CODE].

Who reads which report (the same rule as the dashboards and the exports):

- a partner token with `reports:read`: a partner organisation linked to an institution reads
  that owner's report only; one linked to none (a city-wide system) reads every owner's and
  the combined one;
- a signed-in browser user: the project office and superusers every report, institution staff
  their own owners' reports; anyone else (a learner) is refused with 403.

Without `owner` the answer is the combined report, which only callers reading every owner get
(403 for the others). An owner that does not exist, or is not the caller's, is 404. A quarter
that cannot be read, lies before the project's start or has not begun is 400 (`invalid`, with
the field `quarter`). Figures are suppressed as in every export (see the serializers).
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import partner_of
from api.permissions import TokenScopes
from institutions.models import Institution

from .. import exports, rules
from ..report import BadQuarter, build_report, parse_quarter
from .serializers import ReportSerializer, report_data

SCOPE = "reports:read"


def visible_owners(request: Request) -> frozenset[int] | None:
    """The owners whose reports the caller reads (None: all of them, and the combined one)."""
    partner = partner_of(request)
    if partner is not None:
        return None if partner.institution_id is None else frozenset({partner.institution_id})
    if not rules.can_view(request.user):
        raise PermissionDenied(_("Only the project office and institution staff read reports."))
    return rules.visible_institutions(request.user)


def owner_in(code: str, visible: frozenset[int] | None) -> Institution | None:
    if not code:
        if visible is not None:
            raise PermissionDenied(
                _("You read your own owners' reports only: name one with ?owner=CODE.")
            )
        return None
    institution = Institution.objects.filter(code__iexact=code, is_active=True).first()
    if institution is None or (visible is not None and institution.pk not in visible):
        raise NotFound  # the same for an owner that is not the caller's: nothing to learn
    return institution


class ReportView(APIView):
    """One quarter's report: every active indicator, cumulative and per quarter, with splits."""

    permission_classes = [IsAuthenticated, TokenScopes]
    required_scopes = {"get": [SCOPE], "head": [SCOPE]}

    @extend_schema(
        summary="A quarterly progress report",
        description=(
            "Every active indicator of the report of one quarter: the figure of the quarter, "
            "the figures to date (from the project's start), level and progress towards the "
            "target, the trend per quarter, the splits by sex, learner type, institution, "
            "program and term, and, in the combined report, one row per owner. Figures resting "
            "on 1 to 4 people are withheld (`value` null, `suppressed` true). A partner "
            "organisation linked to an institution reads that owner's report only "
            "(`?owner=CODE`); one linked to none reads all. Scope: reports:read."
        ),
        parameters=[
            OpenApiParameter(
                "quarter",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="A quarter such as 2027Q1, from the project's start to now.",
            ),
            OpenApiParameter(
                "owner",
                OpenApiTypes.STR,
                description="An owner's code (e.g. CQJTU). Leave out for the combined report.",
            ),
        ],
        responses={200: ReportSerializer},
    )
    def get(self, request: Request, quarter: str, *args: Any, **kwargs: Any) -> Response:
        institution = owner_in(request.query_params.get("owner", ""), visible_owners(request))
        try:
            period = exports.check_reportable(parse_quarter(quarter))
            report = build_report(quarter=period, institution=institution)
        except BadQuarter as error:
            raise ValidationError({"quarter": [str(error)]}) from error
        return Response(ReportSerializer(report_data(report)).data)
