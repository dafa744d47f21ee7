"""Staff of one institution cannot see or change another's catalog by any admin path."""

import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import Course, Offering, Program
from institutions.models import StaffMembership
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def english_url(name: str, *args: Any) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def world(make_staff: Any) -> dict[str, Any]:
    """Two institutions, each with a program, a course and an offering; a manager at the first."""
    mine, theirs = InstitutionFactory(code="MINE"), InstitutionFactory(code="THEIRS")
    objects: dict[str, Any] = {"mine": mine, "theirs": theirs}
    for key, institution in (("my", mine), ("their", theirs)):
        program = ProgramFactory(institution=institution, code=f"{key.upper()}-PROG")
        course = CourseFactory(
            institution=institution, code=f"{key.upper()}101", programs=[program]
        )
        objects[f"{key}_program"] = program
        objects[f"{key}_course"] = course
        objects[f"{key}_offering"] = OfferingFactory(course=course)
        objects[f"{key}_term"] = objects[f"{key}_offering"].term
    objects["manager"] = make_staff(mine, StaffMembership.Role.COURSE_MANAGER)
    return objects


MODELS = [
    ("program", "courses_program"),
    ("course", "courses_course"),
    ("offering", "courses_offering"),
]


@pytest.mark.parametrize(("key", "admin_name"), MODELS)
def test_change_list_shows_only_own_rows(world, login, key, admin_name):
    client = login(world["manager"])
    response = client.get(reverse(f"admin:{admin_name}_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {world[f"my_{key}"].pk}


@pytest.mark.parametrize(("key", "admin_name"), MODELS)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_direct_urls_to_another_institutions_rows_show_nothing(world, login, key, admin_name, view):
    client = login(world["manager"])
    theirs = world[f"their_{key}"]
    response = client.get(reverse(f"admin:{admin_name}_{view}", args=[theirs.pk]))
    # The admin treats a row outside the user's queryset as missing: redirect, no data.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    own = client.get(reverse(f"admin:{admin_name}_{view}", args=[world[f"my_{key}"].pk]))
    assert own.status_code == 200


def test_posting_to_another_institutions_course_changes_nothing(world, login):
    client = login(world["manager"])
    theirs = world["their_course"]
    url = reverse("admin:courses_course_change", args=[theirs.pk])
    client.post(url, {"title_zh": "被改了", "code": theirs.code, "institution": world["mine"].pk})
    client.post(reverse("admin:courses_course_delete", args=[theirs.pk]), {"post": "yes"})
    theirs.refresh_from_db()
    assert theirs.title_zh != "被改了"


def test_delete_action_cannot_reach_another_institutions_rows(world, login):
    client = login(world["manager"])
    response = client.post(
        reverse("admin:courses_program_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [world["their_program"].pk],
            "post": "yes",
        },
    )
    assert response.status_code in (200, 302)
    assert Program.objects.filter(pk=world["their_program"].pk).exists()


def test_foreign_key_choices_are_own_institution_only(world, login):
    client = login(world["manager"])
    form = client.get(reverse("admin:courses_offering_add")).context["adminform"].form
    assert set(form.fields["course"].queryset) == {world["my_course"]}
    assert set(form.fields["term"].queryset) == {world["my_term"]}
    course_form = client.get(reverse("admin:courses_course_add")).context["adminform"].form
    assert set(course_form.fields["institution"].queryset) == {world["mine"]}
    assert set(course_form.fields["programs"].queryset) == {world["my_program"]}


def test_cannot_create_rows_under_another_institution(world, login):
    client = login(world["manager"])
    response = client.post(
        reverse("admin:courses_program_add"),
        {"institution": world["theirs"].pk, "code": "SNEAKY", "name_zh": "潜入", "kind": "minor"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["institution"]
    assert not Program.objects.filter(code="SNEAKY").exists()

    offering_count = Offering.objects.count()
    response = client.post(
        reverse("admin:courses_offering_add"),
        {"course": world["their_course"].pk, "term": world["their_term"].pk, "section": "09"},
    )
    errors = response.context["adminform"].form.errors
    assert "course" in errors
    assert "term" in errors
    assert Offering.objects.count() == offering_count


def test_own_course_with_a_foreign_term_is_refused(world, login, make_staff):
    # Even a user who manages both institutions cannot mix one's course with the other's term.
    both = make_staff(world["mine"])
    StaffMembership.objects.create(user=both, institution=world["theirs"], role="course_manager")
    client = login(both)
    response = client.post(
        english_url("admin:courses_offering_add"),
        offering_post(course=world["my_course"], term=world["their_term"]),
    )
    assert response.context["adminform"].form.errors["term"] == [
        "Choose a term of the course's own institution."
    ]
    assert not Offering.objects.filter(section="77").exists()


def offering_post(**fields: Any) -> dict[str, Any]:
    data = {
        "course": fields["course"].pk,
        "term": fields["term"].pk,
        "section": "77",
        "status": "draft",
        "starts_on": "2027-03-02",
        "ends_on": "2027-06-20",
        "delivery_mode": "online",
        "capacity": "40",
        "waitlist_capacity": "5",
        "enrollment_opens_at_0": "2027-01-10",
        "enrollment_opens_at_1": "10:00:00",
        "enrollment_closes_at_0": "2027-02-20",
        "enrollment_closes_at_1": "18:00:00",
        "drop_deadline_0": "2027-03-15",
        "drop_deadline_1": "18:00:00",
        "open_to_students": "on",
        "open_to_other_institutions": "on",
        "offer_claim_hours": "48",
    }
    return data


def test_manager_can_add_an_offering_for_own_course(world, login):
    client = login(world["manager"])
    response = client.post(
        reverse("admin:courses_offering_add"),
        offering_post(course=world["my_course"], term=world["my_term"]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Offering.objects.get(section="77")
    assert created.course == world["my_course"]


@pytest.mark.parametrize(
    ("model_name", "field_name", "expected_key"),
    [
        ("offering", "course", "my_course"),
        ("offering", "term", "my_term"),
        ("prerequisite", "required_course", "my_course"),
    ],
)
def test_autocomplete_offers_only_own_rows(world, login, model_name, field_name, expected_key):
    client = login(world["manager"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "courses", "model_name": model_name, "field_name": field_name, "term": ""},
    )
    assert response.status_code == 200
    ids = {int(result["id"]) for result in json.loads(response.content)["results"]}
    assert ids == {world[expected_key].pk}


def test_instructor_sees_own_catalog_but_cannot_change_it(world, login, make_staff):
    instructor = make_staff(world["mine"], StaffMembership.Role.INSTRUCTOR)
    client = login(instructor)
    course = world["my_course"]
    response = client.get(reverse("admin:courses_course_change", args=[course.pk]))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    client.post(
        reverse("admin:courses_course_change", args=[course.pk]),
        {"title_zh": "改名", "code": course.code, "institution": course.institution.pk},
    )
    course.refresh_from_db()
    assert course.title_zh != "改名"
    assert client.get(reverse("admin:courses_course_add")).status_code == 403


def test_superuser_sees_every_institution(world, login, superuser):
    client = login(superuser)
    response = client.get(reverse("admin:courses_course_changelist"))
    assert {c.pk for c in response.context["cl"].result_list} == set(
        Course.objects.values_list("pk", flat=True)
    )


def test_users_without_a_role_cannot_enter_the_admin(login):
    learner = UserFactory()
    response = login(learner).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_institution_admin_manages_own_staff_only(world, login, make_staff):
    admin_user = make_staff(world["mine"], StaffMembership.Role.ADMIN)
    outsider = make_staff(world["theirs"])
    client = login(admin_user)
    users = client.get(reverse("admin:accounts_user_changelist")).context["cl"].result_list
    assert outsider not in list(users)
    assert world["manager"] in list(users)
    response = client.get(reverse("admin:accounts_user_change", args=[outsider.pk]))
    assert response.status_code == 302
    memberships = client.get(reverse("admin:institutions_staffmembership_changelist"))
    assert {m.institution for m in memberships.context["cl"].result_list} == {world["mine"]}
    hits = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "institutions",
            "model_name": "staffmembership",
            "field_name": "user",
            "term": "",
        },
    )
    ids = {int(r["id"]) for r in json.loads(hits.content)["results"]}
    assert outsider.pk not in ids
    assert world["manager"].pk in ids


def test_course_manager_cannot_manage_users_or_memberships(world, login):
    client = login(world["manager"])
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    response = client.get(reverse("admin:institutions_staffmembership_add"))
    assert response.status_code == 403


def test_manager_can_edit_own_institution_profile_only(world, login, make_staff):
    admin_user = make_staff(world["mine"], StaffMembership.Role.ADMIN)
    client = login(admin_user)
    theirs = client.get(reverse("admin:institutions_institution_change", args=[world["theirs"].pk]))
    assert theirs.status_code == 302
    mine = client.get(reverse("admin:institutions_institution_change", args=[world["mine"].pk]))
    assert mine.status_code == 200
    assert "code" not in mine.context["adminform"].form.fields  # read-only for non-superusers


@pytest.mark.parametrize(("prefix", "text"), [("", "站点管理"), ("/en", "Site administration")])
def test_admin_speaks_both_languages(world, login, prefix, text):
    response = login(world["manager"]).get(f"{prefix}/admin/")
    assert text in response.content.decode()


def test_terms_of_other_institutions_are_not_listed(world, login):
    client = login(world["manager"])
    response = client.get(reverse("admin:courses_term_changelist"))
    assert set(response.context["cl"].result_list) == {world["my_term"]}


def test_even_a_superuser_cannot_mix_institutions(world, login, superuser):
    client = login(superuser)
    course = world["my_course"]
    response = client.post(
        english_url("admin:courses_course_change", course.pk),
        {
            "institution": course.institution.pk,
            "code": course.code,
            "title_zh": course.title_zh,
            "credits": "2.0",
            "class_hours": "32",
            "language": "zh",
            "level": "introductory",
            "programs": [world["their_program"].pk],
            "is_active": "on",
            "prerequisite_set-TOTAL_FORMS": "0",
            "prerequisite_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["programs"] == ["Choose programs of the course's own institution."]
    assert list(course.programs.all()) == [world["my_program"]]

    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=world["theirs"], role="instructor")
    data = offering_post(course=course, term=world["my_term"])
    data["instructors"] = [outsider.pk]
    response = client.post(english_url("admin:courses_offering_add"), data)
    errors = response.context["adminform"].form.errors
    assert errors["instructors"] == ["Instructors must be staff of the course's institution."]


def test_admin_pages_have_a_language_switch(world, login):
    page = login(world["manager"]).get(reverse("admin:courses_course_changelist"))
    assert 'href="/en/admin/courses/course/"' in page.content.decode()


def test_not_found_page_is_friendly(client):
    response = client.get("/en/courses/NOPE/NOPE/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_batches_are_for_the_project_office_only(world, login, superuser):
    assert login(world["manager"]).get("/admin/enrollment/enrollmentbatch/").status_code == 403
    assert login(superuser).get("/admin/enrollment/enrollmentbatch/").status_code == 200
