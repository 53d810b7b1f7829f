"""`pytest --graph-bench` end to end, in a throwaway project (pytester)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _quiet_ini(pytester: pytest.Pytester) -> None:
    # The throwaway project configures pytest-asyncio as ours does, so it does not warn.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


BENCH = """
import pytest

async def add_up():
    return sum(range(100))

@pytest.mark.graph_bench
def test_add_up(graph_bench):
    result = graph_bench(add_up, size=100, unit="item", check=lambda total: None)
    assert result.samples

def test_an_ordinary_test():
    assert True
"""


def _write_baseline(pytester: pytest.Pytester, seconds: float) -> str:
    """A saved report whose only benchmark took ``seconds`` per call in every round."""
    entry = {
        "group": "test_add_up", "name": "test_add_up", "fullname": "test_bench.py::test_add_up",
        "params": None, "param": None, "options": {},
        "extra_info": {"graph_bench": {
            "id": "test_add_up", "workload": "test_add_up", "title": "test_add_up",
            "group": "user", "metric": "time_per_call", "unit": "item", "peer": "warpgraph",
            "size": 100,
        }},
        "stats": {"data": [seconds] * 20, "iterations": 1},
    }  # fmt: skip
    path = pytester.path / "baseline.json"
    path.write_text(json.dumps({"benchmarks": [entry], "machine_info": {}, "commit_info": {}}))
    return str(path)


def test_without_the_flag_benchmarks_are_skipped_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bench=BENCH)

    run = pytester.runpytest("-rs")

    run.assert_outcomes(passed=1, skipped=1)
    run.stdout.fnmatch_lines(["*graph benchmark: run it with `pytest --graph-bench`*"])
    assert not (pytester.path / "reports").exists()


def test_with_the_flag_only_benchmarks_run_and_three_reports_are_written(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_bench=BENCH)

    run = pytester.runpytest("--graph-bench", "--graph-bench-quick", "--graph-bench-report=out")

    run.assert_outcomes(passed=1, deselected=1)
    out = pytester.path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "graph-bench.html", "graph-bench.json", "graph-bench.md",
    ]  # fmt: skip
    data = json.loads((out / "graph-bench.json").read_text())
    (entry,) = data["benchmarks"]
    assert entry["name"] == "test_add_up"
    assert entry["extra_info"]["graph_bench"]["unit"] == "item"
    assert entry["stats"]["rounds"] >= 5
    assert len(entry["stats"]["data"]) == entry["stats"]["rounds"]
    assert data["graph_bench"]["settings"]["quick"] is True
    # CPU time by default: other engineers' processes on a shared machine cannot inflate it.
    assert entry["options"]["timer"] == "time.process_time"
    assert "| Benchmark | Size | warpgraph |" in (out / "graph-bench.md").read_text()
    run.stdout.fnmatch_lines(["*= graph-bench =*", "*reports: *graph-bench.json*"])


def test_a_failing_check_fails_the_benchmark_with_its_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bench="""
        import pytest

        async def wrong():
            return 41

        def must_be_42(value):
            assert value == 42, f"expected 42, got {value}"

        @pytest.mark.graph_bench
        def test_wrong(graph_bench):
            graph_bench(wrong, check=must_be_42)
        """
    )

    run = pytester.runpytest("--graph-bench", "--graph-bench-quick")

    run.assert_outcomes(failed=1)
    run.stdout.fnmatch_lines(["*AssertionError: expected 42, got 41*"])
    run.stdout.no_fnmatch_line("*Benchmark fixture was not used*")


def test_verbose_runs_show_a_progress_line_per_benchmark(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bench=BENCH)

    run = pytester.runpytest("--graph-bench", "--graph-bench-quick", "-v")

    run.stdout.fnmatch_lines(["graph-bench [[]1/1[]] test_add_up: * rounds x * calls, ~* s"])


def test_the_options_are_listed_in_the_warpgraph_group(pytester: pytest.Pytester) -> None:
    run = pytester.runpytest("--help")

    run.stdout.fnmatch_lines([
        "warpgraph:",
        "*--graph-bench *run the benchmarks*",
        "*--graph-bench-report=DIR*",
        "*--graph-bench-compare=PATH*",
        "*--graph-bench-fail=EXPR*",
        "*--graph-bench-quick*",
        "*--graph-bench-peers=LIST*",
    ], consecutive=False)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--graph-bench-fail=chain:10%"],
         "ERROR: --graph-bench-fail needs a baseline to compare with; add "
         "--graph-bench-compare=PATH (a graph-bench.json from an earlier run)"),
        (["--graph-bench-fail=chain", "--graph-bench-compare=x.json"],
         "ERROR: --graph-bench-fail: 'chain' is not METRIC:PERCENT; write e.g. "
         "overhead_per_node:10% (or chain:10%, or *:10%)"),
        (["--graph-bench-peers=warpgraph,trio"],
         "ERROR: --graph-bench-peers: unknown peer(s) 'trio'; choose from "
         "warpgraph,asyncio,langgraph"),
    ],
    ids=["fail-without-baseline", "malformed-rule", "unknown-peer"],
)  # fmt: skip
def test_bad_options_stop_the_run_with_a_message_naming_the_fix(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    run = pytester.runpytest("--graph-bench", *args)

    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert message in run.stderr.lines


def test_a_missing_baseline_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    run = pytester.runpytest("--graph-bench", "--graph-bench-compare=missing.json")

    assert run.ret == pytest.ExitCode.USAGE_ERROR
    run.stderr.fnmatch_lines(["ERROR: --graph-bench-compare: '*missing.json' does not exist; *"])


def test_a_significant_regression_beyond_the_threshold_fails_the_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_bench=BENCH)
    # Every baseline round took a nanosecond: any real call is far slower.
    baseline = _write_baseline(pytester, 1e-9)

    run = pytester.runpytest(
        "--graph-bench", "--graph-bench-quick", f"--graph-bench-compare={baseline}",
        "--graph-bench-fail=time_per_call:10%",
    )  # fmt: skip

    assert run.ret == pytest.ExitCode.TESTS_FAILED
    run.assert_outcomes(passed=1, deselected=1)
    run.stdout.fnmatch_lines([
        "REGRESSION test_add_up (time_per_call): slower +*% * beyond the 10% allowed by "
        "time_per_call:10%",
    ])  # fmt: skip


def test_a_faster_run_passes_and_the_report_says_faster(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bench=BENCH)
    baseline = _write_baseline(pytester, 10.0)

    run = pytester.runpytest(
        "--graph-bench", "--graph-bench-quick", f"--graph-bench-compare={baseline}",
        "--graph-bench-fail=*:10%",
    )  # fmt: skip

    assert run.ret == pytest.ExitCode.OK
    report = (pytester.path / "reports" / "graph-bench.md").read_text()
    assert "warpgraph: faster -100.0%" in report
    # The hand-written baseline names no timer, so it counts as wall time: say so.
    run.stdout.fnmatch_lines([
        "note: the baseline was timed with time.perf_counter and this run with "
        "time.process_time: the verdicts compare different clocks; rerun one side with "
        "--graph-bench-timer to match",
    ])  # fmt: skip
    assert "> **Note:** the baseline was timed with time.perf_counter" in report


def test_a_case_whose_peer_is_not_selected_is_skipped_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_bench="""
        import pytest
        from warpgraph.bench import SCHEDULER_WORKLOADS, Case

        @pytest.mark.graph_bench
        def test_chain_on_langgraph(graph_bench):
            graph_bench.case(Case(SCHEDULER_WORKLOADS[0], "langgraph", 10))
        """
    )

    run = pytester.runpytest("--graph-bench", "--graph-bench-peers=asyncio", "-rs")

    run.assert_outcomes(skipped=1)
    run.stdout.fnmatch_lines(["*peer 'langgraph' is not selected (--graph-bench-peers=asyncio)*"])
    run.stdout.fnmatch_lines(["*nothing was measured; no report written*"])


def test_the_wall_clock_timer_can_be_chosen(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bench=BENCH)

    pytester.runpytest("--graph-bench", "--graph-bench-quick", "--graph-bench-timer=wall")

    data = json.loads((pytester.path / "reports" / "graph-bench.json").read_text())
    assert data["benchmarks"][0]["options"]["timer"] == "time.perf_counter"
    assert data["graph_bench"]["settings"]["timer"] == "time.perf_counter"
