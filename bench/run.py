"""The bench's one command: `.venv/bin/python -m bench` (see docs/performance.md, "Benchmarks").

1. A PostgreSQL cluster of its own (initdb in a temporary directory; --postgres URL uses a
   running server instead) with a fresh database (`yuchuang_bench`), migrated and seeded.
2. A redis-server of its own (cache, throttles, Celery broker) and gunicorn with bench/settings.py
   (production plus the bench-only URLs), on spare ports of 127.0.0.1.
3. Each scenario against its ceiling, alternating within each of the rounds.
4. bench/results/latest.json and latest.md (or --out DIR).

Every process it starts is stopped on the way out, also on an error, Ctrl-C or SIGTERM.
--quick is the CI version: small data, one round, short runs; it checks correctness and that the
harness works, and judges no speed (the exit status ignores the targets).
"""

import argparse
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

from .services import (
    ROOT,
    Postgres,
    Processes,
    WorkerModel,
    spare_port,
    start_gunicorn,
    start_postgres,
    start_redis,
)

RESULTS = Path(__file__).resolve().parent / "results"
OWN = "own"
SCENARIOS = ("catalog", "rush", "notify", "memory", "reports")
TIME_BOUND_SECONDS = 14 * 60
NOTIFY_ROUNDS = (
    3  # each makes and drains 5,000 changes and 5,000 no-ops  # the whole run, seeding included
)
DEFAULT_MODEL = WorkerModel(2, "gthread", 4)  # chosen by measurement: docs/performance.md


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI: small data, 1 round, short")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (5; --quick 1)")
    parser.add_argument("--seconds", type=float, help="seconds per catalog run (5; --quick 2)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the data and the load")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated: {','.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--workers",
        default=f"{DEFAULT_MODEL.worker_class}:{DEFAULT_MODEL.workers}:{DEFAULT_MODEL.threads}",
        help="gunicorn worker model: sync:N or gthread:N:THREADS",
    )
    parser.add_argument(
        "--probe-workers",
        action="store_true",
        help="measure the page of 20 under several worker models instead of the scenarios",
    )
    parser.add_argument("--out", type=Path, help="results directory (bench/results)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", OWN),
        help="'own' (a cluster of its own, the default) or a running server's admin URL, "
        "e.g. postgres://postgres@127.0.0.1:5432/postgres (also $BENCH_POSTGRES)",
    )
    parser.add_argument("--database", default="yuchuang_bench", help="database to (re)create")
    parser.add_argument("--keep-database", action="store_true", help="do not drop it at the end")
    args = parser.parse_args(argv)
    if args.keep_database and args.postgres == OWN:
        parser.error("--keep-database needs --postgres URL (the bench's own cluster goes away)")
    return args


def worker_model(text: str) -> WorkerModel:
    kind, *numbers = text.split(":")
    if kind == "gthread":
        return WorkerModel(int(numbers[0]), "gthread", int(numbers[1]) if len(numbers) > 1 else 4)
    return WorkerModel(int(numbers[0]) if numbers else 4, kind)


def machine(admin_url: str) -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    postgres, connections, buffers = (
        subprocess.run(  # noqa: S603
            [  # noqa: S607 (psql from PATH)
                "psql",
                admin_url,
                "-Atc",
                "SELECT current_setting('server_version'), current_setting('max_connections'),"
                " current_setting('shared_buffers')",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .split("|")
    )
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "postgres": f"PostgreSQL {postgres} (max_connections {connections}, "
        f"shared_buffers {buffers})",
    }


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def environment(*, database_url: str, redis_port: int, secret: str) -> dict[str, str]:
    """What production needs, pointed at the bench's own database and redis-server."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SITE_URL": "https://yuchuang.bench.local",
        "LOG_LEVEL": "WARNING",
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    started_at, started = time.strftime("%Y-%m-%d %H:%M:%S %z"), time.monotonic()
    rounds = args.rounds or (1 if args.quick else 5)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    scenarios = [s for s in args.scenarios.split(",") if s]
    model = worker_model(args.workers)
    out = args.out or RESULTS
    work = Path(tempfile.mkdtemp(prefix="yuchuang-bench-"))
    postgres: Postgres | None = None

    with Processes() as processes:
        if args.postgres == OWN:
            postgres = start_postgres(processes, port=spare_port(), log=work / "postgres.log")
            admin_url = postgres.url()
        else:
            admin_url = args.postgres
        database_url = admin_url.rsplit("/", 1)[0] + f"/{args.database}"
        redis_port = spare_port()
        start_redis(processes, port=redis_port, log=work / "redis.log")
        env = environment(
            database_url=database_url, redis_port=redis_port, secret=secrets.token_urlsafe(50)
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        from . import seed

        try:
            print(f"Database {args.database}: create, migrate, seed", flush=True)
            seed.create_database(args.database, admin_url=admin_url)
            call_command("migrate", verbosity=0, interactive=False)
            seeded = seed.seed(seed.SMALL if args.quick else seed.FULL, seed=args.seed)
            print(
                f"  seeded in {seeded.seconds:.1f} s: "
                + ", ".join(f"{v:,} {k}" for k, v in seeded.counts.items()),
                flush=True,
            )
            server_env = {**os.environ, **env}
            if args.probe_workers:
                return probe_workers(processes, server_env, work, seconds=seconds, seed=args.seed)
            port = spare_port()
            start_gunicorn(
                processes, port=port, model=model, env=server_env, log=work / "gunicorn.log"
            )
            base_url = f"http://127.0.0.1:{port}"
            results = []
            if "catalog" in scenarios:
                from . import catalog

                print(f"Catalog: {rounds} rounds of {seconds:g} s per target", flush=True)
                results.append(
                    catalog.run(
                        base_url,
                        rounds=rounds,
                        seconds=seconds,
                        connections=16,
                        workers=model.workers * model.threads,
                        seed=args.seed,
                    )
                )
            if "rush" in scenarios:
                from . import rush

                print(f"Registration rush: {rounds} rounds", flush=True)
                results.append(
                    rush.run(
                        base_url,
                        database_url=database_url,
                        seeded=seeded,
                        rounds=rounds,
                        seed=args.seed,
                        quick=args.quick,
                        work=work,
                        workers=model.workers * model.threads,
                        deadline=started + TIME_BOUND_SECONDS,
                        postgres=postgres,
                    )
                )
            if "notify" in scenarios:
                from . import notify

                notify_rounds = min(rounds, NOTIFY_ROUNDS)  # ~70 s a round: the time bound
                print(f"Notifications: {notify_rounds} rounds", flush=True)
                results.append(
                    notify.run(
                        processes=processes,
                        env=server_env,
                        database=args.database,
                        seeded=seeded,
                        rounds=notify_rounds,
                        quick=args.quick,
                        work=work,
                    )
                )
            if "memory" in scenarios:
                from . import memory

                print("Memory per web worker", flush=True)
                results.append(
                    memory.run(
                        processes, server_env, work, model=model, quick=args.quick, seed=args.seed
                    )
                )
            if "reports" in scenarios:
                from . import reporting

                report_rounds = min(rounds, 3)  # ~8 s a report at full data
                print(f"Reporting: {report_rounds} rounds", flush=True)
                results.append(reporting.run(rounds=report_rounds))
            meta: dict[str, Any] = {
                "command": " ".join(["python -m bench", *(argv or sys.argv[1:])]),
                **machine(admin_url),
                "worker_model": model.label,
                "started_at": started_at,
                "minutes": (time.monotonic() - started) / 60,
                "seed": args.seed,
                "rounds": rounds,
                "quick": args.quick,
                "data": seeded.counts,
            }
            from .tables import write_results

            json_path, md_path = write_results(out, meta, results)
            print(md_path.read_text(encoding="utf-8"))
            shown = json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path
            print(f"Wrote {shown} and {md_path.name}")
            failed = [f"{r.name}: {f}" for r in results for f in r.failures]
            invalid = [r.name for r in results if not r.valid]
            for line in failed:
                print(f"FAILED {line}", file=sys.stderr)
            if invalid:
                print(f"INVALID (load generator over half a core): {invalid}", file=sys.stderr)
            return 1 if failed else 0
        finally:
            from django.db import connections

            connections.close_all()
            processes.stop_all()
            if postgres is not None:
                postgres.remove()
            elif not args.keep_database:
                seed.drop_database(args.database, admin_url=admin_url)
            print(f"Logs in {work}", flush=True)


def probe_workers(
    processes: Processes, env: dict[str, str], work: Path, *, seconds: float, seed: int
) -> int:
    """The page of 20 and the bare view under each worker model, alternating, 3 rounds."""
    from . import catalog, loadgen

    models = [
        WorkerModel(2),
        WorkerModel(4),
        WorkerModel(2, "gthread", 4),
        WorkerModel(2, "gthread", 8),
        WorkerModel(3, "gthread", 4),
        WorkerModel(4, "gthread", 2),
    ]
    total = catalog.public_offerings()
    rows: dict[str, list[tuple[float, float, float]]] = {m.label: [] for m in models}
    for number in range(3):
        for model in models:
            port = spare_port()
            server = start_gunicorn(
                processes, port=port, model=model, env=env, log=work / "gunicorn-probe.log"
            )
            try:
                url = f"http://127.0.0.1:{port}"
                args = [catalog.LIST, "20", str(total // 20), str(seed + number), "1000000"]
                loadgen.wrk(
                    "warm",
                    url + catalog.LIST,
                    "catalog.lua",
                    args,
                    connections=16,
                    threads=2,
                    seconds=1,
                )
                page = loadgen.wrk(
                    "page",
                    url + catalog.LIST,
                    "catalog.lua",
                    args,
                    connections=16,
                    threads=2,
                    seconds=seconds,
                )
                rows[model.label].append(
                    (page.throughput, page.latency_ms["p50"], page.latency_ms["p99"])
                )
                p50, p99 = page.latency_ms["p50"], page.latency_ms["p99"]
                print(
                    f"  {model.label}: {page.throughput:,.0f}/s p50 {p50:.1f} ms p99 {p99:.1f} ms",
                    flush=True,
                )
            finally:
                processes.stop(server)
    print("\n| worker model | page of 20, req/s (median of 3) | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for label, values in rows.items():
        values.sort()
        mid = values[len(values) // 2]
        print(f"| {label} | {mid[0]:,.0f} | {mid[1]:.1f} | {mid[2]:.1f} |")
    return 0
