"""Medians over rounds, ratios against targets, and the JSON and Markdown the run writes."""

import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loadgen import Measurement

Round = dict[str, Measurement]


@dataclass
class Ratio:
    """`numerator ÷ denominator` of one figure, per round; holds when its median meets `target`."""

    name: str
    values: list[float]
    target: float
    at_most: bool = False  # the target is a ceiling (p99 ÷ p50 ≤ 5), not a floor

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def holds(self) -> bool:
        if not self.values:
            return False
        return self.median <= self.target if self.at_most else self.median >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": min(self.values, default=float("nan")),
            "max": max(self.values, default=float("nan")),
            "values": self.values,
            "target": f"{'≤' if self.at_most else '≥'} {self.target:g}",
            "holds": self.holds,
        }


def throughput_ratio(name: str, rounds: Sequence[Round], a: str, b: str, target: float) -> Ratio:
    values = [
        r[a].throughput / r[b].throughput
        for r in rounds
        if a in r and b in r and r[b].throughput > 0
    ]
    return Ratio(name, values, target)


def summary(rounds: Sequence[Round]) -> dict[str, dict[str, float]]:
    """Per target: median, min and max throughput; median latency percentiles; wrk CPU."""
    out: dict[str, dict[str, float]] = {}
    names = list(rounds[0]) if rounds else []
    for name in names:
        runs = [r[name] for r in rounds if name in r]
        rates = [m.throughput for m in runs]
        row = {
            "median": statistics.median(rates),
            "min": min(rates),
            "max": max(rates),
            "requests": sum(m.requests for m in runs),
            "generator_cores_max": max(m.generator_cores for m in runs),
        }
        for p in ("p50", "p95", "p99"):
            values = [m.latency_ms[p] for m in runs if p in m.latency_ms]
            if values:
                row[f"{p}_ms"] = statistics.median(values)
        out[name] = row
    return out


@dataclass
class ScenarioResult:
    name: str
    description: str
    rounds: list[Round] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)  # correctness: each must be true
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unit: str = "req/s"

    @property
    def valid(self) -> bool:
        return all(m.valid for r in self.rounds for m in r.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "unit": self.unit,
            "valid": self.valid,
            "correct": not self.failures,
            "failures": self.failures,
            "checks": self.checks,
            "summary": summary(self.rounds),
            "ratios": {r.name: r.as_dict() for r in self.ratios},
            "rounds": [{k: m.as_dict() for k, m in r.items()} for r in self.rounds],
            "notes": self.notes,
        }


def _f(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown(meta: dict[str, Any], results: Sequence[ScenarioResult]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['nproc']} cores, {meta['cpu']}; {meta['postgres']}; "
        f"gunicorn {meta['worker_model']}  ",
        f"Started {meta['started_at']}, {meta['minutes']:.1f} minutes, seed {meta['seed']}, "
        f"{meta['rounds']} rounds (targets alternated within each round).  ",
        f"Data: {', '.join(f'{v:,} {k}' for k, v in meta['data'].items())}.",
        "",
    ]
    for result in results:
        lines += [f"## {result.name}", "", result.description, ""]
        lines += [
            f"| target | median {result.unit} | min | max | p50 ms | p95 ms | p99 ms "
            "| generator CPU (cores, max) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, row in summary(result.rounds).items():
            lines.append(
                f"| {name} | {_f(row['median'])} | {_f(row['min'])} | {_f(row['max'])} "
                f"| {_f(row.get('p50_ms'), 2)} | {_f(row.get('p95_ms'), 2)} "
                f"| {_f(row.get('p99_ms'), 2)} | {_f(row['generator_cores_max'], 2)} |"
            )
        lines += [
            "",
            "| ratio | median | min | max | target | holds |",
            "|---|---:|---:|---:|---|---|",
        ]
        for ratio in result.ratios:
            d = ratio.as_dict()
            lines.append(
                f"| {ratio.name} | {d['median']:.3f} | {d['min']:.3f} | {d['max']:.3f} "
                f"| {d['target']} | {'yes' if ratio.holds else '**no**'} |"
            )
        lines.append("")
        checks = ", ".join(f"{k}: {v}" for k, v in result.checks.items())
        lines.append(f"Checks: {checks}." if checks else "Checks: none.")
        state = "valid" if result.valid else "**invalid** (load generator over half a core)"
        verdict = (
            "all checks hold"
            if not result.failures
            else "**FAILED**: " + "; ".join(result.failures)
        )
        lines.append(f"Correctness: {verdict}; measurement {state}.")
        lines += [*(f"- {note}" for note in result.notes), ""]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_results(
    directory: Path, meta: dict[str, Any], results: Sequence[ScenarioResult], stem: str = "latest"
) -> tuple[Path, Path]:
    data = {**meta, "scenarios": {r.name: r.as_dict() for r in results}}
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    write(json_path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    write(md_path, markdown(meta, results))
    return json_path, md_path
