"""Who reads results and who edits indicators, in every cell; the indicator's constraints."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import translation

from institutions.models import StaffMembership
from reports import rules
from reports.models import Indicator, IndicatorTarget, ProjectOfficeMember
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = StaffMembership.Role


@pytest.fixture
def people(make_staff: Any, superuser: Any) -> dict[str, Any]:
    mine, theirs = InstitutionFactory(), InstitutionFactory()
    office = UserFactory(is_staff=True)
    ProjectOfficeMember.objects.create(user=office)
    inactive_office = UserFactory(is_staff=True, is_active=False)
    ProjectOfficeMember.objects.create(user=inactive_office)
    return {
        "mine": mine,
        "theirs": theirs,
        "superuser": superuser,
        "office": office,
        "inactive_office": inactive_office,
        "admin": make_staff(institution=mine, role=Role.ADMIN),
        "manager": make_staff(institution=mine, role=Role.COURSE_MANAGER),
        "instructor": make_staff(institution=mine, role=Role.INSTRUCTOR),
        "learner": UserFactory(home_institution=mine),
        "anonymous": AnonymousUser(),
    }


# who: (sees all owners, sees own owner, sees the other owner, edits indicators)
CELLS = {
    "superuser": (None, True, True, True),
    "office": (None, True, True, True),
    "inactive_office": ("none", False, False, False),
    "admin": ("mine", True, False, False),
    "manager": ("mine", True, False, False),
    "instructor": ("mine", True, False, False),
    "learner": ("none", False, False, False),
    "anonymous": ("none", False, False, False),
}


@pytest.mark.parametrize("who", list(CELLS))
def test_every_cell_of_the_rules(people: dict[str, Any], who: str) -> None:
    visible, own, other, edits = CELLS[who]
    user = people[who]
    expected_visible = {
        None: None,
        "mine": frozenset({people["mine"].pk}),
        "none": frozenset(),
    }[visible]
    assert rules.visible_institutions(user) == expected_visible
    assert rules.can_view(user, people["mine"]) is own
    assert rules.can_view(user, people["mine"].pk) is own
    assert rules.can_view(user, people["theirs"]) is other
    assert rules.can_view(user) is (visible != "none")
    assert rules.can_edit_indicators(user) is edits


def test_staff_of_two_owners_see_both(make_staff: Any) -> None:
    first, second = InstitutionFactory(), InstitutionFactory()
    user = make_staff(institution=first, role=Role.INSTRUCTOR)
    StaffMembership.objects.create(user=user, institution=second, role=Role.ADMIN)
    assert rules.visible_institutions(user) == frozenset({first.pk, second.pk})


def indicator(**fields: Any) -> Indicator:
    values = {
        "code": "O1-LEARNERS",
        "name_zh": "培训学员总数",
        "name_en": "Learners trained (total)",
        "measure": "unique_learners",
        "unit": "count",
        "target": Decimal(1000),
    }
    values.update(fields)
    return Indicator(**values)


@pytest.mark.parametrize("who", ["superuser", "office"])
def test_the_office_edits_indicators_in_the_admin(
    people: dict[str, Any], login: Any, who: str
) -> None:
    client = login(people[who])
    assert client.get(reverse("admin:reports_indicator_changelist")).status_code == 200
    response = client.post(
        reverse("admin:reports_indicator_add"),
        {
            "code": "O1-WOMEN",
            "name_zh": "其中女性占比",
            "name_en": "of whom women (%)",
            "project_output": "1",
            "measure": "share_of_women",
            "unit": "percent",
            "institution": "",
            "program_kind": "",
            "learner_type": "",
            "baseline": "0",
            "target": "45",
            "target_date": "2029-12-31",
            "display_order": "2",
            "is_active": "on",
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
            "targets-0-institution": str(people["mine"].pk),
            "targets-0-baseline": "0",
            "targets-0-target": "50",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Indicator.objects.get(code="O1-WOMEN")
    assert created.targets.get().target == 50


@pytest.mark.parametrize("who", ["admin", "manager", "instructor"])
def test_institution_staff_do_not_see_indicators(
    people: dict[str, Any], login: Any, who: str
) -> None:
    item = indicator()
    item.save()
    client = login(people[who])
    assert client.get(reverse("admin:reports_indicator_changelist")).status_code == 403
    response = client.get(reverse("admin:reports_indicator_change", args=[item.pk]))
    assert response.status_code in (302, 403)
    index = client.get(reverse("admin:index"))
    assert b"reports/indicator" not in index.content


def test_only_superusers_name_the_project_office(people: dict[str, Any], login: Any) -> None:
    url = reverse("admin:reports_projectofficemember_changelist")
    assert login(people["superuser"]).get(url).status_code == 200
    assert login(people["office"]).get(url).status_code == 403


def assert_refused(obj: Model, message: str) -> None:
    """The constraint names the problem, and the database refuses the row all the same."""
    with pytest.raises(ValidationError) as caught:
        obj.validate_constraints()
    assert message in str(caught.value.messages)
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


@pytest.fixture
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("_english")
def test_indicator_constraints() -> None:
    indicator().save()
    assert_refused(indicator(code="o1-learners"), "An indicator with this code already exists.")
    assert_refused(
        indicator(code="X", project_output=4), "The project output must be 1, 2 or 3, or empty."
    )
    assert_refused(
        indicator(code="X", target=Decimal(-1)), "Baseline and target cannot be negative."
    )
    assert_refused(
        indicator(code="X", measure="share_of_women", unit="percent", target=Decimal(120)),
        "A percentage is at most 100.",
    )
    assert_refused(indicator(code="X", measure="nothing"), "Unknown measure.")
    assert_refused(indicator(code="X", learner_type="robot"), "Unknown learner type.")
    assert_refused(indicator(code="X", program_kind="degree"), "Unknown program kind.")
    assert_refused(indicator(code="X", unit="kg"), "Unknown unit.")


@pytest.mark.usefixtures("_english")
def test_indicator_filters_must_fit_the_measure() -> None:
    with pytest.raises(ValidationError, match="does not count learners"):
        indicator(measure="offerings_run", learner_type="employee").full_clean()
    with pytest.raises(ValidationError, match="counted in percent"):
        indicator(measure="completion_rate", unit="count").full_clean()


def test_indicator_filters_and_names() -> None:
    owner, other = InstitutionFactory(), InstitutionFactory()
    item = indicator(institution=owner, learner_type="employee", program_kind="minor")
    assert item.filters().institutions == frozenset({owner.pk})
    assert item.filters(frozenset({other.pk})).institutions == frozenset()
    assert item.filters().learner_type == "employee"
    assert item.filters().program_kind == "minor"
    assert indicator().filters(None).institutions is None
    assert str(item.name) == "培训学员总数"
    with translation.override("en"):
        assert str(item) == "O1-LEARNERS Learners trained (total)"


@pytest.mark.usefixtures("_english")
def test_one_target_per_owner() -> None:
    item = indicator()
    item.save()
    owner = InstitutionFactory()
    IndicatorTarget.objects.create(indicator=item, institution=owner, target=10)
    assert_refused(
        IndicatorTarget(indicator=item, institution=owner, target=5),
        "This owner already has a target for this indicator.",
    )
    assert_refused(
        IndicatorTarget(indicator=item, institution=InstitutionFactory(), target=-5),
        "Baseline and target cannot be negative.",
    )
