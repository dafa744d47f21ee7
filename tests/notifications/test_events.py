"""Every enrollment event: who hears of it, through which channel, in which language.

Tasks run eagerly: `told()` runs the commit hooks (a drain of the due email deliveries), so each
test sees the mail really sent.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from enrollment import news, services
from enrollment.models import Status
from institutions.models import StaffMembership
from notifications.models import Delivery, Notification, Preferences
from notifications.services import drainers_wake
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def told(django_capture_on_commit_callbacks: Any) -> Any:
    """Run `action` as a request would, then return [(event, recipient email, channel state)]."""

    def run(action: Any) -> Any:
        # What the test's setup published outside told() is due, its commit hooks never run: a
        # worker would have sent it by now. Sent first, so the action's drain sends only its own.
        drainers_wake(channel="email")
        before = set(Notification.objects.values_list("pk", flat=True))
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        fresh = Notification.objects.exclude(pk__in=before).select_related("recipient")
        run.result = result  # type: ignore[attr-defined]
        return sorted((n.event, n.recipient.email, _email_state(n)) for n in fresh if n.recipient)

    return run


def _email_state(notification: Notification) -> str:
    return notification.deliveries.get(channel="email").state


def mail_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def learner(**fields: Any) -> Any:
    return UserFactory(**{"preferred_language": "en", **fields})


# --- the learner's own enrollment -----------------------------------------------------------------


def test_enrolled_is_sent_by_email_in_the_learners_language(told):
    offering = OfferingFactory(location_zh="一教 101", location_en="Building 1, room 101")
    english, chinese = learner(), learner(preferred_language="zh-hans")
    assert told(
        lambda: services.enrollment_create(learner=english, offering=offering, actor=english)
    ) == [("enrollment.enrolled", english.email, "sent")]
    (message,) = mail_to(english.email)
    assert message.subject == f"Enrolled: {offering.course.code} {offering.course.title_en}"
    assert "Building 1, room 101" in message.body
    assert "http://testserver/en/me/learning/" in message.body
    html = message.alternatives[0][0]
    assert 'lang="en"' in html
    assert "Building 1, room 101" in html

    told(lambda: services.enrollment_create(learner=chinese, offering=offering, actor=chinese))
    (message,) = mail_to(chinese.email)
    assert offering.course.title_zh in message.subject
    assert "一教 101" in message.body
    assert "http://testserver/me/learning/" in message.body
    assert 'lang="zh-Hans"' in message.alternatives[0][0]


def test_waitlisted_says_the_place_in_line(told):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5)
    first, second, third = learner(), learner(), learner()
    services.enrollment_create(learner=first, offering=offering, actor=first)
    services.enrollment_create(learner=second, offering=offering, actor=second)
    assert told(
        lambda: services.enrollment_create(learner=third, offering=offering, actor=third)
    ) == [("enrollment.waitlisted", third.email, "sent")]
    (message,) = mail_to(third.email)
    assert "number 2 in line" in message.body
    assert Notification.objects.get(recipient=third).data["waitlist_position"] == 2


def test_a_drop_tells_the_leaver_and_the_one_promoted(told):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5)
    seated, waiting = learner(), learner()
    enrollment = services.enrollment_create(learner=seated, offering=offering, actor=seated)
    services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    assert told(lambda: services.enrollment_drop(enrollment=enrollment, actor=seated)) == [
        ("enrollment.dropped", seated.email, "sent"),
        ("enrollment.promoted", waiting.email, "sent"),
    ]
    assert "you are enrolled" in mail_to(waiting.email)[0].body


def test_an_offered_seat_carries_the_deadline_and_the_accept_link(told):
    offering = OfferingFactory(
        capacity=1, waitlist_capacity=5, promote_by_offer=True, offer_claim_hours=48
    )
    seated, waiting = learner(), learner()
    enrollment = services.enrollment_create(learner=seated, offering=offering, actor=seated)
    offered = services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    assert told(lambda: services.enrollment_drop(enrollment=enrollment, actor=seated)) == [
        ("enrollment.dropped", seated.email, "sent"),
        ("enrollment.offered", waiting.email, "sent"),
    ]
    offered.refresh_from_db()
    deadline = timezone.localtime(offered.offer_expires_at)
    (message,) = mail_to(waiting.email)
    assert deadline.strftime("%Y") in message.body
    assert str(deadline.day) in message.body
    assert "Accept by" in message.body
    assert "http://testserver/en/me/learning/#offers" in message.body
    # Accepting is news too: the learner is enrolled.
    assert told(lambda: services.enrollment_accept_offer(enrollment=offered, actor=waiting)) == [
        ("enrollment.enrolled", waiting.email, "sent")
    ]


def test_approval_flow_tells_learner_and_instructors(told, superuser):
    instructor = learner()
    offering = OfferingFactory(requires_approval=True)
    offering.instructors.add(instructor)
    applicant = learner(display_name="Li Lei")
    assert told(
        lambda: services.enrollment_create(learner=applicant, offering=offering, actor=applicant)
    ) == [
        ("enrollment.pending", applicant.email, "sent"),
        ("enrollment.pending_approval", instructor.email, "sent"),
    ]
    (to_staff,) = mail_to(instructor.email)
    assert to_staff.subject.startswith("To approve: Li Lei")
    assert f"/en/staff/offerings/{offering.public_id}/" in to_staff.body
    enrollment = told.result  # type: ignore[attr-defined]
    assert told(lambda: services.enrollment_approve(enrollment=enrollment, actor=superuser)) == [
        ("enrollment.approved", applicant.email, "sent")
    ]


def test_rejection_carries_the_reason(told, superuser):
    offering = OfferingFactory(requires_approval=True)
    applicant = learner()
    pending = services.enrollment_create(learner=applicant, offering=offering, actor=applicant)
    assert told(
        lambda: services.enrollment_reject(
            enrollment=pending, actor=superuser, reason="Course is for year 3 students"
        )
    ) == [("enrollment.rejected", applicant.email, "sent")]
    assert "Course is for year 3 students" in mail_to(applicant.email)[0].body


def test_withdrawal_and_completion(told, superuser):
    offering = OfferingFactory()
    a, b = learner(), learner()
    first = services.enrollment_create(learner=a, offering=offering, actor=a)
    second = services.enrollment_create(learner=b, offering=offering, actor=b)
    assert told(
        lambda: services.enrollment_withdraw(
            enrollment=first, actor=superuser, reason="left company"
        )
    ) == [("enrollment.withdrawn", a.email, "sent")]
    result = services.Result(completed=True, hours=Decimal("32.5"), grade="A")
    assert told(
        lambda: services.enrollment_complete(enrollment=second, actor=superuser, result=result)
    ) == [("enrollment.completed", b.email, "sent")]
    body = mail_to(b.email)[0].body
    assert "Learning hours: 32.5" in body
    assert "Grade: A" in body


def test_cancelling_an_offering_tells_everyone_still_in_it(told, superuser):
    offering = OfferingFactory(capacity=1, waitlist_capacity=3)
    seated, waiting, gone = learner(), learner(), learner()
    services.enrollment_create(learner=seated, offering=offering, actor=seated)
    services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    dropped = services.enrollment_create(learner=gone, offering=offering, actor=gone)
    services.enrollment_drop(enrollment=dropped, actor=gone)
    assert told(lambda: services.offering_cancel(offering=offering, actor=superuser)) == [
        ("enrollment.cancelled", seated.email, "sent"),
        ("enrollment.cancelled", waiting.email, "sent"),
    ]


def test_a_lapsed_offer_is_news(told):
    offering = OfferingFactory(capacity=1, waitlist_capacity=3, promote_by_offer=True)
    seated, waiting = learner(), learner()
    enrollment = services.enrollment_create(learner=seated, offering=offering, actor=seated)
    services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    services.enrollment_drop(enrollment=enrollment, actor=seated)
    later = timezone.now() + timedelta(days=3)
    assert told(lambda: services.expire_lapsed_offers(now=later)) == [
        ("enrollment.expired", waiting.email, "sent")
    ]
    assert "was not accepted in time" in mail_to(waiting.email)[0].body


def test_changed_dates_or_place_reach_everyone_with_a_place(told):
    offering = OfferingFactory(capacity=1, waitlist_capacity=3, location_en="Room 1")
    seated, waiting, gone = learner(), learner(), learner()
    services.enrollment_create(learner=seated, offering=offering, actor=seated)
    services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    dropped = services.enrollment_create(learner=gone, offering=offering, actor=gone)
    services.enrollment_drop(enrollment=dropped, actor=gone)

    from courses.models import Offering

    def move() -> None:
        fresh = Offering.objects.get(pk=offering.pk)
        fresh.location_en = "Room 2"
        fresh.starts_on = fresh.starts_on + timedelta(days=7)
        fresh.save()

    assert told(move) == [
        ("offering.changed", seated.email, "sent"),
        ("offering.changed", waiting.email, "sent"),
    ]
    body = mail_to(seated.email)[0].body
    assert "Room 2 (was Room 1)" in body
    changes = Notification.objects.filter(event="offering.changed").first().data["changes"]
    assert set(changes) == {"location", "starts_on"}

    def rename() -> None:  # a change nobody plans around is no news
        fresh = Offering.objects.get(pk=offering.pk)
        fresh.capacity = 2
        fresh.save()

    assert told(rename) == []


def test_a_rolled_back_change_sends_nothing(told):
    offering = OfferingFactory()
    person = learner()

    def fails() -> None:
        with transaction.atomic():
            services.enrollment_create(learner=person, offering=offering, actor=person)
            raise RuntimeError("the request failed after the enrollment")

    with pytest.raises(RuntimeError):
        told(fails)
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    from notifications.services import publish

    with pytest.raises(transaction.TransactionManagementError):
        publish(event="enrollment.enrolled", recipients=[learner()], data={})


# --- preferences and quiet hours ----------------------------------------------------------------


def test_turned_off_categories_skip_mail_but_transactional_always_goes(told):
    person = learner()
    Preferences.objects.create(user=person, reminders=False, digests=False, announcements=False)
    with mock.patch("django.utils.timezone.now", return_value=_shanghai(2026, 11, 30, 9)):
        offering = OfferingFactory(starts_on=date(2026, 12, 3))
        assert told(
            lambda: services.enrollment_create(learner=person, offering=offering, actor=person)
        ) == [("enrollment.enrolled", person.email, "sent")]
    with mock.patch("django.utils.timezone.now", return_value=_shanghai(2026, 11, 30, 10)):
        assert told(lambda: news.remind_starting_courses(today=timezone.localdate())) == [
            ("offering.starts_soon", person.email, "skipped")
        ]
    assert mail.outbox == []
    assert Notification.objects.filter(event="offering.starts_soon").count() == 1  # in the inbox


def _shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_reminders_written_at_night_wait_for_the_morning(told):
    person = learner()
    # Fixed times: the reminder is for a course three days after the night it is written.
    with mock.patch("django.utils.timezone.now", return_value=_shanghai(2026, 11, 29, 12)):
        offering = OfferingFactory(starts_on=date(2026, 12, 2))
        told(lambda: services.enrollment_create(learner=person, offering=offering, actor=person))
    night = _shanghai(2026, 11, 29, 23, 30)
    with mock.patch("django.utils.timezone.now", return_value=night):
        assert told(lambda: news.remind_starting_courses(today=night.date())) == [
            ("offering.starts_soon", person.email, "pending")
        ]
    held = Delivery.objects.get(notification__event="offering.starts_soon")
    assert held.next_attempt_at == _shanghai(2026, 11, 30, 8, 0)
    assert held.queued_at is None
    # A transactional message at the same hour goes at once.
    with mock.patch("django.utils.timezone.now", return_value=night):
        other = OfferingFactory()
        assert told(
            lambda: services.enrollment_create(learner=person, offering=other, actor=person)
        ) == [("enrollment.enrolled", person.email, "sent")]
    # The morning's sweep sends the held reminder.
    from notifications.services import deliveries_sweep

    mail.outbox.clear()
    with mock.patch("django.utils.timezone.now", return_value=_shanghai(2026, 11, 30, 8, 1)):
        assert deliveries_sweep() == 1
    held.refresh_from_db()
    assert held.state == "sent"
    (message,) = mail.outbox
    assert message.subject.startswith("Starts in 3 days")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# --- scheduled jobs: each safe to run twice or late -----------------------------------------------


def test_course_reminders_three_days_and_one_day_before_each_once(told):
    person = learner()
    starts = timezone.localdate() + timedelta(days=7)
    offering = OfferingFactory(starts_on=starts)
    services.enrollment_create(learner=person, offering=offering, actor=person)
    noon = datetime.combine(starts - timedelta(days=3), time(12), tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=noon):
        assert len(told(lambda: news.remind_starting_courses(today=starts - timedelta(3)))) == 1
        assert told(lambda: news.remind_starting_courses(today=starts - timedelta(3))) == []
        assert told(lambda: news.remind_starting_courses(today=starts - timedelta(2))) == []
        assert len(told(lambda: news.remind_starting_courses(today=starts - timedelta(1)))) == 1
        assert told(lambda: news.remind_starting_courses(today=starts - timedelta(1))) == []
        assert told(lambda: news.remind_starting_courses(today=starts)) == []
    days = sorted(
        n.data["days_left"] for n in Notification.objects.filter(event="offering.starts_soon")
    )
    assert days == [1, 3]


def test_a_late_reminder_run_still_sends_the_one_that_fits():
    person = learner()
    starts = timezone.localdate() + timedelta(days=7)
    offering = OfferingFactory(starts_on=starts)
    services.enrollment_create(learner=person, offering=offering, actor=person)
    # The 3-day run never happened; two days before, the "3-day" reminder goes with 2 days left.
    assert news.remind_starting_courses(today=starts - timedelta(2)) == 1
    assert Notification.objects.get(event="offering.starts_soon").data["days_left"] == 2


def test_offer_expiry_warning_once_per_offer(told):
    offering = OfferingFactory(
        capacity=1, waitlist_capacity=3, promote_by_offer=True, offer_claim_hours=48
    )
    seated, waiting = learner(), learner()
    enrollment = services.enrollment_create(learner=seated, offering=offering, actor=seated)
    offered = services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    services.enrollment_drop(enrollment=enrollment, actor=seated)
    offered.refresh_from_db()
    assert told(lambda: news.warn_expiring_offers()) == []  # 48 hours left
    soon = offered.offer_expires_at - timedelta(hours=11)
    with mock.patch("django.utils.timezone.now", return_value=soon):
        assert told(lambda: news.warn_expiring_offers()) == [
            ("enrollment.offer_expiring", waiting.email, "sent")
        ]
        assert "Accept by" in mail_to(waiting.email)[0].body
        assert told(lambda: news.warn_expiring_offers()) == []


def test_short_offers_get_no_separate_warning():
    offering = OfferingFactory(
        capacity=1, waitlist_capacity=3, promote_by_offer=True, offer_claim_hours=12
    )
    seated, waiting = learner(), learner()
    enrollment = services.enrollment_create(learner=seated, offering=offering, actor=seated)
    services.enrollment_create(learner=waiting, offering=offering, actor=waiting)
    services.enrollment_drop(enrollment=enrollment, actor=seated)
    assert news.warn_expiring_offers() == 0


def test_daily_digest_per_staff_member_once_a_day(told):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5)
    institution = offering.course.institution
    other_offering = OfferingFactory()
    manager, instructor, outsider = learner(), learner(), learner()
    StaffMembership.objects.create(user=manager, institution=institution, role="course_manager")
    StaffMembership.objects.create(
        user=outsider, institution=other_offering.course.institution, role="course_manager"
    )
    offering.instructors.add(instructor)
    a, b, c = learner(), learner(), learner()
    first = services.enrollment_create(learner=a, offering=offering, actor=a)
    services.enrollment_create(learner=b, offering=offering, actor=b)
    services.enrollment_create(learner=c, offering=offering, actor=c)
    services.enrollment_drop(enrollment=first, actor=a)
    morning = timezone.now() + timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=morning):
        sent = told(lambda: news.send_daily_digests(now=morning))
        state = "pending" if _quiet(morning) else "sent"
        assert sorted(sent) == sorted(
            [
                ("digest.daily", instructor.email, state),
                ("digest.daily", manager.email, state),
            ]
        )
        assert told(lambda: news.send_daily_digests(now=morning)) == []
    digest = Notification.objects.get(event="digest.daily", recipient=manager)
    (row,) = digest.data["offerings"]
    # a enrolled; b and c waitlisted; a left and b was promoted into the seat.
    assert row["counts"] == {"enrolled": 2, "waitlisted": 2, "left": 1}
    assert (row["seats_taken"], row["capacity"]) == (1, 1)


def _quiet(moment: datetime) -> bool:
    hour = timezone.localtime(moment).hour
    return hour >= 22 or hour < 8


def test_no_changes_no_digest():
    assert news.send_daily_digests() == 0


# --- bounded queries -----------------------------------------------------------------------------


def test_enrolling_a_partners_learner_with_an_endpoint_stays_bounded(django_assert_max_num_queries):
    from partners.models import PartnerLearner, WebhookEndpoint
    from partners.services import partner_organisation_create

    partner = partner_organisation_create(code="HR", name_zh="人事", contact_email="hr@example.com")
    WebhookEndpoint.objects.create(
        organisation=partner,
        url="http://127.0.0.1:9/hook",
        event_types=["enrollment.created"],
        secret="s",
    )
    offering = OfferingFactory()
    people = [learner() for _ in range(3)]
    for person in people:
        PartnerLearner.objects.create(organisation=partner, user=person, external_id=person.email)
    services.enrollment_create(learner=people[0], offering=offering, actor=people[0])
    # the learner's message and delivery, the partner's event and its delivery: 4 more than bare
    with django_assert_max_num_queries(17):
        services.enrollment_create(learner=people[1], offering=offering, actor=people[1])
    assert (
        services.enrollment_create(learner=people[2], offering=offering, actor=people[2]).status
        == Status.ENROLLED
    )


# --- announcements from course staff --------------------------------------------------------------


def test_staff_announcements_reach_everyone_with_a_place_unless_turned_off(told, client, superuser):
    from enrollment.exceptions import NotAllowed, RuleViolation

    offering = OfferingFactory(capacity=1, waitlist_capacity=3)
    manager = learner()
    StaffMembership.objects.create(
        user=manager, institution=offering.course.institution, role="course_manager"
    )
    seated, waiting, quiet, gone = learner(), learner(), learner(), learner()
    for person in (seated, waiting, quiet):
        services.enrollment_create(learner=person, offering=offering, actor=person)
    dropped = services.enrollment_create(learner=gone, offering=offering, actor=gone)
    services.enrollment_drop(enrollment=dropped, actor=gone)
    Preferences.objects.create(user=quiet, announcements=False)
    day = _shanghai(2026, 11, 30, 10)
    with mock.patch("django.utils.timezone.now", return_value=day):
        sent = told(
            lambda: news.offering_announce(
                offering=offering,
                actor=manager,
                subject="Room change",
                body="We meet in room 204.\nBring a laptop.",
            )
        )
    assert sorted(sent) == sorted(
        [
            ("offering.announcement", seated.email, "sent"),
            ("offering.announcement", waiting.email, "sent"),
            ("offering.announcement", quiet.email, "skipped"),
        ]
    )
    (message,) = mail_to(seated.email)
    assert message.subject.endswith("Room change")
    assert "Bring a laptop." in message.body
    assert "room 204.<br>Bring a laptop." in message.alternatives[0][0]
    assert "List-Unsubscribe" in message.extra_headers
    for subject, body, code in [
        ("", "text", "announcement_empty"),
        ("   ", "text", "announcement_empty"),
        ("x" * 121, "text", "announcement_too_long"),
        ("ok", "x" * 2001, "announcement_too_long"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            news.offering_announce(offering=offering, actor=manager, subject=subject, body=body)
        assert refused.value.code == code
    with pytest.raises(NotAllowed):
        news.offering_announce(offering=offering, actor=seated, subject="Hi", body="spam")
    assert Notification.objects.filter(event="offering.announcement").count() == 3


def test_the_roster_page_sends_announcements(client, make_staff):
    offering = OfferingFactory()
    person = learner()
    services.enrollment_create(learner=person, offering=offering, actor=person)
    manager = make_staff(offering.course.institution)
    outsider = make_staff()
    url = f"/en/staff/offerings/{offering.public_id}/announce/"
    client.force_login(outsider)
    assert client.post(url, {"subject": "Hi", "body": "x"}).status_code == 404
    client.force_login(manager)
    roster = client.get(f"/en/staff/offerings/{offering.public_id}/")
    assert url in roster.content.decode()
    response = client.post(url, {"subject": "Hi", "body": "Welcome"}, follow=True)
    assert "Your message goes to 1 learner." in response.content.decode()
    response = client.post(url, {"subject": "", "body": ""}, follow=True)
    assert "Write a subject and a message." in response.content.decode()
    assert client.get(url).status_code == 405
    assert Notification.objects.filter(event="offering.announcement").count() == 1


def test_without_instructors_the_managers_hear_of_requests_to_approve(told, make_staff):
    offering = OfferingFactory(requires_approval=True)
    manager = make_staff(offering.course.institution, preferred_language="en")
    make_staff(offering.course.institution, role="instructor")  # of other offerings: not told
    make_staff()  # another institution's manager: not told
    applicant = learner()
    assert told(
        lambda: services.enrollment_create(learner=applicant, offering=offering, actor=applicant)
    ) == sorted(
        [
            ("enrollment.pending", applicant.email, "sent"),
            ("enrollment.pending_approval", manager.email, "sent"),
        ]
    )
