"""Every example is also a benchmark workload; this pins the hook its docstring promises.

The contract: ``build_graph()`` with no arguments returns a ``CompiledGraph`` with
fresh fakes; one run is ``ainvoke(INPUT, config=CONFIG)`` (``CONFIG`` only where
the module defines it) or, for the batch example, ``abatch(INPUTS, config=CONFIG)``;
it takes exactly ``VIRTUAL_SECONDS`` of virtual time; and the same compiled graph
serves further runs (the benchmark driver times many rounds of one graph).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from warpgraph import CompiledGraph
from warpgraph.testing import VirtualClock

EXAMPLES = [
    "mixed_sync_async",
    "fan_out_fan_in",
    "react_agent",
    "map_reduce",
    "supervisor_workers",
    "speculative_execution",
    "batch_async",
    "production_controls",
]


async def one_round(module: ModuleType, app: CompiledGraph) -> Any:
    config = getattr(module, "CONFIG", None)
    if hasattr(module, "INPUTS"):
        return await app.abatch(module.INPUTS, config=config)
    return await app.ainvoke(module.INPUT, config=config)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_builds_a_graph_whose_run_takes_its_documented_virtual_time(
    name: str,
) -> None:
    module = importlib.import_module(name)
    app = module.build_graph()
    assert isinstance(app, CompiledGraph)
    assert callable(module.main)
    clock = VirtualClock()

    async def two_rounds() -> tuple[float, float]:
        with clock.measure() as first:
            await one_round(module, app)
        with clock.measure() as second:
            await one_round(module, app)
        return first.elapsed, second.elapsed

    first, second = clock.run(two_rounds())

    assert first == module.VIRTUAL_SECONDS
    if name == "production_controls":
        assert second == 1.0  # its provider is flaky on the first two calls only
    else:
        assert second == module.VIRTUAL_SECONDS
