"""Reads for the catalog pages. Each returns a queryset with a bounded number of queries."""

from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from institutions.models import Institution

from .models import Course, Offering, Program
from .rules import offerings_visible_on_pages


def public_courses() -> QuerySet[Course]:
    return Course.objects.filter(is_active=True, institution__is_active=True)


def catalog_courses() -> QuerySet[Course]:
    """Courses for the catalog list, each with its owner, topics and offering summary."""
    today = timezone.localdate()
    published = Q(offerings__status=Offering.Status.PUBLISHED)
    return (
        public_courses()
        .select_related("institution")
        .prefetch_related("topics")
        .annotate(
            published_offerings=Count("offerings", filter=published),
            next_start=Min(
                "offerings__starts_on", filter=published & Q(offerings__starts_on__gte=today)
            ),
            open_now=Exists(Offering.objects.open_for_enrollment().filter(course=OuterRef("pk"))),
        )
        .order_by("institution__code", "code")
    )


def open_courses(limit: int = 6) -> QuerySet[Course]:
    """A few courses taking enrollments now, soonest closing first, for the home page."""
    courses = catalog_courses().filter(open_now=True)  # type: ignore[misc]
    return courses.order_by("next_start", "code")[:limit]  # type: ignore[misc]


def institutions_with_counts() -> QuerySet[Institution]:
    return (
        Institution.objects.filter(is_active=True)
        .annotate(
            course_count=Count("courses", filter=Q(courses__is_active=True), distinct=True),
            program_count=Count("programs", filter=Q(programs__is_active=True), distinct=True),
        )
        .order_by("project_output", "code")
    )


def institution_for_page(*, code: str) -> Institution:
    programs = Program.objects.filter(is_active=True).prefetch_related(
        Prefetch("courses", queryset=public_courses().order_by("code"))
    )
    return get_object_or_404(
        Institution.objects.filter(is_active=True).prefetch_related(
            Prefetch("programs", queryset=programs.order_by("kind", "code"))
        ),
        code__iexact=code,
    )


def course_for_page(*, institution_code: str, code: str) -> Course:
    return get_object_or_404(
        public_courses()
        .select_related("institution")
        .prefetch_related(
            "topics",
            Prefetch("programs", queryset=Program.objects.filter(is_active=True)),
            Prefetch("prerequisites", queryset=Course.objects.select_related("institution")),
        ),
        institution__code__iexact=institution_code,
        code__iexact=code,
    )


def offerings_for_course_page(*, course: Course, user: Any) -> list[Offering]:
    """The course's offerings this user may see, current and upcoming first, then past ones."""
    return list(
        course.offerings.filter(offerings_visible_on_pages(user))
        .select_related("term")
        .prefetch_related("instructors")
        .order_by("-term__starts_on", "starts_on", "section")
    )
