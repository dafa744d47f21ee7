"""Quarterly reports that leave the platform: an XLSX workbook or a tidy CSV, in a chosen language.

What leaves the platform is suppressed (`reports.privacy`): every cell counting people shows
"<5" when it rests on 1 to 4 of them, and "–" for a percentage of nobody. A level or progress
derived from a withheld figure is withheld too (with the baseline known, it would give the
figure away).

Labels (indicator and bucket names, headings) are in the language asked for, whatever the
language of the page that asked: the report is built and written under
`translation.override(language)`, since bucket labels are resolved while the report is built.

Text that people typed (indicator, owner and program names) never reaches a spreadsheet as a
formula: in the CSV a cell starting with = + - @ gets a leading apostrophe; in the XLSX every
text cell is stored as text.

The XLSX has an "About" sheet (scope, quarter, as-of time, legend), then one sheet per project
output with indicators ("Output 1" … "Project-wide"): per indicator a header block, a table per
split (buckets by quarter, and to date) and, in the combined report, a table per owner. The CSV
has one row per (indicator, split, bucket, period); the `total` split holds the indicator's own
figures and `owner` the combined report's per-owner rows with their baselines and targets.

Queries: those of `build_report`, whatever the number of owners or quarters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from institutions.models import Institution

from . import privacy, rules
from .measures import DIMENSIONS, MEASURES, Bucket, Figure, Period, Unit, quarter_of
from .models import Unit as UnitChoice
from .report import (
    BadQuarter,
    IndicatorReport,
    Report,
    build_report,
    current_quarter,
    first_quarter,
    parse_quarter,
    quarter_code,
)

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
ALL = "all"  # the owner code of the combined report in addresses and file names
TO_DATE = "to_date"  # the period code of the cumulative figures in the CSV and the API
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Value = Decimal | str | None


class BadExport(ValueError):
    """An export that cannot be made as asked: an unknown format or language."""


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def check_language(language: str) -> str:
    if language not in languages():
        raise BadExport(
            _("Choose the language among: %(choices)s.") % {"choices": ", ".join(languages())}
        )
    return language


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise BadExport(
            _("Choose the format among: %(choices)s.") % {"choices": ", ".join(FORMATS)}
        )
    return fmt


def default_quarter(now: datetime | None = None) -> Period:
    """The last completed quarter, or the project's first while none has completed."""
    previous = quarter_of(current_quarter(now).start - timedelta(days=1))
    return max(previous, first_quarter(), key=lambda period: period.start)


def check_reportable(quarter: Period, now: datetime | None = None) -> Period:
    """A quarter that has begun (those before the project's start `build_report` refuses)."""
    if quarter.start > current_quarter(now).start:
        raise BadQuarter(
            _("%(quarter)s has not begun yet: nothing to report.")
            % {"quarter": quarter_code(quarter)}
        )
    return quarter


def find_owner(code: str, visible: frozenset[int] | None) -> Institution | None:
    """The active owner with this code (any case), None for "all"; Http404 when it is unknown
    or outside `visible` (None: every owner, and the combined report)."""
    if code.lower() == ALL:
        if visible is not None:
            raise Http404
        return None
    institution = Institution.objects.filter(code__iexact=code, is_active=True).first()
    if institution is None or (visible is not None and institution.pk not in visible):
        raise Http404
    return institution


# --- public values ------------------------------------------------------------------------------


class HasLevel(Protocol):
    """An indicator's report or an owner's row: what level and progress are computed from."""

    @property
    def unit(self) -> str: ...

    @property
    def level(self) -> Decimal: ...

    @property
    def progress(self) -> Decimal | None: ...


def public(figure: Figure, unit: str) -> Decimal | str:
    return privacy.public_value(figure, unit)


def _withheld(figure: Figure, unit: str) -> str | None:
    value = privacy.public_value(figure, unit)
    return value if isinstance(value, str) else None


def public_level(row: HasLevel, cumulative: Figure) -> Decimal | str:
    return _withheld(cumulative, row.unit) or row.level


def public_progress(row: HasLevel, cumulative: Figure) -> Decimal | str | None:
    """None: no target to make progress towards."""
    if row.progress is None:
        return None
    return _withheld(cumulative, row.unit) or row.progress


def public_not_stated(row: IndicatorReport) -> int | Decimal | str | None:
    """For the share of women: how many left their sex unstated (None for other measures)."""
    return privacy.public_count(row.cumulative.figure.not_stated)


def owner_name(report: Report) -> str:
    if report.institution is None:
        return _("All owners")
    return f"{report.institution.name} ({report.institution.code})"


def owner_code(report: Report) -> str:
    return report.institution.code if report.institution is not None else ALL


def output_label(output: int | None) -> str:
    return _("Project-wide") if output is None else _("Output %(number)d") % {"number": output}


def output_title(output: int | None) -> str:
    if output is None:
        return _("Project-wide indicators")
    return str(Institution.Output(output).label)


def unit_label(unit: str) -> str:
    return str(UnitChoice(unit).label)


def split_label(code: str) -> str:
    return capfirst(str(DIMENSIONS[code].label))


def quarters_of(report: Report) -> list[Period]:
    """Every quarter from the project's start to the report's, even with no indicator."""
    periods = [quarter_of(report.start)]
    while periods[-1].start < report.quarter.start:
        periods.append(quarter_of(periods[-1].end))
    return periods


def split_rows(row: IndicatorReport, split: str) -> list[tuple[Bucket, list[Bucket]]]:
    """Each bucket of a split, to date, with its bucket in each quarter of the trend (all
    periods come from one query, so they share their keys; a missing one would be zero)."""
    zero = MEASURES[row.indicator.measure].zero()
    quarters = [{b.key: b for b in result.breakdowns[split]} for result in row.trend]
    return [
        (bucket, [q.get(bucket.key, Bucket(bucket.key, bucket.label, zero)) for q in quarters])
        for bucket in row.cumulative.breakdowns[split]
    ]


def safe_text(text: str) -> str:
    """Text a spreadsheet will not read as a formula."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def plain(value: Decimal) -> str:
    """7, 33.3, 20000: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


# --- XLSX ---------------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADING = Font(bold=True, size=12)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
NUMBER_FORMATS = {Unit.COUNT: "#,##0", Unit.PERCENT: "0.0", Unit.HOURS: "#,##0.##"}
PROGRESS_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd"
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_name(name: str) -> str:
    return name.translate(SHEET_NAME_FORBIDDEN)[:31]


def _local(moment: datetime) -> str:
    """A moment in the platform's time zone, with its offset (Excel keeps no time zones)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %z")


class _Sheet:
    """Writes a worksheet line by line."""

    def __init__(self, sheet: Worksheet, widths: Sequence[int]) -> None:
        self.sheet = sheet
        self.row = 1
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    def line(
        self,
        *values: Any,
        font: Font | None = None,
        fill: PatternFill | None = None,
        formats: Sequence[str | None] = (),
    ) -> None:
        for column, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = self.sheet.cell(row=self.row, column=column)
            number_format = formats[column - 1] if column - 1 < len(formats) else None
            _put(cell, value, number_format)
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
        self.row += 1

    def skip(self, count: int = 1) -> None:
        self.row += count


def _put(cell: Cell, value: Any, number_format: str | None) -> None:
    if isinstance(value, Decimal):
        cell.value = int(value) if value == value.to_integral_value() else float(value)
        if number_format:
            cell.number_format = number_format
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float):
        cell.value = value
        if number_format:
            cell.number_format = number_format
    else:
        text = str(value)
        cell.value = text
        cell.data_type = "s"  # never a formula, whoever typed the text
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
        if text in (privacy.SUPPRESSED, privacy.NO_VALUE):
            cell.alignment = Alignment(horizontal="right")


def write_xlsx(report: Report) -> bytes:
    """The workbook of a report, in the active language."""
    book = Workbook()
    about = book.worksheets[0]
    about.title = _sheet_name(_("About"))
    _about(_Sheet(about, [28, 90]), report)
    periods = quarters_of(report)
    for output, rows in report.by_output():
        sheet = _Sheet(book.create_sheet(_sheet_name(output_label(output))), [40] + [14] * 8)
        sheet.line(output_title(output), font=TITLE)
        sheet.line(f"{owner_name(report)} · {report.quarter_code}")
        sheet.sheet.freeze_panes = "B3"
        for row in rows:
            sheet.skip()
            _indicator(sheet, report, row, periods)
    book.properties.creator = "渝创 Yuchuang"
    book.properties.title = f"{_('Quarterly progress report')} {report.quarter_code}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _about(sheet: _Sheet, report: Report) -> None:
    quarter = report.quarter
    last_day = quarter.end - timedelta(days=1)
    sheet.line(_("Quarterly progress report"), font=TITLE)
    sheet.skip()
    for label, value in [
        (_("Scope"), owner_name(report)),
        (_("Quarter"), f"{report.quarter_code} ({quarter.start} – {last_day})"),
        (_("Figures as of"), _local(report.as_of)),
        (_("Project start"), report.start),
        (_("Generated at"), _local(timezone.now())),
    ]:
        sheet.line(label, value, font=None)
        sheet.sheet.cell(row=sheet.row - 1, column=1).font = BOLD
    sheet.skip()
    sheet.line(_("Legend"), font=HEADING)
    for symbol, meaning in [
        (
            privacy.SUPPRESSED,
            _(
                "Fewer than %(count)d people: the figure is withheld to protect their privacy "
                "(and so are a level and progress computed from it)."
            )
            % {"count": privacy.SMALL_CELL},
        ),
        (privacy.NO_VALUE, _("A percentage of nobody: there is no value.")),
        (_("(empty)"), _("Progress: no target is set.")),
    ]:
        sheet.line(symbol, meaning)
    sheet.skip()
    sheet.line(_("Notes"), font=HEADING)
    for note in [
        _(
            "Level to date: the baseline plus what was counted since the project's start; for "
            "percentages, the percentage measured since the start. Progress: how far the level "
            "has come from the baseline towards the target, in percent."
        ),
        _(
            "A person counts once in each cell. The buckets of a split and the quarters can add "
            "up to more than the total: a learner active in two quarters, or in a course of two "
            "programs, counts in both."
        ),
        _("Figures of later changes (a corrected result) are those known at the as-of time."),
    ]:
        sheet.line("", note)
    sheet.sheet.column_dimensions["B"].width = 90
    for line in sheet.sheet.iter_rows(min_col=2, max_col=2):
        line[0].alignment = Alignment(wrap_text=True, vertical="top")


def _indicator(sheet: _Sheet, report: Report, row: IndicatorReport, periods: list[Period]) -> None:
    indicator, unit = row.indicator, row.unit
    number = NUMBER_FORMATS.get(unit, "General")
    goal = row.goal
    sheet.line(f"{indicator.code} {indicator.name}", font=HEADING)
    cumulative = row.cumulative.figure
    block: list[tuple[str, Any, str | None]] = [
        (_("Code"), indicator.code, None),
        (_("Name"), indicator.name, None),
        (_("Measure"), str(MEASURES[indicator.measure].label), None),
        (_("Unit"), unit_label(unit), None),
        (_("Baseline"), goal.baseline if goal else "", number),
        (_("Target"), goal.target if goal else "", number),
        (_("Target date"), goal.target_date if goal and goal.target_date else "", None),
        (
            _("This quarter (%(quarter)s)") % {"quarter": report.quarter_code},
            public(row.quarter.figure, unit),
            number,
        ),
        (_("Since the project's start"), public(cumulative, unit), number),
        (_("Level to date"), public_level(row, cumulative), number),
        (_("Progress (%)"), _or_empty(public_progress(row, cumulative)), PROGRESS_FORMAT),
    ]
    not_stated = public_not_stated(row)
    if not_stated is not None:
        block.append((_("Sex not stated (left out of the share)"), not_stated, "#,##0"))
    for label, value, number_format in block:
        sheet.line(label, value, formats=[None, number_format])
        sheet.sheet.cell(row=sheet.row - 1, column=1).font = BOLD

    heads = [quarter_code(p) for p in periods] + [_("To date")]
    for split in row.dimensions:
        sheet.skip()
        sheet.line(_("By %(split)s") % {"split": str(DIMENSIONS[split].label)}, font=BOLD)
        sheet.line(split_label(split), *heads, font=BOLD, fill=HEADER_FILL)
        formats = [None] + [number] * (len(heads))
        for bucket, per_quarter in split_rows(row, split):
            values = [public(b.figure, unit) for b in per_quarter] + [public(bucket.figure, unit)]
            sheet.line(bucket.label, *values, formats=formats)
        totals = [public(r.figure, unit) for r in row.trend] + [public(cumulative, unit)]
        sheet.line(_("Total"), *totals, font=BOLD, formats=formats)

    if row.owners:
        sheet.skip()
        sheet.line(_("By owner"), font=BOLD)
        sheet.line(
            _("Owner"),
            _("This quarter"),
            _("To date"),
            _("Owner baseline"),
            _("Owner target"),
            _("Level to date"),
            _("Progress (%)"),
            font=BOLD,
            fill=HEADER_FILL,
        )
        for owner in row.owners:
            figure = owner.cumulative.figure
            sheet.line(
                f"{owner.institution.name} ({owner.institution.code})",
                public(owner.quarter.figure, unit),
                public(figure, unit),
                owner.goal.baseline if owner.goal else "",
                owner.goal.target if owner.goal else "",
                public_level(owner, figure),
                _or_empty(public_progress(owner, figure)),
                formats=[None, number, number, number, number, number, PROGRESS_FORMAT],
            )


def _or_empty(value: Value) -> Decimal | str:
    return "" if value is None else value


# --- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "owner",
    "quarter",
    "as_of",
    "output",
    "indicator_code",
    "indicator_name",
    "unit",
    "split",
    "bucket",
    "period",
    "value",
    "baseline",
    "target",
    "level",
    "progress",
]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    return safe_text(str(value))


def csv_rows(report: Report) -> Iterable[list[str]]:
    """The header, then one row per (indicator, split, bucket, period), in the active language.

    `split` is `total` for the indicator's own figures (with its baseline, target, and on the
    `to_date` row its level and progress), a split's code, or `owner` for the combined report's
    per-owner rows (with the owner's baseline and target). `period` is a quarter or `to_date`.
    """
    yield CSV_COLUMNS
    as_of = timezone.localtime(report.as_of).isoformat(timespec="seconds")
    owner = owner_code(report)
    for row in report.indicators:
        indicator, unit = row.indicator, row.unit
        output = "" if indicator.project_output is None else str(indicator.project_output)
        base = [owner, report.quarter_code, as_of, output, indicator.code, indicator.name, unit]

        def line(
            split: str,
            bucket: str,
            period: str,
            value: Value,
            goal: Any = None,
            level: Value = None,
            progress: Value = None,
            base: list[str] = base,
        ) -> list[str]:
            return [
                _csv_value(v)
                for v in [
                    *base,
                    split,
                    bucket,
                    period,
                    value,
                    goal.baseline if goal else None,
                    goal.target if goal else None,
                    level,
                    progress,
                ]
            ]

        cumulative = row.cumulative.figure
        for result in row.trend:
            yield line(
                "total", "", quarter_code(result.period), public(result.figure, unit), row.goal
            )
        yield line(
            "total",
            "",
            TO_DATE,
            public(cumulative, unit),
            row.goal,
            public_level(row, cumulative),
            public_progress(row, cumulative),
        )
        for split in row.dimensions:
            for bucket, per_quarter in split_rows(row, split):
                for result, cell in zip(row.trend, per_quarter, strict=True):
                    period = quarter_code(result.period)
                    yield line(split, bucket.label, period, public(cell.figure, unit))
                yield line(split, bucket.label, TO_DATE, public(bucket.figure, unit))
        for owner_row in row.owners:
            name = f"{owner_row.institution.name} ({owner_row.institution.code})"
            figure = owner_row.cumulative.figure
            yield line(
                "owner",
                name,
                report.quarter_code,
                public(owner_row.quarter.figure, unit),
                owner_row.goal,
            )
            yield line(
                "owner",
                name,
                TO_DATE,
                public(figure, unit),
                owner_row.goal,
                public_level(owner_row, figure),
                public_progress(owner_row, figure),
            )


def write_csv(report: Report) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the Chinese right."""
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report))
    return out.getvalue().encode("utf-8-sig")


WRITERS: dict[str, Callable[[Report], bytes]] = {"xlsx": write_xlsx, "csv": write_csv}


# --- making an export ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    content_type: str


def filename(*, quarter: Period, institution: Institution | None, language: str, fmt: str) -> str:
    owner = institution.code if institution is not None else ALL
    return f"yuchuang-report-{quarter_code(quarter)}-{owner}-{language}.{fmt}"


def export_report(
    *,
    quarter: Period,
    institution: Institution | None,
    language: str,
    formats: Sequence[str] = ("xlsx",),
    as_of: datetime | None = None,
) -> list[Export]:
    """The report of `quarter` for `institution` (None: the project) in each of `formats`,
    built once, labelled in `language`. Raises BadQuarter and BadExport."""
    check_language(language)
    for fmt in formats:
        check_format(fmt)
    with translation.override(language):
        report = build_report(quarter=quarter, institution=institution, as_of=as_of)
        return [
            Export(
                filename(quarter=quarter, institution=institution, language=language, fmt=fmt),
                WRITERS[fmt](report),
                CONTENT_TYPES[fmt],
            )
            for fmt in formats
        ]


@login_required
@require_safe
def export_view(request: HttpRequest, owner: str) -> HttpResponse:
    """A download of an owner's report (or "all": the combined one) for a quarter:
    `?quarter=2027Q1&format=xlsx|csv&lang=en|zh-hans`.

    Whoever may read the owner's dashboard may export it (the project office and superusers
    every owner and "all", staff their own owners); anyone else gets a 404, before the query is
    looked at. Without a quarter: the last completed one; without a language: the page's.
    """
    institution = find_owner(owner, rules.visible_institutions(request.user))
    try:
        text = request.GET.get("quarter", "")
        quarter = check_reportable(parse_quarter(text) if text else default_quarter())
        fmt = check_format(request.GET.get("format", "xlsx"))
        language = request.GET.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
        (export,) = export_report(
            quarter=quarter,
            institution=institution,
            language=check_language(language),
            formats=[fmt],
        )
    except (BadQuarter, BadExport) as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    response["Cache-Control"] = "private, no-store"
    return response
