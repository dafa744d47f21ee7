"""Roster exports: CSV (UTF-8 with a BOM, so Excel in Chinese opens it right) and XLSX."""

import csv
from collections.abc import Iterable
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from courses.models import Offering

from .models import Enrollment


def _columns() -> list[str]:
    return [
        _("No."),
        _("Name"),
        _("Email"),
        _("Learner type"),
        _("Home institution"),
        _("Student or staff number"),
        _("Status"),
        _("Place in line"),
        _("Enrolled at"),
        _("Score"),
        _("Grade"),
        _("Hours completed"),
    ]


def _rows(rows: Iterable[Enrollment]) -> Iterable[list[Any]]:
    for number, row in enumerate(rows, start=1):
        learner = row.learner
        yield [
            number,
            learner.display_name,
            learner.email,
            learner.get_learner_type_display(),
            learner.home_institution.display_name if learner.home_institution else "",
            learner.member_number,
            row.get_status_display(),
            getattr(row, "position", None) or "",
            timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M"),
            row.score if row.score is not None else "",
            row.grade,
            row.hours_completed if row.hours_completed is not None else "",
        ]


def _filename(offering: Offering, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return (
        f"roster-{offering.course.code}-{offering.term.code}-{offering.section}-{stamp}.{extension}"
    )


def _safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is written as text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def roster_csv(offering: Offering, rows: Iterable[Enrollment]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(offering, "csv")}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(_columns())
    for values in _rows(rows):
        writer.writerow([_safe(v) for v in values])
    return response


def roster_xlsx(offering: Offering, rows: Iterable[Enrollment]) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Roster")[:31]
    sheet.append([f"{offering.course.code} {offering.course.title}"])
    sheet.append([f"{offering.term.name} · {offering.section}"])
    sheet.append([])
    sheet.append(_columns())
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for values in _rows(rows):
        sheet.append([_safe(v) for v in values])
    sheet.freeze_panes = "A5"
    for column, width in zip(
        "ABCDEFGHIJKL", (6, 16, 28, 14, 20, 16, 12, 10, 18, 8, 8, 10), strict=True
    ):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(offering, "xlsx")}"'
    return response
