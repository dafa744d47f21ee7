"""The offerings list's cached answers: the same bytes and headers as without the cache, no query
on a hit, a new catalog version after every committed change (and none after a rollback), and
entries that end before the next opening or closing of enrollment on their page."""

import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from courses.api import cache as list_cache
from courses.api.views import OfferingViewSet
from courses.models import Course, Offering
from enrollment import services
from institutions import catalog_version
from institutions.models import StaffMembership
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"


@pytest.fixture
def cached(settings: Any) -> None:
    settings.CATALOG_CACHE = True


def answer(response: Any) -> tuple[int, bytes, dict[str, str]]:
    return response.status_code, response.content, dict(response.headers)


def get(api: Any, query: str = "?page=1&page_size=20", **extra: Any) -> Any:
    response = api.get(LIST + query, **extra)
    assert response.status_code == 200, response.content
    return response


def titles(response: Any) -> list[str]:
    return [row["course"]["title_en"] for row in response.json()["results"]]


@pytest.fixture
def offerings(django_capture_on_commit_callbacks: Any) -> list[Offering]:
    """(The commit hooks run: a bump left pending in the test's transaction would be the one
    a later change waits for.)"""
    with django_capture_on_commit_callbacks(execute=True):
        return [OfferingFactory() for _ in range(3)]


def entries() -> list[str]:
    return [key for key in cache._cache if "catalog:offerings:" in key]


def test_off_by_default_with_a_per_process_cache(settings):
    assert "locmem" in settings.CACHES["default"]["BACKEND"].lower()
    assert not catalog_version.enabled()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert catalog_version.enabled()
    settings.CATALOG_CACHE = False
    assert not catalog_version.enabled()


@pytest.mark.parametrize(
    "query",
    ["?page=1&page_size=20", "?page=2&page_size=2", "?page_size=2", "", "?search=Course"],
)
def test_a_hit_is_the_answer_without_the_cache_byte_for_byte(
    api, settings, offerings, query, django_assert_num_queries, django_assert_max_num_queries
):
    uncached = answer(get(api, query))
    settings.CATALOG_CACHE = True
    with django_assert_max_num_queries(3):
        miss = answer(get(api, query))
    with django_assert_num_queries(0):
        hit = answer(get(api, query))
    assert miss == uncached
    assert hit == uncached
    assert uncached[2]["Content-Type"] == "application/json"
    assert "Allow" in uncached[2]


def test_queries_on_a_miss_do_not_grow_with_the_page(api, cached, django_assert_num_queries):
    for _ in range(12):
        OfferingFactory()
    with django_assert_num_queries(2):
        get(api, "?page=1&page_size=2")
    with django_assert_num_queries(2):
        get(api, "?page=1&page_size=12")
    with django_assert_num_queries(0):
        get(api, "?page=1&page_size=12")


def test_with_the_browsable_api_only_json_is_cached(
    api, settings, offerings, django_assert_num_queries
):
    renderers = [JSONRenderer, BrowsableAPIRenderer]
    with mock.patch.object(OfferingViewSet, "renderer_classes", renderers):
        uncached = answer(get(api))
        settings.CATALOG_CACHE = True
        assert answer(get(api)) == uncached  # Vary: Accept included
        with django_assert_num_queries(0):
            assert answer(get(api)) == uncached
        assert uncached[2]["Vary"].startswith("Accept")
        page = get(api, HTTP_ACCEPT="text/html")
        assert page["Content-Type"].startswith("text/html")
        assert b"<html" in page.content
        again = get(api, HTTP_ACCEPT="text/html")
        assert b"<html" in again.content
    assert len(entries()) == 1  # the JSON one


def test_the_key_is_the_whole_request(api, cached, offerings, django_assert_num_queries):
    first = get(api, "?page=1&page_size=2")
    with django_assert_num_queries(2):
        second = get(api, "?page=2&page_size=2")
    assert second.content != first.content
    with django_assert_num_queries(2):
        other_size = get(api, "?page=1&page_size=3")
    assert other_size.content != first.content
    with django_assert_num_queries(2):  # links are absolute: another host, another entry
        other_host = get(api, "?page=1&page_size=2", HTTP_HOST="localhost")
    assert b"http://localhost/api/v1/offerings/" in other_host.content
    with django_assert_num_queries(2):
        https = get(api, "?page=1&page_size=2", secure=True)
    assert b"https://testserver/api/v1/offerings/" in https.content
    with django_assert_num_queries(2):
        indented = get(api, "?page=1&page_size=2", HTTP_ACCEPT="application/json; indent=2")
    assert indented.content != first.content
    assert indented.json() == first.json()
    with django_assert_num_queries(2):
        get(api, "?page=1&page_size=2&ordering=-updated_at")
    # The order of the names changes nothing in the answer: one entry.
    with django_assert_num_queries(0):
        assert get(api, "?page_size=2&page=1").content == first.content


def test_the_open_filter_is_not_cached(api, cached, offerings, django_assert_num_queries):
    get(api, "?open=true")
    with django_assert_num_queries(2):
        get(api, "?open=true")


def test_signed_in_staff_are_never_served_nor_stored(
    api, as_user, cached, offerings, django_assert_num_queries
):
    draft = OfferingFactory(course=offerings[0].course, status=Offering.Status.DRAFT)
    public = get(api)
    assert str(draft.public_id) not in public.content.decode()
    staff = UserFactory()
    StaffMembership.objects.create(
        user=staff, institution=draft.course.institution, role="course_manager"
    )
    theirs = get(as_user(staff))
    assert str(draft.public_id) in theirs.content.decode()
    assert get(as_user(UserFactory())).content == public.content  # a learner: computed again
    with django_assert_num_queries(0):
        assert get(api).content == public.content
    assert len(entries()) == 1
    get(as_user(staff))
    assert len(entries()) == 1


def test_partners_share_the_public_answer(
    api, as_partner, cached, offerings, django_capture_on_commit_callbacks
):
    partner = as_partner(["catalog:read"])
    public = get(api)
    assert len(entries()) == 1
    assert get(partner).content == public.content
    assert len(entries()) == 1  # the same entry
    with django_capture_on_commit_callbacks(execute=True):
        Offering.objects.filter(pk=offerings[0].pk).update(capacity=29)
    assert b'"capacity":29' in get(partner).content


# --- invalidation: each change, then the list shows it ---------------------------------------


def change_shows(api: Any, change: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """The answer before, cached; `change()` and its commit; the answer after."""
    before = get(api)
    assert get(api).content == before.content
    version = catalog_version.current()
    with django_capture_on_commit_callbacks(execute=True):
        change()
    assert catalog_version.current() != version
    after = get(api)
    assert after.content != before.content
    return after


def test_saving_an_offering_course_term_or_institution(
    api, cached, offerings, django_capture_on_commit_callbacks
):
    offering = offerings[0]

    def save_offering() -> None:
        offering.schedule_en = "Mondays"
        offering.save()

    def save_course() -> None:
        offering.course.title_en = "Renamed"
        offering.course.save()

    def save_term() -> None:
        offering.term.name_en = "Renamed term"
        offering.term.save()

    def save_institution() -> None:
        offering.course.institution.code = "RENAMED"
        offering.course.institution.save()

    hooks = django_capture_on_commit_callbacks
    assert b"Mondays" in change_shows(api, save_offering, hooks).content
    assert "Renamed" in titles(change_shows(api, save_course, hooks))
    assert b"Renamed term" in change_shows(api, save_term, hooks).content
    after = change_shows(api, save_institution, hooks)
    assert b'"institution":"RENAMED"' in after.content


def test_deleting_an_offering(api, cached, offerings, django_capture_on_commit_callbacks):
    gone = offerings[1]
    after = change_shows(api, gone.delete, django_capture_on_commit_callbacks)
    assert str(gone.public_id) not in after.content.decode()


def test_queryset_writes(api, cached, offerings, django_capture_on_commit_callbacks):
    ids = [o.pk for o in offerings]

    def update() -> None:
        Offering.objects.filter(pk=ids[0]).update(location_en="Room 101")

    def bulk_update() -> None:
        rows = list(Offering.objects.filter(pk__in=ids))
        for row in rows:
            row.location_en = "Room 202"
        Offering.objects.bulk_update(rows, ["location_en"])

    def course_update() -> None:
        Course.objects.filter(pk=offerings[0].course_id).update(is_active=False)

    def bulk_create() -> None:
        template = Offering.objects.get(pk=ids[2])
        template.pk, template.public_id, template.section = None, uuid.uuid4(), "99"
        Offering.objects.bulk_create([template])

    assert b"Room 101" in change_shows(api, update, django_capture_on_commit_callbacks).content
    assert b"Room 202" in change_shows(api, bulk_update, django_capture_on_commit_callbacks).content
    assert change_shows(api, course_update, django_capture_on_commit_callbacks).json()["count"] == 2
    assert change_shows(api, bulk_create, django_capture_on_commit_callbacks).json()["count"] == 3


def test_an_update_of_no_row_changes_nothing(cached, offerings, django_capture_on_commit_callbacks):
    version = catalog_version.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Offering.objects.filter(pk=-1).update(capacity=1)
    assert callbacks == []
    assert catalog_version.current() == version


def test_enrollments_capacity_and_cancelling(
    api, cached, offerings, django_capture_on_commit_callbacks
):
    offering = offerings[0]
    learner = UserFactory()
    manager = UserFactory()
    StaffMembership.objects.create(
        user=manager, institution=offering.course.institution, role="course_manager"
    )

    def seats(response: Any) -> dict[str, Any]:
        row = next(r for r in response.json()["results"] if r["id"] == str(offering.public_id))
        return {k: row[k] for k in ("status", "capacity", "seats_taken", "seats_left")}

    def enroll() -> None:
        services.enrollment_create(learner=learner, offering=offering, actor=learner)

    def capacity() -> None:
        services.offering_change_capacity(offering=offering, capacity=12, actor=manager)

    def cancel() -> None:
        services.offering_cancel(offering=offering, actor=manager)

    after = change_shows(api, enroll, django_capture_on_commit_callbacks)
    assert seats(after) == {
        "status": "published",
        "capacity": 30,
        "seats_taken": 1,
        "seats_left": 29,
    }
    after = change_shows(api, capacity, django_capture_on_commit_callbacks)
    assert seats(after)["capacity"] == 12
    after = change_shows(api, cancel, django_capture_on_commit_callbacks)
    assert seats(after)["status"] == "cancelled"


def test_one_new_version_per_transaction(cached, offerings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for offering in offerings:
            offering.save()
        Offering.objects.update(capacity=20)
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_the_version_changes_on_commit_and_not_on_rollback(api, cached, django_assert_num_queries):
    offering = OfferingFactory()
    before = get(api)
    version = catalog_version.current()
    with transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(capacity=7)
        transaction.set_rollback(True)
    assert catalog_version.current() == version
    with django_assert_num_queries(0):
        assert get(api).content == before.content
    with transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(capacity=8)
        with transaction.atomic():  # a savepoint rolled back leaves the outer change's callback
            Offering.objects.filter(pk=offering.pk).update(capacity=9)
            transaction.set_rollback(True)
        assert catalog_version.current() == version  # not before the commit
    assert catalog_version.current() != version
    assert b'"capacity":8' in get(api).content


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_does_not_swallow_a_later_change(api, cached):
    offering = OfferingFactory()
    get(api)
    version = catalog_version.current()
    with transaction.atomic():
        with transaction.atomic():
            Offering.objects.filter(pk=offering.pk).update(capacity=9)
            transaction.set_rollback(True)
        Offering.objects.filter(pk=offering.pk).update(capacity=11)
    assert catalog_version.current() != version
    assert b'"capacity":11' in get(api).content


# --- how long an entry lives ------------------------------------------------------------------


def stored_timeout(api: Any, query: str = "") -> Any:
    with mock.patch.object(list_cache.cache, "set", wraps=list_cache.cache.set) as spy:
        get(api, query)
    timeouts = [c.args[2] for c in spy.call_args_list if "catalog:offerings:" in c.args[0]]
    assert len(timeouts) <= 1
    return timeouts[0] if timeouts else None


def test_an_entry_ends_before_the_next_opening_or_closing_on_its_page(api, cached, settings):
    now = timezone.now()
    OfferingFactory()  # opened yesterday, closes in 30 days
    assert stored_timeout(api) == settings.CATALOG_CACHE_MAX_AGE == 30
    cache.clear()
    OfferingFactory(enrollment_opens_at=now + timedelta(seconds=12))
    assert 10 <= stored_timeout(api) <= 12
    cache.clear()
    OfferingFactory(
        enrollment_opens_at=now - timedelta(days=1), enrollment_closes_at=now + timedelta(seconds=8)
    )
    assert 6 <= stored_timeout(api) <= 8
    # Only the page's own offerings count: page 1 of 1 holds the two above.
    assert 10 <= stored_timeout(api, "?page_size=1&page=1") <= 30
    cache.clear()
    OfferingFactory(enrollment_opens_at=now + timedelta(milliseconds=400))
    assert stored_timeout(api) is None  # less than a second: not kept


def test_an_entry_is_not_served_past_an_opening(api, cached, django_assert_num_queries):
    now = timezone.now()
    OfferingFactory(enrollment_opens_at=now + timedelta(seconds=5))
    assert get(api).json()["results"][0]["is_open_for_enrollment"] is False
    later = timezone.now() + timedelta(seconds=6)
    with (
        mock.patch("django.core.cache.backends.locmem.time.time", return_value=later.timestamp()),
        mock.patch("django.utils.timezone.now", return_value=later),
        django_assert_num_queries(2),
    ):
        assert get(api).json()["results"][0]["is_open_for_enrollment"] is True
