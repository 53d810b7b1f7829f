"""Benchmark results and the JSON file that stores them.

``graph-bench.json`` is a pytest-benchmark JSON file: the same top-level keys
(``machine_info``, ``commit_info``, ``benchmarks``, ``datetime``, ``version``) and one
entry per benchmark with pytest-benchmark's ``stats`` (per call, ``data`` holding
every sample, ``iterations`` the calls per round), so ``pytest-benchmark compare``
and other tooling read it as is. Our additions ride where that format has room for
them: each benchmark's ``extra_info["graph_bench"]`` (workload, peer, size, unit,
metric and measured extras), and a top-level ``graph_bench`` section (run settings,
fits, comparisons, targets) that pytest-benchmark ignores.

A saved file is also a baseline: ``Report.from_json`` reads the samples back for
``--graph-bench-compare``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_benchmark.stats import Stats as _PytestBenchmarkStats

from warpgraph.bench._stats import Stats

__all__ = ["SCHEMA_VERSION", "Report", "Result"]

# pytest-benchmark ships no annotations for its Stats; use it through Any.
PytestBenchmarkStats: Any = _PytestBenchmarkStats

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Result:
    """One case's measurement: seconds per call, one sample per round."""

    id: str  # "chain-100-warpgraph": stable across runs, the key for comparisons
    workload: str
    title: str
    group: str  # report section: scheduler, throughput, agents, user
    metric: str
    unit: str
    peer: str
    size: int
    samples: tuple[float, ...]
    calls_per_round: int = 1
    extras: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""  # the pytest test name and node id that measured it
    fullname: str = ""
    timer: str = "time.perf_counter"  # what pytest-benchmark timed the rounds with

    @property
    def stats(self) -> Stats:
        return Stats(self.samples)

    @property
    def median(self) -> float:
        return self.stats.median

    @property
    def per_unit(self) -> float:
        """Median seconds per unit of size (per node, per run...)."""
        return self.median / self.size

    def to_json(self) -> dict[str, Any]:
        theirs = PytestBenchmarkStats()
        for sample in self.samples:
            theirs.update(sample)
        stats = theirs.as_dict()
        stats["data"] = list(self.samples)
        stats["iterations"] = self.calls_per_round
        info = {
            "id": self.id,
            "workload": self.workload,
            "title": self.title,
            "group": self.group,
            "metric": self.metric,
            "unit": self.unit,
            "peer": self.peer,
            "size": self.size,
            "per_unit_median": self.per_unit,
            **self.extras,
        }
        return {
            "group": self.workload,
            "name": self.name or self.id,
            "fullname": self.fullname or self.id,
            "params": {"peer": self.peer, "size": self.size},
            "param": f"{self.peer}-{self.size}",
            "extra_info": {"graph_bench": info},
            "options": {"timer": self.timer, "calls_per_round": self.calls_per_round},
            "stats": stats,
        }

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Result:
        info = dict(entry["extra_info"]["graph_bench"])
        known = {"id", "workload", "title", "group", "metric", "unit", "peer", "size"}
        extras = {key: value for key, value in info.items() if key not in known}
        extras.pop("per_unit_median", None)
        return cls(
            id=info["id"],
            workload=info["workload"],
            title=info["title"],
            group=info["group"],
            metric=info["metric"],
            unit=info["unit"],
            peer=info["peer"],
            size=int(info["size"]),
            samples=tuple(float(s) for s in entry["stats"]["data"]),
            calls_per_round=int(entry["stats"].get("iterations", 1)),
            extras=extras,
            name=entry.get("name", ""),
            fullname=entry.get("fullname", ""),
            timer=str(entry.get("options", {}).get("timer", "time.perf_counter")),
        )


@dataclass(slots=True)
class Report:
    """Everything one session measured, with where and when."""

    results: list[Result]
    machine_info: Mapping[str, Any] = field(default_factory=dict)
    commit_info: Mapping[str, Any] = field(default_factory=dict)
    datetime: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)  # quick, peers, budget...
    analysis: Mapping[str, Any] = field(default_factory=dict)  # fits, comparisons, targets

    def by_id(self) -> dict[str, Result]:
        return {result.id: result for result in self.results}

    def to_json(self, version: str) -> dict[str, Any]:
        return {
            "machine_info": dict(self.machine_info),
            "commit_info": dict(self.commit_info),
            "benchmarks": [result.to_json() for result in self.results],
            "datetime": self.datetime,
            "version": version,
            "graph_bench": {
                "schema": SCHEMA_VERSION,
                "settings": dict(self.settings),
                **self.analysis,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        results = [
            Result.from_json(entry)
            for entry in data.get("benchmarks", [])
            if "graph_bench" in entry.get("extra_info", {})
        ]
        section = data.get("graph_bench", {})
        return cls(
            results=results,
            machine_info=data.get("machine_info", {}),
            commit_info=data.get("commit_info", {}),
            datetime=data.get("datetime", ""),
            settings=section.get("settings", {}),
        )

    @classmethod
    def load(cls, path: Path) -> Report:
        """Read a saved ``graph-bench.json`` (a baseline); the error names the file and why."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(
                f"--graph-bench-compare: {str(path)!r} does not exist; pass a graph-bench.json "
                "written by an earlier `pytest --graph-bench` run"
            ) from None
        except json.JSONDecodeError as error:
            raise ValueError(
                f"--graph-bench-compare: {str(path)!r} is not JSON ({error})"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
            raise ValueError(
                f"--graph-bench-compare: {str(path)!r} is not a pytest-benchmark/graph-bench JSON "
                "file (no 'benchmarks' list)"
            )
        return cls.from_json(data)
