"""The email of every event, in Chinese and in English: subject, the facts that matter, links,
unsubscribe headers, a stable Message-ID, and a text part free of HTML escapes.
"""

import html
import re
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from notifications import services
from notifications.channels import build_email
from notifications.messages import MESSAGES
from notifications.models import Category, Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
OFFERING = "6f1c2a9e-4b7d-4c35-9a4e-2f0d8b1e7c11"

# Characters that must reach the text part as they are and the HTML part escaped.
TRICKY_PLACE_EN = "Nan'an campus, R&D building <3>"


def enrollment_data(**extra: Any) -> dict[str, Any]:
    """What enrollment.news.message_data writes for a change, with awkward characters in it."""
    return {
        "enrollment": "0b6a3e52-3f0e-4d8b-8c43-7d7f1f0c2a10",
        "offering": OFFERING,
        "learner": "a4a1c6f2-1f6b-4f36-9a8e-5c1d2b3e4f50",
        "learner_name": "O'Brien & 王芳",
        "learner_email": "wang.fang@example.com",
        "course_code": "IE101",
        "course_title_zh": "创新创业基础",
        "course_title_en": "Foundations of Entrepreneurship",
        "institution_code": "CQJTU",
        "term_code": "2027-spring",
        "section": "01",
        "starts_on": "2027-03-02",
        "location_zh": "南岸校区 3 教 201",
        "location_en": TRICKY_PLACE_EN,
        "schedule_zh": "每周二 14:00–15:40",
        "schedule_en": "Tuesdays 14:00–15:40",
        "from_status": "",
        "status": "enrolled",
        "waitlist_position": None,
        "offer_expires_at": None,
        "hours_completed": None,
        "grade": "",
        "reason": "",
        **extra,
    }


def event_data(event: str) -> dict[str, Any]:
    deadline = "2027-02-20T02:30:00+00:00"  # 10:30 in Beijing
    if event == "enrollment.waitlisted":
        return enrollment_data(status="waitlisted", waitlist_position=3)
    if event in ("enrollment.offered", "enrollment.offer_expiring"):
        return enrollment_data(
            status="offered", from_status="waitlisted", offer_expires_at=deadline
        )
    if event == "enrollment.completed":
        return enrollment_data(status="completed", hours_completed="32.5", grade="A")
    if event in ("enrollment.rejected", "enrollment.withdrawn", "enrollment.cancelled"):
        return enrollment_data(status=event.split(".")[1], reason="Room closed for repairs")
    if event == "enrollment.expired":
        return enrollment_data(status="expired", from_status="offered")
    if event == "enrollment.promoted":
        return enrollment_data(status="enrolled", from_status="waitlisted")
    if event in ("enrollment.pending", "enrollment.pending_approval"):
        return enrollment_data(status="pending")
    if event == "offering.starts_soon":
        return {**enrollment_data(), "days_left": 3}
    if event == "offering.changed":
        return {
            "offering": OFFERING,
            "course_code": "IE101",
            "course_title_zh": "创新创业基础",
            "course_title_en": "Foundations of Entrepreneurship",
            "term_code": "2027-spring",
            "section": "01",
            "starts_on": "2027-03-09",
            "changes": {
                "starts_on": ["2027-03-02", "2027-03-09"],
                "location": [
                    {"zh": "南岸校区 3 教 201", "en": "Building 3, room 201"},
                    {"zh": "南岸校区 5 教 105", "en": "Building 5, room 105"},
                ],
                "delivery_mode": ["in_person", "hybrid"],
            },
        }
    if event == "offering.announcement":
        return {
            **enrollment_data(),
            "subject": "Room change",
            "body": "We meet in room 204.\nBring a laptop & charger.",
            "sender": "O'Brien",
        }
    if event == "digest.daily":
        return {
            "day": "2027-03-01",
            "offerings": [
                {
                    "offering": OFFERING,
                    "course_code": "IE101",
                    "course_title_zh": "创新创业基础",
                    "course_title_en": "Foundations of Entrepreneurship",
                    "term_code": "2027-spring",
                    "section": "01",
                    "counts": {"enrolled": 4, "waitlisted": 2, "left": 1},
                    "pending": 1,
                    "seats_taken": 28,
                    "capacity": 30,
                },
                {
                    "offering": "9d2f7c1b-0a3e-4f5d-8b6c-1e2d3f4a5b60",
                    "course_code": "DT201",
                    "course_title_zh": "设计思维",
                    "course_title_en": "Design Thinking",
                    "term_code": "2027-spring",
                    "section": "02",
                    "counts": {"enrolled": 0, "waitlisted": 0, "left": 2},
                    "pending": 0,
                    "seats_taken": 12,
                    "capacity": 40,
                },
            ],
        }
    return enrollment_data()


# Per event: the English subject, and what both languages must show (dates per language).
SUBJECTS = {
    "enrollment.enrolled": "Enrolled: IE101 Foundations of Entrepreneurship",
    "enrollment.approved": "Approved: IE101 Foundations of Entrepreneurship",
    "enrollment.pending": "Awaiting approval: IE101 Foundations of Entrepreneurship",
    "enrollment.rejected": "Not approved: IE101 Foundations of Entrepreneurship",
    "enrollment.waitlisted": "Waitlisted: IE101 Foundations of Entrepreneurship",
    "enrollment.offered": "A seat is yours to claim: IE101 Foundations of Entrepreneurship",
    "enrollment.offer_expiring": "Your seat offer ends soon: IE101 Foundations of Entrepreneurship",
    "enrollment.promoted": "Off the waitlist: IE101 Foundations of Entrepreneurship",
    "enrollment.dropped": "Dropped: IE101 Foundations of Entrepreneurship",
    "enrollment.withdrawn": "Withdrawn: IE101 Foundations of Entrepreneurship",
    "enrollment.completed": "Completed: IE101 Foundations of Entrepreneurship",
    "enrollment.not_completed": "Not completed: IE101 Foundations of Entrepreneurship",
    "enrollment.cancelled": "Cancelled: IE101 Foundations of Entrepreneurship",
    "enrollment.expired": "Your place has ended: IE101 Foundations of Entrepreneurship",
    "offering.changed": "Changed: IE101 Foundations of Entrepreneurship",
    "offering.starts_soon": "Starts in 3 days: IE101 Foundations of Entrepreneurship",
    "enrollment.pending_approval": (
        "To approve: O'Brien & 王芳 for IE101 Foundations of Entrepreneurship"
    ),
    "digest.daily": "Roster changes on March 1, 2027",
    "offering.announcement": "IE101 Foundations of Entrepreneurship: Room change",
}

STARTS = {"en": "March 2, 2027", "zh-hans": "2027年3月2日"}
DEADLINE = {"en": "Feb. 20, 2027, 10:30 a.m.", "zh-hans": "2027年2月20日 10:30"}


def facts(event: str, language: str) -> list[str]:
    """Text the email must carry in `language`, whatever the catalog translates."""
    english = language == "en"
    course = "IE101 Foundations of Entrepreneurship" if english else "IE101 创新创业基础"
    if event == "digest.daily":
        return ["2027-spring 01", "2027-spring 02", "28/30", "12/40"]
    found = [course, "2027-spring · 01"]
    if event == "enrollment.waitlisted":
        found.append("3")
        if english:
            found += ["Your place in line: 3", "number 3 in line"]
    if event in ("enrollment.offered", "enrollment.offer_expiring"):
        found.append(DEADLINE[language])
        if english:
            found.append(f"Accept by: {DEADLINE['en']}")
    if event == "enrollment.completed":
        found += ["32.5", "A"]
        if english:
            found += ["Learning hours: 32.5", "Grade: A"]
    if event in ("enrollment.rejected", "enrollment.withdrawn", "enrollment.cancelled"):
        found.append("Room closed for repairs")
    if event in ("enrollment.enrolled", "enrollment.approved", "enrollment.waitlisted"):
        found += [STARTS[language], TRICKY_PLACE_EN if english else "南岸校区 3 教 201"]
        found.append("Tuesdays 14:00–15:40" if english else "每周二 14:00–15:40")
    if event == "offering.starts_soon":
        found.append(STARTS[language])
    if event == "offering.changed":
        if english:
            found += [
                "Starts on: March 9, 2027 (was March 2, 2027)",
                "Place: Building 5, room 105 (was Building 3, room 201)",
                "Delivery: Hybrid (was In person)",
            ]
        else:
            found += ["2027年3月9日", "2027年3月2日", "南岸校区 5 教 105", "南岸校区 3 教 201"]
    if event == "enrollment.pending_approval":
        found.append("O'Brien & 王芳")
    if event == "offering.announcement":
        found += ["Bring a laptop & charger.", "O'Brien"]
    return found


ACTIONS = {
    "enrollment.rejected": "/courses/",
    "enrollment.dropped": "/courses/",
    "enrollment.cancelled": "/courses/",
    "enrollment.expired": "/courses/",
    "enrollment.offered": "/me/learning/#offers",
    "enrollment.offer_expiring": "/me/learning/#offers",
    "enrollment.pending_approval": f"/staff/offerings/{OFFERING}/",
    "digest.daily": "/staff/offerings/",
}

LANGUAGES = ["zh-hans", "en"]


def mail_for(event: str, language: str, data: dict[str, Any] | None = None) -> tuple[Any, Any]:
    reader = UserFactory(display_name="王芳", preferred_language=language)
    with transaction.atomic():
        [notification] = services.publish(
            event=event, recipients=[reader], data=data if data is not None else event_data(event)
        )
    delivery = Delivery.objects.select_related("notification__recipient").get(
        notification=notification, channel="email"
    )
    return delivery, build_email(delivery)


def parts(email: EmailMultiAlternatives) -> tuple[str, str]:
    [(body, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return email.body, str(body)


def test_every_event_is_covered_here() -> None:
    assert set(SUBJECTS) == set(MESSAGES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", sorted(MESSAGES))
def test_every_event_renders_in_both_languages(event: str, language: str) -> None:
    _, email = mail_for(event, language)
    text, page = parts(email)
    english = language == "en"

    # The subject: one line, the course named in the reader's language.
    assert "\n" not in email.subject
    if english:
        assert email.subject == SUBJECTS[event]
    elif event == "digest.daily":
        assert "2027年3月1日" in email.subject
    else:
        assert "IE101 创新创业基础" in email.subject
        assert "Foundations of Entrepreneurship" not in email.subject
    if not english:  # the greeting is translated already
        assert "王芳，您好：" in text
    else:
        assert text.startswith("Hello 王芳,")

    # The facts, in both parts.
    for fact in facts(event, language):
        assert fact in text, (fact, text)
        if ":" not in fact or fact.startswith("20"):  # the text part's "label: value" lines
            assert html.escape(fact) in page, (fact, page)
    if english and event != "digest.daily":
        assert "创新创业基础" not in text

    # One action, with an absolute link in the reader's language.
    path = ACTIONS.get(event, "/me/learning/")
    link = SITE + ("/en" if english else "") + path
    assert f"{link}\n" in text
    assert f'href="{html.escape(link)}"' in page
    for url in re.findall(r'href="([^"]+)"', page):
        assert url.startswith(SITE + ("/en/" if english else "/")), url
        if not english:
            assert not url.startswith(SITE + "/en/"), url

    # Only what a reader can turn off says how to turn it off.
    optional = MESSAGES[event].category != Category.TRANSACTIONAL
    assert ("List-Unsubscribe" in email.extra_headers) is optional
    assert ("List-Unsubscribe-Post" in email.extra_headers) is optional
    assert ("/unsubscribe/" in text) is optional
    assert ("/unsubscribe/" in page) is optional
    assert f"{SITE}{'/en' if english else ''}/me/notifications/" in text

    # The page says its language, and the text part is plain text.
    assert f'<html lang="{"en" if english else "zh-Hans"}">' in page
    assert not re.search(r"&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos|nbsp);", text), text
    assert "<" not in text.replace("<3>", "")
    assert email.extra_headers["X-Yuchuang-Event"] == event


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", ["offering.starts_soon", "digest.daily"])
def test_optional_messages_carry_one_click_unsubscribe(event: str, language: str) -> None:
    delivery, email = mail_for(event, language)
    text, page = parts(email)
    header = email.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://testserver(/en)?/unsubscribe/[^/\s>]+/>", header), header
    assert ("/en/unsubscribe/" in header) is (language == "en")
    url = header[1:-1]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in text
    assert f'href="{html.escape(url)}"' in page
    # The header's link works as a mail client uses it: one POST, no login, no CSRF token.
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix(SITE),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    category = MESSAGES[event].category
    user = delivery.notification.recipient
    assert not getattr(user.notification_preferences, category)


def test_transactional_messages_have_no_unsubscribe() -> None:
    _, email = mail_for("enrollment.offered", "en")
    text, page = parts(email)
    assert "List-Unsubscribe" not in email.extra_headers
    assert "List-Unsubscribe-Post" not in email.extra_headers
    assert "always sent" in text
    assert "always sent" in page


def test_message_id_is_stable_across_builds() -> None:
    delivery, first = mail_for("enrollment.offered", "en")
    again = build_email(delivery)
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert re.fullmatch(r"<[0-9a-f-]{36}\.email@[\w.-]+>", first.extra_headers["Message-ID"])
    assert str(delivery.notification.public_id) in first.extra_headers["Message-ID"]
    assert first.message()["Message-ID"] == first.extra_headers["Message-ID"]
    _, other = mail_for("enrollment.offered", "en")
    assert other.extra_headers["Message-ID"] != first.extra_headers["Message-ID"]


def test_the_digest_is_a_table() -> None:
    _, email = mail_for("digest.daily", "en")
    text, page = parts(email)
    lines = text.splitlines()
    header = "Offering | Enrolled | Waitlisted | Left | To approve | Seats taken"
    assert header in lines
    rows = lines[lines.index(header) + 1 : lines.index(header) + 3]
    assert rows == [
        "IE101 Foundations of Entrepreneurship · 2027-spring 01 | 4 | 2 | 1 | 1 | 28/30",
        "DT201 Design Thinking · 2027-spring 02 | 0 | 0 | 2 | 0 | 12/40",
    ]
    assert "2 of your offerings changed in the day to March 1, 2027." in text
    assert page.count('<th scope="col"') == 6
    assert page.count("<tr>") >= 3
    assert ">28/30</td>" in page


def test_the_offer_email_says_the_deadline_in_both_languages() -> None:
    for language, deadline in DEADLINE.items():
        _, email = mail_for("enrollment.offered", language)
        text, page = parts(email)
        assert text.count(deadline) == 2  # in the lead and as "Accept by"
        assert page.count(deadline) == 2


def test_the_changed_email_names_old_and_new() -> None:
    _, email = mail_for("offering.changed", "zh-hans")
    text, _ = parts(email)
    assert text.index("2027年3月9日") < text.index("2027年3月2日")  # new first, then what it was
    assert text.index("南岸校区 5 教 105") < text.index("南岸校区 3 教 201")


def test_html_escapes_what_the_text_keeps() -> None:
    _, email = mail_for("enrollment.pending_approval", "en")
    text, page = parts(email)
    assert "O'Brien & 王芳" in email.subject
    assert "O'Brien & 王芳" in text
    assert "O&#x27;Brien &amp; 王芳" in page
    assert "O'Brien & " not in page
    _, email = mail_for("enrollment.enrolled", "en")
    text, page = parts(email)
    assert TRICKY_PLACE_EN in text
    assert "R&amp;D building &lt;3&gt;" in page
    assert "<3>" not in page


def test_a_title_with_markup_stays_text() -> None:
    _, email = mail_for(
        "enrollment.enrolled", "en", enrollment_data(course_title_en="<b>Bold</b> & <i>x</i>")
    )
    text, page = parts(email)
    assert "IE101 <b>Bold</b> & <i>x</i>" in email.subject
    assert "<b>Bold</b>" in text
    assert "<b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;" in page


def test_an_unknown_event_still_makes_a_mail() -> None:
    _, email = mail_for("something.new", "en", {"course_code": "IE101"})
    assert email.subject == "something.new"
    assert "List-Unsubscribe" not in email.extra_headers
