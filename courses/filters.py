"""The catalog's search and filters, shared by the pages (and later the API)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from institutions.bilingual import localized_field
from institutions.models import Institution

from .models import Course, Offering, Program, Term, Topic

MAX_SEARCH_TERMS = 8
MAX_QUERY_LENGTH = 100

SEARCH_FIELDS = (
    "code",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "description_zh",
    "description_en",
    "institution__name_zh",
    "institution__name_en",
    "institution__short_name_zh",
    "institution__short_name_en",
)


def search_courses(queryset: QuerySet[Course], text: str) -> QuerySet[Course]:
    """Every word must match somewhere: code, titles, summaries, descriptions, owner or topic.

    Substring matching rather than a stemmed index: Chinese has no spaces to split words on,
    and a learner typing 创业 expects 创业基础 and 大学生创新创业 alike.
    """
    for term in text[:MAX_QUERY_LENGTH].split()[:MAX_SEARCH_TERMS]:
        matches = Q()
        for field in SEARCH_FIELDS:
            matches |= Q(**{f"{field}__icontains": term})
        topic_match = Topic.objects.filter(
            Q(name_zh__icontains=term) | Q(name_en__icontains=term),
            courses=OuterRef("pk"),
        )
        queryset = queryset.filter(matches | Q(Exists(topic_match)))
    return queryset


class CatalogFilter(django_filters.FilterSet):
    """Course filters. Offering-level filters (mode, term, open now) must hold for one offering."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    institution = django_filters.ModelChoiceFilter(
        label=_("Institution"),
        empty_label=_("All"),
        queryset=Institution.objects.filter(is_active=True),
        to_field_name="code",
        field_name="institution",
    )
    program = django_filters.ModelChoiceFilter(
        label=_("Program"),
        empty_label=_("All"),
        queryset=Program.objects.filter(is_active=True).select_related("institution"),
        to_field_name="public_id",
        field_name="programs",
    )
    topic = django_filters.ModelChoiceFilter(
        label=_("Topic"),
        empty_label=_("All"),
        queryset=Topic.objects.all(),
        to_field_name="slug",
        field_name="topics",
    )
    language = django_filters.ChoiceFilter(
        label=_("Language of instruction"), choices=Course.Language.choices, empty_label=_("All")
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=Course.Level.choices, empty_label=_("All")
    )
    mode = django_filters.ChoiceFilter(
        label=_("Delivery mode"),
        choices=Offering.DeliveryMode.choices,
        empty_label=_("All"),
        method="filter_offering",
    )
    term = django_filters.ChoiceFilter(
        label=_("Term"), choices=[], empty_label=_("All"), method="filter_offering"
    )
    open = django_filters.BooleanFilter(
        label=_("Open for enrollment now"),
        method="filter_offering",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Course
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["term"].extra["choices"] = term_choices()
        fields = self.form.fields
        fields["institution"].label_from_instance = lambda i: i.display_name
        fields["program"].label_from_instance = lambda p: f"{p.name} · {p.institution.display_name}"
        fields["topic"].label_from_instance = lambda t: t.name

    def filter_search(self, queryset: QuerySet[Course], name: str, value: str) -> QuerySet[Course]:
        return search_courses(queryset, value) if value else queryset

    def filter_offering(
        self, queryset: QuerySet[Course], name: str, value: Any
    ) -> QuerySet[Course]:
        # Applied once for all offering-level filters in filter_queryset().
        return queryset

    def filter_queryset(self, queryset: QuerySet[Course]) -> QuerySet[Course]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not any(data.get(name) for name in ("open", "mode", "term")):
            return queryset
        offerings = Offering.objects.filter(course=OuterRef("pk"))
        offerings = offerings.open_for_enrollment() if data.get("open") else offerings.published()
        if data.get("mode"):
            offerings = offerings.filter(delivery_mode=data["mode"])
        if data.get("term"):
            offerings = offerings.filter(term__code=data["term"])
        queryset = queryset.filter(Exists(offerings))
        return queryset


def term_choices() -> list[tuple[str, str]]:
    """One choice per term code, named in the active language, newest first."""
    seen: dict[str, str] = {}
    for code, name in (
        Term.objects.order_by("-starts_on", "code")
        .values_list("code", localized_field("name"))
        .distinct()
    ):
        seen.setdefault(code, name or code)
    return list(seen.items())
