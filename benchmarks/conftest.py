"""Parametrizes warpgraph's benchmarks by the ``--graph-bench*`` options.

Which sizes run depends on ``--graph-bench-quick`` and which peers on
``--graph-bench-peers``, so the cases are generated at collection time: every test
here that takes a ``case`` gets one per case of its module's ``WORKLOADS``.
"""

from __future__ import annotations

import pytest

from warpgraph.bench import cases, parse_peers


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    config = metafunc.config
    found = cases(
        quick=bool(config.getoption("graph_bench_quick")),
        peers=parse_peers(config.getoption("graph_bench_peers")),
        workloads=metafunc.module.WORKLOADS,
    )
    metafunc.parametrize("case", found, ids=[case.id for case in found])
