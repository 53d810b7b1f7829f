"""The superstep engine: ordering, joins, Send, Command, limits, errors, sync and async nodes."""

import asyncio
import functools
import gc
import itertools
import operator
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import (
    END,
    START,
    Command,
    EmptyInputError,
    GraphRecursionError,
    InvalidUpdateError,
    Send,
    StateGraph,
)


class Log(TypedDict, total=False):
    x: int
    log: Annotated[list[Any], operator.add]


def append(name: str) -> Callable[[Log], dict[str, Any]]:
    def node(state: Log) -> dict[str, Any]:
        return {"log": [name]}

    node.__name__ = name
    return node


def chain(*names: str) -> StateGraph[Log]:
    g = StateGraph(Log)
    for name in names:
        g.add_node(name, append(name))
    g.add_edge(START, names[0])
    for a, b in itertools.pairwise(names):
        g.add_edge(a, b)
    return g


def test_a_chain_runs_its_nodes_in_order() -> None:
    assert chain("a", "b", "c").compile().invoke({"x": 0}) == {"x": 0, "log": ["a", "b", "c"]}


async def test_ainvoke_and_invoke_give_the_same_result() -> None:
    app = chain("a", "b").compile()
    assert await app.ainvoke({"x": 1}) == {"x": 1, "log": ["a", "b"]}


def test_parallel_writes_apply_in_node_name_order_not_completion_order() -> None:
    async def slow(state: Log) -> dict[str, Any]:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return {"log": ["a"]}

    g = StateGraph(Log)
    g.add_node("b", append("b"))
    g.add_node("a", slow)  # finishes last, applies first
    g.add_edge(START, "b")
    g.add_edge(START, "a")
    assert g.compile().invoke({}) == {"log": ["a", "b"]}


def test_a_waiting_edge_joins_branches_of_different_lengths_once() -> None:
    g = chain("a", "a2")
    g.add_node("b", append("b"))
    g.add_node("join", append("join"))
    g.add_edge(START, "b")
    g.add_edge(["a2", "b"], "join")
    assert g.compile().invoke({})["log"] == ["a", "b", "a2", "join"]


def test_plain_edges_into_a_join_run_it_once_per_arrival_step() -> None:
    g = chain("a", "a2")
    g.add_node("b", append("b"))
    g.add_node("join", append("join"))
    g.add_edge(START, "b")
    g.add_edge("a2", "join")
    g.add_edge("b", "join")
    assert g.compile().invoke({})["log"] == ["a", "b", "a2", "join", "join"]


def test_sends_run_in_the_next_step_after_node_tasks_in_send_order() -> None:
    g = StateGraph(Log)
    g.add_node("fan", append("fan"))
    g.add_node("work", lambda arg: {"log": [("work", arg)]})
    g.add_node("after", append("after"))
    g.add_edge(START, "fan")
    g.add_conditional_edges("fan", lambda s: [Send("work", 2), "after", Send("work", 1)])
    assert g.compile().invoke({})["log"] == ["fan", "after", ("work", 2), ("work", 1)]


def test_a_command_updates_and_routes_on_top_of_static_edges() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: Command(update={"x": 5}, goto=["c", Send("c", {"x": 9})]))
    g.add_node("b", append("b"))
    g.add_node("c", lambda s: {"log": [("c", s["x"])]})
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    assert g.compile().invoke({"x": 0}) == {"x": 5, "log": ["b", ("c", 5), ("c", 9)]}


def test_a_branch_sees_its_own_nodes_writes_but_not_its_siblings() -> None:
    seen: list[Any] = []

    def route(state: Log) -> str:
        seen.append(sorted(state["log"]))
        return END

    g = StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    g.add_conditional_edges("a", route)
    g.compile().invoke({"log": ["in"]})
    assert seen == [["a", "in"]]


def test_a_chain_of_k_nodes_needs_a_recursion_limit_of_k_plus_one() -> None:
    app = chain("a", "b", "c").compile()
    assert app.invoke({}, {"recursion_limit": 4})["log"] == ["a", "b", "c"]
    with pytest.raises(GraphRecursionError) as caught:
        app.invoke({}, {"recursion_limit": 3})
    # str() leaves out notes other parts of warpgraph may add (the trajectory so far).
    assert str(caught.value) == (
        "Recursion limit of 3 reached without hitting a stop condition "
        "(graph 'LangGraph', step 4). You can increase the limit by setting the "
        "`recursion_limit` config key."
    )


def test_the_default_recursion_limit_is_langgraphs_10007() -> None:
    g = StateGraph(Log)
    g.add_node("loop", lambda s: {"x": s["x"] + 1})
    g.add_edge(START, "loop")
    g.add_conditional_edges("loop", lambda s: "loop" if s["x"] < 10_006 else END)
    assert g.compile().invoke({"x": 0}) == {"x": 10_006, "log": []}
    g2 = StateGraph(Log)
    g2.add_node("loop", lambda s: {"x": s["x"] + 1})
    g2.add_edge(START, "loop")
    g2.add_edge("loop", "loop")
    with pytest.raises(GraphRecursionError, match=r"^Recursion limit of 10007 reached"):
        g2.compile().invoke({"x": 0})


def test_a_bad_recursion_limit_is_rejected_naming_the_key() -> None:
    with pytest.raises(
        ValueError,
        match=r"^config\['recursion_limit'\] must be a positive int, got 0; "
        r"LangGraph's default is 10007$",
    ):
        chain("a").compile().invoke({}, {"recursion_limit": 0})


def test_no_input_is_an_empty_input_error() -> None:
    with pytest.raises(
        EmptyInputError,
        match=r"^Graph 'LangGraph' received no input; pass a dict of initial state values, "
        r"e\.g\. ainvoke\(\{'key': value\}\)$",
    ):
        chain("a").compile().invoke(None)


def test_an_unknown_key_in_an_update_is_an_error_not_silently_dropped() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: {"typo": 1})
    g.add_edge(START, "a")
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Node 'a' wrote unknown state key 'typo'; known keys: \['log', 'x'\]\. "
        r"Add 'typo' to the state schema or drop it from the update$",
    ):
        g.compile().invoke({})


def test_an_unknown_branch_target_is_an_error_not_only_a_log_line() -> None:
    g = chain("a")
    g.add_conditional_edges("a", lambda s: "nowhere")
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Conditional edge 'condition' of 'a' returned unknown node 'nowhere'; "
        r"known nodes: \['a'\] \(or END\)$",
    ):
        g.compile().invoke({})


def test_a_branch_value_missing_from_its_path_map_names_the_keys() -> None:
    g = chain("a")
    g.add_conditional_edges("a", lambda s: "maybe", {"yes": "a", "no": END})
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Conditional edge 'condition' of 'a' returned 'maybe', which is not in its "
        r"path_map \['yes', 'no'\]; return one of those keys or add it to the path_map$",
    ):
        g.compile().invoke({})


def test_a_send_to_an_unknown_node_is_an_error() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: Command(goto=Send("ghost", {})))
    g.add_edge(START, "a")
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Command\.goto of 'a' sent Send to unknown node 'ghost'; known nodes: \['a'\]$",
    ):
        g.compile().invoke({})


def test_a_node_returning_something_else_than_an_update_is_rejected() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: 5)
    g.add_edge(START, "a")
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Node 'a' returned 5 \(int\); a node must return a dict of state updates, "
        r"a Command, or None$",
    ):
        g.compile().invoke({})


def test_a_node_exception_propagates_with_its_own_type() -> None:
    def boom(state: Log) -> dict[str, Any]:
        raise KeyError("missing")

    g = StateGraph(Log)
    g.add_node("boom", boom)
    g.add_edge(START, "boom")
    with pytest.raises(KeyError, match=r"^'missing'\nDuring task with name 'boom' and id '[^']+'$"):
        g.compile().invoke({})


@pytest.mark.virtual_time
async def test_a_failing_task_cancels_its_siblings_in_the_step() -> None:
    cancelled: list[str] = []

    async def waits(state: Log) -> dict[str, Any]:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append("waits")
            raise
        return {}

    async def fails(state: Log) -> dict[str, Any]:
        await asyncio.sleep(1)
        raise RuntimeError("boom")

    g = StateGraph(Log)
    g.add_node("waits", waits)
    g.add_node("fails", fails)
    g.add_edge(START, "waits")
    g.add_edge(START, "fails")
    loop = asyncio.get_running_loop()
    with pytest.raises(RuntimeError, match=r"^boom\nDuring task with name 'fails' and id '[^']+'$"):
        await g.compile().ainvoke({})
    assert cancelled == ["waits"]
    assert loop.time() == 1.0


@pytest.mark.virtual_time
async def test_the_tasks_of_a_step_run_concurrently() -> None:
    async def second(state: Log) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {}

    g = StateGraph(Log)
    for name in ("a", "b", "c"):
        g.add_node(name, second)
        g.add_edge(START, name)
    loop = asyncio.get_running_loop()
    await g.compile().ainvoke({})
    assert loop.time() == 1.0


@pytest.mark.virtual_time
async def test_max_concurrency_caps_the_tasks_running_at_once() -> None:
    async def second(state: Log) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {}

    g = StateGraph(Log)
    for name in ("a", "b", "c", "d", "e"):
        g.add_node(name, second)
        g.add_edge(START, name)
    loop = asyncio.get_running_loop()
    await g.compile().ainvoke({}, {"max_concurrency": 2})
    assert loop.time() == 3.0


async def test_sync_nodes_run_in_a_worker_thread_under_the_async_api() -> None:
    threads: list[int] = []
    g = StateGraph(Log)
    g.add_node("a", lambda s: threads.append(threading.get_ident()))
    g.add_edge(START, "a")
    await g.compile().ainvoke({})
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


def test_sync_nodes_run_inline_and_async_nodes_work_under_invoke() -> None:
    threads: list[int] = []

    async def async_node(state: Log) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"log": ["async"]}

    g = StateGraph(Log)
    g.add_node("sync", lambda s: threads.append(threading.get_ident()))
    g.add_node("async_node", async_node)
    g.add_edge(START, "sync")
    g.add_edge("sync", "async_node")
    assert g.compile().invoke({}) == {"log": ["async"]}
    assert threads == [threading.get_ident()]


def test_a_deferred_node_runs_after_every_branch_finished() -> None:
    g = chain("a", "a2", "a3")
    g.add_node("b", append("b"))
    g.add_node("merge", lambda s: {"log": [("merge", len(s["log"]))]}, defer=True)
    g.add_edge(START, "b")
    g.add_edge("a3", "merge")
    g.add_edge("b", "merge")
    assert g.compile().invoke({})["log"] == ["a", "b", "a2", "a3", ("merge", 4)]


def test_batch_returns_results_in_input_order_and_can_return_exceptions() -> None:
    def check(state: Log) -> dict[str, Any]:
        if state["x"] < 0:
            raise ValueError("negative")
        return {"x": state["x"] * 2}

    g = StateGraph(Log)
    g.add_node("check", check)
    g.add_edge(START, "check")
    app = g.compile()
    assert app.batch([{"x": 1}, {"x": 2}]) == [{"x": 2, "log": []}, {"x": 4, "log": []}]
    results = app.batch([{"x": 1}, {"x": -1}], return_exceptions=True)
    assert results[0] == {"x": 2, "log": []}
    assert isinstance(results[1], ValueError)
    with pytest.raises(
        ValueError, match=r"^negative\nDuring task with name 'check' and id '[^']+'$"
    ):
        app.batch([{"x": -1}])


class AsyncBase:
    async def __call__(self, state: Log) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"log": [type(self).__name__]}


class AsyncChild(AsyncBase):
    pass


async def tagged(state: Log, *, tag: str) -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"log": [tag]}


async def test_callable_objects_partials_and_coroutine_returning_lambdas_are_awaited() -> None:
    g = StateGraph(Log)
    g.add_node("obj", AsyncChild())  # async __call__ inherited from a base class
    g.add_node("part", functools.partial(tagged, tag="partial"))
    g.add_node("lam", lambda s: tagged(s, tag="lambda"))
    g.add_edge(START, "obj")
    g.add_edge("obj", "part")
    g.add_edge("part", "lam")
    assert (await g.compile().ainvoke({}))["log"] == ["AsyncChild", "partial", "lambda"]


async def test_the_sync_api_also_works_from_inside_a_running_event_loop() -> None:
    app = chain("a", "b").compile()
    assert app.invoke({}) == {"log": ["a", "b"]}  # runs on a fresh loop in a helper thread
    assert list(app.stream({})) == [{"a": {"log": ["a"]}}, {"b": {"log": ["b"]}}]
    assert app.batch([{}, {"x": 1}]) == [{"log": ["a", "b"]}, {"x": 1, "log": ["a", "b"]}]


def test_a_sync_node_may_invoke_a_graph_inline() -> None:
    inner = chain("inner").compile()
    g = StateGraph(Log)
    g.add_node("outer", lambda s: {"log": inner.invoke({})["log"]})
    g.add_edge(START, "outer")
    assert g.compile().invoke({}) == {"log": ["inner"]}


async def test_a_task_failing_at_once_still_lets_its_siblings_start_then_cancels_them() -> None:
    import concurrent.futures

    class RunsAtSubmit(concurrent.futures.ThreadPoolExecutor):
        # A sync node starts by being submitted to the executor. On a real worker thread
        # it then runs only if the OS schedules that thread before the step cancels it (a
        # worker starting 0.1 ms late finds its job cancelled), so "sync ran" was a race.
        # Running the job inside submit() makes "started" mean "ran", deterministically.
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()
            future.set_result(fn(*args, **kwargs))
            return future

    asyncio.get_running_loop().set_default_executor(RunsAtSubmit())
    log: list[str] = []

    async def fails(state: Log) -> dict[str, Any]:
        log.append("fails")
        raise ValueError("at once")

    async def waits(state: Log) -> dict[str, Any]:
        log.append("waits started")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append("waits cancelled")
            raise
        return {}

    g = StateGraph(Log)
    g.add_node("a_fails", fails)
    g.add_node("b_waits", waits)
    g.add_node("c_sync", lambda s: log.append("sync ran"))
    for name in ("a_fails", "b_waits", "c_sync"):
        g.add_edge(START, name)
    with pytest.raises(
        ValueError, match=r"^at once\nDuring task with name 'a_fails' and id '[^']+'$"
    ):
        await g.compile().ainvoke({})
    assert log == ["fails", "waits started", "sync ran", "waits cancelled"]


def test_a_node_returning_a_send_routes_like_a_goto() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: Send("w", "payload"))
    g.add_node("w", lambda arg: {"log": [arg]})
    g.add_edge(START, "a")
    assert list(g.compile().stream({})) == [{"a": None}, {"w": {"log": ["payload"]}}]


def test_a_list_with_commands_applies_its_commands_and_dicts_and_ignores_the_rest() -> None:
    g = StateGraph(Log)
    g.add_node("a", lambda s: [Send("w", 1), Command(update={"x": 3}), {"log": ["d"]}])
    g.add_node("w", lambda arg: {"log": ["never"]})
    g.add_edge(START, "a")
    assert list(g.compile().stream({})) == [{"a": {"x": 3, "log": ["d"]}}]


def test_a_command_prints_only_its_given_fields_as_langgraphs_does() -> None:
    assert repr(Command(goto="b")) == "Command(goto='b')"
    assert repr(Command(update={"x": 1}, goto=[Send("a", 1)])) == (
        "Command(update={'x': 1}, goto=[Send(node='a', arg=1)])"
    )


async def test_an_async_chain_nodes_error_also_names_its_task() -> None:
    async def fails(state: Log) -> dict[str, Any]:
        raise LookupError("nothing here")

    g = chain("a")
    g.add_node("fails", fails)
    g.add_edge("a", "fails")
    with pytest.raises(
        LookupError, match=r"^nothing here\nDuring task with name 'fails' and id '[^']+'$"
    ):
        await g.compile().ainvoke({})


def test_a_branch_result_that_is_no_node_name_is_reported_naming_the_edge() -> None:
    g = chain("a")
    g.add_conditional_edges("a", lambda s: {"b"})
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Conditional edge 'condition' of 'a' returned \{'b'\} \(set\); "
        r"return a node name, END, a Send, or a list of them$",
    ):
        g.compile().invoke({})


async def test_when_several_tasks_fail_every_error_is_retrieved_and_the_first_raised() -> None:
    async def boom(state: Log) -> dict[str, Any]:
        raise KeyError(state.get("x"))

    reports: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: reports.append(str(context.get("message")))
    )
    g = StateGraph(Log)
    for name in ("a", "b"):
        g.add_node(name, boom)
        g.add_edge(START, name)
    with pytest.raises(KeyError) as caught:
        await g.compile().ainvoke({"x": 1})
    assert caught.value.__notes__[0].startswith("During task with name 'a'")
    gc.collect()
    assert reports == []  # no "Task exception was never retrieved"


def quiet_then(last: Callable[..., Any]) -> StateGraph[Log]:
    """Two async nodes (the direct path when nobody streams): one writes nothing."""

    async def quiet(state: Log) -> None:
        return None

    g = StateGraph(Log)
    g.add_node("quiet", quiet)
    g.add_node("last", last)
    g.add_edge(START, "quiet")
    g.add_edge("quiet", "last")
    return g


async def test_a_run_that_writes_no_output_key_returns_none_as_langgraphs_does() -> None:
    async def also_quiet(state: Log) -> None:
        return None

    app = quiet_then(also_quiet).compile()
    assert await app.ainvoke({}) is None  # not {"log": []}: the seeded default is no write
    assert app.invoke({}) is None
    assert [c async for c in app.astream({}, stream_mode="values")] == []
    assert await app.ainvoke({"x": 1}) == {"x": 1, "log": []}  # the input wrote x


async def test_a_nodes_write_to_a_seeded_key_counts_as_output_even_if_empty() -> None:
    async def empty(state: Log) -> dict[str, Any]:
        return {"log": []}

    assert await quiet_then(empty).compile().ainvoke({}) == {"log": []}


async def test_an_output_schema_none_of_whose_keys_is_written_gives_none() -> None:
    class Answer(TypedDict):
        answer: str

    g = StateGraph(Log, output_schema=Answer)
    g.add_node("a", append("a"))
    g.add_edge(START, "a")
    assert await g.compile().ainvoke({"x": 1}) is None
