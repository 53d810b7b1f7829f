"""Workflow snapshots: the normalized trajectory, scrubbing, and the snapshot files."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
import uuid
from pathlib import Path

import pydantic
import pytest

from warpgraph.runtime import Event, RunFinished, RunStarted, TaskFinished, TaskStarted
from warpgraph.testing import GraphSnapshot, SnapshotMismatchError, Trace
from warpgraph.testing._snapshot import normalize, render, trajectory
from warpgraph.testing._snapshot_store import (
    ModuleTests,
    SnapshotSession,
    find_unused,
    snapshot_path,
)
from warpgraph.testing._trace_script import ScriptedCall, ScriptedTask, scripted_run


def agent_run(query: str = "weather in Paris", *, call_at: float = 0.0) -> Trace:
    """plan -> search tool -> answer, as a scripted run."""
    llm = ScriptedCall("llm", "gpt-fake", 0.0, 1.0, "Plan: " + query, "use search")
    tool = ScriptedCall("tool", "search", call_at, 0.5, {"query": query}, "sunny")
    return Trace(
        scripted_run(
            [[ScriptedTask("plan", 1.0, calls=(llm,))], [ScriptedTask("act", 1.0, calls=(tool,))]],
            graph="agent",
            output={"answer": "sunny", "run_id": str(uuid.uuid4())},
        )
    )


def test_a_trajectory_holds_steps_nodes_calls_and_the_final_state() -> None:
    assert trajectory(agent_run()) == {
        "runs": [
            {
                "graph": "agent",
                "status": "ok",
                "steps": [
                    {
                        "step": 0,
                        "nodes": ["plan"],
                        "tasks": [
                            {
                                "node": "plan",
                                "calls": [
                                    {
                                        "kind": "llm",
                                        "name": "gpt-fake",
                                        "input": "Plan: weather in Paris",
                                        "output": "use search",
                                    }
                                ],
                            }
                        ],
                    },
                    {
                        "step": 1,
                        "nodes": ["act"],
                        "tasks": [
                            {
                                "node": "act",
                                "calls": [
                                    {
                                        "kind": "tool",
                                        "name": "search",
                                        "input": {"query": "weather in Paris"},
                                        "output": "sunny",
                                    }
                                ],
                            }
                        ],
                    },
                ],
                "output": {"answer": "sunny", "run_id": "<uuid>"},
            }
        ]
    }


def test_two_runs_of_the_same_workflow_render_identically() -> None:
    assert render(trajectory(agent_run())) == render(trajectory(agent_run()))


def test_hashed_llm_calls_keep_a_short_digest_that_follows_the_prompt() -> None:
    def llm_call(trace: Trace) -> dict[str, str]:
        doc = trajectory(trace, llm="hash")
        return dict(doc["runs"][0]["steps"][0]["tasks"][0]["calls"][0])

    same, other = llm_call(agent_run()), llm_call(agent_run("weather in Rome"))
    assert set(same) == {"kind", "name", "input_sha256", "output_sha256"}
    assert re.fullmatch(r"[0-9a-f]{16}", same["input_sha256"])
    assert same == llm_call(agent_run())
    assert same["input_sha256"] != other["input_sha256"]
    assert same["output_sha256"] == other["output_sha256"]


def test_timings_catch_a_call_that_moved_even_when_nothing_else_changed() -> None:
    on_time, late = agent_run(), agent_run(call_at=0.5)
    assert trajectory(on_time) == trajectory(late)
    timed = trajectory(on_time, timings=True)["runs"][0]
    assert timed["makespan"] == 2.0
    assert timed["steps"][1]["tasks"][0]["time"] == [1.0, 2.0]
    assert timed["steps"][1]["tasks"][0]["calls"][0]["time"] == [1.0, 1.5]
    assert trajectory(late, timings=True) != trajectory(on_time, timings=True)


def test_send_tasks_follow_node_tasks_in_index_order() -> None:
    step = [ScriptedTask("work", 1.0, send_index=i) for i in (2, 0, 1)] + [ScriptedTask("log", 1)]
    doc = trajectory(Trace(scripted_run([step])))
    tasks = doc["runs"][0]["steps"][0]["tasks"]
    assert tasks == [
        {"node": "log"},
        {"node": "work", "send_index": 0},
        {"node": "work", "send_index": 1},
        {"node": "work", "send_index": 2},
    ]


def test_failed_and_retried_tasks_say_so() -> None:
    events: list[Event] = [
        RunStarted("r", "g", None, 0.0),
        TaskStarted("r", "t", "fetch", 0, None, 1, 0.0),
        TaskFinished("r", "t", "fetch", 0, None, 1, 1.0, "error", ConnectionError("reset")),
        TaskStarted("r", "t", "fetch", 0, None, 2, 1.5),
        TaskFinished("r", "t", "fetch", 0, None, 2, 2.5, "ok"),
        RunFinished("r", 2.5, "ok", output={"ok": True}),
    ]
    (run,) = trajectory(Trace(events))["runs"]
    assert run["steps"] == [
        {
            "step": 0,
            "nodes": [],
            "tasks": [
                {"node": "fetch", "status": "error", "error": "ConnectionError: reset"},
                {"node": "fetch", "attempt": 2},
            ],
        }
    ]


def test_a_subgraph_run_nests_under_the_task_that_called_it() -> None:
    outer = scripted_run([[("call_sub", 1.0)]], run_id="outer")
    inner: list[Event] = [
        RunStarted("inner", "sub", "outer/0/call_sub", 0.0),
        TaskStarted("inner", "i1", "leaf", 0, None, 1, 0.0),
        TaskFinished("inner", "i1", "leaf", 0, None, 1, 1.0, "ok"),
        RunFinished("inner", 1.0, "ok", output={"x": 1}),
    ]
    (run,) = trajectory(Trace([*outer[:3], *inner, *outer[3:]]))["runs"]
    assert run["steps"][0]["tasks"][0]["subgraphs"] == [
        {
            "graph": "sub",
            "status": "ok",
            "steps": [{"step": 0, "nodes": [], "tasks": [{"node": "leaf"}]}],
            "output": {"x": 1},
        }
    ]


def test_an_unknown_llm_mode_is_named() -> None:
    with pytest.raises(
        ValueError, match=r"^snapshot option llm must be 'full' or 'hash', got 'raw'$"
    ):
        trajectory(Trace(), llm="raw")  # type: ignore[arg-type]


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Note:
    text: str
    tags: frozenset[str]


class Message(pydantic.BaseModel):
    role: str
    id: str


def test_values_normalize_to_deterministic_scrubbed_json() -> None:
    class Opaque:
        pass

    value = {
        "b": [Note("hi", frozenset({"z", "a"})), Color.RED, (1, 2.5)],
        "a": Message(role="ai", id=f"run-{uuid.uuid4()}-0"),
        "when": datetime.datetime.now(),
        "stamp": "created 2026-11-24T15:51:07.123Z",
        "nan": float("nan"),
        "error": KeyError("k"),
        "obj": Opaque(),
        3: None,
    }
    normal = normalize(value)
    assert re.fullmatch(r"<\S+\.Opaque object at 0x\?>", normal.pop("obj"))
    assert normal == {
        "3": None,
        "a": {"__type__": "Message", "id": "run-<uuid>-0", "role": "ai"},
        "b": [{"__type__": "Note", "tags": ["a", "z"], "text": "hi"}, "red", [1, 2.5]],
        "error": "KeyError: 'k'",
        "nan": "nan",
        "stamp": "created <datetime>",
        "when": "<datetime>",
    }


def test_a_self_referencing_value_stops_at_a_fixed_depth() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert json.dumps(normalize(loop)).count("<too deep>") == 1


def test_extra_scrubs_apply_to_every_string() -> None:
    trace = agent_run()
    doc = trajectory(trace, scrub=[(r"Paris|Rome", "<city>")])
    assert doc["runs"][0]["steps"][1]["tasks"][0]["calls"][0]["input"] == {
        "query": "weather in <city>"
    }


def test_rendered_documents_are_indented_utf8_json_ending_in_a_newline() -> None:
    document = {"city": "Zürich", "n": [1, 2], "empty": {}, "runs": [{"x": None}], "no": []}
    text = render(document)
    assert text == (
        '{\n  "city": "Zürich",\n  "n": [1, 2],\n  "empty": {},\n'
        '  "runs": [\n    {\n      "x": null\n    }\n  ],\n  "no": []\n}\n'
    )
    assert json.loads(text) == document


def test_a_long_list_of_scalars_gets_one_line_per_item() -> None:
    items = [f"node_{i:02d}" for i in range(10)]
    text = render({"nodes": items})
    assert text.count("\n") == 14  # braces, key line, ten items, bracket
    assert json.loads(text) == {"nodes": items}


# ------------------------------------------------------------------------ files


def test_snapshots_live_beside_the_module_under_its_name(tmp_path: Path) -> None:
    module = tmp_path / "tests" / "test_agent.py"
    assert snapshot_path(module, "test_plan[gpt/4 mini]") == (
        tmp_path / "tests" / "__snapshots__" / "test_agent" / "test_plan[gpt_4_mini].json"
    )


def test_a_missing_snapshot_fails_with_the_document_and_how_to_record_it(tmp_path: Path) -> None:
    session = SnapshotSession(update=False)
    with pytest.raises(
        SnapshotMismatchError,
        match=r"^no snapshot snap.json yet; run `pytest --graph-snapshot-update` to record this "
        r"trajectory:\n\{\}\n$",
    ):
        session.check(tmp_path / "snap.json", "{}\n", "snap.json")


def test_update_mode_writes_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "__snapshots__" / "test_m" / "test_t.json"
    session = SnapshotSession(update=True)
    session.check(path, '{"a": 1}\n', "x")
    session.check(path, '{"a": 1}\n', "x")
    assert path.read_text(encoding="utf-8") == '{"a": 1}\n'
    assert session.written == [path]
    assert session.used == {path}


def test_a_mismatch_fails_with_a_unified_diff(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text('{\n  "query": "weather"\n}\n', encoding="utf-8")
    with pytest.raises(SnapshotMismatchError) as caught:
        SnapshotSession(update=False).check(path, '{\n  "query": "whether"\n}\n', "snap.json")
    assert str(caught.value) == (
        "the trajectory differs from the snapshot snap.json (- snapshot, + this run); if the "
        "change is intended, run `pytest --graph-snapshot-update`\n"
        "--- snapshot\n+++ this run\n@@ -1,3 +1,3 @@\n"
        ' {\n-  "query": "weather"\n+  "query": "whether"\n }'
    )


def test_unused_snapshots_are_those_of_passed_tests_and_of_vanished_tests(tmp_path: Path) -> None:
    module = tmp_path / "test_m.py"
    folder = tmp_path / "__snapshots__" / "test_m"
    folder.mkdir(parents=True)
    for name in ("used", "passed_unused", "failed", "deselected", "gone"):
        (folder / f"test_{name}.json").write_text("{}\n")
    tests = ModuleTests(
        known={"test_used", "test_passed_unused", "test_failed", "test_deselected"},
        passed={"test_used", "test_passed_unused"},
    )
    used = {folder / "test_used.json"}
    assert find_unused({module: tests}, used) == [
        folder / "test_gone.json",
        folder / "test_passed_unused.json",
    ]
    tests.narrowed = True  # `pytest test_m.py::test_used`: other tests were never collected
    assert find_unused({module: tests}, used) == [folder / "test_passed_unused.json"]


def test_assert_match_is_called_once_after_the_last_run(tmp_path: Path) -> None:
    snapshot = GraphSnapshot(agent_run(), SnapshotSession(update=True), tmp_path / "s.json", "s")
    snapshot.assert_match()
    with pytest.raises(
        RuntimeError,
        match=r"^graph_snapshot.assert_match\(\) was already called in this test; its snapshot s "
        r"holds every run of the test, so call it once, after the last run$",
    ):
        snapshot.assert_match()


def test_assert_match_without_any_run_says_so(tmp_path: Path) -> None:
    snapshot = GraphSnapshot(Trace(), SnapshotSession(update=True), tmp_path / "s.json", "s")
    with pytest.raises(
        SnapshotMismatchError,
        match=r"^graph_snapshot.assert_match\(\): no run was recorded; run the graph inside the "
        r"test, before calling assert_match\(\)$",
    ):
        snapshot.assert_match()
    assert not (tmp_path / "s.json").exists()


def test_the_session_report_lists_written_and_unused_files(tmp_path: Path) -> None:
    module = tmp_path / "test_m.py"
    folder = tmp_path / "__snapshots__" / "test_m"
    folder.mkdir(parents=True)
    (folder / "test_gone.json").write_text("{}\n", encoding="utf-8")
    tests = ModuleTests(known={"test_new"}, passed={"test_new"})
    session = SnapshotSession(update=False)
    assert session.finish({module: tests}, tmp_path) == [
        "unused: __snapshots__/test_m/test_gone.json",
        "1 unused snapshot(s); run `pytest --graph-snapshot-update` to delete them",
    ]
    updating = SnapshotSession(update=True)
    updating.check(folder / "test_new.json", "{}\n", "x")
    assert updating.finish({module: tests}, tmp_path) == [
        "written: __snapshots__/test_m/test_new.json",
        "deleted unused: __snapshots__/test_m/test_gone.json",
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["test_new.json"]
    deselected = ModuleTests(known={"test_new"})
    assert SnapshotSession(update=False).finish({module: deselected}, tmp_path) == []
