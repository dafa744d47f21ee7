#!/usr/bin/env python3
"""Run every ```sh block of docs/api.md, in order, against a running server.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python scripts/check_api_docs.py \\
        [--base http://127.0.0.1:8000] [--docs docs/api.md]

First it makes a partner client with `manage.py create_partner_client` (organisation DOCS,
created if missing; the settings must point at the server's database), unless CLIENT_ID and
CLIENT_SECRET are already in the environment. Then each block runs in its own `bash` with
`set -euo pipefail`, BASE, CLIENT_ID and CLIENT_SECRET set, and the variables exported by the
blocks before it (`export TOKEN=...`), in a scratch directory.

A block fails when a command exits non-zero, or when a curl in it got an HTTP status of 500 or
more, or a 4xx the guide does not announce: a block that shows an error on purpose is preceded
by a comment such as `<!-- expect: 404 -->`. Each curl's status is recorded through a `curl`
shell function that only adds `--write-out` to stderr; a command that sets its own --write-out
must use --fail (curl -f) so that its status is still checked.

Exits 0 when every block passed, 1 otherwise, printing what each block did.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = ROOT / "docs" / "api.md"
DEFAULT_BASE = "http://127.0.0.1:8000"
BLOCK_TIMEOUT = 120  # seconds

ORGANISATION = "DOCS"
CLIENT_ARGS = [
    "--organisation",
    ORGANISATION,
    "--create-organisation",
    "--name-zh",
    "接口指南示例",
    "--name-en",
    "API guide examples",
    "--name",
    "docs check",
    "--scopes",
    "catalog:read enrollments:read enrollments:write learners:write reports:read",
]

FENCE = re.compile(
    r"(?:<!--\s*expect:\s*(?P<expect>[\d\s,]+?)\s*-->\s*\n)?^```sh[ \t]*\n(?P<code>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
STATUS = re.compile(r"^@@curl (?P<status>\d{3}) (?P<url>\S*)$", re.MULTILINE)

PRELUDE = r"""set -euo pipefail
curl() { command curl --write-out '%{stderr}\n@@curl %{http_code} %{url_effective}\n' "$@"; }
if [ -f "$STATE" ]; then source "$STATE"; fi
trap 'export -p > "$STATE"' EXIT
"""


@dataclass
class Block:
    number: int
    line: int
    code: str
    expect: set[int] = field(default_factory=set)


@dataclass
class Result:
    block: Block
    returncode: int
    stdout: str
    stderr: str
    statuses: list[tuple[int, str]]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def sh_blocks(markdown: str) -> list[Block]:
    """The ```sh blocks in order, with the statuses a preceding `<!-- expect: ... -->` allows."""
    blocks = []
    for number, match in enumerate(FENCE.finditer(markdown), start=1):
        expect = {int(s) for s in re.split(r"[\s,]+", match["expect"] or "") if s}
        line = markdown.count("\n", 0, match.start("code"))
        blocks.append(Block(number=number, line=line, code=match["code"], expect=expect))
    return blocks


def client_credentials_from(output: str) -> tuple[str, str]:
    """CLIENT_ID and CLIENT_SECRET from the output of create_partner_client."""
    values = dict(re.findall(r"^(CLIENT_ID|CLIENT_SECRET)=(\S+)$", output, re.MULTILINE))
    if set(values) != {"CLIENT_ID", "CLIENT_SECRET"}:
        raise RuntimeError(f"create_partner_client printed no credentials:\n{output}")
    return values["CLIENT_ID"], values["CLIENT_SECRET"]


def create_client_with_manage_py() -> tuple[str, str]:
    command = [sys.executable, str(ROOT / "manage.py"), "create_partner_client", *CLIENT_ARGS]
    done = subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"create_partner_client failed:\n{done.stderr}")
    return client_credentials_from(done.stdout)


def run_block(block: Block, *, env: dict[str, str], workdir: Path) -> Result:
    script = PRELUDE + block.code
    try:
        done = subprocess.run(  # noqa: S603
            ["bash", "-c", script],  # noqa: S607  (bash from PATH, as a reader would run it)
            env=env,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
            check=False,
        )
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as error:
        returncode, stdout, stderr = -1, str(error.stdout or ""), f"timed out: {error}"
    statuses = [(int(m["status"]), m["url"]) for m in STATUS.finditer(stderr)]
    problems = []
    if returncode:
        problems.append(f"exit status {returncode}")
    for status, url in statuses:
        if status >= 500:
            problems.append(f"HTTP {status} from {url}")
        elif status >= 400 and status not in block.expect:
            problems.append(f"unexpected HTTP {status} from {url}")
        elif status == 0:
            problems.append(f"no response from {url}")
    for status in block.expect - {s for s, _ in statuses}:
        problems.append(f"expected an HTTP {status}, which did not come")
    return Result(block, returncode, stdout, STATUS.sub("", stderr).strip(), statuses, problems)


def check_docs(
    *,
    base: str,
    docs: Path = DEFAULT_DOCS,
    client_id: str,
    client_secret: str,
    out: TextIO = sys.stdout,
) -> list[Result]:
    """Run the blocks of `docs` one after the other, carrying exported variables forward."""
    blocks = sh_blocks(docs.read_text(encoding="utf-8"))
    results = []
    with tempfile.TemporaryDirectory(prefix="api-docs-") as scratch:
        workdir = Path(scratch)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": scratch,  # no ~/.curlrc of the person running the check
            "LANG": "C.UTF-8",
            "BASE": base.rstrip("/"),
            "CLIENT_ID": client_id,
            "CLIENT_SECRET": client_secret,
            "STATE": str(workdir / ".state"),
        }
        for block in blocks:
            result = run_block(block, env=env, workdir=workdir)
            results.append(result)
            _print(result, docs=docs, out=out)
    failed = [r for r in results if not r.ok]
    out.write(f"\n{len(results) - len(failed)} of {len(results)} blocks passed.\n")
    for result in failed:
        out.write(f"  FAILED block {result.block.number} (line {result.block.line}): ")
        out.write("; ".join(result.problems) + "\n")
    return results


def _print(result: Result, *, docs: Path, out: TextIO) -> None:
    block = result.block
    verdict = "ok" if result.ok else "FAILED: " + "; ".join(result.problems)
    out.write(f"\n--- block {block.number}, {docs.name} line {block.line}: {verdict}\n")
    out.write(block.code)
    statuses = ", ".join(str(status) for status, _ in result.statuses)
    if statuses:
        out.write(f"  (HTTP {statuses})\n")
    if not result.ok:
        for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text.strip():
                out.write(f"  {name}:\n" + _indent(text[-3000:]))


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def main(
    argv: Sequence[str] | None = None,
    *,
    create_client: Callable[[], tuple[str, str]] = create_client_with_manage_py,
    out: TextIO = sys.stdout,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", default=os.environ.get("BASE", DEFAULT_BASE))
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    args = parser.parse_args(argv)
    if os.environ.get("CLIENT_ID") and os.environ.get("CLIENT_SECRET"):
        client_id, client_secret = os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    else:
        client_id, client_secret = create_client()
    results = check_docs(
        base=args.base, docs=args.docs, client_id=client_id, client_secret=client_secret, out=out
    )
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
