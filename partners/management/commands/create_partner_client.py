"""Create an API client for a partner organisation and print its credentials, for scripts.

    manage.py create_partner_client --organisation HR01 --name "HR system" \\
        --scopes "catalog:read learners:write" [--create-organisation --name-zh 某某人力资源系统]

Prints exactly two lines on standard output, CLIENT_ID=... and CLIENT_SECRET=..., so that
`export $(manage.py create_partner_client ...)` works; everything else goes to standard error.
The secret is stored hashed: this is the only time it is shown.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from institutions.models import Institution

from ...models import SCOPES, PartnerOrganisation
from ...services import partner_client_create, partner_organisation_create


class Command(BaseCommand):
    help = "Create an OAuth2 client (client credentials) for a partner organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="The organisation's code.")
        parser.add_argument("--name", required=True, help="The client's name, e.g. 'HR system'.")
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Space- or comma-separated, among: {' '.join(SCOPES)}.",
        )
        parser.add_argument(
            "--create-organisation",
            action="store_true",
            help="Create the organisation first if there is none with this code.",
        )
        parser.add_argument("--name-zh", default="", help="The new organisation's Chinese name.")
        parser.add_argument("--name-en", default="", help="The new organisation's English name.")
        parser.add_argument("--institution", default="", help="Its institution's code, if any.")
        parser.add_argument("--contact-email", default="", help="Its technical contact.")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [scope for scope in re.split(r"[\s,]+", options["scopes"]) if scope]
        unknown = sorted(set(scopes) - set(SCOPES))
        if not scopes or unknown:
            raise CommandError(
                f"Unknown or missing scopes: {' '.join(unknown) or '(none given)'}. "
                f"Choose among: {' '.join(SCOPES)}."
            )
        with transaction.atomic():
            organisation = self._organisation(options)
            client, secret = partner_client_create(
                organisation=organisation, name=options["name"], scopes=scopes
            )
        self.stderr.write(
            f"Client {client.application.name!r} of {organisation.code} with scopes "
            f"{' '.join(client.scopes)}. The secret is shown this once only."
        )
        self.stdout.write(f"CLIENT_ID={client.application.client_id}")
        self.stdout.write(f"CLIENT_SECRET={secret}")

    def _organisation(self, options: dict[str, Any]) -> PartnerOrganisation:
        code = options["organisation"]
        organisation = PartnerOrganisation.objects.filter(code__iexact=code).first()
        if organisation is not None:
            if not organisation.is_active:
                raise CommandError(f"The partner organisation {organisation.code} is inactive.")
            return organisation
        if not options["create_organisation"]:
            raise CommandError(
                f"No partner organisation with code {code}: add --create-organisation "
                "--name-zh NAME to create it."
            )
        if not options["name_zh"]:
            raise CommandError("--create-organisation needs --name-zh.")
        institution = None
        if options["institution"]:
            institution = Institution.objects.filter(code__iexact=options["institution"]).first()
            if institution is None:
                raise CommandError(f"No institution with code {options['institution']}.")
        try:
            organisation = partner_organisation_create(
                code=code,
                name_zh=options["name_zh"],
                name_en=options["name_en"],
                institution=institution,
                contact_email=options["contact_email"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(f"Created the partner organisation {organisation.code}.")
        return organisation
