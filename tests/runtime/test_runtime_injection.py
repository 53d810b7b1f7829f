"""What nodes can ask for: runtime (context, stream writer), config, writer; retries."""

import asyncio
import dataclasses
import random
from typing import Any, TypedDict

import pytest

from warpgraph import START, RetryPolicy, Runtime, StateGraph, get_runtime
from warpgraph.runtime import default_retry_on
from warpgraph.runtime._retry import retry_delay


class State(TypedDict, total=False):
    x: int


@dataclasses.dataclass(frozen=True)
class Ctx:
    user: str


def test_a_node_asking_for_runtime_gets_the_runs_context() -> None:
    def greet(state: State, runtime: Runtime[Ctx]) -> dict[str, Any]:
        return {"x": len(runtime.context.user)}

    g = StateGraph(State, context_schema=Ctx)
    g.add_node("greet", greet)
    g.add_edge(START, "greet")
    assert g.compile().invoke({"x": 0}, context=Ctx(user="ada")) == {"x": 3}


async def test_get_runtime_finds_the_runtime_from_inside_an_async_node() -> None:
    async def look(state: State) -> dict[str, Any]:
        return {"x": get_runtime().context}

    g = StateGraph(State)
    g.add_node("look", look)
    g.add_edge(START, "look")
    assert await g.compile().ainvoke({"x": 0}, context=42) == {"x": 42}


def test_get_runtime_outside_a_run_says_where_to_call_it() -> None:
    with pytest.raises(
        RuntimeError,
        match=r"^get_runtime\(\) was called outside a graph run; call it from inside a node$",
    ):
        get_runtime()


async def test_each_run_restores_the_runtime_it_found_when_it_ends() -> None:
    seen: list[Any] = []

    async def inner_node(state: State) -> None:
        seen.append(get_runtime().context)

    inner = StateGraph(State)
    inner.add_node("inner_node", inner_node)
    inner.add_edge(START, "inner_node")
    inner_app = inner.compile()

    async def outer_node(state: State) -> dict[str, Any]:
        await inner_app.ainvoke({"x": 0}, context="inner")  # a nested run, ended
        seen.append(get_runtime().context)  # ... gave the outer run's runtime back
        if state["x"]:
            raise ValueError("boom")
        return {"x": 1}

    outer = StateGraph(State)
    outer.add_node("outer_node", outer_node)
    outer.add_edge(START, "outer_node")
    app = outer.compile()
    assert await app.ainvoke({"x": 0}, context="outer") == {"x": 1}
    with pytest.raises(ValueError, match="boom"):
        await app.ainvoke({"x": 1}, context="outer")
    assert seen == ["inner", "outer"] * 2
    with pytest.raises(RuntimeError, match="outside a graph run"):
        get_runtime()  # neither the ended runs nor the failed one left theirs behind


def test_a_node_asking_for_config_gets_configurable_and_the_limits() -> None:
    seen: list[dict[str, Any]] = []

    def look(state: State, config: dict[str, Any]) -> None:
        seen.append(config)

    g = StateGraph(State)
    g.add_node("look", look)
    g.add_edge(START, "look")
    g.compile().invoke({}, {"configurable": {"thread": "t1"}})
    assert seen[0]["configurable"] == {"thread": "t1"}
    assert seen[0]["recursion_limit"] == 10007


def test_callbacks_must_be_event_subscribers() -> None:
    g = StateGraph(State)
    g.add_node("a", lambda s: None)
    g.add_edge(START, "a")
    with pytest.raises(
        TypeError,
        match=r"^config\['callbacks'\] takes warpgraph event subscribers \(callables taking "
        r"one event\), got 'not callable'$",
    ):
        g.compile().invoke({}, {"callbacks": ["not callable"]})


def flaky(failures: int, error: Exception) -> Any:
    calls: list[float] = []

    async def node(state: State) -> dict[str, Any]:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) <= failures:
            raise type(error)(*error.args)  # a fresh error per attempt, as real code raises
        return {"x": len(calls)}

    node.calls = calls  # type: ignore[attr-defined]
    return node


def retrying_app(node: Any, policy: RetryPolicy) -> Any:
    g = StateGraph(State)
    g.add_node("flaky", node, retry_policy=policy)
    g.add_edge(START, "flaky")
    return g.compile()


@pytest.mark.virtual_time
async def test_retries_back_off_exponentially_in_exact_virtual_time() -> None:
    node = flaky(3, ConnectionError("down"))
    policy = RetryPolicy(initial_interval=1.0, backoff_factor=2.0, max_attempts=4, jitter=False)
    assert await retrying_app(node, policy).ainvoke({}) == {"x": 4}
    assert node.calls == [0.0, 1.0, 3.0, 7.0]


@pytest.mark.virtual_time
async def test_the_backoff_is_capped_by_max_interval() -> None:
    node = flaky(3, ConnectionError("down"))
    policy = RetryPolicy(initial_interval=2.0, max_interval=3.0, max_attempts=4, jitter=False)
    await retrying_app(node, policy).ainvoke({})
    assert node.calls == [0.0, 2.0, 5.0, 8.0]


@pytest.mark.virtual_time
async def test_retries_give_up_after_max_attempts_with_the_last_error() -> None:
    node = flaky(5, ConnectionError("down"))
    policy = RetryPolicy(initial_interval=1.0, max_attempts=2, jitter=False)
    with pytest.raises(
        ConnectionError, match=r"^down\nDuring task with name 'flaky' and id '[^']+'$"
    ):
        await retrying_app(node, policy).ainvoke({})
    assert node.calls == [0.0, 1.0]


async def test_the_default_policy_does_not_retry_programming_errors() -> None:
    node = flaky(1, ValueError("bad input"))
    with pytest.raises(
        ValueError, match=r"^bad input\nDuring task with name 'flaky' and id '[^']+'$"
    ):
        await retrying_app(node, RetryPolicy(initial_interval=0.0)).ainvoke({})
    assert len(node.calls) == 1


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (ConnectionError(), True),
        (TimeoutError(), False),  # an OSError, as in LangGraph
        (ValueError(), False),
        (KeyError(), False),
        (RuntimeError(), False),
        (Exception(), True),
    ],
)
def test_the_default_retry_predicate_matches_langgraphs(error: Exception, retried: bool) -> None:
    assert default_retry_on(error) is retried


def test_retry_on_accepts_a_class_a_sequence_or_a_predicate() -> None:
    from warpgraph.runtime._retry import should_retry

    assert should_retry(RetryPolicy(retry_on=KeyError), KeyError())
    assert not should_retry(RetryPolicy(retry_on=(KeyError, IndexError)), ValueError())
    assert should_retry(RetryPolicy(retry_on=lambda e: "again" in str(e)), Exception("again"))


def test_seeded_jitter_is_reproducible_and_within_one_second() -> None:
    policy = RetryPolicy(initial_interval=1.0, seed=7)
    first = [retry_delay(policy, n, random.Random(7)) for n in (1, 2)]
    again = [retry_delay(policy, n, random.Random(7)) for n in (1, 2)]
    assert first == again
    assert 1.0 <= first[0] < 2.0
    assert 2.0 <= first[1] < 3.0


def test_with_config_binds_defaults_that_a_runs_own_config_overrides() -> None:
    seen: list[dict[str, Any]] = []

    def look(state: State, config: dict[str, Any]) -> None:
        seen.append(config)

    g = StateGraph(State)
    g.add_node("look", look)
    g.add_edge(START, "look")
    bound = g.compile().with_config({"configurable": {"a": 1}}, recursion_limit=5)
    bound.invoke({}, {"configurable": {"b": 2}})
    bound.invoke({}, {"recursion_limit": 7})
    assert [(c["recursion_limit"], c["configurable"]) for c in seen] == [
        (5, {"a": 1, "b": 2}),
        (7, {"a": 1}),
    ]
