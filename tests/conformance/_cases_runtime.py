"""Cases about running: recursion limits, errors, concurrency, config, context, retries."""

import asyncio
import itertools
import threading
from dataclasses import dataclass
from typing import Any, TypedDict

from ._case import case
from ._libs import Lib
from ._nodes import Log, NodeFailure, append, append_async, increment


def chain(lib: Lib, length: int) -> Any:
    g = lib.StateGraph(Log)
    names = [f"n{i}" for i in range(length)]
    for name in names:
        g.add_node(name, increment(name))
    g.add_edge(lib.START, names[0])
    for left, right in itertools.pairwise(names):
        g.add_edge(left, right)
    return g.compile()


@case(
    input={"x": 0},
    config={"recursion_limit": 4},
    expect={"x": 3, "log": ["n0", "n1", "n2"]},
    also=("multi",),
)
def a_chain_of_three_nodes_finishes_with_a_recursion_limit_of_four(lib: Lib) -> Any:
    return chain(lib, 3)


@case(
    input={"x": 0},
    config={"recursion_limit": 3},
    raises="GraphRecursionError",
    also=("multi", "debug"),
)
def a_chain_of_three_nodes_hits_a_recursion_limit_of_three(lib: Lib) -> Any:
    return chain(lib, 3)


@case(input={"x": 0}, config={"recursion_limit": 1}, raises="GraphRecursionError")
def a_recursion_limit_of_one_stops_before_the_first_node_finishes_the_run(lib: Lib) -> Any:
    return chain(lib, 1)


@case(input={"x": 0}, config={"recursion_limit": 0}, raises="ValueError")
def a_recursion_limit_below_one_is_rejected(lib: Lib) -> Any:
    return chain(lib, 1)


@case(
    input={"x": 0},
    config={"recursion_limit": 4},
    expect={"x": 0, "log": ["a", "b", "c", "d"]},
)
def a_parallel_step_counts_once_against_the_recursion_limit(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abcd":
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    g.add_edge(["b", "c"], "d")
    return g.compile()


class Counter(TypedDict):
    x: int
    stop: int


def count_to_stop(lib: Lib) -> Any:
    """A one-node loop that runs exactly ``stop`` steps."""
    g = lib.StateGraph(Counter)
    g.add_node("loop", lambda state: {"x": state["x"] + 1})
    g.add_edge(lib.START, "loop")
    g.add_conditional_edges("loop", lambda state: "loop" if state["x"] < state["stop"] else lib.END)
    return g.compile()


# LangGraph's default recursion_limit is 10007 (its DEFAULT_RECURSION_LIMIT); a run of
# k steps needs a limit of k + 1. Each of these runs takes LangGraph about 1.7 s.
@case(input={"x": 0, "stop": 10_006}, expect={"x": 10_006, "stop": 10_006}, checks=("invoke",))
def the_default_recursion_limit_allows_a_run_of_10006_steps(lib: Lib) -> Any:
    return count_to_stop(lib)


@case(input={"x": 0, "stop": 10_007}, raises="GraphRecursionError", checks=("invoke",))
def the_default_recursion_limit_stops_a_run_of_10007_steps(lib: Lib) -> Any:
    return count_to_stop(lib)


# batch/abatch go through langchain-core's config defaults, whose recursion_limit is 25
@case(
    input={"x": 0, "stop": 24},
    batch=[{"x": 0, "stop": 24}, {"x": 0, "stop": 25}],
    return_exceptions=True,
    expect=[{"x": 24, "stop": 24}, "GraphRecursionError"],
    checks=("batch", "abatch"),
)
def batch_runs_default_to_a_recursion_limit_of_25(lib: Lib) -> Any:
    return count_to_stop(lib)


@case(input=None, raises="EmptyInputError")
def running_without_input_is_rejected(lib: Lib) -> Any:
    return chain(lib, 1)


@case(input={}, expect={"x": 2, "log": ["n0", "n1"]})
def an_empty_input_dict_is_accepted(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("n0", lambda state: {"x": 1, "log": ["n0"]})
    g.add_node("n1", increment("n1"))
    g.add_edge(lib.START, "n0")
    g.add_edge("n0", "n1")
    return g.compile()


def fail_at(name: str, error: Exception) -> Any:
    def node(state: Any) -> Any:
        raise error

    node.__name__ = name
    return node


@case(input={"x": 0}, raises="KeyError", same_message=True, also=("multi", "tasks", "debug"))
def a_node_error_propagates_with_its_own_type_and_message(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("ok", increment("ok"))
    g.add_node("boom", fail_at("boom", KeyError("missing")))
    g.add_edge(lib.START, "ok")
    g.add_edge("ok", "boom")
    return g.compile()


@case(
    input={"x": 0},
    raises="NodeFailure",
    same_message=True,
    async_only=True,
    also=("multi", "tasks", "debug"),
)
def a_failing_node_among_parallel_siblings_raises_its_own_error(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("start", append_async("start"))
    g.add_node("slow", append_async("slow", yields=5))
    g.add_node("boom", fail_at("boom", NodeFailure("boom failed")))
    g.add_node("fast", append_async("fast"))
    for name in ["slow", "boom", "fast"]:
        g.add_edge("start", name)
    g.add_edge(lib.START, "start")
    return g.compile()


@case(input={"x": 0}, raises="NodeFailure", same_message=True)
def an_error_in_a_branch_function_propagates(lib: Lib) -> Any:
    def route(state: Any) -> str:
        raise NodeFailure("cannot route")

    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", route, ["b"])
    return g.compile()


def peak_concurrency_graph(lib: Lib) -> Any:
    """Four parallel async nodes that each log the highest concurrency seen so far."""
    in_flight, peak = [0], [0]

    def node(name: str) -> Any:
        async def run(state: Any) -> Any:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            in_flight[0] -= 1
            return {"log": [f"{name}:{peak[0]}"]}

        return run

    g = lib.StateGraph(Log)
    for name in "abcd":
        g.add_node(name, node(name))
        g.add_edge(lib.START, name)
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a:4", "b:4", "c:4", "d:4"]}, async_only=True)
def tasks_of_one_step_run_concurrently(lib: Lib) -> Any:
    return peak_concurrency_graph(lib)


@case(
    input={"x": 0},
    config={"max_concurrency": 1},
    expect={"x": 0, "log": ["a:1", "b:1", "c:1", "d:1"]},
    async_only=True,
)
def max_concurrency_one_runs_the_tasks_of_a_step_one_at_a_time(lib: Lib) -> Any:
    return peak_concurrency_graph(lib)


@case(
    input={"x": 0},
    config={"max_concurrency": 2},
    expect={"x": 0, "log": ["a:2", "b:2", "c:2", "d:2"]},
    async_only=True,
)
def max_concurrency_two_caps_a_step_at_two_tasks(lib: Lib) -> Any:
    return peak_concurrency_graph(lib)


def where_am_i(state: Any) -> Any:
    on_main = threading.current_thread() is threading.main_thread()
    return {"log": ["event-loop thread" if on_main else "worker thread"]}


@case(
    input={"x": 0},
    expect={"x": 0, "log": ["worker thread", "worker thread", "worker thread"]},
    async_only=True,
)
def sync_nodes_run_in_a_worker_thread_under_the_async_api(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["alone", "left", "right"]:
        g.add_node(name, where_am_i)
    g.add_edge(lib.START, "alone")
    g.add_edge("alone", "left")
    g.add_edge("alone", "right")
    return g.compile()


@case(
    input={"x": 0},
    config={"configurable": {"user": "ann", "tier": 2}},
    expect={"x": 2, "log": ["ann"]},
)
def a_node_taking_config_receives_the_configurable_values(lib: Lib) -> Any:
    # `config` stays unannotated: LangGraph warns on any annotation but RunnableConfig
    def node(state: Any, config) -> Any:  # type: ignore[no-untyped-def]
        return {"log": [config["configurable"]["user"]], "x": config["configurable"]["tier"]}

    g = lib.StateGraph(Log)
    g.add_node("node", node)
    g.add_edge(lib.START, "node")
    return g.compile()


@case(
    input={"x": 0},
    config={"tags": ["blue"], "metadata": {"owner": "ops"}},
    expect={"x": 0, "log": ["first@1 owner=ops tags=['blue']", "second@2 owner=ops tags=['blue']"]},
)
def a_node_taking_config_sees_its_step_name_metadata_and_tags(lib: Lib) -> Any:
    # `config` stays unannotated: LangGraph warns on any annotation but RunnableConfig
    def node(state: Any, config) -> Any:  # type: ignore[no-untyped-def]
        meta = config.get("metadata", {})
        where = f"{meta.get('langgraph_node')}@{meta.get('langgraph_step')}"
        return {"log": [f"{where} owner={meta.get('owner')} tags={config.get('tags')}"]}

    g = lib.StateGraph(Log)
    g.add_node("first", node)
    g.add_node("second", node)
    g.add_edge(lib.START, "first")
    g.add_edge("first", "second")
    return g.compile()


def configured(lib: Lib) -> Any:
    # `config` stays unannotated: LangGraph warns on any annotation but RunnableConfig
    def node(state: Any, config) -> Any:  # type: ignore[no-untyped-def]
        bound = config["configurable"]
        return {"log": [f"{bound.get('user')}:{bound.get('tier')}"]}

    g = lib.StateGraph(Log)
    g.add_node("node", node)
    g.add_edge(lib.START, "node")
    return g.compile().with_config(configurable={"user": "zed", "tier": 1}, recursion_limit=2)


@case(
    input={"x": 0},
    config={"configurable": {"tier": 5}},
    expect={"x": 0, "log": ["zed:5"]},
    also=("listed",),
)
def with_config_binds_defaults_that_a_run_config_merges_into(lib: Lib) -> Any:
    return configured(lib)


@case(input={"x": 0}, config={"recursion_limit": 1}, raises="GraphRecursionError")
def a_run_recursion_limit_overrides_one_bound_with_with_config(lib: Lib) -> Any:
    return configured(lib)


@dataclass
class Ctx:
    user: str
    factor: int = 10


def with_context(lib: Lib) -> Any:
    def node(state: Any, runtime: Any) -> Any:
        ctx = runtime.context
        if ctx is None:
            return {"log": ["no context"]}
        return {"log": [ctx.user], "x": state["x"] * ctx.factor}

    g = lib.StateGraph(Log, context_schema=Ctx)
    g.add_node("node", node)
    g.add_edge(lib.START, "node")
    return g.compile()


@case(input={"x": 3}, context=Ctx(user="bo"), expect={"x": 30, "log": ["bo"]})
def a_node_taking_runtime_receives_the_run_context(lib: Lib) -> Any:
    return with_context(lib)


@case(input={"x": 3}, expect={"x": 3, "log": ["no context"]})
def the_runtime_context_is_none_when_the_run_passes_none(lib: Lib) -> Any:
    return with_context(lib)


@case(input={"x": 2}, context={"user": "cy", "factor": 3}, expect={"x": 6, "log": ["cy"]})
def a_dict_context_is_turned_into_the_context_schema(lib: Lib) -> Any:
    return with_context(lib)


@case(input={"x": 1}, context=Ctx(user="di", factor=5), expect={"x": 5, "log": ["di"]})
def get_runtime_inside_a_node_returns_the_run_context(lib: Lib) -> Any:
    def node(state: Any) -> Any:
        ctx = lib.get_runtime(Ctx).context
        return {"log": [ctx.user], "x": state["x"] * ctx.factor}

    g = lib.StateGraph(Log, context_schema=Ctx)
    g.add_node("node", node)
    g.add_edge(lib.START, "node")
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 2, "log": []},
    checks=("invoke", "custom", "updates", "values"),
)
def nodes_write_to_the_custom_stream(lib: Lib) -> Any:
    def by_function(state: Any) -> Any:
        lib.get_stream_writer()({"from": "get_stream_writer", "x": state["x"]})
        return {"x": 1}

    def by_runtime(state: Any, runtime: Any) -> Any:
        runtime.stream_writer({"from": "runtime"})
        runtime.stream_writer(["second", "chunk"])
        return {"x": 2}

    g = lib.StateGraph(Log)
    g.add_node("by_function", by_function)
    g.add_node("by_runtime", by_runtime)
    g.add_edge(lib.START, "by_function")
    g.add_edge("by_function", "by_runtime")
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 0, "log": ["a", "b"]},
    async_only=True,
    checks=("ainvoke", "custom", "updates"),
)
def parallel_async_nodes_write_to_the_custom_stream(lib: Lib) -> Any:
    def node(name: str) -> Any:
        async def run(state: Any) -> Any:
            writer = lib.get_stream_writer()
            writer({"node": name, "part": 1})
            await asyncio.sleep(0)
            writer({"node": name, "part": 2})
            return {"log": [name]}

        return run

    g = lib.StateGraph(Log)
    for name in "ab":
        g.add_node(name, node(name))
        g.add_edge(lib.START, name)
    return g.compile()


def flaky(lib: Lib, failures: int, error: type[Exception], **policy: Any) -> Any:
    """A node that fails ``failures`` times with ``error``, under a zero-wait retry policy."""
    attempts = [0]

    def node(state: Any) -> Any:
        attempts[0] += 1
        if attempts[0] <= failures:
            raise error(f"attempt {attempts[0]}")
        return {"x": attempts[0], "log": ["flaky"]}

    g = lib.StateGraph(Log)
    retry = lib.RetryPolicy(initial_interval=0.0, jitter=False, **policy)
    g.add_node("flaky", node, retry_policy=retry)
    g.add_edge(lib.START, "flaky")
    return g.compile()


@case(input={"x": 0}, expect={"x": 3, "log": ["flaky"]}, also=("tasks",))
def a_retry_policy_retries_a_failing_node_until_it_succeeds(lib: Lib) -> Any:
    return flaky(lib, 2, ConnectionError)


@case(input={"x": 0}, raises="ConnectionError", same_message=True)
def a_retry_policy_gives_up_after_max_attempts(lib: Lib) -> Any:
    return flaky(lib, 5, ConnectionError, max_attempts=3)


@case(input={"x": 0}, raises="ValueError", same_message=True)
def the_default_retry_policy_does_not_retry_a_value_error(lib: Lib) -> Any:
    return flaky(lib, 1, ValueError)


@case(input={"x": 0}, expect={"x": 2, "log": ["flaky"]})
def a_retry_policy_retries_the_exception_types_it_names(lib: Lib) -> Any:
    return flaky(lib, 1, ValueError, retry_on=ValueError)


@case(input={"x": 0}, raises="KeyError", same_message=True)
def a_retry_policy_does_not_retry_types_it_does_not_name(lib: Lib) -> Any:
    return flaky(lib, 1, KeyError, retry_on=ValueError)


def flaky_in_turn(lib: Lib, retry_policy: Any) -> Any:
    """A node failing first with KeyError, then ConnectionError, then succeeding."""
    errors: list[type[Exception]] = [KeyError, ConnectionError]
    attempts = [0]

    def node(state: Any) -> Any:
        attempts[0] += 1
        if attempts[0] <= len(errors):
            raise errors[attempts[0] - 1](f"attempt {attempts[0]}")
        return {"x": attempts[0], "log": ["flaky"]}

    g = lib.StateGraph(Log)
    g.add_node("flaky", node, retry_policy=retry_policy)
    g.add_edge(lib.START, "flaky")
    return g.compile()


@case(input={"x": 0}, expect={"x": 3, "log": ["flaky"]})
def a_list_of_retry_policies_retries_by_the_first_that_matches(lib: Lib) -> Any:
    policies = [
        lib.RetryPolicy(retry_on=KeyError, initial_interval=0.0, jitter=False),
        lib.RetryPolicy(retry_on=ConnectionError, initial_interval=0.0, jitter=False),
    ]
    return flaky_in_turn(lib, policies)


@case(input={"x": 0}, expect={"x": 3, "log": ["flaky"]})
def retry_on_may_be_a_predicate(lib: Lib) -> Any:
    policy = lib.RetryPolicy(
        retry_on=lambda error: isinstance(error, KeyError | ConnectionError),
        initial_interval=0.0,
        jitter=False,
    )
    return flaky_in_turn(lib, policy)


def flaky_router(lib: Lib, failures: int) -> Any:
    """A node whose router fails ``failures`` times; the node logs each of its runs."""
    runs, routes = [0], [0]

    def node(state: Any) -> Any:
        runs[0] += 1
        return {"log": [f"node#{runs[0]}"]}

    def route(state: Any) -> Any:
        routes[0] += 1
        if routes[0] <= failures:
            raise ConnectionError(f"route {routes[0]} failed")
        return "after"

    g = lib.StateGraph(Log)
    retry = lib.RetryPolicy(initial_interval=0.0, jitter=False, max_attempts=2)
    g.add_node("node", node, retry_policy=retry)
    g.add_node("after", append("after"))
    g.add_edge(lib.START, "node")
    g.add_conditional_edges("node", route)
    return g.compile()


# LangGraph runs a node's conditional edges inside its task: a router that raises fails
# the attempt, and the retry runs the node again (its first update is discarded).
@case(input={"x": 0}, expect={"x": 0, "log": ["node#2", "after"]}, also=("tasks", "debug"))
def a_retry_policy_reruns_its_node_when_the_router_raises(lib: Lib) -> Any:
    return flaky_router(lib, 1)


# (Not the `tasks` stream: LangGraph's failed task result shows the node's update,
# warpgraph's is empty; see docs/differences.md.)
@case(input={"x": 0}, raises="ConnectionError", same_message=True, also=("multi",))
def a_router_failing_on_every_attempt_fails_the_run(lib: Lib) -> Any:
    return flaky_router(lib, 2)


@case(input=5, raises="InvalidUpdateError")
def an_input_that_is_not_a_dict_is_rejected(lib: Lib) -> Any:
    return chain(lib, 1)


@case(input={"log": "not a list"}, raises="TypeError", same_message=True)
def a_reducer_failing_on_the_input_raises_its_error(lib: Lib) -> Any:
    return chain(lib, 1)


def _register_default_retry_on(error: type[Exception], retried: bool) -> None:
    """One case per exception type: does LangGraph's default ``retry_on`` retry it?"""

    def build(lib: Lib) -> Any:
        return flaky(lib, 1, error)

    verb = "retries" if retried else "does_not_retry"
    build.__name__ = f"the_default_retry_policy_{verb}_{error.__name__.lower()}"
    if retried:
        case(input={"x": 0}, expect={"x": 2, "log": ["flaky"]}, checks=("invoke",))(build)
    else:
        case(input={"x": 0}, raises=error.__name__, same_message=True, checks=("invoke",))(build)


for _error, _retried in [
    (ConnectionResetError, True),
    (NodeFailure, True),
    (RuntimeError, False),
    (TimeoutError, False),
    (OSError, False),
    (KeyError, False),
    (TypeError, False),
    (ZeroDivisionError, False),
]:
    _register_default_retry_on(_error, _retried)


@case(input={"x": 0}, expect={"x": 3, "log": ["flaky"]})
def retry_on_may_be_a_tuple_of_exception_types(lib: Lib) -> Any:
    policy = lib.RetryPolicy(
        retry_on=(KeyError, ConnectionError), initial_interval=0.0, jitter=False
    )
    return flaky_in_turn(lib, policy)


def scale(lib: Lib) -> Any:
    def node(state: Any) -> Any:
        if state["x"] < 0:
            raise NodeFailure(f"negative {state['x']}")
        return {"x": state["x"] * 10, "log": [str(state["x"])]}

    g = lib.StateGraph(Log)
    g.add_node("scale", node)
    g.add_edge(lib.START, "scale")
    return g.compile()


@case(
    input={"x": 1},
    batch=[{"x": 1}, {"x": 2}, {"x": 3}],
    expect={"x": 10, "log": ["1"]},
    also=("batch", "abatch"),
)
def batch_runs_each_input_independently(lib: Lib) -> Any:
    return scale(lib)


@case(
    input={"x": -1},
    batch=[{"x": 1}, {"x": -2}, {"x": 3}],
    return_exceptions=True,
    raises="NodeFailure",
    same_message=True,
    checks=("invoke", "batch", "abatch"),
)
def batch_with_return_exceptions_returns_errors_in_place(lib: Lib) -> Any:
    return scale(lib)


@case(
    input={"x": -1},
    batch=[{"x": 1}, {"x": -2}, {"x": 3}],
    raises="NodeFailure",
    same_message=True,
    checks=("invoke", "batch", "abatch"),
)
def batch_without_return_exceptions_raises_the_first_error(lib: Lib) -> Any:
    return scale(lib)


def late_or_early_failure(lib: Lib) -> Any:
    """Input 0 fails in the second step with ValueError, input 1 in the first with KeyError."""

    def early(state: Any) -> Any:
        if state["x"] == 1:
            raise KeyError("early")
        return {"log": ["early"]}

    def late(state: Any) -> Any:
        if state["x"] == 0:
            raise ValueError("late")
        return {"log": ["late"]}

    g = lib.StateGraph(Log)
    g.add_sequence([("early", early), ("late", late)])
    g.add_edge(lib.START, "early")
    return g.compile()


# LangGraph's sync batch maps the inputs over a thread pool and collects them in input
# order, so the error raised is the first failing input's, not the first to fail.
@case(
    input={"x": 0},
    batch=[{"x": 0}, {"x": 1}],
    raises="ValueError",
    same_message=True,
    checks=("batch",),
)
def sync_batch_raises_the_error_of_the_first_failing_input(lib: Lib) -> Any:
    return late_or_early_failure(lib)


@case(
    input={"x": 0},
    batch=[{"x": 0}, {"x": 1}, {"x": 2}],
    return_exceptions=True,
    expect=["ValueError", "KeyError", {"x": 2, "log": ["early", "late"]}],
    checks=("batch", "abatch"),
)
def batch_returns_each_inputs_own_error_in_place(lib: Lib) -> Any:
    return late_or_early_failure(lib)


@case(
    input={"x": 0},
    batch=[{"x": 1}, {"x": 2}],
    config=[
        {"configurable": {"user": "ann", "tier": 10}},
        {"configurable": {"user": "bo", "tier": 20}},
    ],
    expect=[{"x": 10, "log": ["ann"]}, {"x": 20, "log": ["bo"]}],
    checks=("batch", "abatch"),
)
def batch_takes_one_config_per_input(lib: Lib) -> Any:
    # `config` stays unannotated: LangGraph warns on any annotation but RunnableConfig
    def node(state: Any, config) -> Any:  # type: ignore[no-untyped-def]
        bound = config["configurable"]
        return {"log": [bound["user"]], "x": bound["tier"]}

    g = lib.StateGraph(Log)
    g.add_node("node", node)
    g.add_edge(lib.START, "node")
    return g.compile()
