from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.services import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo data set: the seven owners, programs, courses, offerings and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a production database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: this looks like production. Use --force to seed.")
        report = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {report.institutions} institutions, {report.programs} programs,"
                f" {report.courses} courses, {report.offerings} offerings,"
                f" {report.enrollments} new enrollments."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in report.logins:
            self.stdout.write(f"  {email:<28} {role}")
