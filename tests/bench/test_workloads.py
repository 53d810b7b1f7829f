"""Every workload computes the same, checked answer on every peer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from warpgraph.bench import SCHEDULER_WORKLOADS, THROUGHPUT_WORKLOADS, WORKLOADS, Case, cases
from warpgraph.bench._driver import _new_loop
from warpgraph.bench._peers import GraphAPI, graph_api, parse_peers

SMALL = [
    Case(workload, peer, workload.quick_sizes[0])
    for workload in WORKLOADS
    for peer in workload.peers
]


@pytest.fixture
def loops() -> Iterator[dict[str, asyncio.AbstractEventLoop]]:
    made: dict[str, asyncio.AbstractEventLoop] = {}
    yield made
    for loop in made.values():
        loop.close()


@pytest.mark.parametrize("case", SMALL, ids=[case.id for case in SMALL])
def test_each_workload_passes_its_own_check_on_each_peer(
    case: Case, loops: dict[str, asyncio.AbstractEventLoop]
) -> None:
    clock = case.workload.clock
    loop = loops.setdefault(clock, _new_loop(clock))
    prepared = case.workload.prepare(case.peer, case.size)

    for _ in range(2):  # a second call must work too: rounds reuse the prepared graph
        prepared.check(loop.run_until_complete(prepared.call()))


def test_concurrent_runs_finish_at_exactly_the_critical_path_in_virtual_time(
    loops: dict[str, asyncio.AbstractEventLoop],
) -> None:
    loop = loops.setdefault("virtual", _new_loop("virtual"))
    prepared = THROUGHPUT_WORKLOADS[0].prepare("warpgraph", 50)

    prepared.check(loop.run_until_complete(prepared.call()))

    assert prepared.extras() == {
        "virtual_makespan": 1.0,
        "virtual_makespan_min": 1.0,
        "critical_path": 1.0,
        "makespan_is_critical_path": True,
    }


def test_a_wrong_answer_fails_the_check_with_what_was_expected() -> None:
    chain = SCHEDULER_WORKLOADS[0]
    prepared = chain.prepare("asyncio", 10)

    with pytest.raises(
        AssertionError, match=r"^chain of 10 on asyncio: expected \{'x': 10\}, got \{'x': 9\}$"
    ):
        prepared.check({"x": 9})


def test_langgraph_is_capped_at_a_thousand_concurrent_runs_with_a_reason() -> None:
    throughput = THROUGHPUT_WORKLOADS[0]

    assert throughput.unavailable("langgraph", 1000) is None
    assert throughput.unavailable("warpgraph", 10000) is None
    assert throughput.unavailable("langgraph", 10000) == (
        "throughput on langgraph is measured up to 1,000 runs: about 10 s per 1,000 runs here, "
        "so 10,000 would take minutes per round; its growth is fitted from smaller sizes"
    )


def test_quick_mode_uses_the_small_sizes_and_only_the_chosen_peers() -> None:
    chosen = cases(quick=True, peers=("asyncio",))

    assert {case.peer for case in chosen} == {"asyncio"}
    names = {case.workload.name for case in chosen}
    # Every workload but compile, which has no asyncio floor.
    assert names == {w.name for w in WORKLOADS} - {"compile"}
    assert max(case.size for case in chosen) == 100


def test_the_graph_peers_share_one_api() -> None:
    api = graph_api("langgraph")

    assert isinstance(api, GraphAPI)
    assert (api.START, api.END) == ("__start__", "__end__")


def test_asyncio_has_no_graph_api() -> None:
    with pytest.raises(
        ValueError,
        match=r"^peer 'asyncio' has no graph API; graph peers are warpgraph and langgraph$",
    ):
        graph_api("asyncio")


def test_peers_parse_in_canonical_order() -> None:
    assert parse_peers("langgraph, warpgraph") == ("warpgraph", "langgraph")
    with pytest.raises(ValueError, match=r"^--graph-bench-peers: unknown peer\(s\) \(none\); "):
        parse_peers(" , ")


def test_the_public_surface_lists_exactly_the_public_names() -> None:
    import warpgraph.bench as bench

    modules = {name for name, value in vars(bench).items() if isinstance(value, type(bench))}
    public = {name for name in vars(bench) if not name.startswith("_")} - modules - {"annotations"}

    assert set(bench.__all__) == public
    assert len(bench.__all__) == len(set(bench.__all__))
