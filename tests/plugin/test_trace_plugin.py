"""The trace fixtures and snapshot option, run through pytest itself (pytester)."""

from __future__ import annotations

import json

import pytest

AGENT = """
import pytest
from warpgraph.runtime import active_subscribers, emit
from warpgraph.testing._trace_script import ScriptedCall, ScriptedTask, scripted_run

QUERY = {query!r}

def run_agent():
    tool = ScriptedCall("tool", "search", 0.0, 0.5, {{"query": QUERY}}, "sunny")
    steps = [[ScriptedTask("plan", 1.0)], [ScriptedTask("act", 0.5, calls=(tool,))]]
    for event in scripted_run(steps, graph="agent", output={{"answer": "sunny"}}):
        emit(active_subscribers(), event)

def test_agent(graph_snapshot):
    run_agent()
    graph_snapshot.assert_match()
"""


@pytest.fixture(autouse=True)
def ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )


REAL_AGENT = """
from typing import TypedDict
from warpgraph import START, StateGraph
from warpgraph.testing import FakeTool, VirtualClock

QUERY = {query!r}

class State(TypedDict, total=False):
    city: str
    answer: str

def test_agent(graph_snapshot):
    search = FakeTool("search", "sunny", latency=0.5)

    async def act(state):
        return {{"answer": await search.ainvoke({{"query": QUERY + state["city"]}})}}

    builder = StateGraph(State)
    builder.add_node("act", act)
    builder.add_edge(START, "act")
    VirtualClock().run(builder.compile().ainvoke({{"city": "Paris"}}))
    graph_snapshot.assert_match(timings=True)
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Hypothesis's plugin re-imports hypothesis (seconds) in every in-process run; not needed.
    return pytester.runpytest("-p", "no:randomly", "-p", "no:hypothesispytest", *args)


def write_agent(pytester: pytest.Pytester, query: str, *, real: bool = False) -> None:
    pytester.makepyfile(test_agent=(REAL_AGENT if real else AGENT).format(query=query))


def test_graph_trace_records_every_run_of_sync_and_async_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        from warpgraph.runtime import active_subscribers, emit
        from warpgraph.testing._trace_script import scripted_run

        def run(run_id):
            for event in scripted_run([[("a", 1.0), ("b", 1.0)]], run_id=run_id):
                emit(active_subscribers(), event)

        def test_sync(graph_trace):
            run("one")
            run("two")
            assert [r.id for r in graph_trace.runs] == ["one", "two"]
            graph_trace.assert_parallel("a", "b")

        async def test_async(graph_trace):
            # A task created inside the test inherits the subscription too.
            await asyncio.create_task(asyncio.to_thread(run, "three"))
            run("four")
            assert [r.id for r in graph_trace.runs] == ["three", "four"]

        def test_each_test_gets_a_fresh_trace(graph_trace):
            assert graph_trace.runs == ()
            assert active_subscribers() == (graph_trace,)

        def test_no_subscription_outside_the_fixture():
            assert active_subscribers() == ()
        """
    )
    run(pytester).assert_outcomes(passed=4)


def test_a_failing_assertion_shows_the_gantt_chart_and_no_harness_frames(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        from warpgraph.runtime import active_subscribers, emit
        from warpgraph.testing._trace_script import scripted_run

        def test_pipeline(graph_trace):
            for event in scripted_run([[("summarize", 1.0)], [("analyze", 1.0)]]):
                emit(active_subscribers(), event)
            graph_trace.assert_parallel("summarize", "analyze")
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *TraceAssertionError: expected summarize, analyze to run in parallel, but these "
            "never ran at the same time:",
            "E *  summarize (step 0, 0.0 → 1.0 s) and analyze (step 1, 1.0 → 2.0 s)",
            "E *Gantt chart, seconds from the first start*",
            "E *  step 1 analyze    ······*██████  1.0 → 2.0 s",
        ]
    )
    assert "_trace_assert.py" not in result.stdout.str()


def test_any_failure_of_a_traced_test_shows_the_chart_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from warpgraph.runtime import active_subscribers, emit
        from warpgraph.testing._trace_script import scripted_run

        def record(trace):
            for event in scripted_run([[("summarize", 1.0)], [("analyze", 1.0)]]):
                emit(active_subscribers(), event)

        def test_wrong_makespan(graph_trace):
            record(graph_trace)
            assert graph_trace.makespan == 1.0

        def test_trace_assertion(graph_trace):
            record(graph_trace)
            graph_trace.assert_parallel("summarize", "analyze")
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_wrong_makespan _*",
            "E       assert 2.0 == 1.0",
            "*- warpgraph trace -*",
            "Gantt chart, seconds from the first start*",
            "  step 1 analyze *1.0 → 2.0 s",
            "*_ test_trace_assertion _*",
        ]
    )
    # Once per failure, never twice. Count in the failure sections only: under CI=true pytest
    # prints whole messages in the short summary, which would add a copy of each chart.
    failures = result.stdout.str().split("short test summary info")[0]
    assert failures.count("Gantt chart") == 2


def test_snapshots_round_trip_through_update_and_compare(pytester: pytest.Pytester) -> None:
    write_agent(pytester, "weather in Paris")
    missing = run(pytester)
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(
        [
            "E   *SnapshotMismatchError: no snapshot __snapshots__/test_agent/test_agent.json "
            "yet; run `pytest --graph-snapshot-update` to record this trajectory:",
        ]
    )
    path = pytester.path / "__snapshots__" / "test_agent" / "test_agent.json"
    assert not path.exists()

    written = run(pytester, "--graph-snapshot-update")
    written.assert_outcomes(passed=1)
    written.stdout.fnmatch_lines(["*warpgraph snapshots*", "written: __snapshots__/*.json"])
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert [step["nodes"] for step in stored["runs"][0]["steps"]] == [["plan"], ["act"]]
    assert stored["runs"][0]["output"] == {"answer": "sunny"}

    again = run(pytester)
    again.assert_outcomes(passed=1)
    assert "warpgraph snapshots" not in again.stdout.str()


@pytest.mark.parametrize("real", [False, True], ids=["scripted-run", "engine-run"])
def test_a_changed_tool_argument_fails_the_snapshot_with_a_diff(
    pytester: pytest.Pytester, real: bool
) -> None:
    write_agent(pytester, "weather in ", real=real)
    run(pytester, "--graph-snapshot-update").assert_outcomes(passed=1)
    write_agent(pytester, "whether in ", real=real)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *SnapshotMismatchError: the trajectory differs from the snapshot "
            "__snapshots__/test_agent/test_agent.json (- snapshot, + this run); if the change is "
            "intended, run `pytest --graph-snapshot-update`",
            "E *--- snapshot",
            "E *+++ this run",
            'E *-  * "query": "weather in *"',
            'E *+  * "query": "whether in *"',
        ]
    )


def test_unused_snapshots_are_reported_and_deleted_on_update(pytester: pytest.Pytester) -> None:
    write_agent(pytester, "weather in Paris")
    run(pytester, "--graph-snapshot-update").assert_outcomes(passed=1)
    folder = pytester.path / "__snapshots__" / "test_agent"
    (folder / "test_removed.json").write_text("{}\n", encoding="utf-8")

    narrowed = run(pytester, "test_agent.py::test_agent")
    narrowed.assert_outcomes(passed=1)
    assert "unused:" not in narrowed.stdout.str()  # other tests were not collected

    reported = run(pytester)
    reported.assert_outcomes(passed=1)
    reported.stdout.fnmatch_lines(
        [
            "*warpgraph snapshots*",
            "unused: __snapshots__/test_agent/test_removed.json",
            "1 unused snapshot(s); run `pytest --graph-snapshot-update` to delete them",
        ]
    )
    assert (folder / "test_removed.json").exists()

    cleaned = run(pytester, "--graph-snapshot-update")
    cleaned.stdout.fnmatch_lines(["deleted unused: __snapshots__/test_agent/test_removed.json"])
    assert sorted(p.name for p in folder.iterdir()) == ["test_agent.json"]


def test_methods_of_two_test_classes_get_their_own_snapshots(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_classes="""
        import pytest
        from warpgraph.runtime import active_subscribers, emit
        from warpgraph.testing._trace_script import ScriptedTask, scripted_run

        class TestPlain:
            def test_run(self, graph_snapshot):
                for event in scripted_run([[("a", 1.0)]]):
                    emit(active_subscribers(), event)
                graph_snapshot.assert_match()

        class TestFanOut:
            @pytest.mark.parametrize("n", [2])
            def test_run(self, graph_snapshot, n):
                tasks = [ScriptedTask("a", 1.0, send_index=i) for i in range(n)]
                for event in scripted_run([tasks]):
                    emit(active_subscribers(), event)
                graph_snapshot.assert_match()
        """
    )
    run(pytester, "--graph-snapshot-update").assert_outcomes(passed=2)
    folder = pytester.path / "__snapshots__" / "test_classes"
    assert sorted(p.name for p in folder.iterdir()) == [
        "TestFanOut.test_run[2].json",
        "TestPlain.test_run.json",
    ]
    result = run(pytester)
    result.assert_outcomes(passed=2)
    assert "unused" not in result.stdout.str().split("passed")[-1]


@pytest.mark.parametrize("runner", ["pytest-asyncio", "warpgraph"])
def test_graph_trace_sees_engine_runs_on_the_virtual_loop_with_either_runner(
    pytester: pytest.Pytester, runner: str
) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import pytest
        from typing import TypedDict
        from warpgraph import START, StateGraph

        class State(TypedDict, total=False):
            a: int
            b: int

        async def a(state):
            await asyncio.sleep(1)
            return {"a": 1}

        async def b(state):
            await asyncio.sleep(1)
            return {"b": 1}

        @pytest.mark.virtual_time
        async def test_fan_out(graph_trace, vclock):
            builder = StateGraph(State)
            builder.add_node("a", a)
            builder.add_node("b", b)
            builder.add_edge(START, "a")
            builder.add_edge(START, "b")
            await builder.compile().ainvoke({})
            assert vclock.now() == graph_trace.makespan == 1.0
            graph_trace.assert_parallel("a", "b")
        """
    )
    args = ("-p", "no:asyncio") if runner == "warpgraph" else ()
    run(pytester, *args).assert_outcomes(passed=1)


def test_the_update_option_is_in_the_warpgraph_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    text = result.stdout.str()
    group = text[text.index("warpgraph:") :]
    assert "--graph-snapshot-update" in group
