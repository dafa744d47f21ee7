"""docs/api.md: its commands, run as written against a live server with the demo data, work.

The slow test runs scripts/check_api_docs.py (every ```sh block, in order, in bash, with curl)
against pytest-django's live server. The others check the guide's form and the checker itself.
"""

import importlib.util
import json
import re
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command

from demo.services import seed_demo
from enrollment.exceptions import InvalidTransition, NotAllowed, RuleViolation
from partners.exceptions import LearnerConflict
from partners.models import SCOPES

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "api.md"
VARIABLES = {
    "BASE",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TOKEN",
    "LEARNER",
    "OFFERING",
    "ENROLLMENT",
    "BATCH",
}


def load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_api_docs", ROOT / "scripts" / "check_api_docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = load_checker()


@pytest.mark.django_db(transaction=True)
def test_the_guides_commands_work_against_the_demo_server(live_server, monkeypatch):
    seed_demo()
    cache.clear()  # the token endpoint's per-address budget

    def create_client() -> tuple[str, str]:
        # The management command, in this process: the live server's database is this one.
        out = StringIO()
        call_command("create_partner_client", *checker.CLIENT_ARGS, stdout=out, stderr=StringIO())
        return checker.client_credentials_from(out.getvalue())

    monkeypatch.delenv("CLIENT_ID", raising=False)
    monkeypatch.delenv("CLIENT_SECRET", raising=False)
    report = StringIO()
    status = checker.main(["--base", live_server.url], create_client=create_client, out=report)
    assert status == 0, report.getvalue()


def test_every_shell_example_uses_curl_and_the_documented_variables():
    blocks = checker.sh_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 15
    for block in blocks:
        code = block.code
        assert "curl" in code or code.strip().startswith("export BASE="), code
        assert not re.search(r"\b(jq|python3?|wget|http|node|perl)\b ", code), code
        used = set(re.findall(r"\$\{?([A-Z_]+)", code))
        assert used <= VARIABLES, (used - VARIABLES, code)
        for status in block.expect:
            assert 400 <= status < 500, block.code


def test_example_responses_are_json():
    text = GUIDE.read_text(encoding="utf-8")
    examples = re.findall(r"^```json\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert len(examples) >= 10
    for example in examples:
        json.loads(example)


def test_the_guide_lists_every_error_code_and_scope():
    text = GUIDE.read_text(encoding="utf-8")
    codes = {
        *RuleViolation.messages,
        *InvalidTransition.messages,
        *NotAllowed.messages,
        *LearnerConflict.messages,
        "idempotency_key_reused",
        "malformed",
        "invalid",
        "not_authenticated",
        "permission_denied",
        "not_found",
        "method_not_allowed",
        "unsupported_media_type",
        "throttled",
    }
    missing = sorted(code for code in codes if f"`{code}`" not in text)
    assert not missing
    assert all(f"`{scope}`" in text for scope in SCOPES)
    assert text.startswith("# ")
    assert "中文概要" in text.split("## 1.")[0]


# The checker -----------------------------------------------------------------------------------


def run_markdown(tmp_path: Path, markdown: str) -> list[Any]:
    docs = tmp_path / "guide.md"
    docs.write_text(markdown, encoding="utf-8")
    return checker.check_docs(
        base="http://127.0.0.1:9", docs=docs, client_id="id", client_secret="secret", out=StringIO()
    )


def block(code: str, expect: str = "") -> str:
    comment = f"<!-- expect: {expect} -->\n" if expect else ""
    return f"{comment}```sh\n{code}\n```\n\nText.\n\n"


def test_the_checker_carries_exported_variables_and_reports_failures(tmp_path):
    results = run_markdown(
        tmp_path,
        block('export TOKEN="a b"; test "$BASE" = http://127.0.0.1:9')
        + "```json\n{}\n```\n"
        + block('test "$TOKEN" = "a b" && test "$CLIENT_ID:$CLIENT_SECRET" = id:secret')
        + block("false")
        + block('test -n "$TOKEN"'),
    )
    assert [r.ok for r in results] == [True, True, False, True]
    assert results[2].problems == ["exit status 1"]


def test_the_checker_judges_http_statuses(tmp_path):
    def status(code: int) -> str:  # what the checker's curl function reports
        return f"echo '@@curl {code} http://127.0.0.1:9/x' >&2"

    results = run_markdown(
        tmp_path,
        block(status(200))
        + block(status(503))
        + block(status(404))
        + block(status(404), expect="404")
        + block(status(409), expect="404")
        + block(status(200), expect="401"),
    )
    assert [r.ok for r in results] == [True, False, False, True, False, False]
    assert results[1].problems == ["HTTP 503 from http://127.0.0.1:9/x"]
    assert results[5].problems == ["expected an HTTP 401, which did not come"]


def test_the_checker_records_real_curl_calls(tmp_path):
    [result] = run_markdown(tmp_path, block('curl -s "$BASE/nowhere" || true'))
    assert result.statuses == [(0, "http://127.0.0.1:9/nowhere")]
    assert not result.ok  # nothing answered
