"""/api/v1/learners/: a partner's own learners, by its own ids; learners:write for everything."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from partners.models import IdempotencyRecord, PartnerLearner
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCOPE = ["learners:write"]
BODY = {"email": "wang.fang@example.com", "display_name": "王芳", "learner_type": "employee"}


def put(client: Any, external_id: str = "E1001", **fields: Any) -> Any:
    return client.put(f"/api/v1/learners/{external_id}/", {**BODY, **fields}, format="json")


def register(organisation: Any, external_id: str, **fields: Any) -> PartnerLearner:
    """A learner of `organisation`, made directly (the API's own tests use PUT)."""
    return PartnerLearner.objects.create(
        organisation=organisation, user=UserFactory(**fields), external_id=external_id
    )


# Who may call ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get_list", "get", "put"])
def test_anonymous_callers_are_asked_to_authenticate(api, method):
    response = {
        "get_list": lambda: api.get("/api/v1/learners/"),
        "get": lambda: api.get("/api/v1/learners/E1/"),
        "put": lambda: put(api, "E1"),
    }[method]()
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not PartnerLearner.objects.exists()


@pytest.mark.parametrize("is_superuser", [False, True])
def test_browser_sessions_are_refused(as_user, as_partner, is_superuser):
    partner = as_partner(SCOPE)
    register(partner.organisation, "E1")
    user = UserFactory(is_superuser=is_superuser, is_staff=is_superuser)
    browser = as_user(user)
    for response in (
        browser.get("/api/v1/learners/"),
        browser.get("/api/v1/learners/E1/"),
        put(browser, "E2"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert PartnerLearner.objects.count() == 1


def test_a_token_without_learners_write_is_refused(as_partner):
    partner = as_partner(["catalog:read", "enrollments:read", "enrollments:write"])
    register(partner.organisation, "E1")
    for response in (
        partner.get("/api/v1/learners/"),
        partner.get("/api/v1/learners/E1/"),
        put(partner, "E2"),
    ):
        assert response.status_code == 403
        assert "learners:write" in response.json()["error"]["message"]
    assert PartnerLearner.objects.count() == 1


def test_another_partners_learners_are_not_found(as_partner):
    mine, theirs = as_partner(SCOPE), as_partner(SCOPE)
    register(mine.organisation, "E1", email="mine@example.com")
    register(theirs.organisation, "T1", email="theirs@example.com")
    assert mine.get("/api/v1/learners/T1/").status_code == 404
    assert mine.get("/api/v1/learners/T1/").json()["error"]["code"] == "not_found"
    assert [r["external_id"] for r in mine.get("/api/v1/learners/").json()["results"]] == ["E1"]
    found = mine.get("/api/v1/learners/", {"search": "theirs@example.com"}).json()
    assert found["count"] == 0


def test_a_revoked_client_is_refused(as_partner):
    from partners.services import partner_client_revoke

    partner = as_partner(SCOPE)
    partner_client_revoke(client=partner.organisation.clients.get())
    assert partner.get("/api/v1/learners/").status_code == 401


@pytest.mark.parametrize("method", ["patch", "delete", "post"])
def test_other_methods_are_not_allowed(as_partner, method):
    partner = as_partner(SCOPE)
    register(partner.organisation, "E1")
    path = "/api/v1/learners/" if method == "post" else "/api/v1/learners/E1/"
    response = getattr(partner, method)(path, BODY, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert PartnerLearner.objects.count() == 1


# Register and update --------------------------------------------------------------------------


def test_put_registers_then_updates(as_partner, django_capture_on_commit_callbacks):
    partner = as_partner(SCOPE)
    with django_capture_on_commit_callbacks(execute=True):
        created = put(partner, member_number="HR-1001", preferred_language="en")
    assert created.status_code == 201, created.json()
    assert created["Location"] == "/api/v1/learners/E1001/"
    body = created.json()
    user = User.objects.get(email="wang.fang@example.com")
    assert body == {
        "id": str(user.public_id),
        "external_id": "E1001",
        "email": "wang.fang@example.com",
        "display_name": "王芳",
        "learner_type": "employee",
        "member_number": "HR-1001",
        "preferred_language": "en",
        "is_email_verified": False,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert not user.has_usable_password()
    [invitation] = mail.outbox
    assert "http://testserver/en/accounts/password/reset/" in invitation.body

    with django_capture_on_commit_callbacks(execute=True):
        updated = put(partner, display_name="王芳芳", learner_type="government")
    assert updated.status_code == 200
    assert updated.json()["id"] == body["id"]
    assert (updated.json()["display_name"], updated.json()["learner_type"]) == (
        "王芳芳",
        "government",
    )
    # PUT sends the whole record: left-out optional fields take their defaults.
    assert (updated.json()["member_number"], updated.json()["preferred_language"]) == (
        "",
        "zh-hans",
    )
    assert len(mail.outbox) == 1  # no second invitation
    assert partner.get("/api/v1/learners/E1001/").json()["display_name"] == "王芳芳"


def test_put_links_an_existing_account(as_partner):
    person = UserFactory(email="li.ming@example.com")
    partner = as_partner(SCOPE)
    response = put(partner, "E7", email="Li.Ming@example.com", display_name="李明")
    assert response.status_code == 201
    assert response.json()["id"] == str(person.public_id)
    assert response.json()["is_email_verified"] is True
    assert User.objects.filter(email="li.ming@example.com").count() == 1


def test_put_with_an_idempotency_key_is_not_recorded(as_partner):
    partner = as_partner(SCOPE)
    first = partner.put("/api/v1/learners/E1/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = partner.put("/api/v1/learners/E1/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert "Idempotent-Replayed" not in again
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    ("external_id", "fields", "invalid"),
    [
        ("bad%20id", {}, {"external_id"}),
        ("x" * 101, {}, {"external_id"}),
        ("E1", {"email": "nope"}, {"email"}),
        ("E1", {"display_name": ""}, {"display_name"}),
        ("E1", {"learner_type": "alien"}, {"learner_type"}),
        (
            "E1",
            {"preferred_language": "fr", "member_number": "9" * 51},
            {"preferred_language", "member_number"},
        ),
        ("bad!", {"email": "nope"}, {"external_id", "email"}),
    ],
)
def test_invalid_records_are_400_with_fields(as_partner, external_id, fields, invalid):
    response = put(as_partner(SCOPE), external_id, **fields)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == invalid
    assert not PartnerLearner.objects.exists()


def test_a_body_that_is_not_an_object_is_400(as_partner):
    partner = as_partner(SCOPE)
    response = partner.put("/api/v1/learners/E1/", ["not", "an", "object"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["non_field_errors"]
    malformed = partner.put("/api/v1/learners/E1/", "{oops", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed"


def test_email_conflicts_are_409(as_partner):
    partner = as_partner(SCOPE)
    assert put(partner, "E1").status_code == 201
    same_address = put(partner, "E2")
    assert same_address.status_code == 409
    assert same_address.json() == {
        "error": {"code": "email_in_use", "message": "Another account uses this email address."}
    }
    UserFactory(email="someone@example.com")
    taken = put(partner, "E1", email="someone@example.com")
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "email_in_use"
    learner = User.objects.get(email="wang.fang@example.com")
    learner.set_password("the-persons-own")
    learner.save()
    locked = put(partner, "E1", email="new@example.com")
    assert locked.status_code == 409
    assert locked.json()["error"]["code"] == "email_locked"
    assert partner.get("/api/v1/learners/E1/").json()["email"] == "wang.fang@example.com"
    assert PartnerLearner.objects.count() == 1


def test_messages_follow_accept_language(as_partner):
    partner = as_partner(SCOPE)
    response = partner.get("/api/v1/learners/NOPE/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response["Content-Language"] == "zh-hans"
    assert response.json()["error"]["message"] == "资源不存在。"


# Lists ----------------------------------------------------------------------------------------


def test_filters_search_and_ordering(as_partner):
    partner = as_partner(SCOPE)
    organisation = partner.organisation
    a = register(
        organisation,
        "A-1",
        email="alpha@example.com",
        display_name="阿尔法",
        learner_type="student",
    )
    register(
        organisation, "B-2", email="beta@example.com", display_name="贝塔", learner_type="employee"
    )
    PartnerLearner.objects.filter(pk=a.pk).update(updated_at=timezone.now() - timedelta(days=3))
    User.objects.filter(pk=a.user_id).update(updated_at=timezone.now() - timedelta(days=3))

    def ids(**params: Any) -> list[str]:
        response = partner.get("/api/v1/learners/", params)
        assert response.status_code == 200, response.json()
        return [row["external_id"] for row in response.json()["results"]]

    assert ids() == ["A-1", "B-2"]  # by updated_at
    assert ids(ordering="-external_id") == ["B-2", "A-1"]
    assert ids(learner_type="student") == ["A-1"]
    assert ids(search="beta@") == ["B-2"]
    assert ids(search="阿尔") == ["A-1"]
    assert ids(search="B-2") == ["B-2"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == ["B-2"]
    # The person's own changes count as changes of the learner, for sync.
    User.objects.get(pk=a.user_id).save()
    assert ids(updated_since=since) == ["B-2", "A-1"]
    for bad in ({"updated_since": "yesterday"}, {"learner_type": "alien"}, {"ordering": "email"}):
        response = partner.get("/api/v1/learners/", bad)
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == set(bad)


def test_list_query_count_does_not_grow_with_page_size(as_partner):
    partner = as_partner(SCOPE)
    for n in range(100):
        register(partner.organisation, f"E{n:03d}")
    register(as_partner(SCOPE).organisation, "OTHER")
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = partner.get("/api/v1/learners/", {"page_size": size})
        assert response.status_code == 200
        assert response.json()["count"] == 100
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 8


def test_the_schema_documents_learners(api):
    spec = api.get("/api/v1/schema/?format=json").json()
    assert set(spec["paths"]["/api/v1/learners/{external_id}/"]) == {"get", "put"}
    put_operation = spec["paths"]["/api/v1/learners/{external_id}/"]["put"]
    assert {"200", "201", "400", "401", "403", "404", "409"} <= set(put_operation["responses"])
