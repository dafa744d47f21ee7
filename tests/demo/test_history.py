"""The demo's history: past runs, learners and enrollments whose events tell a possible story."""

from collections import Counter
from datetime import date, datetime
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from courses.models import Offering
from demo.history import DEMO_ENROLLMENTS, EMAIL_DOMAIN, past_terms, seed_history
from demo.services import seed_demo
from enrollment.models import LIVE, SEAT_HOLDING, TRANSITIONS, Enrollment, EnrollmentEvent
from reports.measures import compute, quarters

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
PAST = ["2025-spring", "2025-autumn", "2026-spring"]


@pytest.fixture
def demo() -> Any:
    return seed_demo(today=TODAY)


def history_learners() -> Any:
    return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")


def test_past_terms_run_from_the_project_start() -> None:
    assert [t.code for t in past_terms(TODAY)] == ["2025-spring", "2025-autumn", "2026-spring"]
    assert [t.code for t in past_terms(date(2027, 3, 1))][-1] == "2026-autumn"
    assert past_terms(TODAY, start=date(2026, 6, 1)) == []


def test_history_is_written_once_with_the_summary(demo: Any) -> None:
    history = demo.history
    assert history.enrollments == DEMO_ENROLLMENTS
    assert history.learners == history_learners().count() == DEMO_ENROLLMENTS // 5
    assert (
        history.events
        == EnrollmentEvent.objects.filter(
            enrollment__learner__email__endswith=f"@{EMAIL_DOMAIN}"
        ).count()
    )
    assert history.terms == 7 * 3
    assert history.offerings == Offering.objects.filter(term__code__in=PAST).count() > 40
    assert (
        not Offering.objects.filter(term__code__in=PAST)
        .exclude(status__in=["archived", "cancelled"])
        .exists()
    )


def test_learners_are_varied_and_sex_needs_consent(demo: Any) -> None:
    learners = history_learners()
    assert set(learners.values_list("sex", flat=True)) == {"female", "male", ""}
    assert set(learners.values_list("learner_type", flat=True)) == set(User.LearnerType.values)
    assert not learners.filter(Q(sex="") & Q(sex_consent=True)).exists()
    assert not learners.exclude(sex="").filter(sex_consent=False).exists()
    homes = set(learners.values_list("home_institution__code", flat=True))
    assert len(homes - {None}) == 7
    assert None in homes
    # Some learners take courses of owners other than their home institution.
    assert (
        Enrollment.objects.filter(learner__in=learners, learner__home_institution__isnull=False)
        .exclude(learner__home_institution=F("offering__course__institution"))
        .exists()
    )


def test_every_enrollment_has_a_possible_story(demo: Any) -> None:
    now = timezone.now()
    events: dict[int, list[tuple[str, str, datetime]]] = {}
    for enrollment_id, before, after, at in EnrollmentEvent.objects.order_by(
        "enrollment_id", "at", "id"
    ).values_list("enrollment_id", "from_status", "to_status", "at"):
        events.setdefault(enrollment_id, []).append((before, after, at))
    paths: Counter[str] = Counter()
    for row in Enrollment.objects.values("pk", "status", "created_at", "hours_completed"):
        story = events[row["pk"]]
        previous = None
        for before, after, at in story:
            assert (before or None) == previous
            assert after in TRANSITIONS[previous]
            assert at <= now
            previous = after
        assert previous == row["status"]
        assert story[0][2] == row["created_at"]
        if row["status"] == "completed":
            assert (row["hours_completed"] or 0) > 0
        paths[" > ".join(after for _, after, _ in story)] += 1
    for path in (
        "enrolled > completed",
        "enrolled > not_completed",
        "enrolled > dropped",
        "enrolled > withdrawn",
        "pending > enrolled > completed",
        "pending > rejected",
        "waitlisted > expired",
        "waitlisted > enrolled > completed",
        "enrolled > completed > not_completed",
        "enrolled > cancelled",
        "enrolled",
    ):
        assert paths[path] > 0, path


def test_counters_match_the_live_rows(demo: Any) -> None:
    offerings = Offering.objects.annotate(
        seats=Count("enrollments", filter=Q(enrollments__status__in=sorted(SEAT_HOLDING))),
        waiting=Count("enrollments", filter=Q(enrollments__status="waitlisted")),
    )
    for offering in offerings:
        assert offering.seats_taken == offering.seats
        assert offering.waitlist_length == offering.waiting
        assert offering.seats_taken <= offering.capacity
        assert offering.waitlist_length <= offering.waitlist_capacity
    # Archived and cancelled runs hold only ended enrollments.
    assert not Enrollment.objects.filter(
        offering__status__in=["archived", "cancelled"], status__in=sorted(LIVE)
    ).exists()
    # A run past its start date has nobody left waiting for it.
    assert not Enrollment.objects.filter(
        status="waitlisted", offering__starts_on__lte=TODAY
    ).exists()


def test_every_quarter_has_learners(demo: Any) -> None:
    periods = quarters(date(2025, 1, 1), 8)
    results = compute("unique_learners", periods=periods)
    assert all(result.value > 50 for result in results)
    assert sum(r.value for r in compute("completions", periods=periods)) > 1000


def fingerprint() -> list[tuple[Any, ...]]:
    return list(
        EnrollmentEvent.objects.filter(enrollment__learner__email__endswith=f"@{EMAIL_DOMAIN}")
        .order_by("enrollment__learner__email", "enrollment__offering__course__code", "at")
        .values_list(
            "enrollment__learner__email",
            "enrollment__offering__course__code",
            "enrollment__offering__term__code",
            "to_status",
            "at",
        )
    )


def test_history_is_the_same_every_time() -> None:
    prints = []
    for _ in range(2):
        with transaction.atomic():
            seed_demo(today=TODAY)
            prints.append(fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert len(prints[0]) > DEMO_ENROLLMENTS


def test_more_history_at_any_size(demo: Any) -> None:
    """The benchmark's use: another tag adds its own learners and enrollments, once."""
    before = Enrollment.objects.count()
    more = seed_history(today=TODAY, enrollments=500, tag="t", seed=7)
    assert more.enrollments == 500
    assert Enrollment.objects.count() == before + 500
    assert seed_history(today=TODAY, enrollments=500, tag="t", seed=7).enrollments == 0
    # Enough for more sections than one per run: they are made, and stay within capacity.
    big = seed_history(today=TODAY, enrollments=6000, tag="u", seed=7)
    assert big.enrollments == 6000
    assert big.new_offerings > 0
    assert Offering.objects.filter(section="02", term__code="2025-spring").exists()
    live = Offering.objects.annotate(
        seats=Count("enrollments", filter=Q(enrollments__status__in=sorted(SEAT_HOLDING)))
    )
    for offering in live:
        assert offering.seats == offering.seats_taken <= offering.capacity
