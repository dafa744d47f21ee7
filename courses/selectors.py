"""Reads for the catalog pages. Each returns a queryset with a bounded number of queries."""

import functools
from typing import Any, cast

from django.db import connection, models
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from config import rows
from institutions.models import Institution

from .models import Course, Offering, Program, Term
from .rules import PUBLIC_OFFERING_STATUSES, offerings_visible_on_pages


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


# --- the offering an enrollment names -------------------------------------------------------------

# What enrolling reads of an offering found by public id (the answer's fields, and what the
# service checks), per model, and the table's alias in the SQL.
_TO_ENROLL: tuple[tuple[type[models.Model], str, tuple[str, ...]], ...] = (
    (Offering, "o", ("id", "public_id", "course_id", "term_id", "section")),
    (Course, "c", ("id", "institution_id", "code", "title_zh", "title_en")),
    (Institution, "i", ("id", "code", "max_enrollments_per_term")),
    (Term, "t", ("id", "code")),
)


@functools.cache
def _to_enroll_sql(vendor: str) -> str:
    picked = ", ".join(
        rows.columns(model, alias, wanted).sql for model, alias, wanted in _TO_ENROLL
    )
    o, c, i, t = (rows.table(model) for model in (Offering, Course, Institution, Term))

    def on(model: type[models.Model], alias: str, field: str) -> str:
        return f"{alias}.{rows.column(model, field)}"

    statuses = ", ".join(["%s"] * len(PUBLIC_OFFERING_STATUSES))
    return (
        f"SELECT {picked} FROM {o} o "  # noqa: S608 (names from the models' meta)
        f"JOIN {c} c ON {on(Course, 'c', 'id')} = {on(Offering, 'o', 'course')} "
        f"JOIN {i} i ON {on(Institution, 'i', 'id')} = {on(Course, 'c', 'institution')} "
        f"JOIN {t} t ON {on(Term, 't', 'id')} = {on(Offering, 'o', 'term')} "
        f"WHERE {on(Offering, 'o', 'public_id')} = %s "
        f"AND {on(Offering, 'o', 'status')} IN ({statuses}) AND {on(Course, 'c', 'is_active')}"
    )


def public_offering_to_enroll(public_id: Any) -> Offering | None:
    """The public-catalog offering with this public id, its course, institution and term loaded
    with what enrolling reads (the rest deferred), or None. What
    Offering.objects.select_related("course__institution", "term").filter(public_id=...,
    status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True).only(<_TO_ENROLL>).first()
    gives, in SQL written once (config.rows): every enrollment of the rush names one."""
    value = Offering._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_to_enroll_sql(connection.vendor), [value, *PUBLIC_OFFERING_STATUSES])
        row = cursor.fetchone()
    if row is None:
        return None
    made, start = [], 0
    for model, alias, wanted in _TO_ENROLL:
        made.append(rows.columns(model, alias, wanted).instance(row[start : start + len(wanted)]))
        start += len(wanted)
    offering, course, institution, term = made
    Course._meta.get_field("institution").set_cached_value(course, institution)
    Offering._meta.get_field("course").set_cached_value(offering, course)
    Offering._meta.get_field("term").set_cached_value(offering, term)
    return cast(Offering, offering)
