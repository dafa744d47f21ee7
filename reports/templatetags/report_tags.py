"""Figures as the results pages show them: units, progress, quarters, the trend chart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from institutions.rules import institution_ids, is_superuser
from reports import charts, rules
from reports.measures import Bucket, Figure, Period, Unit
from reports.report import IndicatorReport

register = template.Library()

CHART_QUARTERS = 8  # the chart shows the latest quarters; more would not fit a phone


@register.simple_tag
def can_view_results(user: Any) -> bool:
    """Whether the header shows the Results link: superusers, institution staff (roles are
    cached already, for the admin link) and project office members with staff status (they
    edit indicators in the admin). No query for visitors and learners, whose pages are many."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_superuser(user) or institution_ids(user):
        return True
    return bool(user.is_staff and rules.is_project_office(user))


def _number(value: Decimal, places: int) -> str:
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def format_value(value: Decimal | int | None, unit: str) -> str:
    """`value` in its unit: "1,234", "33.3%", "62 h"."""
    if value is None:
        return "–"
    value = Decimal(value)
    if unit == Unit.PERCENT:
        return f"{_number(value, 1)}%"
    places = 0 if value == value.to_integral_value() else 1
    if unit == Unit.HOURS:
        return pgettext("learning hours after a number", "%(value)s h") % {
            "value": _number(value, places)
        }
    return _number(value, places)


@register.filter
def figure(value: Decimal | int | None, unit: str) -> str:
    return format_value(value, unit)


@register.filter
def parts(figure_: Figure) -> str:
    """A percentage's parts, "3 of 5", or "" for other figures."""
    if figure_.numerator is None or figure_.denominator is None:
        return ""
    return _("%(numerator)s of %(denominator)s") % {
        "numerator": _number(figure_.numerator, 0),
        "denominator": _number(figure_.denominator, 0),
    }


@register.filter
def percent(value: Decimal | None) -> str:
    return "–" if value is None else format_value(value, Unit.PERCENT)


@register.filter
def bar_value(progress: Decimal | None) -> str:
    """The progress bar's value: the real percentage held between 0 and 100."""
    if progress is None:
        return "0"
    return str(min(Decimal(100), max(Decimal(0), progress)))


def quarter_label(period: Period) -> str:
    number = (period.start.month - 1) // 3 + 1
    return _("%(year)s Q%(number)s") % {"year": period.start.year, "number": number}


@register.filter(name="quarter_label")
def quarter_label_filter(period: Period) -> str:
    return quarter_label(period)


@register.simple_tag
def sex_split(row: IndicatorReport) -> list[tuple[str, str]]:
    """The to-date figure by sex (female, male, not stated), as (label, text) pairs; empty when
    the measure counts no people."""
    buckets: list[Bucket] = row.cumulative.breakdowns.get("sex", [])
    if row.indicator.measure == "share_of_women":
        # Its buckets are shares within each sex (100% or 0%): show the learners instead.
        return [
            (b.label, format_value(b.figure.denominator or b.figure.not_stated or 0, Unit.COUNT))
            for b in buckets
        ]
    pairs = []
    for b in buckets:
        text = format_value(b.value, row.unit)
        if row.unit == Unit.PERCENT and b.figure.denominator is not None:
            text = f"{text} ({parts(b.figure)})"
        pairs.append((b.label, text))
    return pairs


@register.inclusion_tag("reports/_trend.html")
def trend_chart(row: IndicatorReport, current: Period) -> dict[str, Any]:
    """The per-quarter bar chart of an indicator, and the same figures as a table."""
    results = row.trend[-CHART_QUARTERS:]
    bars, year = [], None
    for result in results:
        period = result.period
        number = (period.start.month - 1) // 3 + 1
        bars.append(
            charts.Bar(
                label=pgettext("quarter under a bar of a chart", "Q%(number)s")
                % {"number": number},
                name=quarter_label(period),
                value=result.value,
                text=format_value(result.value, row.unit),
                group=str(period.start.year) if period.start.year != year else "",
                current=period == current,
            )
        )
        year = period.start.year
    title = _("%(code)s per quarter") % {"code": row.indicator.code}
    target = None
    target_text = ""
    if row.unit == Unit.PERCENT and row.goal is not None:
        target = row.goal.target
        target_text = _("Target %(value)s") % {"value": format_value(target, row.unit)}
    words = pgettext("separator between items of a list", ", ").join(
        f"{bar.name} {bar.text}" for bar in bars
    )
    summary = f"{title}: {words}" + (f"; {target_text}" if target_text else "")
    svg = charts.bar_chart(
        bars, title=title, summary=summary, target=target, target_text=target_text
    )
    return {
        "svg": svg,
        "bars": bars,
        "title": title,
        "target_text": target_text,
        "truncated": len(row.trend) > len(results),
        "shown": len(results),
    }
