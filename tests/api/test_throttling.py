"""Throttles: one budget per partner client, per signed-in user, per address; 429 + Retry-After."""

from typing import Any

import pytest

from api.throttling import ClientRateThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        ClientRateThrottle,
        "THROTTLE_RATES",
        {"anon": "3/min", "user": "3/min", "partner": "3/min", "token": "20/min"},
    )


def spend(client: Any, times: int) -> list[Any]:
    return [client.get("/api/v1/institutions/") for _ in range(times)]


def test_anonymous_callers_are_throttled_with_retry_after(api, low_rates):
    responses = spend(api, 4)
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    refused = responses[-1]
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"


def test_each_user_has_a_budget_of_their_own(as_user, low_rates):
    first, second = as_user(UserFactory()), as_user(UserFactory())
    assert spend(first, 4)[-1].status_code == 429
    assert spend(second, 1)[0].status_code == 200


def test_each_partner_client_has_a_budget_of_its_own(as_partner, make_partner, low_rates):
    organisation = make_partner()
    first = as_partner(["catalog:read"], organisation=organisation)
    second = as_partner(["catalog:read"], organisation=organisation)  # another client
    assert spend(first, 4)[-1].status_code == 429
    assert spend(second, 1)[0].status_code == 200


def test_the_token_endpoint_is_throttled_harder(api):
    statuses = [
        api.post(
            "/o/token/",
            "grant_type=client_credentials",
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION="Basic bm9ib2R5Om5vdGhpbmc=",
        ).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
