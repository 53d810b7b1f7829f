"""Concurrent steps run the same on the direct path as on the general one.

An unobserved run makes each direct node's own coroutine its task (runtime/_direct.py);
an observed run wraps each task in ``TaskCaller.task``. Every test here runs its graph
both ways (``path``) and asserts the same outcome, times and side effects.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import operator
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, Command, InvalidUpdateError, StateGraph, observe
from warpgraph.runtime._direct import run_direct

pytestmark = pytest.mark.virtual_time


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    done: str


Run = Callable[[Any, dict[str, Any]], Awaitable[Any]]


async def _direct(app: Any, data: dict[str, Any]) -> Any:
    return await app.ainvoke(data)


async def _general(app: Any, data: dict[str, Any]) -> Any:
    with observe(lambda event: None):  # an observed run takes the general path
        return await app.ainvoke(data)


@pytest.fixture(params=[_direct, _general], ids=["direct", "general"])
def run(request: pytest.FixtureRequest) -> Run:
    return request.param  # type: ignore[no-any-return]


def fan_out(**nodes: Any) -> Any:
    graph = StateGraph(State)
    for name, node in nodes.items():
        graph.add_node(name, node)
        graph.add_edge(START, name)
    return graph.compile()


def sleeper(name: str, seconds: float, events: list[str]) -> Any:
    async def node(state: State) -> dict[str, Any]:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            events.append(f"{name} cancelled at {asyncio.get_running_loop().time()}")
            raise
        return {"log": [name]}

    return node


async def test_the_fan_out_applies_in_name_order_whatever_order_it_finished_in(run: Run) -> None:
    events: list[str] = []
    app = fan_out(c=sleeper("c", 1, events), a=sleeper("a", 3, events), b=sleeper("b", 2, events))
    assert await run(app, {}) == {"log": ["a", "b", "c"]}
    assert asyncio.get_running_loop().time() == 3.0


async def test_a_failing_node_cancels_its_siblings_at_once_and_is_named(run: Run) -> None:
    events: list[str] = []

    async def fails(state: State) -> dict[str, Any]:
        await asyncio.sleep(1)
        raise KeyError("broke")

    app = fan_out(a=sleeper("a", 5, events), b=fails, c=sleeper("c", 5, events))
    with pytest.raises(KeyError) as caught:
        await run(app, {})
    assert caught.value.__notes__[0].startswith("During task with name 'b' and id '")
    assert events == ["a cancelled at 1.0", "c cancelled at 1.0"]


async def test_an_unknown_key_cancels_the_siblings_at_once_too(run: Run) -> None:
    events: list[str] = []

    async def bad(state: State) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {"nope": 1}

    app = fan_out(a=sleeper("a", 5, events), b=bad)
    with pytest.raises(
        InvalidUpdateError,
        match=r"^Node 'b' wrote unknown state key 'nope'; known keys: \['done', 'log'\]\. "
        r"Add 'nope' to the state schema or drop it from the update$",
    ):
        await run(app, {})
    assert events == ["a cancelled at 1.0"]


async def test_of_several_failures_the_first_in_task_order_is_raised_and_all_retrieved(
    run: Run,
) -> None:
    async def fails(state: State) -> dict[str, Any]:
        raise ValueError("first")

    async def later(state: State) -> dict[str, Any]:
        raise KeyError("later")

    reports: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: reports.append(str(context.get("message")))
    )
    app = fan_out(a=fails, b=later, c=later)
    with pytest.raises(ValueError, match=r"^first\nDuring task with name 'a'"):
        await run(app, {})
    gc.collect()
    assert reports == []  # no "Task exception was never retrieved"


async def test_a_node_with_the_wrong_arity_fails_as_its_own_task(run: Run) -> None:
    events: list[str] = []

    async def takes_nothing() -> dict[str, Any]:
        return {}

    app = fan_out(a=sleeper("a", 5, events), b=takes_nothing)
    with pytest.raises(TypeError, match=r"takes 0 positional arguments but 1 was given"):
        await run(app, {})
    assert events == ["a cancelled at 0.0"]


async def test_each_node_sets_context_variables_in_its_own_copy(run: Run) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[tuple[str, str]] = []

    def setter(name: str, seconds: float) -> Any:
        async def node(state: State) -> dict[str, Any]:
            seen.append((name, var.get()))
            var.set(name)
            await asyncio.sleep(seconds)
            seen.append((name, var.get()))
            return {"log": [name]}

        return node

    var.set("caller")
    app = fan_out(a=setter("a", 2), b=setter("b", 1))
    assert await run(app, {}) == {"log": ["a", "b"]}
    assert sorted(seen) == [("a", "a"), ("a", "caller"), ("b", "b"), ("b", "caller")]
    assert var.get() == "caller"


@pytest.mark.skipif(
    not hasattr(inspect, "markcoroutinefunction"), reason="inspect.markcoroutinefunction: 3.12+"
)
async def test_a_node_marked_async_that_returns_a_future_is_awaited(run: Run) -> None:
    def later(state: State) -> Any:
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(1, future.set_result, {"log": ["later"]})
        return future

    app = fan_out(a=inspect.markcoroutinefunction(later), b=sleeper("b", 2, []))
    assert await run(app, {}) == {"log": ["later", "b"]}
    assert asyncio.get_running_loop().time() == 2.0


async def test_a_subgraphs_command_to_its_parent_is_the_nodes_result_not_a_failure(
    run: Run,
) -> None:
    def to_parent(state: State) -> Command:
        return Command(graph=Command.PARENT, goto="finish", update={"log": ["sub"]})

    sub = StateGraph(State)
    sub.add_node("to_parent", to_parent)
    sub.add_edge(START, "to_parent")
    inner = sub.compile()

    async def calls_sub(state: State) -> Any:
        await asyncio.sleep(1)
        return await inner.ainvoke({})

    async def other(state: State) -> dict[str, Any]:
        await asyncio.sleep(2)
        return {"log": ["other"]}

    graph = StateGraph(State)
    graph.add_node("calls_sub", calls_sub)
    graph.add_node("other", other)
    graph.add_node("finish", lambda state: {"done": "yes"})
    graph.add_edge(START, "calls_sub")
    graph.add_edge(START, "other")
    graph.add_edge("finish", END)
    assert await run(graph.compile(), {}) == {"log": ["sub", "other"], "done": "yes"}
    assert asyncio.get_running_loop().time() == 2.0


async def test_each_node_runs_as_its_own_task_so_timeouts_inside_it_work(run: Run) -> None:
    tasks: list[asyncio.Task[Any] | None] = []

    async def bounded(state: State) -> dict[str, Any]:
        tasks.append(asyncio.current_task())
        try:
            async with asyncio.timeout(1):
                await asyncio.sleep(5)
        except TimeoutError:
            return {"log": ["timed out"]}
        return {"log": ["finished"]}

    app = fan_out(a=bounded, b=bounded)
    assert await run(app, {}) == {"log": ["timed out", "timed out"]}
    assert len(set(map(id, tasks))) == 2
    assert asyncio.get_running_loop().time() == 1.0


async def test_cancelling_the_run_cancels_the_tasks_and_names_the_nodes_cut_off(
    run: Run,
) -> None:
    events: list[str] = []
    app = fan_out(a=sleeper("a", 5, events), b=sleeper("b", 1, events), c=sleeper("c", 5, events))
    outer = asyncio.create_task(run(app, {}))
    await asyncio.sleep(2)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await outer
    assert events == ["a cancelled at 2.0", "c cancelled at 2.0"]
    assert caught.value.__notes__ == [
        "warpgraph: graph 'LangGraph' was cancelled in step 1 (nodes in flight: a, c); "
        "trajectory so far: 1 a, b, c"
    ]


async def test_run_direct_returns_the_outcomes_in_task_order() -> None:
    app = fan_out(a=sleeper("a", 2, []), b=sleeper("b", 1, []))
    program = app.program
    caller = _caller(program)
    nodes = [program.nodes["a"], program.nodes["b"]]
    gate = run_direct(caller, nodes, [{}, {}])
    await gate.opened
    assert not gate.failed
    assert gate.results() == [([("log", ["a"])], (), ()), ([("log", ["b"])], (), ())]


def _caller(program: Any) -> Any:
    from warpgraph.runtime._calls import TaskCaller
    from warpgraph.runtime._context import Runtime

    return TaskCaller(
        program,
        {"recursion_limit": 25, "configurable": {}},
        Runtime(context=None),
        {},
        sink=None,
        modes=frozenset(),
        inline_sync=False,
        observer=None,
        semaphore=None,
    )


async def test_an_unobserved_step_runs_each_node_in_the_thin_direct_task() -> None:
    """The direct path is taken (and the general one when observed)."""
    names: list[str] = []

    async def node(state: State) -> dict[str, Any]:
        names.append(asyncio.current_task().get_coro().__qualname__)  # type: ignore[union-attr]
        return {}

    app = fan_out(a=node, b=node)
    await _direct(app, {})
    await _general(app, {})
    assert names == ["_task"] * 2 + ["TaskCaller.task"] * 2
