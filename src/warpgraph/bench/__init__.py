"""The benchmark module: workloads, measurement, baselines and report writers.

``pytest --graph-bench`` runs every test marked ``graph_bench`` (warpgraph's own
``benchmarks/`` and any of yours), timing async workloads through pytest-benchmark on
one persistent event loop, and writes ``graph-bench.json``/``.md``/``.html``. The
pieces, each usable on its own:

* ``WORKLOADS``: scheduler overhead (chain, fan-out, Send map-reduce, wide state,
  compile), throughput in virtual time, and agent patterns on fake LLMs (ReAct,
  supervisor, map-reduce summarisation), each on warpgraph, a hand-written asyncio
  floor and LangGraph;
* ``Driver``: the sync-over-one-loop measurement through pytest-benchmark, and
  ``PairedRatio``: a peer timed against warpgraph in alternating batches;
* ``Stats``, ``fit_series``, ``compare_samples``: robust statistics, size-series fits
  and Mann–Whitney/bootstrap verdicts against a baseline;
* ``Report``: the pytest-benchmark-compatible JSON, and ``analyse`` plus the writers.
"""

from __future__ import annotations

from warpgraph.bench._agents import AGENT_WORKLOADS
from warpgraph.bench._analysis import Analysis, Row, Target, analyse
from warpgraph.bench._compare import (
    ALPHA,
    MIN_ROUNDS,
    Comparison,
    FailRule,
    compare_samples,
    parse_fail_rules,
)
from warpgraph.bench._driver import Budget, Driver, Measurement
from warpgraph.bench._fit import Fit, fit_series
from warpgraph.bench._paired import PairedRatio
from warpgraph.bench._peers import PEERS, GraphAPI, PeerUnavailable, graph_api, parse_peers
from warpgraph.bench._results import Report, Result
from warpgraph.bench._scheduler import SCHEDULER_WORKLOADS
from warpgraph.bench._session import BenchSession, BenchSettings
from warpgraph.bench._stats import Stats
from warpgraph.bench._throughput import THROUGHPUT_WORKLOADS
from warpgraph.bench._workload import Case, Prepared, Workload

WORKLOADS: tuple[Workload, ...] = SCHEDULER_WORKLOADS + THROUGHPUT_WORKLOADS + AGENT_WORKLOADS


def cases(
    *, quick: bool, peers: tuple[str, ...] = PEERS, workloads: tuple[Workload, ...] = WORKLOADS
) -> list[Case]:
    """Every case of ``workloads``, workload by workload, for the chosen mode and peers."""
    return [case for workload in workloads for case in workload.cases(quick=quick, peers=peers)]


__all__ = [
    "AGENT_WORKLOADS",
    "ALPHA",
    "MIN_ROUNDS",
    "PEERS",
    "SCHEDULER_WORKLOADS",
    "THROUGHPUT_WORKLOADS",
    "WORKLOADS",
    "Analysis",
    "BenchSession",
    "BenchSettings",
    "Budget",
    "Case",
    "Comparison",
    "Driver",
    "FailRule",
    "Fit",
    "GraphAPI",
    "Measurement",
    "PairedRatio",
    "PeerUnavailable",
    "Prepared",
    "Report",
    "Result",
    "Row",
    "Stats",
    "Target",
    "Workload",
    "analyse",
    "cases",
    "compare_samples",
    "fit_series",
    "graph_api",
    "parse_fail_rules",
    "parse_peers",
]
