"""accounts.sessions: Django's database sessions, read with SQL written once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_is_the_engine_in_use():
    assert settings.SESSION_ENGINE == "accounts.sessions"


def test_sessions_written_by_either_engine_read_the_same_in_the_other():
    ours, django = SessionStore(), db.SessionStore()
    ours["a"], django["b"] = {"x": [1, "二"]}, 2
    ours.save()
    django.save()
    assert dict(db.SessionStore(ours.session_key).items()) == {"a": {"x": [1, "二"]}}
    assert dict(SessionStore(django.session_key).items()) == {"b": 2}


def test_the_row_read_is_the_row_stored(django_assert_num_queries):
    store = SessionStore()
    store["k"] = "v"
    store.save()
    with django_assert_num_queries(1):
        row = SessionStore(store.session_key)._get_session_from_db()
    stored = Session.objects.get(session_key=store.session_key)
    assert (row.session_key, row.session_data, row.expire_date) == (
        stored.session_key,
        stored.session_data,
        stored.expire_date,
    )


def test_an_expired_or_unknown_session_reads_empty_and_its_key_is_forgotten():
    store = SessionStore()
    store["k"] = "v"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert dict(expired.items()) == {}
    assert expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert dict(unknown.items()) == {}
    assert unknown.session_key is None


def test_a_signed_in_session_keeps_its_user(client):
    user = UserFactory()
    client.force_login(user)
    assert client.session.session_key
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == user.email
