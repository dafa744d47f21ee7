"""Bar charts drawn on the server as inline SVG: no script, no library, nothing fetched.

The SVG scales with its viewBox (CSS gives it the width of its box). It is one image to
assistive technology (`role="img"`, a `<title>` and an `aria-label` that reads every bar);
pages also put the same figures in a table. Every piece of text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SLOT = 40  # horizontal room per bar
HEIGHT = 160
TOP, BOTTOM, SIDE = 22, 38, 8  # room for value labels above, axis labels below, and at the sides
MIN_WIDTH = 320


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar, e.g. "Q1"
    name: str  # read aloud and in the table, e.g. "2027 Q1"
    value: Decimal
    text: str  # the value as shown, e.g. "33.3%"
    group: str = ""  # under the label on the first bar of a group (the year), else ""
    current: bool = False  # the report's own quarter


def _n(number: float) -> str:
    """A coordinate: short, and never in scientific notation."""
    return f"{number:.1f}".removesuffix(".0")


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    summary: str,
    target: Decimal | None = None,
    target_text: str = "",
) -> SafeString:
    """A bar per item, its value above it, labels below; a dashed line at `target` if given.

    `summary` is the accessible name: the title and every bar's name and value, in words.
    """
    width = max(MIN_WIDTH, 2 * SIDE + SLOT * len(bars))
    plot = HEIGHT - TOP - BOTTOM
    left = (width - SLOT * len(bars)) / 2  # centre a short series
    top_value = max([bar.value for bar in bars] + [target or Decimal(0)] + [Decimal(0)])
    scale = float(top_value) or 1.0
    longest = max((len(bar.text) for bar in bars), default=0)
    value_size = 12 if longest <= 5 else 10 if longest <= 7 else 8.5

    def y(value: Decimal) -> float:
        return TOP + plot * (1 - max(0.0, float(value)) / scale)

    parts = []
    for i, bar in enumerate(bars):
        centre = left + SLOT * i + SLOT / 2
        top = y(bar.value)
        height = HEIGHT - BOTTOM - top
        if bar.value > 0:
            height = max(height, 1.5)  # a small non-zero value stays visible
        parts.append(
            format_html(
                '<rect class="chart-bar{}" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
                '<text class="chart-value" x="{}" y="{}" font-size="{}">{}</text>'
                '<text class="chart-label" x="{}" y="{}">{}</text>',
                " chart-bar-current" if bar.current else "",
                _n(centre - SLOT * 0.3),
                _n(HEIGHT - BOTTOM - height),
                _n(SLOT * 0.6),
                _n(height),
                _n(centre),
                _n(HEIGHT - BOTTOM - height - 4),
                _n(value_size),
                bar.text,
                _n(centre),
                _n(HEIGHT - BOTTOM + 14),
                bar.label,
            )
        )
        if bar.group:
            parts.append(
                format_html(
                    '<text class="chart-group" x="{}" y="{}">{}</text>',
                    _n(centre),
                    _n(HEIGHT - BOTTOM + 29),
                    bar.group,
                )
            )
    target_line = SafeString("")
    if target is not None:
        line_y = _n(y(target))
        target_line = format_html(
            '<line class="chart-target" x1="{}" x2="{}" y1="{}" y2="{}" '
            'stroke-dasharray="5 4"></line>'
            '<text class="chart-target-label" x="{}" y="{}">{}</text>',
            _n(SIDE),
            _n(width - SIDE),
            line_y,
            line_y,
            _n(width - SIDE),
            _n(y(target) - 4),
            target_text,
        )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">'
        "<title>{}</title>"
        '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
        "{}{}</svg>",
        width,
        HEIGHT,
        summary,
        title,
        _n(SIDE),
        _n(width - SIDE),
        HEIGHT - BOTTOM,
        HEIGHT - BOTTOM,
        format_html_join("", "{}", ((part,) for part in parts)),
        target_line,
    )
