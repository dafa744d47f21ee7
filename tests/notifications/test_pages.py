"""The inbox, message settings and the unsubscribe link, as people (and mail clients) use them."""

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services
from notifications.channels import UNSUBSCRIBE_SALT, unsubscribe_token
from notifications.models import Notification, Preferences
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INBOX = "/en/me/inbox/"
READ = "/en/me/inbox/read/"
SETTINGS = "/en/me/notifications/"


def data(**extra: Any) -> dict[str, Any]:
    return {
        "course_code": "IE101",
        "course_title_zh": "创新创业基础",
        "course_title_en": "Foundations of Entrepreneurship",
        "term_code": "2027-spring",
        "section": "01",
        "starts_on": "2027-03-02",
        "location_zh": "南岸校区 3 教 201",
        "location_en": "Nan'an campus, building 3, room 201",
        **extra,
    }


def publish(user: Any, event: str = "enrollment.enrolled", **extra: Any) -> Notification:
    with transaction.atomic():
        [notification] = services.publish(event=event, recipients=[user], data=data(**extra))
    return notification


def publish_many(user: Any, count: int, *, event: str = "enrollment.enrolled") -> list[Any]:
    """`count` notifications a minute apart, the last one newest; course codes C1, C2, ..."""
    now = timezone.now()
    rows = []
    for n in range(1, count + 1):
        row = publish(user, event, course_code=f"C{n}")
        Notification.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=count - n))
        rows.append(row)
    return rows


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def badge(client: Client, path: str = INBOX) -> int | None:
    """The unread count in the header, or None when the header shows none."""
    page = client.get(path).content.decode()
    tools = page[page.index('<div class="header-tools">') : page.index("</header>")]
    assert "inbox-link" in tools
    found = re.search(r'class="inbox-count">.*?(\d+)</span>', tools)
    return int(found.group(1)) if found else None


def codes(response: Any) -> list[str]:
    """The course codes of the listed messages, in page order."""
    return re.findall(r'<h2 class="inbox-subject"[^>]*>[^<]*?\b(C\d+)\b', response.content.decode())


# --- the inbox -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    for path in (INBOX, "/me/inbox/", SETTINGS):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url
        assert "next=" in response.url
    response = client.post(READ, {"all": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_inbox_shows_only_the_readers_own_messages_newest_first(login: Any) -> None:
    reader, other = UserFactory(), UserFactory()
    publish_many(reader, 3)
    publish(other, course_code="SECRET9", course_title_en="Someone else's course")
    response = login(reader).get(INBOX)
    assert response.status_code == 200
    assert codes(response) == ["C3", "C2", "C1"]
    page = response.content.decode()
    assert "SECRET9" not in page
    assert "Someone else" not in page


def test_an_empty_inbox_says_so(login: Any) -> None:
    page = login(UserFactory()).get(INBOX).content.decode()
    assert "No messages yet" in page
    assert 'class="inbox-count"' not in page


def test_twenty_five_messages_make_two_pages(login: Any) -> None:
    reader = UserFactory()
    publish_many(reader, 25)
    client = login(reader)
    first = client.get(INBOX)
    assert codes(first) == [f"C{n}" for n in range(25, 5, -1)]
    assert "Page 1 of 2" in first.content.decode()
    assert "?page=2" in first.content.decode()
    second = client.get(INBOX + "?page=2")
    assert codes(second) == ["C5", "C4", "C3", "C2", "C1"]
    assert "Page 2 of 2" in second.content.decode()
    # Pages that do not exist show the nearest one, never an error.
    assert codes(client.get(INBOX + "?page=9")) == codes(second)
    assert codes(client.get(INBOX + "?page=abc")) == codes(first)


def test_the_unread_filter(login: Any) -> None:
    reader = UserFactory()
    rows = publish_many(reader, 3)
    services.inbox_mark_read(user=reader, public_ids=[rows[1].public_id])
    client = login(reader)
    assert codes(client.get(INBOX)) == ["C3", "C2", "C1"]
    unread = client.get(INBOX + "?unread=1")
    assert codes(unread) == ["C3", "C1"]
    assert 'aria-current="page">Unread' in unread.content.decode()
    services.inbox_mark_read(user=reader)
    assert "No unread messages." in client.get(INBOX + "?unread=1").content.decode()


def test_unread_paging_keeps_the_filter(login: Any) -> None:
    reader = UserFactory()
    publish_many(reader, 22)
    page = login(reader).get(INBOX + "?unread=1").content.decode()
    assert "?unread=1&amp;page=2" in page


def test_the_header_count_drops_as_messages_are_read(login: Any) -> None:
    reader = UserFactory()
    rows = publish_many(reader, 3)
    client = login(reader)
    assert badge(client) == 3
    assert badge(client, "/en/courses/") == 3  # on every page, not only the inbox
    response = client.post(READ, {"id": str(rows[0].public_id)})
    assert response.status_code == 302
    assert response.url == INBOX
    assert badge(client) == 2
    assert Notification.objects.get(pk=rows[0].pk).read_at is not None
    response = client.post(READ, {"all": "1"}, follow=True)
    assert "All messages marked read." in response.content.decode()
    assert badge(client) is None
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True).exists()
    response = client.post(READ, {"all": "1"})
    assert said(response) == ["Nothing unread."]


def test_marking_someone_elses_message_does_nothing(login: Any) -> None:
    reader, other = UserFactory(), UserFactory()
    theirs = publish(other)
    publish(reader)
    client = login(reader)
    response = client.post(READ, {"id": str(theirs.public_id)})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert badge(client) == 1


@pytest.mark.parametrize("bad", ["", "nope", "12", "' OR 1=1 --", "0" * 400])
def test_bad_ids_get_a_message_not_an_error(login: Any, bad: str) -> None:
    reader = UserFactory()
    publish(reader)
    client = login(reader)
    response = client.post(READ, {"id": bad})
    assert response.status_code == 302
    assert response.url == INBOX
    assert said(response) == ["That message was not found."]
    assert badge(client) == 1


def test_an_id_nobody_has_changes_nothing(login: Any) -> None:
    reader = UserFactory()
    publish(reader)
    client = login(reader)
    response = client.post(READ, {"id": str(uuid.uuid4())})
    assert response.status_code == 302
    assert badge(client) == 1


def test_mark_read_needs_a_post(login: Any) -> None:
    assert login(UserFactory()).get(READ).status_code == 405


def test_next_follows_local_addresses(login: Any) -> None:
    reader = UserFactory()
    row = publish(reader)
    response = login(reader).post(READ, {"id": str(row.public_id), "next": "/en/me/learning/"})
    assert response.status_code == 302
    assert response.url == "/en/me/learning/"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https:/evil.example",
    ],
)
def test_next_never_leaves_the_site(login: Any, target: str) -> None:
    reader = UserFactory()
    row = publish(reader)
    response = login(reader).post(READ, {"id": str(row.public_id), "next": target})
    assert response.status_code == 302
    assert response.url == INBOX
    response = login(reader).post(READ, {"all": "1", "next": target})
    assert response.url == INBOX


def test_the_action_button_marks_read_and_goes_to_the_page(login: Any) -> None:
    reader = UserFactory()
    publish(reader)
    page = login(reader).get(INBOX).content.decode()
    assert '<input type="hidden" name="next" value="/en/me/learning/">' in page
    assert "Open My learning" in page
    chinese = login(reader).get("/me/inbox/").content.decode()
    assert '<input type="hidden" name="next" value="/me/learning/">' in chinese


def test_buttons_and_tables_say_which_message_they_belong_to(login: Any) -> None:
    reader = UserFactory()
    publish(reader)
    publish(reader, "digest.daily", day="2027-03-01", offerings=[data(counts={"enrolled": 2})])
    page = login(reader).get(INBOX).content.decode()
    subjects = set(re.findall(r'<h2 class="inbox-subject" id="(s-[0-9a-f-]+)">', page))
    described = re.findall(r'<button [^>]*aria-describedby="(s-[0-9a-f-]+)"', page)
    assert len(subjects) == 2
    assert len(described) == 4  # the action and "Mark read" of each
    assert set(described) == subjects
    region = re.search(
        r'class="table-scroll" tabindex="0" role="region" aria-labelledby="([^"]+)"', page
    )
    assert region
    assert region.group(1) in subjects


def test_english_and_chinese_inboxes(login: Any) -> None:
    reader = UserFactory()
    publish(reader)
    client = login(reader)
    english = client.get(INBOX).content.decode()
    assert '<html lang="en">' in english
    assert "Enrolled: IE101 Foundations of Entrepreneurship" in english
    assert "Nan&#x27;an campus, building 3, room 201" in english
    assert "创新创业基础" not in english
    chinese = client.get("/me/inbox/").content.decode()
    assert '<html lang="zh-Hans">' in chinese
    assert "IE101 创新创业基础" in chinese
    assert "南岸校区 3 教 201" in chinese
    assert "Foundations of Entrepreneurship" not in chinese
    assert "我的学习" in chinese  # the header, already translated
    assert 'action="/me/inbox/read/"' in chinese


def test_every_event_renders_in_the_inbox(login: Any) -> None:
    from notifications.messages import MESSAGES

    reader = UserFactory()
    for event in MESSAGES:
        publish(reader, event)
    publish(reader, "something.unknown")  # an event this version does not know still shows
    client = login(reader)
    for path in (INBOX, "/me/inbox/", INBOX + "?page=2"):
        assert client.get(path).status_code == 200


def test_the_inbox_costs_the_same_queries_for_5_or_20_messages(
    login: Any, django_assert_max_num_queries: Any
) -> None:
    reader = UserFactory()
    client = login(reader)
    publish_many(reader, 5)
    client.get(INBOX)  # warm up: session, content types
    with CaptureQueriesContext(connection) as five:
        assert client.get(INBOX).status_code == 200
    publish_many(reader, 15)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(INBOX)
    assert len(codes(response)) == 20


# --- message settings ----------------------------------------------------------------------------


def test_settings_offer_the_optional_categories_only(login: Any) -> None:
    page = login(UserFactory()).get(SETTINGS).content.decode()
    for name in ("reminders", "digests", "announcements"):
        assert f'name="{name}" id="id_{name}" checked' in page
        assert f'for="id_{name}"' in page
    assert 'name="transactional"' not in page
    assert not Preferences.objects.exists()  # looking changes nothing


def test_settings_save_the_toggles(login: Any) -> None:
    user = UserFactory()
    client = login(user)
    response = client.post(SETTINGS, {"digests": "on", "transactional": ""}, follow=True)
    assert "Your message choices are saved." in response.content.decode()
    saved = Preferences.objects.get(user=user)
    assert (saved.reminders, saved.digests, saved.announcements) == (False, True, False)
    assert saved.wants("transactional")
    page = client.get(SETTINGS).content.decode()
    assert 'name="reminders" id="id_reminders" aria' in page
    assert 'name="digests" id="id_digests" checked' in page
    client.post(SETTINGS, {"reminders": "on", "digests": "on", "announcements": "on"})
    saved.refresh_from_db()
    assert (saved.reminders, saved.digests, saved.announcements) == (True, True, True)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_settings_render_in_both_languages(login: Any, prefix: str) -> None:
    response = login(UserFactory()).get(f"{prefix}/me/notifications/")
    assert response.status_code == 200
    assert f'<html lang="{"en" if prefix else "zh-Hans"}">' in response.content.decode()


# --- unsubscribe ---------------------------------------------------------------------------------


def unsubscribe_path(token: str, prefix: str = "/en") -> str:
    return f"{prefix}/unsubscribe/{token}/"


@pytest.fixture
def reader() -> Any:
    return UserFactory(email="wang.fang@example.com")


@pytest.fixture
def mail_client() -> Client:
    """Not logged in, and checking CSRF as a real browser session would."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_link_asks_first_and_changes_nothing(
    mail_client: Client, reader: Any, prefix: str
) -> None:
    response = mail_client.get(unsubscribe_path(unsubscribe_token(reader, "reminders"), prefix))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{"en" if prefix else "zh-Hans"}">' in page
    assert "wa…@example.com" in page
    assert "wang.fang@example.com" not in page
    assert '<form method="post"' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert not Preferences.objects.exists()


def test_confirming_turns_the_category_off_without_logging_in(
    mail_client: Client, reader: Any
) -> None:
    path = unsubscribe_path(unsubscribe_token(reader, "reminders"))
    response = mail_client.post(path)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    saved = Preferences.objects.get(user=reader)
    assert (saved.reminders, saved.digests, saved.announcements) == (False, True, True)
    again = mail_client.post(path)  # a second click is harmless
    assert again.status_code == 200
    assert Preferences.objects.count() == 1


def test_one_click_post_from_a_mail_client(mail_client: Client, reader: Any) -> None:
    response = mail_client.post(
        unsubscribe_path(unsubscribe_token(reader, "digests"), ""),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    saved = Preferences.objects.get(user=reader)
    assert (saved.reminders, saved.digests, saved.announcements) == (True, False, True)


def tampered(token: str) -> list[str]:
    """The token with one character changed: at the start, in the middle and at the end."""
    variants = []
    for index in (0, len(token) // 2, len(token) - 1):
        swap = "A" if token[index] != "A" else "B"
        variants.append(token[:index] + swap + token[index + 1 :])
    return variants


def bad_tokens(reader: Any) -> list[str]:
    good = unsubscribe_token(reader, "reminders")
    return [
        *tampered(good),
        good[:-5],
        "x",
        signing.TimestampSigner(salt="other.salt").sign_object(
            {"u": str(reader.public_id), "c": "reminders"}, compress=True
        ),
        signing.dumps({"u": str(reader.public_id), "c": "reminders"}),
        unsubscribe_token(reader, "transactional"),
        unsubscribe_token(reader, "nonsense"),
        signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign_object(["not", "a", "dict"]),
        signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign_object({"u": 5, "c": "reminders"}),
        signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign_object({"c": "reminders"}),
    ]


def test_changed_or_forged_tokens_get_a_400_page(mail_client: Client, reader: Any) -> None:
    for token in bad_tokens(reader):
        for method in (mail_client.get, mail_client.post):
            response = method(unsubscribe_path(token))
            assert response.status_code == 400, token
            page = response.content.decode()
            assert "This link does not work" in page
            assert "wa…@example.com" not in page
    assert not Preferences.objects.exists()


def test_a_token_for_a_user_who_is_gone_gets_a_400(mail_client: Client) -> None:
    ghost = UserFactory.build()  # never saved: no such user
    token = unsubscribe_token(ghost, "reminders")
    assert mail_client.get(unsubscribe_path(token)).status_code == 400
    assert mail_client.post(unsubscribe_path(token)).status_code == 400
    gone = UserFactory()
    token = unsubscribe_token(gone, "reminders")
    gone.delete()
    assert mail_client.post(unsubscribe_path(token, "")).status_code == 400
    assert not Preferences.objects.exists()


def test_the_real_link_from_the_email_works(mail_client: Client, reader: Any) -> None:
    from notifications.channels import unsubscribe_url

    url = unsubscribe_url(reader, "announcements")
    assert url.startswith("http://testserver/unsubscribe/")  # a Chinese reader: no prefix
    path = url.removeprefix("http://testserver")
    assert mail_client.get(path).status_code == 200
    assert mail_client.post(path).status_code == 200
    assert not Preferences.objects.get(user=reader).announcements
