"""The OpenAPI schema is valid, and every operation holds to it under generated input.

Schemathesis generates requests from the schema for each operation (bounded examples) and
checks that no response is a 5xx and every documented response matches its schema. It runs as
a partner with every scope and as a signed-in learner, against the app in process.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from enrollment.services import enrollment_create
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(api):
    spec = json.loads(api.get("/api/v1/schema/?format=json").content)
    validate(spec)
    assert spec["components"]["schemas"]["Error"]
    assert all(
        "422" in operation["responses"]
        for methods in spec["paths"].values()
        for operation in methods.values()
    )


# The schema view needs no database, so the schema loads when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@contextmanager
def connection_kept() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly, whose request signals would close the test's
    database connection mid-transaction on PostgreSQL; Django's test client holds them off the
    same way (and reconnects them after each of its own requests, so this wraps each call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def callers(as_partner: Any) -> dict[str, dict[str, str]]:
    for offering in (OfferingFactory(), OfferingFactory(capacity=1, waitlist_capacity=3)):
        learner = UserFactory()
        enrollment_create(learner=learner, offering=offering, actor=learner)
    partner = as_partner()
    return {"partner": {"Authorization": partner._credentials["HTTP_AUTHORIZATION"]}}


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_holds_to_the_schema(case: Any, callers: dict[str, Any]) -> None:
    for headers in (callers["partner"], {}):
        with connection_kept():
            case.call_and_validate(
                headers={**headers, "Accept-Language": "en"},
                checks=[not_a_server_error, response_schema_conformance],
            )
