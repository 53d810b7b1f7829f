"""From raw results to what the report says: rows, ratios, fits, verdicts, targets.

The analysis is pure (results in, plain data out) so the Markdown and HTML writers
only lay it out, and the numbers in both always agree.

* A **row** is one workload at one size: the median time per call on each peer, the
  per-unit time, and two ratios: ``langgraph / warpgraph`` (how much less overhead
  warpgraph has) and ``warpgraph / asyncio`` (how far above the hand-written floor it
  is). A ratio is the *paired* one (the two peers timed in alternating batches, see
  ``_paired``) where the run measured it, else the ratio of the peers' medians (a
  report or baseline from before paired ratios).
* A **fit** summarises each workload's size series on each peer (see ``_fit``).
* A **comparison** sets each benchmark against the baseline's samples (see ``_compare``).
  Where both runs measured the asyncio floor of the same workload and size, a second
  comparison divides each side by its own run's floor first: the floor is a control
  that slows down and speeds up with the machine (CPU frequency, caches shared with
  other jobs), so the floor-relative verdict tells a change in warpgraph from a change
  in the machine. Fail rules use it when it exists.
* A **target** is one of the project's stated goals, with the number that decides it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from warpgraph.bench._compare import Comparison, FailRule, compare_samples
from warpgraph.bench._fit import Fit, fit_series
from warpgraph.bench._paired import PairedRatio
from warpgraph.bench._peers import PEERS
from warpgraph.bench._results import Result

__all__ = ["Analysis", "Row", "Target", "analyse"]

LANGGRAPH_FACTOR = 30.0  # target: at least this many times less overhead than LangGraph
FLOOR_FACTOR = 2.0  # target: within this factor of the asyncio floor on these workloads
FLOOR_WORKLOADS = ("fanout", "mapreduce")
THROUGHPUT_RUNS = 10_000
THROUGHPUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Row:
    """One workload at one size, across peers."""

    workload: str
    title: str
    group: str
    unit: str
    size: int
    medians: Mapping[str, float]  # peer -> median seconds per call
    verdicts: Mapping[str, str]  # peer -> comparison with the baseline, described
    # peer -> that peer ÷ warpgraph, timed in alternating batches (absent in old reports)
    paired: Mapping[str, PairedRatio] = field(default_factory=dict)

    def per_unit(self, peer: str) -> float | None:
        median = self.medians.get(peer)
        return None if median is None else median / self.size

    def ratio(self, numerator: str, denominator: str) -> float | None:
        """``numerator ÷ denominator``: paired where measured, else the ratio of medians."""
        paired = self.paired_ratio(numerator, denominator)
        return paired.ratio if paired is not None else self.median_ratio(numerator, denominator)

    def median_ratio(self, numerator: str, denominator: str) -> float | None:
        """The ratio of the two peers' medians, each from its own benchmark."""
        top, bottom = self.medians.get(numerator), self.medians.get(denominator)
        if top is None or bottom is None or bottom <= 0:
            return None
        return top / bottom

    def paired_ratio(self, numerator: str, denominator: str) -> PairedRatio | None:
        """``numerator ÷ denominator`` from alternating batches, if one side is warpgraph."""
        if denominator == "warpgraph" and numerator in self.paired:
            return self.paired[numerator]
        if numerator == "warpgraph" and denominator in self.paired:
            return self.paired[denominator].inverted()
        return None


@dataclass(frozen=True, slots=True)
class Target:
    """A stated goal, the measured number that decides it, and whether it is met."""

    goal: str
    measured: str
    met: bool | None  # None: not measured in this run

    @property
    def status(self) -> Literal["met", "missed", "not measured"]:
        return "not measured" if self.met is None else ("met" if self.met else "missed")


@dataclass(slots=True)
class Analysis:
    rows: list[Row]
    fits: dict[tuple[str, str], Fit]  # (workload, peer) -> fit
    comparisons: dict[str, Comparison]  # result id -> comparison with the baseline
    targets: list[Target]
    # result id -> the same comparison with each side divided by its run's asyncio floor
    relative: dict[str, Comparison] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # violated fail rules, readable
    unmatched_rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # caveats a reader must see

    def to_json(self) -> dict[str, Any]:
        return {
            "fits": [
                {"workload": workload, "peer": peer, **_fit_json(fit)}
                for (workload, peer), fit in self.fits.items()
            ],
            "comparisons": {key: asdict(value) for key, value in self.comparisons.items()},
            "relative_to_floor": {key: asdict(value) for key, value in self.relative.items()},
            "targets": [{**asdict(target), "status": target.status} for target in self.targets],
            "ratios": [_ratios_json(row) for row in self.rows if row.group in _RATIO_GROUPS],
            "failures": list(self.failures),
            "notes": list(self.notes),
        }


_RATIO_GROUPS = ("scheduler", "agents")
_RATIOS = (("langgraph", "warpgraph"), ("warpgraph", "asyncio"))


def _ratios_json(row: Row) -> dict[str, Any]:
    """Both ratios of a row, paired (with its interval) and of medians, side by side."""
    out: dict[str, Any] = {"workload": row.workload, "size": row.size}
    for numerator, denominator in _RATIOS:
        paired = row.paired_ratio(numerator, denominator)
        out[f"{numerator}/{denominator}"] = {
            "paired": None if paired is None else paired.ratio,
            "paired_ci": None if paired is None else [paired.ci_low, paired.ci_high],
            "of_medians": row.median_ratio(numerator, denominator),
        }
    return out


def _fit_json(fit: Fit) -> dict[str, Any]:
    data = asdict(fit)
    data["sizes"], data["times"] = list(fit.sizes), list(fit.times)
    return data


def analyse(
    results: Sequence[Result],
    baseline: Sequence[Result] = (),
    rules: Iterable[FailRule] = (),
) -> Analysis:
    """Build the report's rows, fits, comparisons and targets from one session's results."""
    comparisons = _compare(results, baseline)
    relative = _compare_to_floor(results, baseline)
    rows = _rows(results, comparisons, relative)
    analysis = Analysis(rows, _fits(results), comparisons, _targets(rows, results), relative)
    _apply_rules(analysis, results, list(rules))
    return analysis


def _compare(results: Sequence[Result], baseline: Sequence[Result]) -> dict[str, Comparison]:
    before = {result.id: result for result in baseline}
    return {
        result.id: compare_samples(result.samples, before[result.id].samples)
        for result in results
        if result.id in before
    }


def _compare_to_floor(
    results: Sequence[Result], baseline: Sequence[Result]
) -> dict[str, Comparison]:
    def floors(side: Sequence[Result]) -> dict[tuple[str, int], float]:
        return {(r.workload, r.size): r.median for r in side if r.peer == "asyncio"}

    now, before = floors(results), floors(baseline)
    earlier = {result.id: result for result in baseline}
    out = {}
    for result in results:
        key = (result.workload, result.size)
        if (
            result.peer == "asyncio"
            or result.id not in earlier
            or key not in now
            or key not in before
        ):
            continue
        out[result.id] = compare_samples(
            [s / now[key] for s in result.samples],
            [s / before[key] for s in earlier[result.id].samples],
        )
    return out


def _verdict(peer_id: str, comparisons: Mapping[str, Comparison],
             relative: Mapping[str, Comparison]) -> str:  # fmt: skip
    text = comparisons[peer_id].describe()
    if peer_id in relative:
        text += f"; relative to the floor: {relative[peer_id].describe()}"
    return text


def _rows(
    results: Sequence[Result],
    comparisons: Mapping[str, Comparison],
    relative: Mapping[str, Comparison],
) -> list[Row]:
    grouped: dict[tuple[str, int], list[Result]] = defaultdict(list)
    for result in results:  # dict order keeps the order the benchmarks ran in
        grouped[(result.workload, result.size)].append(result)
    rows = []
    for (workload, size), members in grouped.items():
        first = members[0]
        rows.append(
            Row(
                workload=workload,
                title=first.title,
                group=first.group,
                unit=first.unit,
                size=size,
                medians={m.peer: m.median for m in _by_peer(members)},
                verdicts={
                    m.peer: _verdict(m.id, comparisons, relative)
                    for m in _by_peer(members)
                    if m.id in comparisons
                },
                paired={
                    m.peer: paired
                    for m in members
                    if (paired := PairedRatio.from_json(m.extras.get("paired"))) is not None
                },
            )
        )
    order = {workload: i for i, workload in enumerate(dict.fromkeys(r.workload for r in results))}
    rows.sort(key=lambda row: (order[row.workload], row.size))
    return rows


def _by_peer(members: list[Result]) -> list[Result]:
    rank = {peer: i for i, peer in enumerate(PEERS)}
    return sorted(members, key=lambda m: rank.get(m.peer, len(rank)))


def _fits(results: Sequence[Result]) -> dict[tuple[str, str], Fit]:
    series: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for result in results:
        series[(result.workload, result.peer)][result.size] = result.median
    return {
        key: fit_series(list(points), list(points.values()))
        for key, points in series.items()
        if len(points) >= 2
    }


def _targets(rows: Sequence[Row], results: Sequence[Result]) -> list[Target]:
    scheduler = [row for row in rows if row.group == "scheduler"]
    lg = [(row, row.ratio("langgraph", "warpgraph")) for row in scheduler]
    lg_known = [(row, ratio) for row, ratio in lg if ratio is not None]
    floor = [
        (row, row.ratio("warpgraph", "asyncio"))
        for row in scheduler
        if row.workload in FLOOR_WORKLOADS
    ]
    floor_known = [(row, ratio) for row, ratio in floor if ratio is not None]
    targets = []
    if lg_known:
        worst_row, worst = min(lg_known, key=lambda pair: pair[1])
        targets.append(
            Target(
                f"≥ {LANGGRAPH_FACTOR:g}× less overhead than LangGraph on every scheduler workload",
                f"lowest: {worst:.1f}× ({worst_row.workload} {worst_row.size}"
                f"{_interval(worst_row, 'langgraph', 'warpgraph', '.1f')})",
                worst >= LANGGRAPH_FACTOR,
            )
        )
    else:
        targets.append(
            Target(
                f"≥ {LANGGRAPH_FACTOR:g}× less overhead than LangGraph",
                "needs warpgraph and langgraph",
                None,
            )
        )
    if floor_known:
        worst_row, worst = max(floor_known, key=lambda pair: pair[1])
        targets.append(
            Target(
                f"within {FLOOR_FACTOR:g}× of the asyncio floor on fan-out and map-reduce",
                f"highest: {worst:.2f}× ({worst_row.workload} {worst_row.size}"
                f"{_interval(worst_row, 'warpgraph', 'asyncio', '.2f')})",
                worst <= FLOOR_FACTOR,
            )
        )
    else:
        targets.append(
            Target(
                f"within {FLOOR_FACTOR:g}× of the asyncio floor",
                "needs warpgraph and asyncio",
                None,
            )
        )
    targets.extend(_throughput_targets(results))
    return targets


def _interval(row: Row, numerator: str, denominator: str, spec: str) -> str:
    """``; paired, 95 % CI a–b×`` for a paired ratio; nothing for a ratio of medians."""
    paired = row.paired_ratio(numerator, denominator)
    if paired is None:
        return ""
    return f"; paired, 95 % CI {paired.ci_low:{spec}}–{paired.ci_high:{spec}}×"


def _throughput_targets(results: Sequence[Result]) -> list[Target]:
    at_size = {
        r.peer: r for r in results if r.workload == "throughput" and r.size == THROUGHPUT_RUNS
    }
    ours = at_size.get("warpgraph")
    makespan_goal = f"{THROUGHPUT_RUNS:,} concurrent runs: virtual makespan == critical path"
    time_goal = f"{THROUGHPUT_RUNS:,} concurrent runs in ≤ {THROUGHPUT_SECONDS:g} s"
    if ours is None:
        why = "not measured in this run (full mode only)"
        return [Target(makespan_goal, why, None), Target(time_goal, why, None)]
    makespan, critical = ours.extras.get("virtual_makespan"), ours.extras.get("critical_path")
    return [
        Target(
            makespan_goal,
            f"{makespan} s vs {critical} s",
            bool(ours.extras.get("makespan_is_critical_path")),
        ),
        Target(
            time_goal,
            _time_measured(ours, at_size.get("asyncio")),
            ours.median <= THROUGHPUT_SECONDS,
        ),
    ]


def _time_measured(result: Result, floor: Result | None) -> str:
    """The median, and what puts it in context: the collector's share, the floor's time."""
    context = []
    without_gc = result.extras.get("time_without_gc")
    if without_gc is not None:
        context.append(f"{without_gc:.2f} s with the cyclic GC off")
    if floor is not None:  # the same runs written by hand, in the same process
        context.append(f"the asyncio floor {floor.median:.2f} s")
    return f"median {result.median:.2f} s" + (f" ({'; '.join(context)})" if context else "")


def _apply_rules(analysis: Analysis, results: Sequence[Result], rules: list[FailRule]) -> None:
    for rule in rules:
        # Rules guard warpgraph's own performance; peers are context, not the product.
        matched = [
            r for r in results if r.peer == "warpgraph" and rule.matches(r.metric, r.workload)
        ]
        compared = [r for r in matched if r.id in analysis.comparisons]
        if not compared:
            analysis.unmatched_rules.append(
                f"--graph-bench-fail {rule}: no warpgraph benchmark with that metric or "
                "workload was compared with the baseline"
            )
        for result in compared:
            # Relative to the floor when both runs measured it: a slower machine is not
            # a regression.
            relative = result.id in analysis.relative
            comparison = (analysis.relative if relative else analysis.comparisons)[result.id]
            if rule.violated_by(comparison):
                basis = "relative to the asyncio floor, " if relative else ""
                analysis.failures.append(
                    f"{result.id} ({result.metric}): {basis}{comparison.describe()}, "
                    f"beyond the {rule.threshold:.0%} allowed by {rule}"
                )
