"""Memory: resident memory per web worker after a mixed catalog load, against a bare worker.

Two fresh gunicorns in turn, each with the bench's worker model and settings:

A. Mixed catalog: wrk with bench/lua/catalog.lua in chunks that cycle through a page of 20, an
   offering's detail (a different offering each chunk), another page of 20 and a page of 100
   (seeded random pages, anonymous clients behind the proxy).
B. Bare: the same gunicorn serving only the bench's bare view.

After about `checkpoints` requests (10,000 and 50,000; --quick 400 and 2,000) the harness reads
VmRSS from /proc/<pid>/status of each of the master's workers: the figure is the mean per worker
(their sum ÷ their number). Targets: A ÷ B at the end ≤ 1.3; A's growth from the first
checkpoint to the last < 10%. wrk runs for a time estimated from the last chunk's rate, capped
in requests (catalog.lua's limit), so a checkpoint is reached within a chunk's overshoot.
"""

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import catalog, loadgen, services
from .tables import Ratio, Round, ScenarioResult

BOUND_SECONDS = 25 * 60  # both loads together


@dataclass(frozen=True)
class Load:
    name: str
    path: str
    page_size: int
    pages: int


def workers_of(master: int) -> list[int]:
    """gunicorn's workers: the children of its master's main thread."""
    text = Path(f"/proc/{master}/task/{master}/children").read_text()
    return [int(pid) for pid in text.split()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def per_worker(master: int) -> tuple[float, list[float]]:
    values = [rss_mb(pid) for pid in workers_of(master)]
    return sum(values) / len(values), values


def combine(name: str, runs: list[loadgen.Measurement]) -> loadgen.Measurement:
    requests = sum(m.requests for m in runs)
    seconds = sum(m.seconds for m in runs)
    cpu = sum(m.generator_cpu_seconds for m in runs)
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {}
    for m in runs:
        for k, v in m.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in m.errors.items():
            errors[k] = errors.get(k, 0) + v
    latency = {
        p: statistics.median(m.latency_ms[p] for m in runs if p in m.latency_ms)
        for p in ("p50", "p95", "p99")
        if any(p in m.latency_ms for m in runs)
    }
    cores = cpu / seconds if seconds else 0.0
    return loadgen.Measurement(
        name=name,
        requests=requests,
        seconds=seconds,
        throughput=requests / seconds if seconds else 0.0,
        latency_ms=latency,
        statuses=statuses,
        errors=errors,
        generator_cpu_seconds=cpu,
        generator_cores=cores,
        valid=all(m.valid for m in runs),
        notes=[f"{len(runs)} wrk runs; latencies are the median of their percentiles"],
    )


def drive(
    base_url: str,
    master: int,
    loads: list[Load],
    *,
    checkpoints: list[int],
    chunk: int,
    seed: int,
    deadline: float,
) -> tuple[list[loadgen.Measurement], dict[int, tuple[int, float, list[float]]]]:
    """Run `loads` in turn, a chunk each, until the last checkpoint; RSS at each checkpoint."""
    runs: list[loadgen.Measurement] = []
    rates: dict[str, float] = {}
    readings: dict[int, tuple[int, float, list[float]]] = {}
    count, turn, idle = 0, 0, 0
    pending = list(checkpoints)
    while pending and time.monotonic() < deadline:
        load = loads[turn % len(loads)]
        # Chasing the checkpoint exactly would mean ever smaller runs: overshoot a little.
        want = max(min(chunk, pending[0] - count), chunk // 4)
        rate = rates.get(load.name)
        seconds = 1.0 if rate is None else max(1.0, 0.9 * want / rate)
        seconds = min(seconds, max(1.0, deadline - time.monotonic()))
        measurement = loadgen.wrk(
            load.name,
            base_url + load.path,
            "catalog.lua",
            [load.path, str(load.page_size), str(load.pages), str(seed + turn), str(want // 2 + 1)],
            connections=16,
            threads=2,
            seconds=seconds,
        )
        runs.append(measurement)
        if not measurement.requests:
            idle += 1
            if idle >= 3:
                break  # the server answers nothing: reported as not reaching the checkpoints
        if measurement.seconds > 0 and measurement.requests:
            rates[load.name] = measurement.requests / measurement.seconds
        count += measurement.requests
        turn += 1
        if count >= pending[0]:
            mean, values = per_worker(master)
            readings[pending.pop(0)] = (count, mean, values)
    return runs, readings


def run(
    processes: Any,
    env: dict[str, str],
    work: Path,
    *,
    model: services.WorkerModel,
    quick: bool,
    seed: int,
) -> ScenarioResult:
    from courses.models import Offering
    from courses.rules import PUBLIC_OFFERING_STATUSES

    checkpoints = [400, 2000] if quick else [10_000, 50_000]
    result = ScenarioResult(
        "Memory",
        f"Resident memory per gunicorn worker ({model.label}, fresh) after "
        f"{checkpoints[-1]:,} requests of a mixed catalog load (pages of 20 and 100, offering "
        "details) against the same gunicorn serving only the bare view; growth between "
        f"{checkpoints[0]:,} and {checkpoints[-1]:,} requests.",
    )
    total = catalog.public_offerings()
    details = list(
        Offering.objects.filter(status__in=PUBLIC_OFFERING_STATUSES, course__is_active=True)
        .order_by("pk")
        .values_list("public_id", flat=True)[:50]
    )
    mixed = []
    for index in range(len(details)):
        mixed += [
            Load("page of 20", catalog.LIST, 20, total // 20),
            Load("offering detail", f"{catalog.LIST}{details[index]}/", 0, 0),
            Load("page of 20", catalog.LIST, 20, total // 20),
            Load("page of 100", catalog.LIST, 100, total // 100),
        ]
    plans = [
        ("mixed catalog", mixed, 500 if quick else 2500),
        ("bare view", [Load("bare view", catalog.BARE, 0, 0)], 1000 if quick else 10_000),
    ]
    deadline = time.monotonic() + BOUND_SECONDS
    current: Round = {}
    figures: dict[str, dict[int, tuple[int, float, list[float]]]] = {}
    for name, loads, chunk in plans:
        port = services.spare_port()
        server = services.start_gunicorn(
            processes, port=port, model=model, env=env, log=work / f"gunicorn-memory-{name}.log"
        )
        try:
            started_mb, _ = per_worker(server.popen.pid)
            runs, readings = drive(
                f"http://127.0.0.1:{port}",
                server.popen.pid,
                loads,
                checkpoints=checkpoints,
                chunk=chunk,
                seed=seed,
                deadline=deadline,
            )
        finally:
            processes.stop(server)
        measurement = combine(name, runs)
        measurement.notes.append(
            f"RSS per worker at start {started_mb:.1f} MB; "
            + "; ".join(
                f"after {n:,} requests {mean:.1f} MB ({', '.join(f'{v:.1f}' for v in values)})"
                for n, mean, values in readings.values()
            )
        )
        current[name] = measurement
        figures[name] = readings
        bad = {k: v for k, v in measurement.statuses.items() if k != "200"}
        if bad or any(measurement.errors.values()):
            result.failures.append(
                f"{name}: statuses {measurement.statuses}, errors {measurement.errors}"
            )
        if len(readings) < len(checkpoints):
            result.failures.append(
                f"{name}: {measurement.requests:,} requests within the time bound, "
                f"not {checkpoints[-1]:,}"
            )
        print(
            f"  memory, {name}: {measurement.requests:,} requests at "
            f"{measurement.throughput:,.0f}/s; RSS per worker {started_mb:.1f} MB at start, "
            + ", ".join(f"{mean:.1f} MB after {n:,}" for n, mean, _ in readings.values()),
            flush=True,
        )
    result.rounds.append(current)

    first, last = checkpoints[0], checkpoints[-1]
    mixed_rss, bare_rss = figures.get("mixed catalog", {}), figures.get("bare view", {})
    ratio = (
        [mixed_rss[last][1] / bare_rss[last][1]] if last in mixed_rss and last in bare_rss else []
    )
    growth = [mixed_rss[last][1] / mixed_rss[first][1] - 1] if len(mixed_rss) == 2 else []
    result.ratios = [
        Ratio(f"RSS per worker after {last:,}: mixed ÷ bare", ratio, 1.3, at_most=True),
        Ratio(f"RSS growth {first:,} → {last:,} (mixed)", growth, 0.10, at_most=True),
    ]
    for name, readings in figures.items():
        for n, (count, mean, _) in readings.items():
            result.checks[f"{name}: MB per worker after {n:,} (at {count:,})"] = f"{mean:.1f}"
    if len(bare_rss) == 2:
        result.checks["bare view growth"] = f"{bare_rss[last][1] / bare_rss[first][1] - 1:+.1%}"
    result.notes.append(
        "One round: memory is read from the same two servers as the load proceeds, so there is "
        "nothing to alternate within it. The growth target is strict (< 10%); the table shows "
        "it as ≤ 0.1."
    )
    return result
