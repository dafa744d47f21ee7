"""manage.py create_partner_client: credentials for scripts, on two lines of standard output."""

import base64
import shlex
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from oauth2_provider.models import Application

from partners.models import PartnerClient, PartnerOrganisation

pytestmark = pytest.mark.django_db


def run(args: str) -> tuple[dict[str, str], str]:
    out, err = StringIO(), StringIO()
    call_command("create_partner_client", *shlex.split(args), stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["CLIENT_ID", "CLIENT_SECRET"]
    return dict(line.split("=", 1) for line in lines), err.getvalue()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_creates_the_organisation_and_a_client(client):
    values, err = run(
        "--organisation HR01 --create-organisation --name-zh 长寿经开区人力资源系统 "
        "--name-en 'Changshou HR system' --name 'HR system' "
        "--scopes 'catalog:read learners:write'"
    )
    organisation = PartnerOrganisation.objects.get(code="HR01")
    assert organisation.service_user.email == "partner+hr01@partners.yuchuang.local"
    assert organisation.name_zh == "长寿经开区人力资源系统"
    assert organisation.name_en == "Changshou HR system"
    partner_client = PartnerClient.objects.get(application__client_id=values["CLIENT_ID"])
    assert partner_client.organisation == organisation
    assert partner_client.scopes == ["catalog:read", "learners:write"]
    application = partner_client.application
    assert application.name == "HR system"
    assert application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
    assert application.client_secret != values["CLIENT_SECRET"]  # stored hashed
    assert check_password(values["CLIENT_SECRET"], application.client_secret)
    assert "Created the partner organisation HR01" in err
    token = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "learners:write"},
        HTTP_AUTHORIZATION=basic(values["CLIENT_ID"], values["CLIENT_SECRET"]),
    )
    assert token.status_code == 200, token.content
    assert token.json()["scope"] == "learners:write"


def test_an_existing_organisation_gets_another_client():
    first, _ = run(
        "--organisation HR01 --create-organisation --name-zh 甲 --name one --scopes catalog:read"
    )
    second, err = run(
        "--organisation hr01 --create-organisation --name-zh 乙 --name two "
        "--scopes catalog:read,enrollments:read"
    )
    assert PartnerOrganisation.objects.get().name_zh == "甲"
    assert first["CLIENT_ID"] != second["CLIENT_ID"]
    assert PartnerClient.objects.get(application__name="two").scopes == [
        "catalog:read",
        "enrollments:read",
    ]
    assert "Created" not in err


NEW = "--organisation NEW --create-organisation --name-zh 新"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("--organisation NOPE --scopes catalog:read", "--create-organisation"),
        ("--organisation NEW --create-organisation --scopes catalog:read", "--name-zh"),
        (f"{NEW} --scopes everything", "everything"),
        (f"{NEW} --scopes ,", "none given"),
        (f"{NEW} --institution NOPE --scopes catalog:read", "NOPE"),
        (
            "--organisation bad!code --create-organisation --name-zh 新 --scopes catalog:read",
            "digits|数字",
        ),
    ],
)
def test_refusals_change_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_partner_client", "--name", "x", *shlex.split(args), stdout=StringIO())
    assert not PartnerOrganisation.objects.exists()
    assert not Application.objects.exists()


def test_an_inactive_organisation_gets_no_client():
    run("--organisation OLD --create-organisation --name-zh 旧 --name a --scopes catalog:read")
    PartnerOrganisation.objects.filter(code="OLD").update(is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        run("--organisation OLD --name b --scopes catalog:read")
    assert Application.objects.count() == 1
