"""A benchmark session: settings, the driver, the results, and the reports at the end.

The pytest plugin creates one ``BenchSession`` per pytest session (in
``config.stash``), the ``graph_bench`` fixture measures through it, and at the end
of the session it analyses the results against the baseline and writes the reports.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warpgraph.bench._analysis import Analysis, analyse
from warpgraph.bench._compare import FailRule, parse_fail_rules
from warpgraph.bench._driver import BenchmarkFixture, Budget, Driver, Progress
from warpgraph.bench._paired import PairedRatio
from warpgraph.bench._peers import PEERS, PeerUnavailable, parse_peers
from warpgraph.bench._results import Report, Result
from warpgraph.bench._workload import Call, Case, Clock, Prepared

__all__ = ["BenchSession", "BenchSettings"]

FULL_BUDGET = Budget(seconds=1.0)
QUICK_BUDGET = Budget(
    seconds=0.15, max_rounds=50, pair_batch_seconds=0.01, pair_seconds=0.3, min_pairs=7,
    max_pairs=9,
)  # fmt: skip
# Groups whose peers are also timed against warpgraph in alternating batches (the
# ratios the report and its targets are read from); throughput reports runs/s instead.
PAIRED_GROUPS = ("scheduler", "agents")
REPORT_NAMES = ("graph-bench.json", "graph-bench.md", "graph-bench.html")


@dataclass(frozen=True, slots=True)
class BenchSettings:
    """The ``--graph-bench*`` options, parsed and checked."""

    enabled: bool = False
    report_dir: Path = Path("reports")
    compare: Path | None = None
    rules: tuple[FailRule, ...] = ()
    quick: bool = False
    peers: tuple[str, ...] = PEERS
    # "cpu": this process's CPU time (time.process_time), which other processes on a
    # shared machine cannot inflate; "wall": time.perf_counter.
    timer: str = "cpu"

    @property
    def timer_function(self) -> Callable[[], float]:
        return time.process_time if self.timer == "cpu" else time.perf_counter

    @property
    def timer_name(self) -> str:
        return "time.process_time" if self.timer == "cpu" else "time.perf_counter"

    @classmethod
    def parse(
        cls,
        *,
        enabled: bool,
        report_dir: str,
        compare: str | None,
        fail: list[str],
        quick: bool,
        peers: str,
        base: Path,
        timer: str = "cpu",
    ) -> BenchSettings:
        """Check option values; a ``ValueError`` names the option and the fix."""
        rules = parse_fail_rules(fail) if fail else ()
        if rules and compare is None:
            raise ValueError(
                "--graph-bench-fail needs a baseline to compare with; "
                "add --graph-bench-compare=PATH (a graph-bench.json from an earlier run)"
            )
        if timer not in ("cpu", "wall"):
            raise ValueError(f"--graph-bench-timer: {timer!r} is not cpu or wall")
        return cls(
            enabled=enabled,
            timer=timer,
            report_dir=base / report_dir,
            compare=None if compare is None else base / compare,
            rules=rules,
            quick=quick,
            peers=parse_peers(peers),
        )


@dataclass(slots=True)
class BenchSession:
    settings: BenchSettings
    machine_info: Mapping[str, Any] = field(default_factory=dict)
    commit_info: Mapping[str, Any] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)
    baseline: Report | None = None
    analysis: Analysis | None = None
    written: list[Path] = field(default_factory=list)
    _driver: Driver | None = None

    def driver(self, progress: Progress) -> Driver:
        if self._driver is None:
            self._driver = Driver(
                QUICK_BUDGET if self.settings.quick else FULL_BUDGET,
                timer=self.settings.timer_function,
            )
        self._driver.progress = progress
        return self._driver

    def load_baseline(self) -> None:
        if self.settings.compare is not None:
            self.baseline = Report.load(self.settings.compare)

    def measure_case(
        self,
        case: Case,
        benchmark: Callable[[], BenchmarkFixture],
        progress: Progress,
        *,
        name: str = "",
        fullname: str = "",
    ) -> Result:
        """Measure one (workload, peer, size) case; ``PeerUnavailable`` if it cannot run here."""
        if case.peer not in self.settings.peers:
            raise PeerUnavailable(
                f"peer {case.peer!r} is not selected (--graph-bench-peers="
                f"{','.join(self.settings.peers)})"
            )
        workload = case.workload
        reason = workload.unavailable(case.peer, case.size)
        if reason is not None:
            raise PeerUnavailable(reason)
        prepared = workload.prepare(case.peer, case.size)
        measurement = self.driver(progress).measure(
            prepared,
            benchmark,
            label=case.id,
            clock=workload.clock,
            min_rounds=workload.min_rounds,
            memory_units=case.size if case.size <= workload.memory_up_to else None,
            gc_probe=workload.gc_probe,
        )
        extras = dict(measurement.extras)
        paired = self._pair(case, prepared, progress)
        if paired is not None:
            extras["paired"] = paired.to_json()
        result = Result(
            id=case.id,
            workload=workload.name,
            title=workload.title,
            group=workload.group,
            metric=workload.metric,
            unit=workload.unit,
            peer=case.peer,
            size=case.size,
            samples=measurement.samples,
            calls_per_round=measurement.calls_per_round,
            extras=extras,
            name=name,
            fullname=fullname,
            timer=self.settings.timer_name,
        )
        self.results.append(result)
        return result

    def _pair(self, case: Case, prepared: Prepared, progress: Progress) -> PairedRatio | None:
        """This peer against warpgraph in alternating batches, where both can run here."""
        workload = case.workload
        if (
            case.peer == "warpgraph"
            or workload.group not in PAIRED_GROUPS
            or "warpgraph" not in workload.peers
            or "warpgraph" not in self.settings.peers
            or workload.unavailable("warpgraph", case.size) is not None
        ):
            return None
        try:
            ours = workload.prepare("warpgraph", case.size)
        except PeerUnavailable:
            return None
        return self.driver(progress).pair(prepared, ours, label=case.id, clock=workload.clock)

    def measure_call(
        self,
        call: Call,
        benchmark: Callable[[], BenchmarkFixture],
        progress: Progress,
        *,
        name: str,
        fullname: str,
        size: int,
        unit: str,
        metric: str,
        clock: Clock,
        min_rounds: int,
        check: Any,
    ) -> Result:
        """Measure a user's async callable (the ``graph_bench`` fixture's own API)."""
        prepared = Prepared(call, check if check is not None else (lambda result: None))
        measurement = self.driver(progress).measure(
            prepared, benchmark, label=name, clock=clock, min_rounds=min_rounds
        )
        result = Result(
            id=name,
            workload=name,
            title=name,
            group="user",
            metric=metric,
            unit=unit,
            peer="warpgraph",
            size=size,
            samples=measurement.samples,
            calls_per_round=measurement.calls_per_round,
            extras=measurement.extras,
            name=name,
            fullname=fullname,
            timer=self.settings.timer_name,
        )
        self.results.append(result)
        return result

    def finish(self, version: str) -> Analysis | None:
        """Analyse and write the reports; returns the analysis (None if nothing ran)."""
        if self._driver is not None:
            self._driver.close()
        if not self.results:
            return None
        from warpgraph.bench._report_html import render_html
        from warpgraph.bench._report_md import render_markdown

        self.results = canonical_order(self.results)
        baseline = self.baseline.results if self.baseline is not None else []
        self.analysis = analyse(self.results, baseline, self.settings.rules)
        self.analysis.notes += self._baseline_notes()
        report = Report(
            results=self.results,
            machine_info=self.machine_info,
            commit_info=self.commit_info,
            datetime=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            settings={
                "quick": self.settings.quick,
                "timer": self.settings.timer_name,
                "peers": list(self.settings.peers),
                "baseline": None if self.settings.compare is None else str(self.settings.compare),
                "fail_rules": [str(rule) for rule in self.settings.rules],
            },
            analysis=self.analysis.to_json(),
        )
        directory = self.settings.report_dir
        directory.mkdir(parents=True, exist_ok=True)
        json_path, md_path, html_path = (directory / name for name in REPORT_NAMES)
        json_path.write_text(json.dumps(report.to_json(version), indent=2) + "\n", "utf-8")
        md_path.write_text(render_markdown(report, self.analysis), "utf-8")
        html_path.write_text(render_html(report, self.analysis), "utf-8")
        self.written = [json_path, md_path, html_path]
        return self.analysis

    def _baseline_notes(self) -> list[str]:
        if self.baseline is None:
            return []
        theirs = {result.timer for result in self.baseline.results}
        if theirs and theirs != {self.settings.timer_name}:
            return [
                f"the baseline was timed with {', '.join(sorted(theirs))} and this run with "
                f"{self.settings.timer_name}: the verdicts compare different clocks; rerun one "
                "side with --graph-bench-timer to match"
            ]
        return []


_GROUPS = ("scheduler", "throughput", "agents")


def canonical_order(results: list[Result]) -> list[Result]:
    """Results in reading order: scheduler, throughput, agents, then the user's; within a
    group, workloads in the order they ran, then by size and peer."""
    workloads = list(dict.fromkeys(r.workload for r in results))
    peers = {peer: i for i, peer in enumerate(PEERS)}

    def key(result: Result) -> tuple[int, int, int, int]:
        group = _GROUPS.index(result.group) if result.group in _GROUPS else len(_GROUPS)
        return (group, workloads.index(result.workload), result.size,
                peers.get(result.peer, len(peers)))  # fmt: skip

    return sorted(results, key=key)
