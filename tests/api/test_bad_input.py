"""Input no endpoint should crash on: moments outside the calendar, JSON nested too deep."""

import pytest

from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("moment", "found"),
    [("0001-01-01T00:00:00+05:00", 1), ("9999-12-31T23:59:59-05:00", 0)],
)
def test_updated_since_beyond_the_calendar_in_utc_is_an_answer_not_a_crash(api, moment, found):
    OfferingFactory()
    response = api.get("/api/v1/offerings/", {"updated_since": moment})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == found


def test_json_nested_too_deep_is_malformed(as_partner):
    client = as_partner(["enrollments:write", "enrollments:read"])
    response = client.post("/api/v1/enrollments/", b"[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
