"""Run wrk (or pgbench) once and measure it: the numbers it prints and the CPU it used.

The CPU time of the load generator comes from os.wait4() on its own pid (user + system), so it
counts that process alone. A generator that needs most of a core competes with the server for
the machine's two cores: such a measurement is marked invalid.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "lua"
# A load generator above this share of one core is taking the server's CPU: invalid.
MAX_GENERATOR_CORES = 0.5


@dataclass
class Measurement:
    """One run of a load generator against one target."""

    name: str
    requests: int
    seconds: float
    throughput: float  # requests (or transactions) per second
    latency_ms: dict[str, float]
    statuses: dict[str, int]
    errors: dict[str, int]
    generator_cpu_seconds: float
    generator_cores: float  # CPU seconds per wall second
    valid: bool
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run(
    argv: list[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    done: Callable[[], bool] | None = None,
) -> tuple[str, float, float]:
    """Run `argv`, returning (stdout, wall seconds, CPU seconds of that process).

    When `done()` turns true the process gets SIGINT (wrk then prints its results and exits).
    """
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 (our own command lines)
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    if process.stdout is None:
        raise RuntimeError("no pipe")
    try:
        deadline = started + timeout
        chunks = []
        os.set_blocking(process.stdout.fileno(), False)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            chunk = process.stdout.read()
            if chunk:
                chunks.append(chunk)
            if pid:
                break
            if done is not None and done():
                done = None
                os.kill(process.pid, signal.SIGINT)
            if time.monotonic() > deadline:
                os.killpg(process.pid, 9)
                raise RuntimeError(f"{argv[0]} ran over its {timeout:.0f} s bound")
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        rest = process.stdout.read()
        if rest:
            chunks.append(rest)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait()
    wall = time.monotonic() - started
    output = b"".join(chunks).decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with {process.returncode}:\n{output[-2000:]}")
    return output, wall, usage.ru_utime + usage.ru_stime


def wrk(
    name: str,
    url: str,
    script: str,
    args: list[str],
    *,
    connections: int,
    threads: int,
    seconds: float,
    timeout: str = "30s",
    done: Callable[[], bool] | None = None,
) -> Measurement:
    """wrk with one of bench/lua's scripts; its done() prints one BENCH-JSON line.

    The rate is per second of wrk's run, or of the script's own window (window_us) when it
    reports one (the rush: from the first thread's start to the last answer).
    """
    argv = [
        "wrk",
        "-t", str(threads),
        "-c", str(connections),
        "-d", f"{max(1, round(seconds))}s",
        "--timeout", timeout,
        "-s", str(LUA / script),
        url,
        "--",
        *args,
    ]  # fmt: skip
    output, wall, cpu = _run(argv, timeout=seconds + 60, done=done)
    if os.environ.get("BENCH_DEBUG"):
        print(" ".join(argv), output, sep="\n")
    found = re.search(r"^BENCH-JSON (.*)$", output, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk printed no result:\n{output[-2000:]}")
    data = json.loads(found.group(1))
    duration = (data.get("window_us") or data["duration_us"]) / 1e6
    cores = cpu / wall if wall else 0.0
    measurement = Measurement(
        name=name,
        requests=int(data["requests"]),
        seconds=duration,
        throughput=data["requests"] / duration if duration else 0.0,
        latency_ms={k: v / 1000 for k, v in data["latency_us"].items()},
        statuses={str(k): int(v) for k, v in data["statuses"].items()},
        errors={k: int(v) for k, v in data["errors"].items()},
        generator_cpu_seconds=cpu,
        generator_cores=cores,
        valid=cores <= MAX_GENERATOR_CORES,
    )
    if measurement.requests == 0:
        measurement.notes.append(f"wrk got no answer: {output[-1500:]}")
    if not measurement.valid:
        measurement.notes.append(
            f"wrk used {cores:.2f} of a core (limit {MAX_GENERATOR_CORES}): invalid"
        )
    return measurement


def pgbench(
    name: str,
    database_url: str,
    script: Path,
    *,
    clients: int,
    threads: int,
    transactions_per_client: int,
    defines: dict[str, str],
    timeout: float = 120,
) -> Measurement:
    """pgbench running `script` `transactions_per_client` times on each of `clients`."""
    argv = [
        "pgbench", "-n", "-r",
        "-c", str(clients),
        "-j", str(threads),
        "-t", str(transactions_per_client),
        "-f", str(script),
        *[f"-D{k}={v}" for k, v in defines.items()],
        database_url,
    ]  # fmt: skip
    output, wall, cpu = _run(argv, timeout=timeout)
    done = int(_field(output, r"number of transactions actually processed: (\d+)"))
    failed = int(_field(output, r"number of failed transactions: (\d+)", "0"))
    latency = float(_field(output, r"latency average = ([\d.]+) ms"))
    tps = float(_field(output, r"tps = ([\d.]+) \(without initial connection time\)"))
    cores = cpu / wall if wall else 0.0
    measurement = Measurement(
        name=name,
        requests=done,
        seconds=done / tps if tps else 0.0,
        throughput=tps,
        latency_ms={"mean": latency},
        statuses={},
        errors={"failed": failed},
        generator_cpu_seconds=cpu,
        generator_cores=cores,
        valid=cores <= MAX_GENERATOR_CORES and failed == 0,
    )
    measurement.notes.append(output[output.find("statement latencies") :].strip()[:4000])
    return measurement


def _field(text: str, pattern: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found:
        return found.group(1)
    if default is not None:
        return default
    raise RuntimeError(f"pgbench printed no {pattern!r}:\n{text[-2000:]}")
