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

    with pytest.raises(LookupError, match=r"^gone\nDuring task with name 'boom' and id '[^']+'$"):
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


def test_a_key_written_twice_by_one_task_streams_as_langgraph_groups_it() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: [Command(update={"log": ["1"]}), Command(update={"log": ["2"]})])
    g.add_edge(START, "a")
    app = g.compile()
    assert list(app.stream({})) == [{"a": [{"log": ["1"]}, {"log": ["2"]}]}]
    result = list(app.stream({}, stream_mode="tasks"))[1]["result"]
    assert result == {"log": {"$writes": [["1"], ["2"]]}}


def test_a_subgraphs_custom_chunks_are_not_streamed_by_its_parent() -> None:
    inner = StateGraph(Log)
    inner.add_node("inner", lambda s: get_stream_writer()("from inside"))
    inner.add_edge(START, "inner")
    outer = StateGraph(Log)
    outer.add_node("sub", inner.compile())
    outer.add_node("own", lambda s: get_stream_writer()("from the parent"))
    outer.add_edge(START, "sub")
    outer.add_edge("sub", "own")
    assert list(outer.compile().stream({}, stream_mode="custom")) == ["from the parent"]


def test_the_values_stream_shows_keys_of_node_private_schemas() -> None:
    class Private(TypedDict):
        secret: str

    def reveal(state: Private) -> dict[str, Any]:
        return {"log": [state["secret"]]}

    g = StateGraph(Log)
    g.add_node("hide", lambda s: {"secret": "s"})
    g.add_node("reveal", reveal)
    g.add_edge(START, "hide")
    g.add_edge("hide", "reveal")
    app = g.compile()
    assert list(app.stream({"x": 1}, stream_mode="values"))[1:] == [
        {"x": 1, "log": [], "secret": "s"},
        {"x": 1, "log": ["s"], "secret": "s"},
    ]
    assert app.invoke({"x": 1}) == {"x": 1, "log": ["s"]}  # the output is the state schema's


def test_a_single_task_steps_chunks_wait_until_the_next_step_is_prepared() -> None:
    import pydantic

    class Model(pydantic.BaseModel):
        x: int

    g = StateGraph(Model)
    g.add_node("bad", lambda s: {"x": "not a number"})
    g.add_node("reader", lambda s: None)
    g.add_edge(START, "bad")
    g.add_edge("bad", "reader")
    chunks: list[Any] = []

    def consume() -> None:
        for chunk in g.compile().stream({"x": 1}, stream_mode=["updates", "values"]):
            chunks.append(chunk)

    # The reader's input fails validation before "bad"'s chunks go out, as in LangGraph.
    with pytest.raises(pydantic.ValidationError, match=r"1 validation error for Model"):
        consume()
    assert chunks == [("values", {"x": 1})]


def test_subgraphs_true_streams_the_subgraphs_chunks_under_their_namespace() -> None:
    inner = StateGraph(Log)
    inner.add_node("i1", lambda s: {"log": ["i1"]})
    inner.add_edge(START, "i1")
    outer = StateGraph(Log)
    outer.add_node("a", lambda s: {"log": ["a"]})
    outer.add_node("sub", inner.compile())
    outer.add_edge(START, "a")
    outer.add_edge("a", "sub")
    chunks = list(outer.compile().stream({"x": 0}, subgraphs=True))
    assert [(len(ns), chunk) for ns, chunk in chunks] == [
        (0, {"a": {"log": ["a"]}}),
        (1, {"i1": {"log": ["i1"]}}),
        (0, {"sub": {"x": 0, "log": ["a", "i1"]}}),  # as LangGraph: the subgraph's output
    ]
    namespace = chunks[1][0][0]
    assert namespace.startswith("sub:")
    modes = list(outer.compile().stream({"x": 0}, subgraphs=True, stream_mode=["updates"]))
    depths_and_modes = [(len(ns), mode) for ns, mode, _ in modes]
    assert depths_and_modes == [(0, "updates"), (1, "updates"), (0, "updates")]
