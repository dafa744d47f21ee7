"""Every measure, every split and the as-of behaviour against figures computed by hand.

The data set and the reasoning behind each figure are in `tests/reports/world.py`.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from reports.measures import (
    DIMENSIONS,
    MEASURES,
    Filters,
    Period,
    compute,
    compute_one,
    quarter_of,
    quarters,
)
from tests.reports.world import World, at, build_world, by_key

pytestmark = pytest.mark.django_db

Q1 = quarter_of(date(2027, 2, 1))
Q2 = quarter_of(date(2027, 5, 1))
AS_OF = at(7, 15)  # after everything
D = Decimal


@pytest.fixture
def world() -> World:
    return build_world()


def both(code: str, **kwargs: object) -> tuple[object, object]:
    q1, q2 = compute(code, periods=[Q1, Q2], as_of=kwargs.pop("as_of", AS_OF), **kwargs)  # type: ignore[arg-type]
    return q1, q2


def values(code: str, **kwargs: object) -> tuple[Decimal, Decimal]:
    q1, q2 = both(code, **kwargs)
    return q1.value, q2.value  # type: ignore[attr-defined]


def test_quarters() -> None:
    assert Period(at(1, 1).date(), at(4, 1).date()) == Q1
    assert Period(at(4, 1).date(), at(7, 1).date()) == Q2
    assert [p.start.isoformat() for p in quarters(at(11, 20).date(), 3)] == [
        "2027-10-01",
        "2028-01-01",
        "2028-04-01",
    ]
    with pytest.raises(ValueError, match="ends after"):
        Period(Q1.end, Q1.start)


def test_totals(world: World) -> None:
    assert values("enrollments") == (7, 6)
    assert values("unique_learners") == (6, 5)
    assert values("completions") == (1, 3)
    assert values("completion_rate") == (D("33.3"), D("60.0"))
    assert values("learning_hours") == (32, 62)
    assert values("waitlist_unmet") == (1, 1)
    assert values("share_of_women") == (D("60.0"), D("66.7"))
    assert values("learners_employers") == (3, 1)
    assert values("learners_other_institutions") == (3, 3)
    assert values("offerings_run") == (2, 2)
    assert values("seats_offered") == (55, 60)
    assert values("courses_launched") == (2, 2)
    assert values("programs_launched") == (1, 1)


def test_ratios_carry_their_parts(world: World) -> None:
    q1, q2 = both("completion_rate")
    assert (q1.figure.numerator, q1.figure.denominator) == (1, 3)  # E1 / E1, E3, E4
    assert (q2.figure.numerator, q2.figure.denominator) == (3, 5)  # E2 E8 E12 / + E10, E11
    q1, q2 = both("share_of_women")
    assert (q1.figure.numerator, q1.figure.denominator, q1.figure.not_stated) == (3, 5, 1)
    assert (q2.figure.numerator, q2.figure.denominator, q2.figure.not_stated) == (2, 3, 2)
    assert q1.unit == "percent"
    assert q1.period == Q1
    assert q1.as_of == AS_OF


def test_split_by_sex_keeps_not_stated(world: World) -> None:
    q1, q2 = both("enrollments", dimensions=["sex"])
    assert by_key(q1.breakdowns["sex"]) == {"female": 4, "male": 2, "": 1}
    assert by_key(q2.breakdowns["sex"]) == {"female": 3, "male": 1, "": 2}
    with translation.override("en"):
        q1, _ = both("unique_learners", dimensions=["sex"])
    assert [(b.key, b.label, b.value) for b in q1.breakdowns["sex"]] == [
        ("female", "Female", 3),
        ("male", "Male", 2),
        ("", "not stated", 1),
    ]
    q1, q2 = both("completions", dimensions=["sex"])
    assert by_key(q1.breakdowns["sex"]) == {"female": 1, "male": 0, "": 0}
    assert by_key(q2.breakdowns["sex"]) == {"female": 3, "male": 0, "": 0}
    q1, q2 = both("waitlist_unmet", dimensions=["sex"])
    assert by_key(q1.breakdowns["sex"]) == {"female": 0, "male": 0, "": 1}  # u5
    assert by_key(q2.breakdowns["sex"]) == {"female": 0, "male": 1, "": 0}  # u3


def test_split_by_learner_type(world: World) -> None:
    q1, q2 = both("enrollments", dimensions=["learner_type"])
    assert by_key(q1.breakdowns["learner_type"]) == {
        "student": 4,
        "employee": 2,
        "government": 1,
        "public": 0,
    }
    assert by_key(q2.breakdowns["learner_type"]) == {
        "student": 3,
        "employee": 2,
        "government": 0,
        "public": 1,
    }
    q1, _ = both("learners_employers", dimensions=["learner_type"])
    assert by_key(q1.breakdowns["learner_type"]) == {
        "student": 0,
        "employee": 2,
        "government": 1,
        "public": 0,
    }


def test_split_by_institution(world: World) -> None:
    a, b, c = world.a.pk, world.b.pk, world.c.pk
    q1, q2 = both("enrollments", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: 4, b: 2, c: 1}
    assert by_key(q2.breakdowns["institution"]) == {a: 3, b: 0, c: 3}
    assert [bucket.label for bucket in q1.breakdowns["institution"]] == [
        "丙开发区",
        "乙职院",
        "甲大学",
    ]
    with translation.override("en"):
        q1, _ = both("enrollments", dimensions=["institution"])
    assert [bucket.label for bucket in q1.breakdowns["institution"]] == [
        "A University",
        "B College",
        "C Zone",
    ]

    q1, q2 = both("completion_rate", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: D("33.3"), b: 0, c: 0}
    assert by_key(q2.breakdowns["institution"]) == {a: D("33.3"), b: 0, c: D("100.0")}
    _, q2 = both("learning_hours", dimensions=["institution"])
    assert by_key(q2.breakdowns["institution"]) == {a: 30, b: 0, c: 32}
    q1, _ = both("share_of_women", dimensions=["institution"])
    shares = {b.key: (b.value, b.figure.not_stated) for b in q1.breakdowns["institution"]}
    assert shares == {a: (D("50.0"), 0), b: (D("100.0"), 1), c: (D("100.0"), 0)}
    q1, _ = both("learners_employers", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: 2, b: 1, c: 0}
    q1, q2 = both("learners_other_institutions", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: 1, b: 1, c: 1}  # u3, u6, u1
    assert by_key(q2.breakdowns["institution"]) == {a: 1, b: 0, c: 2}  # u7; u1, u4
    q1, q2 = both("offerings_run", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: 1, b: 1, c: 0}
    assert by_key(q2.breakdowns["institution"]) == {a: 1, c: 1, b: 0}
    q1, q2 = both("courses_launched", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: 1, b: 1, c: 0}
    assert by_key(q2.breakdowns["institution"]) == {a: 1, b: 0, c: 1}
    q1, q2 = both("programs_launched", dimensions=["institution"])
    assert by_key(q1.breakdowns["institution"]) == {a: 1, c: 0}
    assert by_key(q2.breakdowns["institution"]) == {a: 0, c: 1}


def test_split_by_program(world: World) -> None:
    pa, pc = world.pa.pk, world.pc.pk
    q1, q2 = both("enrollments", dimensions=["program"])
    assert by_key(q1.breakdowns["program"]) == {pa: 4, pc: 1, None: 2}
    assert by_key(q2.breakdowns["program"]) == {pa: 1, pc: 3, None: 2}
    with translation.override("en"):
        q1, _ = both("enrollments", dimensions=["program"])
    assert [b.label for b in q1.breakdowns["program"]] == ["PA minor", "PC training", "no program"]
    q1, q2 = both("courses_launched", dimensions=["program"])
    assert by_key(q1.breakdowns["program"]) == {pa: 1, pc: 0, None: 1}  # CA1; CB1
    assert by_key(q2.breakdowns["program"]) == {pa: 0, pc: 1, None: 1}  # CC1; CA2


def test_split_by_term(world: World) -> None:
    q1, q2 = both("enrollments", dimensions=["term"])
    assert by_key(q1.breakdowns["term"]) == {"2027-spring": 6, "2027-summer": 1}
    assert by_key(q2.breakdowns["term"]) == {"2027-spring": 1, "2027-summer": 5}
    assert q1.breakdowns["term"][0].label == "2027-spring学期"
    q1, q2 = both("seats_offered", dimensions=["term"])
    assert by_key(q1.breakdowns["term"]) == {"2027-spring": 55, "2027-summer": 0}
    assert by_key(q2.breakdowns["term"]) == {"2027-spring": 0, "2027-summer": 60}


def test_as_of_gives_the_figures_known_then(world: World) -> None:
    # 1 July: E10's correction to "not completed" (5 July) is not known yet.
    q1, q2 = both("completions", as_of=at(7, 1, 12))
    assert (q1.value, q2.value) == (1, 4)
    assert both("completion_rate", as_of=at(7, 1, 12))[1].value == D("80.0")
    assert both("learning_hours", as_of=at(7, 1, 12))[1].value == 62  # E10 has no hours now
    # 1 June: E13 (created 15 June) and the results of late June are not there.
    assert values("enrollments", as_of=at(6, 1)) == (7, 5)
    assert values("unique_learners", as_of=at(6, 1)) == (6, 4)
    assert values("learners_other_institutions", as_of=at(6, 1)) == (3, 2)
    assert values("completions", as_of=at(6, 1)) == (1, 1)
    # 11 February noon: E1, E2 (seated), E6 (offered), E7; nothing started yet.
    assert values("enrollments", as_of=at(2, 11, 12)) == (4, 0)
    assert values("offerings_run", as_of=at(2, 11, 12)) == (0, 0)
    assert values("courses_launched", as_of=at(2, 11, 12)) == (0, 0)
    # Before any event at all.
    assert values("enrollments", as_of=at(1, 5)) == (0, 0)


def test_filters(world: World) -> None:
    only_a = Filters(institutions=frozenset({world.a.pk}))
    assert values("enrollments", filters=only_a) == (4, 3)
    assert values("offerings_run", filters=only_a) == (1, 1)
    assert values("programs_launched", filters=only_a) == (1, 0)
    training = Filters(program_kind="enterprise_training")
    assert values("enrollments", filters=training) == (1, 3)
    assert values("courses_launched", filters=training) == (0, 1)
    assert values("programs_launched", filters=training) == (0, 1)
    employees = Filters(learner_type="employee")
    assert values("enrollments", filters=employees) == (2, 2)  # E2 E6; E2 E12
    assert values("unique_learners", filters=employees) == (2, 1)
    with pytest.raises(ValueError, match="learner"):
        values("offerings_run", filters=employees)
    assert values("enrollments", filters=Filters(institutions=frozenset())) == (0, 0)


def test_one_period_and_bad_splits(world: World) -> None:
    result = compute_one("enrollments", start=Q1.start, end=Q2.end, as_of=AS_OF)
    assert result.value == 11  # every enrollment but E5 and E9, each once
    with pytest.raises(ValueError, match="cannot be split"):
        compute_one("offerings_run", start=Q1.start, end=Q1.end, dimensions=["sex"])


def test_registry_is_complete() -> None:
    assert set(MEASURES) == {
        "enrollments",
        "unique_learners",
        "completions",
        "completion_rate",
        "learning_hours",
        "programs_launched",
        "courses_launched",
        "offerings_run",
        "seats_offered",
        "waitlist_unmet",
        "share_of_women",
        "learners_employers",
        "learners_other_institutions",
    }
    splits = {code for code, d in DIMENSIONS.items() if not d.drill}
    assert splits == {"sex", "learner_type", "institution", "program", "term"}
    assert {MEASURES[code].drill_dimension for code in MEASURES} == {
        "offering",
        "course",
        "launched_program",
    }
