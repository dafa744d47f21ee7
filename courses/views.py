from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .filters import CatalogFilter
from .rules import COURSE


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "courses/home.html",
        {
            "institutions": selectors.institutions_with_counts(),
            "open_courses": selectors.open_courses(),
        },
    )


def institution_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "courses/institution_list.html",
        {"institutions": selectors.institutions_with_counts()},
    )


def institution_detail(request: HttpRequest, code: str) -> HttpResponse:
    institution = selectors.institution_for_page(code=code)
    return render(request, "courses/institution_detail.html", {"institution": institution})


def catalog(request: HttpRequest) -> HttpResponse:
    filterset = CatalogFilter(request.GET or None, queryset=selectors.catalog_courses())
    courses = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(courses, settings.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/catalog.html",
        {
            "filter": filterset,
            "filters_active": any(
                request.GET.get(name) for name in filterset.filters if name != "q"
            ),
            "page": page,
            "courses": page.object_list,
        },
    )


def course_detail(request: HttpRequest, institution: str, code: str) -> HttpResponse:
    course = selectors.course_for_page(institution_code=institution, code=code)
    offerings = selectors.offerings_for_course_page(course=course, user=request.user)
    today = timezone.localdate()
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "offerings": offerings,
            "current_offerings": [o for o in offerings if o.ends_on >= today],
            "past_offerings": [o for o in offerings if o.ends_on < today],
            "now": timezone.now(),
            "can_edit": COURSE.can_change(request.user, course),
        },
    )
