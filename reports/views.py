"""The results pages: the project's dashboard, each owner's, and the rows behind a figure.

Thin: the figures come from `report.build_report` and `measures.compute`, who may read what
from `rules`. A page the user may not read is not found (404), never forbidden: it reveals
nothing about which owners or indicators exist. Bad input (a quarter, a period, a page) shows
the page with the default and a message, never an error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.models import Course, Offering, Program
from institutions.models import Institution

from . import measures, rules
from .measures import DIMENSIONS, MEASURES, Bucket, Period, Unit
from .report import (
    BadQuarter,
    IndicatorReport,
    Report,
    build_report,
    current_quarter,
    parse_quarter,
    quarter_code,
    reportable_quarters,
)
from .templatetags.report_tags import quarter_label

ALL = "all"  # the owner part of an address for the whole project
PAGE_SIZE = 50
PERIODS = ("quarter", "cumulative")
CODE_MAX = 40  # longer than any owner or indicator code: not found without a query
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")  # institutions.models.code_validator's


def _quarter(request: HttpRequest) -> tuple[Period, str]:
    """The quarter asked for, or the current one and a message saying why not the one asked."""
    default = current_quarter()
    raw = request.GET.get("quarter", "").strip()
    if not raw:
        return default, ""
    try:
        quarter = parse_quarter(raw[:CODE_MAX])
    except BadQuarter as error:
        return default, str(error)
    available = reportable_quarters()
    if quarter not in available:
        if not available:
            return default, _("There are no results to report yet.")
        return default, _(
            "There are results from %(first)s to %(last)s only: showing %(shown)s."
        ) % {
            "first": quarter_label(available[-1]),
            "last": quarter_label(available[0]),
            "shown": quarter_label(default),
        }
    return quarter, ""


def _visible_owner(user: Any, code: str) -> Institution:
    """The active owner with this code if the user may read its results; otherwise not found."""
    # A code that cannot exist is not looked up (PostgreSQL refuses a NUL, for one).
    institution = (
        Institution.objects.filter(code__iexact=code, is_active=True).first()
        if len(code) <= CODE_MAX and CODE.match(code)
        else None
    )
    if institution is None or not rules.can_view(user, institution):
        raise Http404
    return institution


def _scope(user: Any, owner: str) -> Institution | None:
    """The owner named in an address, or None for "all" (the project office's only)."""
    if owner.lower() == ALL:
        if not rules.sees_all(user):
            raise Http404
        return None
    return _visible_owner(user, owner)


def _with_query(url: str, **query: str) -> str:
    query = {k: v for k, v in query.items() if v}
    return f"{url}?{urlencode(query)}" if query else url


def _export_links(owner: str, quarter: Period) -> list[dict[str, str]]:
    """Links to the XLSX and CSV exports in each language."""
    url = reverse("reports:export", args=[owner])
    languages = dict(settings.LANGUAGES)
    return [
        {
            "url": _with_query(url, quarter=quarter_code(quarter), format=fmt, lang=lang),
            "label": _("%(format)s, %(language)s") % {"format": label, "language": languages[lang]},
            "lang": lang,
        }
        for fmt, label in (("xlsx", "XLSX"), ("csv", "CSV"))
        for lang in ("zh-hans", "en")
    ]


def _groups(report: Report) -> list[tuple[str, list[IndicatorReport]]]:
    return [
        (
            str(Institution.Output(output).label) if output else _("Project-wide"),
            rows,
        )
        for output, rows in report.by_output()
    ]


def _quarter_choices() -> list[tuple[str, str]]:
    return [(quarter_code(p), quarter_label(p)) for p in reportable_quarters()]


def _dashboard(request: HttpRequest, institution: Institution | None) -> HttpResponse:
    quarter, problem = _quarter(request)
    report: Report | None
    not_started = ""
    try:
        report = build_report(quarter=quarter, institution=institution)
    except BadQuarter as error:  # the project's reporting has not begun
        report, not_started = None, str(error)
    owner = institution.code if institution is not None else ALL
    return render(
        request,
        "reports/dashboard.html",
        {
            "report": report,
            "institution": institution,
            "owner": owner,
            "quarter": quarter,
            "quarter_code": quarter_code(quarter),
            "quarters": _quarter_choices(),
            "problem": problem,
            "not_started": not_started,
            "groups": _groups(report) if report is not None else [],
            "exports": _export_links(owner, quarter),
            "sees_all": rules.sees_all(request.user),
        },
        status=400 if problem else 200,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The project's dashboard for the project office; staff go to their own owner's."""
    user = request.user
    if rules.sees_all(user):
        return _dashboard(request, None)
    visible = rules.visible_institutions(user) or frozenset()
    if not visible:
        raise Http404
    owners = list(Institution.objects.filter(pk__in=visible, is_active=True).order_by("code"))
    if not owners:
        raise Http404
    quarter = request.GET.get("quarter", "")[:CODE_MAX]
    if len(owners) == 1:
        return redirect(
            _with_query(reverse("reports:owner", args=[owners[0].code]), quarter=quarter)
        )
    return render(request, "reports/owners.html", {"owners": owners, "quarter": quarter})


@login_required
def owner(request: HttpRequest, owner: str) -> HttpResponse:
    institution = _scope(request.user, owner)
    if institution is None:  # /reports/all/ is the project's dashboard
        quarter = request.GET.get("quarter", "")[:CODE_MAX]
        return redirect(_with_query(reverse("reports:home"), quarter=quarter))
    return _dashboard(request, institution)


@dataclass(frozen=True)
class DrillRow:
    bucket: Bucket
    item: Model | None  # the offering, course or program; None if it vanished meanwhile


def _counts(bucket: Bucket) -> bool:
    """A row that adds to the number: a value, or people in a percentage's denominator."""
    figure = bucket.figure
    return bool(figure.value or figure.denominator or figure.not_stated)


def _drill_rows(dimension: str, buckets: list[Bucket]) -> list[DrillRow]:
    """The rows of one page with their offering, course or program: one query."""
    keys = [bucket.key for bucket in buckets]
    items: dict[Any, Any]
    if dimension == "offering":
        items = Offering.objects.select_related("course__institution", "term").in_bulk(keys)
    elif dimension == "course":
        items = Course.objects.select_related("institution").in_bulk(keys)
    else:
        items = Program.objects.select_related("institution").in_bulk(keys)
    return [DrillRow(bucket, items.get(bucket.key)) for bucket in buckets]


@login_required
def drilldown(request: HttpRequest, owner: str, indicator: str) -> HttpResponse:
    """The offerings (courses, programs) behind an indicator's figure, and its splits."""
    institution = _scope(request.user, owner)
    if len(indicator) > CODE_MAX:
        raise Http404
    quarter, problem = _quarter(request)
    period = request.GET.get("period", "quarter")
    if period not in PERIODS:
        period, problem = "quarter", _("Choose this quarter or to date.")
    try:
        report = build_report(
            quarter=quarter, institution=institution, indicator_codes=[indicator.lower()]
        )
    except BadQuarter as error:  # nothing is reported yet: nothing to drill into
        raise Http404 from error
    row = report.find(indicator)
    if row is None:
        raise Http404
    result = row.quarter if period == "quarter" else row.cumulative
    measure = MEASURES[row.indicator.measure]
    scope = frozenset({institution.pk}) if institution is not None else None
    drilled = measures.compute(
        row.indicator.measure,
        periods=[result.period],
        as_of=report.as_of,
        filters=row.indicator.filters(scope),
        dimensions=[measure.drill_dimension],
    )[0]
    buckets = [b for b in drilled.breakdowns[measure.drill_dimension] if _counts(b)]
    # Distinct learners: one in several offerings counts in each, so rows can add up to more.
    overlaps = row.unit != Unit.PERCENT and sum(b.value for b in buckets) > result.value
    buckets.sort(key=lambda b: (-b.value, -(b.figure.denominator or 0), b.key))
    page = Paginator(buckets, PAGE_SIZE).get_page(request.GET.get("page"))
    code = quarter_code(quarter)
    owner_code = institution.code if institution is not None else ALL
    base = reverse("reports:drilldown", args=[owner_code, row.indicator.code])
    return render(
        request,
        "reports/drilldown.html",
        {
            "report": report,
            "row": row,
            "result": result,
            "institution": institution,
            "owner": owner_code,
            "quarter": quarter,
            "quarter_code": code,
            "quarters": _quarter_choices(),
            "period": period,
            "problem": problem,
            "dimension": measure.drill_dimension,
            "dimension_label": DIMENSIONS[measure.drill_dimension].label,
            "page": page,
            "rows": _drill_rows(measure.drill_dimension, list(page.object_list)),
            "total_rows": len(buckets),
            "splits": [
                (DIMENSIONS[name].label, result.breakdowns[name]) for name in measure.dimensions
            ],
            "is_percent": row.unit == Unit.PERCENT,
            "overlaps": overlaps,
            "page_query": urlencode({"quarter": code, "period": period}),
            "quarter_url": _with_query(base, quarter=code, period="quarter"),
            "cumulative_url": _with_query(base, quarter=code, period="cumulative"),
        },
        status=400 if problem else 200,
    )
