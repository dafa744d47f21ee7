"""Write the quarterly progress report to files, for scheduled runs.

    manage.py quarterly_report [--quarter 2027Q1] [--owner CODE|all | --all-owners]
        [--format xlsx|csv|both] [--language zh-hans|en] [--output-dir DIR] [--as-of ISO]

Without --quarter: the last completed quarter. Without --owner: the combined report; with
--all-owners one file per active owner plus the combined one. Files go to var/reports/ by default,
named as the download is (yuchuang-report-2027Q1-all-en.xlsx), and replace any file of that name
whole (written aside, then renamed), so a reader never sees half a file. Prints each path written.
"""

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.models import Institution

from ... import exports
from ...report import BadQuarter, parse_quarter


class Command(BaseCommand):
    help = "Write the quarterly progress report (XLSX and/or CSV) for one owner, all, or each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quarter", default="", help="The quarter, e.g. 2027Q1. Default: the last completed."
        )
        owners = parser.add_mutually_exclusive_group()
        owners.add_argument(
            "--owner",
            default=exports.ALL,
            help="An owner's code, or 'all' (the default) for the combined report.",
        )
        owners.add_argument(
            "--all-owners",
            action="store_true",
            help="One report per active owner, plus the combined report.",
        )
        parser.add_argument("--format", choices=[*exports.FORMATS, "both"], default="xlsx")
        parser.add_argument(
            "--language", choices=exports.languages(), default=settings.LANGUAGE_CODE
        )
        parser.add_argument(
            "--output-dir",
            default=str(settings.VAR_DIR / "reports"),
            help="Where the files go (created if missing). Default: var/reports/.",
        )
        parser.add_argument(
            "--as-of",
            default="",
            help="Figures as known at this moment (ISO 8601; local time if no offset). "
            "Default: the end of the quarter, or now while it runs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = options["quarter"]
            quarter = exports.check_reportable(
                parse_quarter(text) if text else exports.default_quarter()
            )
        except BadQuarter as error:
            raise CommandError(str(error)) from error
        as_of = self._as_of(options["as_of"])
        owners: list[Institution | None]
        if options["all_owners"]:
            owners = [*Institution.objects.filter(is_active=True).order_by("code"), None]
        else:
            owners = [self._owner(options["owner"])]
        formats = list(exports.FORMATS) if options["format"] == "both" else [options["format"]]
        directory = Path(options["output_dir"])
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(
                _("Cannot create the directory %(path)s: %(error)s")
                % {"path": directory, "error": error.strerror}
            ) from error
        for institution in owners:
            try:
                made = exports.export_report(
                    quarter=quarter,
                    institution=institution,
                    language=options["language"],
                    formats=formats,
                    as_of=as_of,
                )
            except (BadQuarter, exports.BadExport) as error:
                raise CommandError(str(error)) from error
            for export in made:
                self.stdout.write(str(self._write(directory, export)))

    def _as_of(self, text: str) -> datetime | None:
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise CommandError(
                _("Write --as-of as an ISO 8601 time, e.g. 2027-04-01T09:00:00+08:00.")
            ) from error
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def _owner(self, code: str) -> Institution | None:
        if code.lower() == exports.ALL:
            return None
        institution = Institution.objects.filter(code__iexact=code, is_active=True).first()
        if institution is None:
            codes = Institution.objects.filter(is_active=True).order_by("code")
            raise CommandError(
                _("No active owner has the code %(code)s. Choose among: %(codes)s, or all.")
                % {"code": code, "codes": ", ".join(codes.values_list("code", flat=True))}
            )
        return institution

    def _write(self, directory: Path, export: exports.Export) -> Path:
        path = directory / export.filename
        scratch = ""
        try:
            handle, scratch = tempfile.mkstemp(dir=directory, prefix=f".{export.filename}.")
            with os.fdopen(handle, "wb") as file:
                file.write(export.content)
            os.replace(scratch, path)
        except OSError as error:
            if scratch and os.path.exists(scratch):
                os.unlink(scratch)
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": error.strerror}
            ) from error
        return path
