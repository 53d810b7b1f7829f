"""From results to rows, ratios, fits, targets and rule failures."""

from __future__ import annotations

import dataclasses

import pytest
from bench_results import make_result

from warpgraph.bench import Result, analyse, parse_fail_rules


def test_rows_put_the_peers_of_one_workload_and_size_side_by_side(results: list[Result]) -> None:
    analysis = analyse(results)

    chain_100 = next(r for r in analysis.rows if (r.workload, r.size) == ("chain", 100))
    assert chain_100.medians == pytest.approx(
        {"warpgraph": 300e-6, "asyncio": 200e-6, "langgraph": 15e-3}
    )
    assert chain_100.ratio("langgraph", "warpgraph") == pytest.approx(50.0)
    assert chain_100.ratio("warpgraph", "asyncio") == pytest.approx(1.5)
    assert chain_100.per_unit("warpgraph") == pytest.approx(3e-6)
    assert [(r.workload, r.size) for r in analysis.rows][:4] == [
        ("chain", 10), ("chain", 100), ("chain", 1000), ("fanout", 10),
    ]  # fmt: skip


def test_a_missing_peer_gives_no_ratio() -> None:
    analysis = analyse([make_result("compile", "warpgraph", 10, 1e-3)])

    assert analysis.rows[0].ratio("warpgraph", "asyncio") is None


def test_every_series_with_two_sizes_is_fitted(results: list[Result]) -> None:
    analysis = analyse(results)

    fit = analysis.fits[("chain", "warpgraph")]
    assert fit.slope == pytest.approx(3e-6)
    assert fit.growth == "linear"
    assert len(analysis.fits) == 4 * 3 + 2 + 3


def test_targets_read_the_numbers_that_decide_them(results: list[Result]) -> None:
    # In these results compile is only 3x faster than LangGraph: the first target is missed.
    targets = analyse(results).targets

    assert [(t.status, t.measured) for t in targets] == [
        ("missed", "lowest: 3.0× (compile 10)"),
        ("met", "highest: 1.50× (fanout 10)"),
        ("met", "1.0 s vs 1.0 s"),
        ("met", "median 0.50 s (0.25 s with the cyclic GC off; the asyncio floor 0.20 s)"),
    ]


def test_the_throughput_target_reads_without_a_floor_or_a_gc_probe_too() -> None:
    extras = {"virtual_makespan": 1.0, "critical_path": 1.0, "makespan_is_critical_path": True}
    results = [make_result("throughput", "warpgraph", 10000, 2.5, rounds=5, extras=extras)]

    target = analyse(results).targets[-1]

    assert (target.status, target.measured) == ("missed", "median 2.50 s")


def test_the_langgraph_target_names_the_worst_workload() -> None:
    results = [
        make_result("chain", "warpgraph", 10, 1e-3),
        make_result("chain", "langgraph", 10, 50e-3),
        make_result("fanout", "warpgraph", 10, 1e-3),
        make_result("fanout", "langgraph", 10, 20e-3),
    ]

    target = analyse(results).targets[0]

    assert (target.status, target.measured) == ("missed", "lowest: 20.0× (fanout 10)")


def test_the_floor_target_covers_only_fanout_and_mapreduce() -> None:
    results = [
        make_result("chain", "warpgraph", 10, 9e-3),  # 9x the floor, but chains don't count
        make_result("chain", "asyncio", 10, 1e-3),
        make_result("mapreduce", "warpgraph", 10, 2.5e-3),
        make_result("mapreduce", "asyncio", 10, 1e-3),
    ]

    target = analyse(results).targets[1]

    assert (target.status, target.measured) == ("missed", "highest: 2.50× (mapreduce 10)")


def test_throughput_targets_read_the_10000_run_case() -> None:
    slow = make_result(
        "throughput", "warpgraph", 10000, 2.5,
        extras={"virtual_makespan": 1.5, "critical_path": 1.0, "makespan_is_critical_path": False},
    )  # fmt: skip

    makespan, real_time = analyse([slow]).targets[2:]

    assert (makespan.status, makespan.measured) == ("missed", "1.5 s vs 1.0 s")
    assert (real_time.status, real_time.measured) == ("missed", "median 2.50 s")


def test_targets_without_their_peers_are_not_measured() -> None:
    targets = analyse([make_result("chain", "asyncio", 10, 1e-3)]).targets

    assert [t.status for t in targets] == ["not measured"] * 4


def _slower(result: Result, factor: float) -> Result:
    return dataclasses.replace(result, samples=tuple(s * factor for s in result.samples))


def test_a_significant_regression_beyond_the_threshold_is_a_failure(results: list[Result]) -> None:
    current = [_slower(r, 1.25) if r.id == "chain-100-warpgraph" else r for r in results]

    analysis = analyse(current, results, parse_fail_rules("overhead_per_node:10%"))

    assert analysis.comparisons["chain-100-warpgraph"].verdict == "slower"
    assert analysis.comparisons["chain-10-warpgraph"].verdict == "no change"
    assert len(analysis.failures) == 1
    assert analysis.failures[0].startswith(
        "chain-100-warpgraph (overhead_per_node): relative to the asyncio floor, slower +25.0% "
    )
    assert analysis.failures[0].endswith("beyond the 10% allowed by overhead_per_node:10%")


def test_a_regression_within_the_threshold_is_reported_but_passes(results: list[Result]) -> None:
    current = [_slower(r, 1.05) if r.id == "chain-100-warpgraph" else r for r in results]

    analysis = analyse(current, results, parse_fail_rules("chain:10%"))

    assert analysis.comparisons["chain-100-warpgraph"].verdict == "slower"
    assert analysis.failures == []
    row = next(r for r in analysis.rows if r.workload == "chain" and r.size == 100)
    assert row.verdicts["warpgraph"].startswith("slower +5.0%")


def test_peers_other_than_warpgraph_never_fail_the_session(results: list[Result]) -> None:
    current = [_slower(r, 2.0) if r.peer == "langgraph" else r for r in results]

    assert analyse(current, results, parse_fail_rules("*:10%")).failures == []


def test_a_rule_that_matches_nothing_is_reported(results: list[Result]) -> None:
    analysis = analyse(results, results, parse_fail_rules("overhead_per_fish:10%"))

    assert analysis.unmatched_rules == [
        "--graph-bench-fail overhead_per_fish:10%: no warpgraph benchmark with that metric or "
        "workload was compared with the baseline"
    ]


def test_the_report_reads_scheduler_then_throughput_then_agents_whatever_ran_first(
    results: list[Result],
) -> None:
    from warpgraph.bench._session import canonical_order

    shuffled = list(reversed(results))

    ordered = canonical_order(shuffled)

    groups = list(dict.fromkeys(r.group for r in ordered))
    assert groups == ["scheduler", "throughput"]
    first = [(r.workload, r.size, r.peer) for r in ordered[:3]]
    assert first == [("compile", 10, "warpgraph"), ("compile", 10, "langgraph"),
                     ("compile", 100, "warpgraph")]  # fmt: skip


def test_a_machine_that_got_slower_is_not_a_regression(results: list[Result]) -> None:
    # Every peer, the floor included, takes 30 % longer: the machine, not warpgraph.
    current = [_slower(r, 1.3) for r in results]

    analysis = analyse(current, results, parse_fail_rules("chain:10%,fanout:10%"))

    assert analysis.comparisons["chain-100-warpgraph"].verdict == "slower"
    assert analysis.relative["chain-100-warpgraph"].verdict == "no change"
    assert analysis.failures == []
    row = next(r for r in analysis.rows if r.workload == "chain" and r.size == 100)
    assert "; relative to the floor: no change (+0.0%, p=" in row.verdicts["warpgraph"]


def test_without_a_floor_the_raw_comparison_decides() -> None:
    baseline = [make_result("compile", "warpgraph", 100, 1e-3)]
    current = [_slower(baseline[0], 1.5)]

    analysis = analyse(current, baseline, parse_fail_rules("compile:10%"))

    assert analysis.relative == {}
    assert analysis.failures[0].startswith(
        "compile-100-warpgraph (compile_per_node): slower +50.0%"
    )
