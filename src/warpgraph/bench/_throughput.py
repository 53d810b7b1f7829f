"""Throughput at scale: many concurrent runs of a graph whose tools wait in virtual time.

Each run is a fan-out: three tools, each taking one second of (virtual) latency,
then a waiting-edge join. Under warpgraph's virtual-time loop the seconds cost no
real time, so what remains is pure scheduling work, and two things can be checked
exactly:

* the **virtual makespan** of N concurrent runs must equal the *critical path* of one
  run (1 s of tool latency; the join takes no time), whatever N is: a scheduler that
  serialises anything shows up as a longer makespan;
* **runs per second of real time**, the headline throughput number.

Memory is measured once, outside the timed rounds, with ``tracemalloc``: the peak of
N runs in flight, divided by N (bytes per in-flight run).
"""

from __future__ import annotations

import asyncio
import importlib
import operator
import tracemalloc
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypedDict

from warpgraph.bench._peers import PeerUnavailable, graph_api
from warpgraph.bench._workload import Prepared, Workload, virtual_elapsed

__all__ = [
    "CRITICAL_PATH",
    "THROUGHPUT_WORKLOADS",
    "TOOL_LATENCY",
    "build_tool_graph",
    "measure_memory",
    "traced_run_svg",
]

TOOL_LATENCY = 1.0
TOOLS = ("tool_a", "tool_b", "tool_c")
# The tools run in parallel and the join takes no time: one tool latency.
CRITICAL_PATH = TOOL_LATENCY


class ToolState(TypedDict):
    query: str
    results: Annotated[list[str], operator.add]
    answer: str


def _tool(name: str) -> Callable[[ToolState], Any]:
    async def tool(state: ToolState) -> dict[str, list[str]]:
        await asyncio.sleep(TOOL_LATENCY)  # the tool's I/O, in virtual time
        return {"results": [name]}

    tool.__name__ = name
    return tool


async def _join(state: ToolState) -> dict[str, str]:
    return {"answer": "+".join(sorted(state["results"]))}


def build_tool_graph(peer: str) -> Any:
    """The three-tool fan-out graph on ``peer`` (``warpgraph`` or ``langgraph``), compiled."""
    api = graph_api(peer)
    graph = api.StateGraph(ToolState)
    for name in TOOLS:
        graph.add_node(name, _tool(name))
        graph.add_edge(api.START, name)
    graph.add_node("join", _join)
    graph.add_edge(list(TOOLS), "join")
    graph.add_edge("join", api.END)
    # Named, so the traced run's Gantt row says what it is (both libraries take name=).
    return graph.compile(name="three-tool fan-out")


def _one_run(peer: str) -> Callable[[], Any]:
    if peer == "asyncio":
        tools = [_tool(name) for name in TOOLS]

        async def floor() -> dict[str, Any]:
            state: dict[str, Any] = {"query": "q", "results": [], "answer": ""}
            updates = await asyncio.gather(*(tool(state) for tool in tools))  # type: ignore[arg-type]
            for update in updates:
                state["results"].extend(update["results"])
            state.update(await _join(state))  # type: ignore[arg-type]
            return state

        return floor
    app = build_tool_graph(peer)
    return lambda: app.ainvoke({"query": "q", "results": [], "answer": ""})


def _prepare_runs(peer: str, runs: int) -> Prepared:
    one_run = _one_run(peer)
    makespans: list[float] = []

    async def concurrent_runs() -> list[Any]:
        outputs, makespan = await virtual_elapsed(
            lambda: asyncio.gather(*(one_run() for _ in range(runs)))
        )
        makespans.append(makespan)
        return list(outputs)

    def check(outputs: Any) -> None:
        answers = {output["answer"] for output in outputs}
        if len(outputs) != runs or answers != {"tool_a+tool_b+tool_c"}:
            raise AssertionError(
                f"{runs} runs on {peer}: expected every answer to join the "
                f"three tools, got {len(outputs)} outputs with {answers!r}"
            )
        if makespans[-1] != CRITICAL_PATH:
            raise AssertionError(
                f"{runs} runs on {peer}: virtual makespan {makespans[-1]!r} s "
                f"!= critical path {CRITICAL_PATH!r} s"
            )

    def extras() -> Mapping[str, Any]:
        return {
            "virtual_makespan": max(makespans),
            "virtual_makespan_min": min(makespans),
            "critical_path": CRITICAL_PATH,
            "makespan_is_critical_path": all(m == CRITICAL_PATH for m in makespans),
        }

    return Prepared(concurrent_runs, check, extras)


def measure_memory(call: Callable[[], Any], runner: Callable[[Any], Any], runs: int) -> float:
    """Peak traced bytes per in-flight run while ``runner(call())`` runs ``runs`` runs at once."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        runner(call())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - before) / runs


THROUGHPUT_WORKLOADS = (
    Workload(
        name="throughput",
        title="Concurrent runs, three 1-s tools each",
        metric="time_per_run",
        unit="run",
        sizes=(100, 1000, 10000),
        quick_sizes=(30, 100),
        prepare=_prepare_runs,
        group="throughput",
        clock="virtual",
        # Five rounds, not three: a round of 10,000 runs takes seconds, and the median of
        # three on this shared machine moved by a fifth between identical runs.
        min_rounds=5,
        memory_up_to=1000,
        gc_probe=True,
        max_size={
            "langgraph": (
                1000,
                "about 10 s per 1,000 runs here, so 10,000 would take minutes "
                "per round; its growth is fitted from smaller sizes",
            ),
        },
        description=(
            "N concurrent runs of START -> three tools (1 s of virtual latency each) -> "
            "waiting-edge join, on warpgraph's virtual-time loop."
        ),
    ),
)


def traced_run_svg() -> tuple[str | None, str]:
    """A Gantt chart (SVG) of one warpgraph run of the tool graph in virtual time.

    Returns ``(svg, caption)``, or ``(None, reason)`` when the engine, the virtual-time
    loop or traces are not available, or the run failed; the report shows the reason.
    """
    try:
        testing = importlib.import_module("warpgraph.testing")
        trace_type, loop_type = testing.Trace, testing.VirtualTimeLoop
        observe = importlib.import_module("warpgraph").observe
        app = build_tool_graph("warpgraph")
    except (ImportError, AttributeError, PeerUnavailable) as error:
        return None, f"Gantt chart not available: {error}"
    trace = trace_type()

    async def traced() -> Any:
        with observe(trace):
            return await app.ainvoke({"query": "q", "results": [], "answer": ""})

    loop = loop_type()
    try:
        loop.run_until_complete(traced())
        critical = trace.critical_path().length
    except Exception as error:  # the report still renders, and says what went wrong
        return None, f"Gantt chart not available: the traced run failed with {error!r}"
    finally:
        loop.close()
    caption = (
        f"One run of the three-tool graph in virtual time: makespan {trace.makespan:g} s, "
        f"critical path {critical:g} s."
    )
    return str(trace.to_svg()), caption
