"""XLSX and CSV exports of the quarterly report, and the download page.

Figures come from the hand-computed data set in `tests/reports/world.py` (project from
2027-01-01, so the report of 2027Q2 has the quarters Q1 and Q2). Cells resting on 1 to 4 people
read "<5", percentages of nobody "–"; catalog figures are never withheld.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from unittest import mock

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from reports import exports
from reports.models import Indicator, IndicatorTarget, ProjectOfficeMember
from reports.report import parse_quarter
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, UserFactory
from tests.reports.world import S, World, at, history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project_2027")]

Q2 = parse_quarter("2027Q2")
AS_OF = at(7, 15)  # after everything
LESS = "<5"
NONE = "–"


def export(fmt: str, language: str = "en", institution: Any = None, quarter: Any = Q2) -> bytes:
    (made,) = exports.export_report(
        quarter=quarter, institution=institution, language=language, formats=[fmt], as_of=AS_OF
    )
    return made.content


def rows_of(content: bytes, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list(book[sheet].iter_rows(values_only=True))


def indicator_rows(rows: list[tuple[Any, ...]], code: str) -> list[tuple[Any, ...]]:
    """The rows of one indicator's block: from its heading to the next indicator's."""
    headings = [i for i in range(len(rows) - 1) if rows[i + 1][0] == "Code"]
    start = next(i for i in headings if str(rows[i][0]).startswith(f"{code} "))
    end = next((i for i in headings if i > start), len(rows))
    return rows[start:end]


def header(block: list[tuple[Any, ...]]) -> dict[str, Any]:
    values = {}
    for row in block[1:]:
        if row[0] is None:
            break
        values[row[0]] = row[1]
    return values


def table(block: list[tuple[Any, ...]], title: str) -> dict[str, tuple[Any, ...]]:
    """A titled table: first cell to the others, the column heads under the key "head"."""
    start = next(i for i, row in enumerate(block) if row[0] == title)
    head = block[start + 1]
    width = len([cell for cell in head if cell is not None])
    found = {"head": head[1:width]}
    for row in block[start + 2 :]:
        if row[0] is None:
            break
        found[row[0]] = row[1:width]
    return found


def test_the_workbook_has_an_about_sheet_and_one_sheet_per_output(world: World) -> None:
    content = export("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["About", "Output 1", "Output 2", "Output 3", "Project-wide"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Scope"] == "All owners"
    assert about["Quarter"] == "2027Q2 (2027-04-01 – 2027-06-30)"
    assert about["Figures as of"] == "2027-07-15 10:00:00 +0800"
    assert about["Project start"].date() == date(2027, 1, 1)
    assert "Generated at" in about
    assert "privacy" in about[LESS]
    assert "nobody" in about[NONE]
    assert book["Output 1"]["A1"].font.bold
    assert book["Output 1"].freeze_panes == "B3"
    codes = [
        row[0].split()[0]
        for row in book["Output 2"].iter_rows(values_only=True)
        if row[0] and str(row[0]).startswith("O2-")
    ]
    assert codes == ["O2-EMPLOYEES", "O2-TRAINING-RUNS"]


def test_an_indicators_block_its_splits_and_owners(world: World) -> None:
    block = indicator_rows(rows_of(export("xlsx"), "Project-wide"), "PW-LEARNERS")
    assert block[0][0] == "PW-LEARNERS Learners trained (total)"
    head = header(block)
    assert head["Code"] == "PW-LEARNERS"
    assert head["Unit"] == "count"
    assert (head["Baseline"], head["Target"]) == (0, 20000)
    assert head["Target date"].date() == date(2029, 12, 31)
    assert head["This quarter (2027Q2)"] == 5
    assert head["Since the project's start"] == 7  # u1 … u7
    assert head["Level to date"] == 7
    assert head["Progress (%)"] == 0
    assert isinstance(head["Since the project's start"], int)  # a number, not text

    sex = table(block, "By sex")
    assert sex["head"] == ("2027Q1", "2027Q2", "To date")
    # 3 women, 2 men, 2 not stated to date: every cell rests on fewer than 5 people.
    assert sex["Female"] == (LESS, LESS, LESS)
    assert sex["Male"] == (LESS, LESS, LESS)
    assert sex["not stated"] == (LESS, LESS, LESS)
    assert sex["Total"] == (6, 5, 7)
    kinds = table(block, "By learner type")
    assert kinds["Government staff"] == (LESS, 0, LESS)  # a zero rests on nobody: shown
    assert kinds["Member of the public"] == (0, LESS, LESS)
    owners = table(block, "By institution")
    assert owners["A University"] == (LESS, LESS, 6)
    terms = table(block, "By term")
    assert terms["Term 2027-spring"] == (6, LESS, 6)
    assert terms["Term 2027-summer"] == (LESS, 5, 5)
    programs = table(block, "By program")
    assert list(programs)[1:] == ["PA minor", "PC training", "no program", "Total"]

    by_owner = table(block, "By owner")
    assert by_owner["head"] == (
        "This quarter",
        "To date",
        "Owner baseline",
        "Owner target",
        "Level to date",
        "Progress (%)",
    )
    assert by_owner["A University (A)"] == (LESS, 6, None, None, 6, None)
    assert by_owner["B College (B)"] == (0, LESS, None, None, LESS, None)
    assert by_owner["C Zone (C)"] == (LESS, LESS, None, None, LESS, None)


def test_percentages_catalog_figures_and_owner_targets(world: World) -> None:
    learners = Indicator.objects.get(code="PW-LEARNERS")
    IndicatorTarget.objects.create(indicator=learners, institution=world.a, baseline=1, target=21)
    content = export("xlsx")
    wide = rows_of(content, "Project-wide")
    women = indicator_rows(wide, "PW-WOMEN")
    head = header(women)
    # u1 u2 u6 of u1 u2 u3 u4 u6: 60 % of 5 people; Q2 rests on 3 (u1 u2 u4).
    assert head["Since the project's start"] == 60
    assert head["This quarter (2027Q2)"] == LESS
    assert head["Progress (%)"] == 150
    assert head["Sex not stated (left out of the share)"] == LESS  # u5 and u7
    assert table(women, "By sex")["not stated"] == (NONE, NONE, NONE)  # a share of nobody
    rate = indicator_rows(wide, "PW-COMPLETION-RATE")
    assert header(rate)["Since the project's start"] == 50  # 4 of 8
    assert table(rate, "By institution")["B College"] == (NONE, NONE, NONE)  # E7 left before
    by_owner = table(indicator_rows(wide, "PW-LEARNERS"), "By owner")
    assert by_owner["A University (A)"] == (LESS, 6, 1, 21, 7, 30)

    seats = indicator_rows(rows_of(content, "Output 3"), "O3-SEATS")
    assert header(seats)["Since the project's start"] == 115  # offerings and seats: no people
    assert table(seats, "By institution")["B College"] == (25, 0, 25)
    courses = indicator_rows(rows_of(content, "Output 1"), "O1-COURSES")
    assert table(courses, "By institution")["A University"] == (1, 1, 2)  # small, but no people


def test_an_owners_workbook_has_its_own_indicators_and_no_owner_table(world: World) -> None:
    learners = Indicator.objects.get(code="PW-LEARNERS")
    IndicatorTarget.objects.create(indicator=learners, institution=world.a, baseline=1, target=21)
    content = export("xlsx", institution=world.a)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["About", "Output 1", "Project-wide"]  # no zones' indicators
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Scope"] == "A University (A)"
    block = indicator_rows(rows_of(content, "Project-wide"), "PW-LEARNERS")
    head = header(block)
    assert (head["Baseline"], head["Target"]) == (1, 21)
    assert (head["Since the project's start"], head["Level to date"]) == (6, 7)
    assert head["Progress (%)"] == 30
    assert not any(row[0] == "By owner" for row in block)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def pick(rows: list[dict[str, str]], **wanted: str) -> list[dict[str, str]]:
    return [row for row in rows if all(row[k] == v for k, v in wanted.items())]


def test_the_csv_is_one_tidy_table(world: World) -> None:
    rows = csv_rows(export("csv"))
    assert list(rows[0]) == exports.CSV_COLUMNS
    total = pick(rows, indicator_code="PW-LEARNERS", split="total")
    assert [(r["period"], r["value"]) for r in total] == [
        ("2027Q1", "6"),
        ("2027Q2", "5"),
        ("to_date", "7"),
    ]
    (to_date,) = pick(total, period="to_date")
    assert to_date["owner"] == "all"
    assert to_date["quarter"] == "2027Q2"
    assert to_date["as_of"] == "2027-07-15T10:00:00+08:00"
    assert to_date["output"] == ""
    assert to_date["indicator_name"] == "Learners trained (total)"
    assert to_date["unit"] == "count"
    assert (to_date["baseline"], to_date["target"]) == ("0", "20000")
    assert (to_date["level"], to_date["progress"]) == ("7", "0")
    sex = pick(rows, indicator_code="PW-LEARNERS", split="sex", period="to_date")
    assert [(r["bucket"], r["value"]) for r in sex] == [
        ("Female", LESS),
        ("Male", LESS),
        ("not stated", LESS),
    ]
    (government,) = pick(
        rows, indicator_code="PW-LEARNERS", bucket="Government staff", period="2027Q2"
    )
    assert government["value"] == "0"
    owners = pick(rows, indicator_code="PW-LEARNERS", split="owner")
    assert [(r["bucket"], r["period"], r["value"], r["level"]) for r in owners] == [
        ("A University (A)", "2027Q2", LESS, ""),
        ("A University (A)", "to_date", "6", "6"),
        ("B College (B)", "2027Q2", "0", ""),
        ("B College (B)", "to_date", LESS, LESS),
        ("C Zone (C)", "2027Q2", LESS, ""),
        ("C Zone (C)", "to_date", LESS, LESS),
    ]
    (women,) = pick(
        rows, indicator_code="PW-WOMEN", split="sex", bucket="not stated", period="to_date"
    )
    assert women["value"] == NONE
    (seats,) = pick(rows, indicator_code="O3-SEATS", split="total", period="to_date")
    assert (seats["output"], seats["value"]) == ("3", "115")
    assert not pick(rows, indicator_code="O3-SEATS", split="sex")  # offerings have no sex
    # Every (indicator, split, bucket, period) once.
    keys = [(r["indicator_code"], r["split"], r["bucket"], r["period"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_an_owners_csv(world: World) -> None:
    rows = csv_rows(export("csv", institution=world.c, language="zh-hans"))
    assert {row["owner"] for row in rows} == {"C"}
    assert not pick(rows, split="owner")
    (employees,) = pick(rows, indicator_code="O2-EMPLOYEES", split="total", period="to_date")
    assert employees["value"] == LESS  # u2 alone
    assert employees["indicator_name"] == "园区企业员工培训人数"


def test_names_people_typed_are_never_formulas(world: World) -> None:
    Indicator.objects.filter(code="PW-LEARNERS").update(name_en='=HYPERLINK("http://x.example")')
    world.a.name_en = "+A University"
    world.a.save()
    world.pa.name_en = "@SUM(A1)"
    world.pa.save()
    world.b.name_en = "-B College"
    world.b.save()
    rows = csv_rows(export("csv"))
    assert pick(rows, indicator_code="PW-LEARNERS")[0]["indicator_name"] == (
        '\'=HYPERLINK("http://x.example")'
    )
    buckets = {r["bucket"] for r in pick(rows, indicator_code="PW-LEARNERS")}
    assert {"'+A University", "'@SUM(A1)", "'-B College", "'+A University (A)"} <= buckets

    book = openpyxl.load_workbook(io.BytesIO(export("xlsx")))
    cells = [cell for row in book["Project-wide"].iter_rows() for cell in row]
    typed = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in typed} >= {'=HYPERLINK("http://x.example")', "@SUM(A1)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in typed)


def test_labels_follow_the_language_asked_for_not_the_pages(world: World) -> None:
    # The tests run in Chinese: an English export is English all the same.
    assert translation.get_language() == "zh-hans"
    block = indicator_rows(rows_of(export("xlsx", "en"), "Project-wide"), "PW-LEARNERS")
    assert "Female" in table(block, "By sex")
    assert "A University" in table(block, "By institution")
    assert translation.get_language() == "zh-hans"

    with translation.override("en"):
        content = export("xlsx", "zh-hans")
        rows = csv_rows(export("csv", "zh-hans"))
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["说明", "产出1", "产出2", "产出3", "全项目"]
    texts = {cell for row in book["全项目"].iter_rows(values_only=True) for cell in row}
    assert {"PW-LEARNERS 培训学员总数", "女", "男", "甲大学", "甲辅修", "2027-spring学期"} <= texts
    assert "Female" not in texts
    sex = pick(rows, indicator_code="PW-LEARNERS", split="sex", period="to_date")
    assert [r["bucket"] for r in sex] == ["女", "男", "未填写"]
    assert pick(rows, indicator_code="PW-LEARNERS")[0]["indicator_name"] == "培训学员总数"


def test_bad_exports_are_refused(world: World) -> None:
    with pytest.raises(exports.BadExport):
        exports.export_report(quarter=Q2, institution=None, language="fr", formats=["csv"])
    with pytest.raises(exports.BadExport):
        exports.export_report(quarter=Q2, institution=None, language="en", formats=["pdf"])
    assert exports.filename(quarter=Q2, institution=world.a, language="zh-hans", fmt="csv") == (
        "yuchuang-report-2027Q2-A-zh-hans.csv"
    )


def _more_owners(count: int) -> None:
    for _ in range(count):
        offering = OfferingFactory(
            course=CourseFactory(institution=InstitutionFactory()), starts_on=date(2027, 1, 5)
        )
        for sex in ("female", "male"):
            learner = UserFactory(sex=sex, sex_consent=True)
            history(learner, offering, (S.ENROLLED, at(1, 6)), (S.COMPLETED, at(2, 1)), hours="4")


def test_queries_do_not_grow_with_owners(world: World, django_assert_max_num_queries: Any) -> None:
    counts = []
    for added in (0, 4):  # 3 owners, then 7
        _more_owners(added)
        with CaptureQueriesContext(connection) as queries:
            exports.export_report(
                quarter=Q2, institution=None, language="en", formats=["xlsx", "csv"], as_of=AS_OF
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(64):  # those of build_report: the writers ask nothing
        content = export("xlsx")
    head = header(indicator_rows(rows_of(content, "Project-wide"), "PW-LEARNERS"))
    assert head["Since the project's start"] == 7 + 8


# --- the download ------------------------------------------------------------------------------


@pytest.fixture
def summer(world: World) -> Iterator[None]:
    """Today is 15 July 2027: Q2 is over, Q3 runs."""
    with mock.patch("django.utils.timezone.now", return_value=AS_OF):
        yield


@pytest.fixture
def office() -> Any:
    user = UserFactory(is_staff=True)
    ProjectOfficeMember.objects.create(user=user)
    return user


URL = "/reports/{owner}/export/"


@pytest.mark.usefixtures("summer")
def test_the_office_downloads_any_report(world: World, office: Any, login: Any) -> None:
    client = login(office)
    response = client.get(URL.format(owner="all"), {"quarter": "2027Q2", "lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert response["Content-Disposition"] == (
        'attachment; filename="yuchuang-report-2027Q2-all-en.xlsx"'
    )
    assert "no-store" in response["Cache-Control"]
    head = header(indicator_rows(rows_of(response.content, "Project-wide"), "PW-LEARNERS"))
    assert head["Since the project's start"] == 7

    response = client.get(URL.format(owner="b"), {"quarter": "2027q1", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # Without lang, the page's language: Chinese here, English under /en/.
    assert 'filename="yuchuang-report-2027Q1-B-zh-hans.csv"' in response["Content-Disposition"]
    rows = csv_rows(response.content)
    assert {row["owner"] for row in rows} == {"B"}
    english = client.get("/en" + URL.format(owner="B"), {"quarter": "2027Q1", "format": "csv"})
    assert 'filename="yuchuang-report-2027Q1-B-en.csv"' in english["Content-Disposition"]
    # Without a quarter: the last completed one.
    default = client.get(URL.format(owner="all"), {"format": "csv"})
    assert "2027Q2" in default["Content-Disposition"]


@pytest.mark.usefixtures("summer")
def test_staff_download_their_own_owners_only(
    world: World, make_staff: Any, superuser: Any, login: Any, client: Any
) -> None:
    staff = login(make_staff(institution=world.a))
    assert staff.get(URL.format(owner="A"), {"quarter": "2027Q2"}).status_code == 200
    assert staff.get(URL.format(owner="B"), {"quarter": "2027Q2"}).status_code == 404
    assert staff.get(URL.format(owner="all"), {"quarter": "2027Q2"}).status_code == 404
    # Not even a bad query tells them anything about another owner.
    assert staff.get(URL.format(owner="B"), {"quarter": "nonsense"}).status_code == 404
    learner = login(UserFactory(home_institution=world.a))
    assert learner.get(URL.format(owner="A"), {"quarter": "2027Q2"}).status_code == 404
    assert learner.get(URL.format(owner="all"), {"quarter": "2027Q2"}).status_code == 404
    anonymous = client.get(URL.format(owner="all"), {"quarter": "2027Q2"})
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    root = login(superuser)
    assert root.get(URL.format(owner="C"), {"quarter": "2027Q2"}).status_code == 200
    assert root.get(URL.format(owner="NOPE"), {"quarter": "2027Q2"}).status_code == 404
    assert root.post(URL.format(owner="all")).status_code == 405


@pytest.mark.usefixtures("summer")
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"quarter": "2027Q5"}, "Write a quarter as 2027Q1."),
        ({"quarter": "x" * 500}, "Write a quarter as 2027Q1."),
        ({"quarter": "1999Q1"}, "Choose a quarter between 2000 and 2100."),
        ({"quarter": "2026Q4"}, "The project's reporting starts in 2027Q1."),
        ({"quarter": "2027Q4"}, "2027Q4 has not begun yet: nothing to report."),
        ({"quarter": "2027Q2", "format": "pdf"}, "Choose the format among: xlsx, csv."),
        ({"quarter": "2027Q2", "lang": "fr"}, "Choose the language among: zh-hans, en."),
    ],
)
def test_bad_queries_are_a_clear_400(
    world: World, office: Any, login: Any, query: dict[str, str], message: str
) -> None:
    response = login(office).get("/en" + URL.format(owner="all"), query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == message


@pytest.mark.usefixtures("summer")
def test_the_download_asks_as_many_queries_for_7_owners_as_for_3(
    world: World, office: Any, login: Any
) -> None:
    client = login(office)
    counts = []
    for added in (0, 4):
        _more_owners(added)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL.format(owner="all"), {"quarter": "2027Q2", "format": "csv"})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_default_quarter() -> None:
    assert exports.default_quarter(at(7, 15)) == Q2
    assert exports.default_quarter(at(2, 1)) == parse_quarter("2027Q1")  # none completed yet
    assert exports.default_quarter(at(1, 3, year=2028)) == parse_quarter("2027Q4")
    assert exports.plain(Decimal("20000.00")) == "20000"
