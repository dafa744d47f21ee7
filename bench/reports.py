"""Reporting benchmark: how long the quarterly reports take on PostgreSQL with a large history.

    .venv/bin/python bench/reports.py [--enrollments 100000] [--runs 5] [--keep]

1. A fresh database (`yuchuang_bench_reports`, dropped first) on the server of BENCH_POSTGRES
   (default postgres://postgres@127.0.0.1:5432/postgres), migrated, with production settings
   (DEBUG off) and the demo data set plus synthetic history (demo.history) up to N enrollments.
2. VACUUM ANALYZE, then the combined report of the latest complete quarter and each owner's report:
   wall time (median, min and max of --runs runs after one warm-up) and query count.
3. The combined report's query count with the project's start moved (2 against 8 quarters)
   and with 2 against 7 active owners: the counts must be equal.
4. bench/results/reports.json and a Markdown table on stdout. The database is dropped unless
   --keep. Exit status 1 when a count grows or a report misses the target (5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ would come first on the path and shadow the `reports` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.reporting import quarters_back, timed_once  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reports.json"
ADMIN_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "yuchuang_bench_reports"
TARGET_SECONDS = 5.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrollments", type=int, default=100_000, help="total (100000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per report (5)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic history")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    return parser.parse_args(argv)


def server_url(database: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


def recreate_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def drop_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )


def start_django() -> None:
    """Production settings, pointed at the fresh database, before Django reads them."""
    os.environ["DATABASE_URL"] = server_url(DATABASE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    os.environ["EMAIL_URL"] = "dummymail://"  # the demo's live enrollments send mail
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks eager: no broker in the bench
    import django

    django.setup()


def timed(fn: Callable[[], Any], runs: int) -> dict[str, Any]:
    """One warm-up, then `runs` timed calls: seconds and the query count of the last."""
    fn()
    measured = [timed_once(fn) for _ in range(runs)]
    seconds = [s for s, _ in measured]
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "queries": measured[-1][1],
    }


def seed(total: int, seed_number: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from demo.history import seed_history
    from demo.services import seed_demo
    from enrollment.models import Enrollment, EnrollmentEvent

    started = time.perf_counter()
    with transaction.atomic():
        demo = seed_demo()
    demo_s = time.perf_counter() - started
    more = max(0, total - Enrollment.objects.count())
    started = time.perf_counter()
    with transaction.atomic():
        history = seed_history(enrollments=more, tag="bench", seed=seed_number)
    history_s = time.perf_counter() - started
    # What autovacuum does to a table soon after a bulk load: statistics, and the visibility
    # map that lets the event index be read alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "demo_enrollments": demo.enrollments,
        "synthetic_enrollments": history.enrollments,
        "synthetic_learners": history.learners,
        "enrollments": Enrollment.objects.count(),
        "events": EnrollmentEvent.objects.count(),
        "offerings": demo.offerings + history.new_offerings,
        "seed_demo_s": round(demo_s, 1),
        "seed_history_s": round(history_s, 1),
    }


def measure(runs: int) -> dict[str, Any]:
    from django.db import transaction
    from django.test import override_settings
    from django.utils import timezone

    from institutions.models import Institution
    from reports.measures import quarter_of
    from reports.report import build_report, current_quarter, quarter_code

    quarter = quarter_of(current_quarter().start - timedelta(days=1))
    owners = list(Institution.objects.filter(is_active=True).order_by("code"))
    results: dict[str, Any] = {"quarter": quarter_code(quarter), "owners": len(owners)}
    results["combined"] = timed(lambda: build_report(quarter=quarter), runs)
    results["per_owner"] = {}
    for owner in owners:

        def owner_report(owner: Institution = owner) -> Any:
            return build_report(quarter=quarter, institution=owner)

        results["per_owner"][owner.code] = timed(owner_report, runs)

    def combined() -> Any:
        return build_report(quarter=quarter)

    # The project starting one quarter before the report's, or seven: 2 or 8 quarters in all.
    scale: dict[str, int] = {}
    for count in (2, 8):
        with override_settings(REPORTS_PROJECT_START=quarters_back(quarter.start, count - 1)):
            scale[f"{count} quarters"] = timed_once(combined)[1]
    with transaction.atomic():
        Institution.objects.exclude(pk__in=[o.pk for o in owners[:2]]).update(is_active=False)
        scale["2 owners"] = timed_once(combined)[1]
        transaction.set_rollback(True)
    scale["7 owners"] = timed_once(combined)[1]
    results["query_counts"] = scale
    results["constant_in_quarters"] = scale["2 quarters"] == scale["8 quarters"]
    results["constant_in_owners"] = scale["2 owners"] == scale["7 owners"]
    results["as_of"] = timezone.localtime(build_report(quarter=quarter).as_of).isoformat()
    return results


def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    import django

    return {
        "nproc": os.cpu_count(),
        "postgresql": version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
    }


def table(result: dict[str, Any]) -> str:
    m = result["measurements"]
    lines = [
        f"Reports of {m['quarter']}, {result['data']['enrollments']:,} enrollments, "
        f"{result['data']['events']:,} events; PostgreSQL {result['machine']['postgresql']}, "
        f"{result['machine']['nproc']} cores, load average {m['load_average_1min'][0]} before "
        f"and {m['load_average_1min'][1]} after",
        "",
        "| report | median s | min s | max s | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = [("combined", m["combined"]), *m["per_owner"].items()]
    for name, r in rows:
        lines.append(f"| {name} | {r['median_s']} | {r['min_s']} | {r['max_s']} | {r['queries']} |")
    counts = m["query_counts"]
    lines += [
        "",
        "| combined report | queries |",
        "|---|---:|",
        *(f"| {label} | {n} |" for label, n in counts.items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    recreate_database()
    try:
        start_django()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - started
        data = seed(args.enrollments, args.seed)
        data["migrate_s"] = round(migrate_s, 1)
        load_before = os.getloadavg()[0]
        measurements = measure(args.runs)
        # Other work on the machine slows the figures: say how busy it was.
        measurements["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        result = {
            "command": " ".join(
                ["bench/reports.py", *(argv if argv is not None else sys.argv[1:])]
            ),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _commit(),
            "machine": machine(),
            "data": data,
            "target_s": TARGET_SECONDS,
            "measurements": measurements,
        }
        connections.close_all()
    finally:
        if not args.keep:
            drop_database()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(result))
    slowest = max(
        [measurements["combined"]["median_s"]]
        + [r["median_s"] for r in measurements["per_owner"].values()]
    )
    ok = (
        measurements["constant_in_quarters"]
        and measurements["constant_in_owners"]
        and slowest < TARGET_SECONDS
    )
    print(f"\nslowest median {slowest} s (target {TARGET_SECONDS} s): {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return out.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
