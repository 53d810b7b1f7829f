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


def write_agent(pytester: pytest.Pytester, query: str) -> None:
    pytester.makepyfile(test_agent=AGENT.format(query=query))


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
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


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
    result = pytester.runpytest("-p", "no:randomly")
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


def test_snapshots_round_trip_through_update_and_compare(pytester: pytest.Pytester) -> None:
    write_agent(pytester, "weather in Paris")
    missing = pytester.runpytest("-p", "no:randomly")
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(
        [
            "E   *SnapshotMismatchError: no snapshot __snapshots__/test_agent/test_agent.json "
            "yet; run `pytest --graph-snapshot-update` to record this trajectory:",
        ]
    )
    path = pytester.path / "__snapshots__" / "test_agent" / "test_agent.json"
    assert not path.exists()

    written = pytester.runpytest("-p", "no:randomly", "--graph-snapshot-update")
    written.assert_outcomes(passed=1)
    written.stdout.fnmatch_lines(["*warpgraph snapshots*", "written: __snapshots__/*.json"])
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert [step["nodes"] for step in stored["runs"][0]["steps"]] == [["plan"], ["act"]]
    assert stored["runs"][0]["output"] == {"answer": "sunny"}

    again = pytester.runpytest("-p", "no:randomly")
    again.assert_outcomes(passed=1)
    assert "warpgraph snapshots" not in again.stdout.str()


def test_a_changed_tool_argument_fails_the_snapshot_with_a_diff(pytester: pytest.Pytester) -> None:
    write_agent(pytester, "weather in Paris")
    pytester.runpytest("-p", "no:randomly", "--graph-snapshot-update").assert_outcomes(passed=1)
    write_agent(pytester, "weather in Rome")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *SnapshotMismatchError: the trajectory differs from the snapshot "
            "__snapshots__/test_agent/test_agent.json (- snapshot, + this run); if the change is "
            "intended, run `pytest --graph-snapshot-update`",
            "E *--- snapshot",
            "E *+++ this run",
            'E *-  * "query": "weather in Paris"',
            'E *+  * "query": "weather in Rome"',
        ]
    )


def test_unused_snapshots_are_reported_and_deleted_on_update(pytester: pytest.Pytester) -> None:
    write_agent(pytester, "weather in Paris")
    pytester.runpytest("-p", "no:randomly", "--graph-snapshot-update").assert_outcomes(passed=1)
    folder = pytester.path / "__snapshots__" / "test_agent"
    (folder / "test_removed.json").write_text("{}\n", encoding="utf-8")

    narrowed = pytester.runpytest("-p", "no:randomly", "test_agent.py::test_agent")
    narrowed.assert_outcomes(passed=1)
    assert "unused:" not in narrowed.stdout.str()  # other tests were not collected

    reported = pytester.runpytest("-p", "no:randomly")
    reported.assert_outcomes(passed=1)
    reported.stdout.fnmatch_lines(
        [
            "*warpgraph snapshots*",
            "unused: __snapshots__/test_agent/test_removed.json",
            "1 unused snapshot(s); `pytest --graph-snapshot-update` deletes them",
        ]
    )
    assert (folder / "test_removed.json").exists()

    cleaned = pytester.runpytest("-p", "no:randomly", "--graph-snapshot-update")
    cleaned.stdout.fnmatch_lines(["deleted unused: __snapshots__/test_agent/test_removed.json"])
    assert sorted(p.name for p in folder.iterdir()) == ["test_agent.json"]


def test_the_update_option_is_in_the_warpgraph_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    text = result.stdout.str()
    group = text[text.index("warpgraph:") :]
    assert "--graph-snapshot-update" in group
