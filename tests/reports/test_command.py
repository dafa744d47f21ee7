"""manage.py quarterly_report: the files it writes for a quarter, and the arguments it refuses."""

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from tests.reports.world import World, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("project_2027", "summer")]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def summer(world: World) -> Iterator[None]:
    """Today is 15 July 2027: Q2 is over, Q3 runs."""
    with mock.patch("django.utils.timezone.now", return_value=at(7, 15)):
        yield


def run(*args: str) -> list[Path]:
    out = io.StringIO()
    call_command("quarterly_report", *args, stdout=out)
    return [Path(line) for line in out.getvalue().splitlines()]


def learners_to_date(path: Path) -> Any:
    rows = list(openpyxl.load_workbook(path)["Project-wide"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if str(row[0]).startswith("PW-LEARNERS "))
    return next(row[1] for row in rows[start:] if row[0] == "Since the project's start")


def test_writes_the_files_of_a_quarter(world: World, tmp_path: Path) -> None:
    written = run(
        "--quarter",
        "2027Q2",
        "--format",
        "both",
        "--language",
        "en",
        "--output-dir",
        str(tmp_path),
        "--as-of",
        "2027-07-15T10:00:00+08:00",
    )
    assert written == [
        tmp_path / "yuchuang-report-2027Q2-all-en.xlsx",
        tmp_path / "yuchuang-report-2027Q2-all-en.csv",
    ]
    assert learners_to_date(written[0]) == 7
    text = written[1].read_text(encoding="utf-8-sig")
    assert "PW-LEARNERS,Learners trained (total),count,total,,to_date,7," in text
    assert "2027-07-15T10:00:00+08:00" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


def test_one_file_per_owner_and_the_combined_one(world: World, tmp_path: Path) -> None:
    written = run("--quarter", "2027Q2", "--all-owners", "--output-dir", str(tmp_path / "new"))
    assert [p.name for p in written] == [
        f"yuchuang-report-2027Q2-{owner}-zh-hans.xlsx" for owner in ("A", "B", "C", "all")
    ]
    assert all(p.exists() for p in written)
    # Run again: the files are replaced whole, nothing else is left behind.
    again = run("--quarter", "2027Q2", "--all-owners", "--output-dir", str(tmp_path / "new"))
    assert again == written
    assert len(list((tmp_path / "new").iterdir())) == 4
    (owner,) = run("--quarter", "2027q2", "--owner", "a", "--output-dir", str(tmp_path))
    assert owner.name == "yuchuang-report-2027Q2-A-zh-hans.xlsx"


def test_defaults_the_last_completed_quarter_into_var_reports(world: World, tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        (written,) = run("--format", "csv")
    assert written == tmp_path / "reports" / "yuchuang-report-2027Q2-all-zh-hans.csv"
    assert "培训学员总数" in written.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "2027Q5"], "Write a quarter as 2027Q1."),
        (["--quarter", "2026Q4"], "The project's reporting starts in 2027Q1."),
        (["--quarter", "2027Q4"], "2027Q4 has not begun yet"),
        (["--owner", "NOPE"], "No active owner has the code NOPE. Choose among: A, B, C, or all."),
        (["--as-of", "yesterday"], "Write --as-of as an ISO 8601 time"),
        (["--format", "pdf"], "invalid choice: 'pdf'"),
        (["--language", "fr"], "invalid choice: 'fr'"),
        (["--owner", "A", "--all-owners"], "not allowed with argument"),
    ],
)
def test_refuses_bad_arguments(world: World, tmp_path: Path, args: list[str], message: str) -> None:
    with translation.override("en"), pytest.raises(CommandError, match=message.replace("?", ".")):
        run("--language", "en", *args, "--output-dir", str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_a_directory_it_cannot_make_is_a_command_error(world: World, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with translation.override("en"), pytest.raises(CommandError, match="Cannot create"):
        run("--quarter", "2027Q2", "--output-dir", str(blocker / "reports"))


def test_from_the_shell_a_bad_argument_is_a_message_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "quarterly_report", "--quarter", "2027Q9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1
    assert done.stderr.startswith("CommandError: ")
    assert "Traceback" not in done.stderr
