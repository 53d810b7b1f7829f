"""Number formatting and the table layout shared by the Markdown and HTML reports.

Both reports show the same tables; building their cells once here keeps the two in
agreement, and lets the writers be pure layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warpgraph.bench._analysis import Analysis, Row
from warpgraph.bench._peers import PEERS
from warpgraph.bench._results import Report, Result

__all__ = [
    "METHOD",
    "PEER_TITLES",
    "Table",
    "format_bytes",
    "format_ratio",
    "format_seconds",
    "header_facts",
    "plural",
    "ratio_cell",
    "tables",
]

METHOD = (
    "Each benchmark runs its workload on one persistent event loop through "
    "pytest-benchmark: one checked warm-up call, then rounds of back-to-back calls "
    "(samples are seconds per call); the tables show each peer's own median. The ratios "
    "between peers are paired: after a peer's own benchmark, the same process times it "
    "against warpgraph on the same loop in alternating short batches (A B B A …, tens of "
    "milliseconds each, by the same timer), so both sides of a pair see the same machine "
    "even while its speed drifts; a ratio is the median of the per-pair ratios, with a "
    "bootstrap 95 % interval in brackets. A ratio marked * is the ratio of two medians "
    "measured at different moments (no paired measurement, e.g. an older report). "
    "Verdicts against a baseline use a two-sided Mann–Whitney U test (α = 0.01) on the "
    "per-round samples, with a bootstrap 95 % interval of the median ratio."
)

PEER_TITLES = {"warpgraph": "warpgraph", "asyncio": "asyncio floor", "langgraph": "LangGraph"}


def format_seconds(seconds: float | None) -> str:
    """A duration with three significant digits in a readable unit: ``4.12 µs``."""
    if seconds is None or math.isnan(seconds):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def plural(unit: str) -> str:
    """``branch`` -> ``branches``, ``node`` -> ``nodes``."""
    return unit + ("es" if unit.endswith(("ch", "sh", "s", "x")) else "s")


def _count(size: int, unit: str) -> str:
    """``1 turn``, ``10 turns``, ``1,000 branches``."""
    return f"{size:,} {unit if size == 1 else plural(unit)}"


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.3g}×" if ratio < 100 else f"{ratio:,.0f}×"


def ratio_cell(row: Row, numerator: str, denominator: str) -> str:
    """``37.1× [35.0–39.2]`` for a paired ratio, ``37.1×*`` for a ratio of medians."""
    paired = row.paired_ratio(numerator, denominator)
    if paired is not None:
        low, high = format_ratio(paired.ci_low), format_ratio(paired.ci_high)
        return f"{format_ratio(paired.ratio)} [{low.rstrip('×')}–{high}]"
    ratio = row.median_ratio(numerator, denominator)
    return "—" if ratio is None else f"{format_ratio(ratio)}*"


def format_bytes(count: float | None) -> str:
    if count is None:
        return "—"
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count:.0f} B"


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table of plain-text cells; ``note`` explains how to read it."""

    key: str  # html id / anchor
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _peers_present(rows: Sequence[Row]) -> list[str]:
    present = {peer for row in rows for peer in row.medians}
    return [peer for peer in PEERS if peer in present]


def _verdict_cell(row: Row) -> str:
    if not row.verdicts:
        return "—"
    return "; ".join(f"{peer}: {text}" for peer, text in row.verdicts.items())


def _scheduler_table(rows: Sequence[Row], with_verdicts: bool) -> Table:
    peers = _peers_present(rows)
    columns = [
        "Workload",
        "Size",
        *(PEER_TITLES[p] for p in peers),
        "LangGraph ÷ warpgraph",
        "warpgraph ÷ asyncio",
    ]
    if with_verdicts:
        columns.append("vs baseline")
    cells = []
    for row in rows:
        line = [row.title, _count(row.size, row.unit)]
        for peer in peers:
            median, per_unit = row.medians.get(peer), row.per_unit(peer)
            line.append(
                "—"
                if median is None
                else f"{format_seconds(median)} ({format_seconds(per_unit)}/{row.unit})"
            )
        line.append(ratio_cell(row, "langgraph", "warpgraph"))
        line.append(ratio_cell(row, "warpgraph", "asyncio"))
        if with_verdicts:
            line.append(_verdict_cell(row))
        cells.append(tuple(line))
    return Table(
        "scheduler",
        "Scheduler overhead",
        tuple(columns),
        tuple(cells),
        "Median time per run (per node/branch/item/key in brackets), each peer in its own "
        "benchmark. Ratios are paired: the two peers timed in alternating batches, median "
        "of the per-pair ratios [bootstrap 95 % interval]; * marks a ratio of medians.",
    )


def _throughput_table(rows: Sequence[Row], results: Sequence[Result], with_verdicts: bool) -> Table:
    by_key = {(r.workload, r.size, r.peer): r for r in results}
    peers = _peers_present(rows)
    columns = [
        "Concurrent runs",
        *(f"{PEER_TITLES[p]} runs/s" for p in peers),
        "warpgraph time",
        "warpgraph, cyclic GC off",
        "virtual makespan",
        "peak memory / run",
    ]
    if with_verdicts:
        columns.append("vs baseline")
    cells = []
    for row in rows:
        line = [f"{row.size:,}"]
        for peer in peers:
            median = row.medians.get(peer)
            line.append("—" if not median else f"{row.size / median:,.0f}")
        ours = by_key.get((row.workload, row.size, "warpgraph"))
        extras: Mapping[str, Any] = ours.extras if ours else {}
        line.append(format_seconds(row.medians.get("warpgraph")))
        line.append(format_seconds(extras.get("time_without_gc")))
        makespan = extras.get("virtual_makespan")
        line.append(
            "—"
            if makespan is None
            else f"{makespan:g} s (critical path {extras.get('critical_path'):g} s)"
        )
        memory = {
            p: by_key[(row.workload, row.size, p)].extras.get("peak_bytes_per_unit")
            for p in peers
            if (row.workload, row.size, p) in by_key
        }
        line.append(
            ", ".join(
                f"{PEER_TITLES[p]} {format_bytes(m)}" for p, m in memory.items() if m is not None
            )
            or "—"
        )
        if with_verdicts:
            line.append(_verdict_cell(row))
        cells.append(tuple(line))
    return Table(
        "throughput",
        "Throughput: concurrent runs with three 1-s virtual tools each",
        tuple(columns),
        tuple(cells),
        "Runs per second (median round, by the report's timer; the tools' seconds are "
        "virtual and cost nothing). 'cyclic GC off': one extra call with gc.disable(), to "
        "show how much of the growth is CPython's collector walking every run in flight. "
        "The virtual makespan must equal the critical path of one run. Memory: tracemalloc "
        "peak with all runs in flight, per run.",
    )


def _agents_table(rows: Sequence[Row], results: Sequence[Result], with_verdicts: bool) -> Table:
    calls = {(r.workload, r.size): r.extras.get("llm_calls") for r in results}
    peers = _peers_present(rows)
    columns = ["Pattern", "Size", *(PEER_TITLES[p] for p in peers), "LangGraph ÷ warpgraph",
               "warpgraph overhead per LLM call"]  # fmt: skip
    if with_verdicts:
        columns.append("vs baseline")
    cells = []
    for row in rows:
        llm_calls = calls.get((row.workload, row.size)) or 0
        line = [row.title, _count(row.size, row.unit)]
        for peer in peers:
            median = row.medians.get(peer)
            line.append(
                "—"
                if median is None or not llm_calls
                else f"{format_seconds(median)} ({format_seconds(median / llm_calls)}/call)"
            )
        line.append(ratio_cell(row, "langgraph", "warpgraph"))
        line.append(_overhead_per_call(row, llm_calls))
        if with_verdicts:
            line.append(_verdict_cell(row))
        cells.append(tuple(line))
    return Table(
        "agents",
        "Agent patterns on fake LLMs and tools (virtual time)",
        tuple(columns),
        tuple(cells),
        "Median time per run (per LLM call in brackets). The asyncio floor makes the same "
        "calls to the same fakes, so warpgraph's time beyond it, per LLM call, is the "
        "scheduler's overhead per call: the median over alternating pairs of batches of the "
        "difference (* where only the two medians were measured). Every run's virtual "
        "makespan equals its critical path.",
    )


def _overhead_per_call(row: Row, llm_calls: int) -> str:
    """warpgraph's time beyond the asyncio floor per LLM call: paired where measured."""
    if not llm_calls:
        return "—"
    paired = row.paired_ratio("warpgraph", "asyncio")
    if paired is not None:
        return format_seconds(paired.difference / llm_calls)
    ours, floor = row.medians.get("warpgraph"), row.medians.get("asyncio")
    if ours is None or floor is None:
        return "—"
    return f"{format_seconds((ours - floor) / llm_calls)}*"


def _generic_table(key: str, title: str, rows: Sequence[Row], with_verdicts: bool) -> Table:
    peers = _peers_present(rows)
    columns = ["Benchmark", "Size", *(PEER_TITLES[p] for p in peers)]
    if with_verdicts:
        columns.append("vs baseline")
    cells = []
    for row in rows:
        line = [row.title, _count(row.size, row.unit)]
        line += [format_seconds(row.medians.get(peer)) for peer in peers]
        if with_verdicts:
            line.append(_verdict_cell(row))
        cells.append(tuple(line))
    return Table(key, title, tuple(columns), tuple(cells), "Median time per call.")


def _fits_table(analysis: Analysis) -> Table:
    cells = []
    for (workload, peer), fit in analysis.fits.items():
        row = next(r for r in analysis.rows if r.workload == workload)
        cells.append(
            (
                row.title,
                PEER_TITLES.get(peer, peer),
                f"{format_seconds(fit.slope)}/{row.unit}",
                # A negative intercept is noise around a fixed cost too small to see.
                format_seconds(fit.intercept) if fit.intercept > 0 else "≈ 0",
                fit.describe(),
            )
        )
    return Table(
        "growth",
        "How cost grows with size",
        ("Workload", "Peer", "Slope", "Fixed cost", "Growth"),
        tuple(cells),
        "Least-squares line time = fixed + slope × size; growth exponent k of time ∝ size^k "
        "between the two largest sizes (linear: 0.85 ≤ k ≤ 1.15).",
    )


def tables(report: Report, analysis: Analysis) -> list[Table]:
    """The report's tables, in reading order (empty groups left out)."""
    with_verdicts = bool(analysis.comparisons)
    out = [
        Table(
            "targets",
            "Targets",
            ("Goal", "Measured", "Status"),
            tuple((t.goal, t.measured, t.status) for t in analysis.targets),
        )
    ]
    groups: dict[str, list[Row]] = {}
    for row in analysis.rows:
        groups.setdefault(row.group, []).append(row)
    if "scheduler" in groups:
        out.append(_scheduler_table(groups.pop("scheduler"), with_verdicts))
    if "throughput" in groups:
        out.append(_throughput_table(groups.pop("throughput"), report.results, with_verdicts))
    if "agents" in groups:
        out.append(_agents_table(groups.pop("agents"), report.results, with_verdicts))
    titles = {"user": "Your benchmarks"}
    for group, rows in groups.items():
        out.append(_generic_table(group, titles.get(group, group.title()), rows, with_verdicts))
    if analysis.fits:
        out.append(_fits_table(analysis))
    return out


_TIMERS = {
    "time.process_time": "CPU time of the benchmark process (time.process_time): other "
    "processes on the machine cannot inflate it",
    "time.perf_counter": "wall time (time.perf_counter)",
}


def header_facts(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs describing where and how the report was measured."""
    machine, commit = report.machine_info, report.commit_info
    cpu = machine.get("cpu", {})
    brand = cpu.get("brand_raw") if isinstance(cpu, Mapping) else None
    commit_text = str(commit.get("id", "unknown"))[:12]
    if commit.get("dirty"):
        commit_text += " (uncommitted changes)"
    settings = report.settings
    return [
        ("Date", report.datetime or "—"),
        ("Commit", commit_text),
        (
            "Python",
            f"{machine.get('python_implementation', '')} "
            f"{machine.get('python_version', '')}".strip()
            or "—",
        ),
        (
            "Machine",
            f"{brand or machine.get('processor') or machine.get('machine', '—')}, "
            f"{machine.get('system', '')} {machine.get('release', '')}".strip(),
        ),
        ("Mode", "quick (--graph-bench-quick)" if settings.get("quick") else "full"),
        ("Timer", _TIMERS.get(settings.get("timer", ""), str(settings.get("timer", "—")))),
        ("Peers", ", ".join(settings.get("peers", [])) or "—"),
        ("Baseline", settings.get("baseline") or "none"),
    ]
