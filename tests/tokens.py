"""A client calling with a partner's bearer token, got from the real token endpoint."""

import base64
from typing import Any
from urllib.parse import urlencode

from rest_framework.test import APIClient

from partners.models import SCOPES
from partners.services import partner_client_create


def partner_api_client(organisation: Any, scopes: list[str] | None = None) -> APIClient:
    """A new application of `organisation` with these scopes (all by default), and a client
    sending its token, in English."""
    scopes = list(SCOPES) if scopes is None else scopes
    client, secret = partner_client_create(organisation=organisation, name="HR", scopes=scopes)
    response = APIClient().post(
        "/o/token/",
        urlencode({"grant_type": "client_credentials", "scope": " ".join(scopes)}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION="Basic "
        + base64.b64encode(f"{client.application.client_id}:{secret}".encode()).decode(),
    )
    assert response.status_code == 200, response.content
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    return api
