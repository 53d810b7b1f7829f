"""Stream modes: the chunk shapes LangGraph users parse, one mode or several."""

import operator
import threading
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import START, Command, StateGraph, get_stream_writer


class Log(TypedDict, total=False):
    x: int
    log: Annotated[list[str], operator.add]


def two_step_app() -> Any:
    g = StateGraph(Log)
    g.add_node("a", lambda s: {"log": ["a"]})
    g.add_node("b", lambda s: {"x": 1})
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    return g.compile()


def test_stream_defaults_to_updates_keyed_by_node() -> None:
    assert list(two_step_app().stream({"x": 0})) == [{"a": {"log": ["a"]}}, {"b": {"x": 1}}]


def test_values_starts_with_the_input_state_and_follows_each_step() -> None:
    chunks = list(two_step_app().stream({"x": 0}, stream_mode="values"))
    assert chunks == [
        {"x": 0, "log": []},
        {"x": 0, "log": ["a"]},
        {"x": 1, "log": ["a"]},
    ]


def test_a_step_that_writes_nothing_emits_no_values_chunk() -> None:
    g = StateGraph(Log)
    g.add_node("quiet", lambda s: None)
    g.add_edge(START, "quiet")
    assert list(g.compile().stream({"x": 0}, stream_mode="values")) == [{"x": 0, "log": []}]
    assert list(g.compile().stream({"x": 0}, stream_mode="updates")) == [{"quiet": None}]


def test_a_list_of_modes_yields_mode_chunk_pairs_in_emission_order() -> None:
    chunks = list(two_step_app().stream({"x": 0}, stream_mode=["updates", "values"]))
    assert chunks == [
        ("values", {"x": 0, "log": []}),
        ("updates", {"a": {"log": ["a"]}}),
        ("values", {"x": 0, "log": ["a"]}),
        ("updates", {"b": {"x": 1}}),
        ("values", {"x": 1, "log": ["a"]}),
    ]


def test_tasks_mode_announces_each_task_then_reports_its_result() -> None:
    chunks = list(two_step_app().stream({"x": 0}, stream_mode="tasks"))
    assert [sorted(c) for c in chunks] == [
        ["id", "input", "name", "triggers"],
        ["error", "id", "interrupts", "name", "result"],
    ] * 2
    start, result = chunks[0], chunks[1]
    assert start["id"] == result["id"]
    assert (start["name"], start["input"], start["triggers"]) == (
        "a",
        {"x": 0, "log": []},
        ("branch:to:a",),
    )
    assert (result["error"], result["result"], result["interrupts"]) == (None, {"log": ["a"]}, [])


def test_debug_mode_wraps_task_events_with_step_and_type() -> None:
    chunks = list(two_step_app().stream({"x": 0}, stream_mode="debug"))
    assert [(c["step"], c["type"], c["payload"]["name"]) for c in chunks] == [
        (1, "task", "a"),
        (1, "task_result", "a"),
        (2, "task", "b"),
        (2, "task_result", "b"),
    ]
    assert all(isinstance(c["timestamp"], str) for c in chunks)


def test_custom_mode_carries_what_nodes_write_from_any_thread() -> None:
    def sync_node(state: Log) -> dict[str, Any]:
        get_stream_writer()({"from": "sync", "thread": threading.get_ident() != main})
        return {}

    async def async_node(state: Log, writer: Any) -> dict[str, Any]:
        writer("async")
        return {}

    main = threading.get_ident()
    g = StateGraph(Log)
    g.add_node("sync_node", sync_node)
    g.add_node("async_node", async_node)
    g.add_edge(START, "sync_node")
    g.add_edge("sync_node", "async_node")
    assert list(g.compile().stream({}, stream_mode="custom")) == [
        {"from": "sync", "thread": False},
        "async",
    ]


async def test_astream_runs_sync_nodes_in_threads_and_still_delivers_custom_chunks() -> None:
    def sync_node(state: Log) -> dict[str, Any]:
        get_stream_writer()("hello")
        return {"x": 1}

    g = StateGraph(Log)
    g.add_node("sync_node", sync_node)
    g.add_edge(START, "sync_node")
    chunks = [c async for c in g.compile().astream({}, stream_mode=["custom", "updates"])]
    assert chunks == [("custom", "hello"), ("updates", {"sync_node": {"x": 1}})]


def test_the_stream_writer_outside_a_streamed_run_discards_chunks() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: get_stream_writer()("ignored"))
    g.add_edge(START, "a")
    assert g.compile().invoke({"x": 0}) == {"x": 0, "log": []}


def test_a_command_update_streams_as_the_nodes_update() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: Command(update={"x": 3}))
    g.add_edge(START, "a")
    assert list(g.compile().stream({})) == [{"a": {"x": 3}}]


def test_an_error_ends_the_stream_after_the_chunks_before_it() -> None:
    def boom(state: Log) -> dict[str, Any]:
        raise LookupError("gone")

    g = StateGraph(Log)
    g.add_node("a", lambda s: {"x": 1})
    g.add_node("boom", boom)
    g.add_edge(START, "a")
    g.add_edge("a", "boom")
    seen: list[Any] = []

    def consume() -> None:
        for chunk in g.compile().stream({}):
            seen.append(chunk)

    with pytest.raises(LookupError, match=r"^gone$"):
        consume()
    assert seen == [{"a": {"x": 1}}]


def test_breaking_out_of_a_stream_stops_the_run() -> None:
    ran: list[str] = []
    g = StateGraph(Log)
    g.add_node("a", lambda s: ran.append("a"))
    g.add_node("b", lambda s: ran.append("b"))
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    for _ in g.compile().stream({}):
        break
    assert ran == ["a"]


def test_an_unknown_stream_mode_is_rejected_listing_the_supported_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"^Unknown stream_mode 'messages'; supported modes: "
        r"\['custom', 'debug', 'tasks', 'updates', 'values'\]$",
    ):
        list(two_step_app().stream({}, stream_mode="messages"))
