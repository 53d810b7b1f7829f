"""Agent patterns on fake LLMs and tools: what the scheduler adds per LLM call.

Three patterns from the async-execution guide, each driven by warpgraph's
``FakeLLM``/``FakeTool`` in virtual time (0.5 s per LLM call, 0.2 s per tool call,
costing no real time):

* **ReAct** — model -> tools -> model ... until the model stops asking for tools;
  size = tool turns.
* **Supervisor** — a supervisor model hands work to one of three worker models in
  turn until it says FINISH; size = hand-offs.
* **Map-reduce summarisation** — one ``Send`` per document to a summariser model,
  then one model call combines the summaries; size = documents.

Every peer makes the same calls to fresh fakes, so the hand-written asyncio version
measures the fakes themselves; what a graph peer takes beyond it, divided by the
LLM calls of a run, is its overhead per LLM call. Each run's virtual makespan is
checked against the pattern's critical path, so a peer that serialises the map step
fails instead of looking fast.
"""

from __future__ import annotations

import asyncio
import importlib
import operator
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypedDict

from warpgraph.bench._peers import GraphAPI, PeerUnavailable, graph_api
from warpgraph.bench._workload import Prepared, Workload, virtual_elapsed

__all__ = ["AGENT_WORKLOADS", "LLM_LATENCY", "TOOL_LATENCY"]

LLM_LATENCY = 0.5
TOOL_LATENCY = 0.2
WORKERS = ("researcher", "coder", "writer")


def _testing() -> Any:
    testing = importlib.import_module("warpgraph.testing")
    if not all(hasattr(testing, n) for n in ("FakeLLM", "FakeTool", "Message", "ToolCall")):
        raise PeerUnavailable("warpgraph.testing's FakeLLM/FakeTool are not available")
    return testing


class AgentState(TypedDict):
    messages: Annotated[list[Any], operator.add]


class SupervisorState(TypedDict):
    messages: Annotated[list[Any], operator.add]
    next: str


class SummaryState(TypedDict):
    documents: list[str]
    summaries: Annotated[list[str], operator.add]
    answer: str


class DocumentState(TypedDict):
    document: str


def _measured(
    run: Callable[[], Any], expected: float, llm_calls: int, what: str
) -> tuple[Callable[[], Any], Callable[[Any], None], Callable[[], Mapping[str, Any]]]:
    """Wrap one run to record its virtual makespan; check it against ``expected``."""
    makespans: list[float] = []

    async def call() -> Any:
        result, makespan = await virtual_elapsed(run)
        makespans.append(makespan)
        return result

    def check_makespan() -> None:
        if makespans[-1] != expected:
            raise AssertionError(
                f"{what}: virtual makespan {makespans[-1]!r} s != critical path {expected!r} s"
            )

    def extras() -> Mapping[str, Any]:
        return {"llm_calls": llm_calls, "virtual_makespan": max(makespans),
                "critical_path": expected}  # fmt: skip

    return call, lambda result: check_makespan(), extras


# -- ReAct ---------------------------------------------------------------------------


class _ReAct:
    """Fresh fakes for every run, and the two steps every peer takes with them."""

    def __init__(self, turns: int) -> None:
        self.t = _testing()
        self.turns = turns
        self.llm: Any = None
        self.tool: Any = None

    def fresh(self) -> None:
        self.llm = self.t.FakeLLM(self._answer, latency=LLM_LATENCY, name="react")
        self.tool = self.t.FakeTool("search", "found", latency=TOOL_LATENCY)

    def _answer(self, request: Any) -> Any:
        done = sum(1 for m in request.messages if m.role == "tool")
        return self.t.ToolCall("search", {"q": done}) if done < self.turns else "done"

    async def think(self, messages: list[Any]) -> Any:
        return await self.llm.ainvoke(messages, tools=[self.tool.schema])

    async def act(self, message: Any) -> list[Any]:
        results = [await self.tool.ainvoke(call.args) for call in message.tool_calls]
        return [self.t.Message("tool", str(result), tool_call_id=call.id)
                for call, result in zip(message.tool_calls, results, strict=True)]  # fmt: skip


def _react_floor(react: _ReAct) -> Callable[[], Any]:
    async def run() -> list[Any]:
        react.fresh()
        messages = [react.t.Message("user", "question")]
        while True:
            message = await react.think(messages)
            messages.append(message)
            if not message.tool_calls:
                return messages
            messages += await react.act(message)

    return run


def _react_graph(api: GraphAPI, react: _ReAct) -> Callable[[], Any]:
    async def agent(state: AgentState) -> dict[str, Any]:
        return {"messages": [await react.think(state["messages"])]}

    async def tools(state: AgentState) -> dict[str, Any]:
        return {"messages": await react.act(state["messages"][-1])}

    def route(state: AgentState) -> str:
        return "tools" if state["messages"][-1].tool_calls else api.END

    graph = api.StateGraph(AgentState)
    graph.add_node("agent", agent)
    graph.add_node("tools", tools)
    graph.add_edge(api.START, "agent")
    graph.add_conditional_edges("agent", route, ["tools", api.END])
    graph.add_edge("tools", "agent")
    app = graph.compile()
    config = {"recursion_limit": 2 * react.turns + 10}

    async def run() -> list[Any]:
        react.fresh()
        out = await app.ainvoke({"messages": [react.t.Message("user", "question")]}, config=config)
        return list(out["messages"])

    return run


def _prepare_react(peer: str, turns: int) -> Prepared:
    react = _ReAct(turns)
    run = _react_floor(react) if peer == "asyncio" else _react_graph(graph_api(peer), react)
    expected = (turns + 1) * LLM_LATENCY + turns * TOOL_LATENCY
    what = f"ReAct {turns} on {peer}"
    call, check_makespan, extras = _measured(run, expected, turns + 1, what)

    def check(messages: Any) -> None:
        if messages[-1].content != "done" or len(messages) != 2 + 2 * turns:
            raise AssertionError(f"{what}: expected {2 + 2 * turns} messages ending in "
                                 f"'done', got {len(messages)}")  # fmt: skip
        check_makespan(messages)

    return Prepared(call, check, extras)


# -- supervisor with workers ----------------------------------------------------------


class _Supervision:
    """Fresh fakes for every run: a supervisor model and one model per worker."""

    def __init__(self, handoffs: int) -> None:
        self.t = _testing()
        self.handoffs = handoffs
        self.models: dict[str, Any] = {}

    def fresh(self) -> None:
        self.models["supervisor"] = self.t.FakeLLM(
            self._decide, latency=LLM_LATENCY, name="supervisor"
        )
        for name in WORKERS:
            self.models[name] = self.t.FakeLLM(self._done(name), latency=LLM_LATENCY, name=name)

    @staticmethod
    def _done(name: str) -> Callable[[Any], str]:
        # A callable script: it answers any number of calls (a list would run out).
        return lambda request: f"{name} did it"

    def _decide(self, request: Any) -> str:
        done = sum(1 for m in request.messages if m.role == "assistant")
        return WORKERS[done % len(WORKERS)] if done < self.handoffs else "FINISH"

    async def ask(self, model: str, messages: list[Any]) -> Any:
        return await self.models[model].ainvoke(messages)


def _supervisor_floor(team: _Supervision) -> Callable[[], Any]:
    async def run() -> list[Any]:
        team.fresh()
        messages = [team.t.Message("user", "task")]
        while (choice := (await team.ask("supervisor", messages)).content) != "FINISH":
            messages.append(await team.ask(choice, messages))
        return messages

    return run


def _supervisor_graph(api: GraphAPI, team: _Supervision) -> Callable[[], Any]:
    async def supervisor(state: SupervisorState) -> dict[str, Any]:
        return {"next": (await team.ask("supervisor", state["messages"])).content}

    def worker(name: str) -> Callable[[SupervisorState], Any]:
        async def work(state: SupervisorState) -> dict[str, Any]:
            return {"messages": [await team.ask(name, state["messages"])]}

        return work

    def route(state: SupervisorState) -> str:
        return api.END if state["next"] == "FINISH" else state["next"]

    graph = api.StateGraph(SupervisorState)
    graph.add_node("supervisor", supervisor)
    for name in WORKERS:
        graph.add_node(name, worker(name))
        graph.add_edge(name, "supervisor")
    graph.add_edge(api.START, "supervisor")
    graph.add_conditional_edges("supervisor", route, [*WORKERS, api.END])
    app = graph.compile()
    config = {"recursion_limit": 2 * team.handoffs + 10}

    async def run() -> list[Any]:
        team.fresh()
        start = {"messages": [team.t.Message("user", "task")], "next": ""}
        return list((await app.ainvoke(start, config=config))["messages"])

    return run


def _prepare_supervisor(peer: str, handoffs: int) -> Prepared:
    team = _Supervision(handoffs)
    run = _supervisor_floor(team) if peer == "asyncio" else _supervisor_graph(graph_api(peer), team)
    expected = (2 * handoffs + 1) * LLM_LATENCY
    what = f"supervisor {handoffs} on {peer}"
    call, check_makespan, extras = _measured(run, expected, 2 * handoffs + 1, what)

    def check(messages: Any) -> None:
        if len(messages) != handoffs + 1:
            raise AssertionError(f"{what}: expected {handoffs + 1} messages, got {len(messages)}")
        check_makespan(messages)

    return Prepared(call, check, extras)


# -- map-reduce summarisation ----------------------------------------------------------


def _prepare_summaries(peer: str, documents: int) -> Prepared:
    t = _testing()
    docs = [f"document {i}" for i in range(documents)]
    fakes: dict[str, Any] = {}

    def fresh() -> None:
        fakes["llm"] = t.FakeLLM(lambda r: f"summary of {r.prompt}", latency=LLM_LATENCY,
                                 name="summariser")  # fmt: skip

    async def summarise(state: DocumentState) -> dict[str, Any]:
        return {"summaries": [(await fakes["llm"].ainvoke(state["document"])).content]}

    async def combine(state: SummaryState) -> dict[str, Any]:
        return {"answer": (await fakes["llm"].ainvoke("\n".join(state["summaries"]))).content}

    if peer == "asyncio":

        async def run() -> dict[str, Any]:
            fresh()
            state: dict[str, Any] = {"documents": docs, "summaries": [], "answer": ""}
            for update in await asyncio.gather(*(summarise({"document": d}) for d in docs)):
                state["summaries"].extend(update["summaries"])
            state.update(await combine(state))  # type: ignore[arg-type]
            return state

    else:
        api = graph_api(peer)

        def fan_out(state: SummaryState) -> list[Any]:
            return [api.Send("summarise", {"document": d}) for d in state["documents"]]

        graph = api.StateGraph(SummaryState)
        graph.add_node("summarise", summarise)
        graph.add_node("combine", combine)
        graph.add_conditional_edges(api.START, fan_out, ["summarise"])
        graph.add_edge("summarise", "combine")
        graph.add_edge("combine", api.END)
        app = graph.compile()

        async def run() -> dict[str, Any]:
            fresh()
            return dict(await app.ainvoke({"documents": docs, "summaries": [], "answer": ""}))

    what = f"summarisation of {documents} on {peer}"
    call, check_makespan, extras = _measured(run, 2 * LLM_LATENCY, documents + 1, what)

    def check(state: Any) -> None:
        if sorted(state["summaries"]) != sorted(f"summary of {d}" for d in docs):
            raise AssertionError(f"{what}: expected one summary per document")
        check_makespan(state)

    return Prepared(call, check, extras)


AGENT_WORKLOADS = (
    Workload(
        name="react",
        title="ReAct loop",
        metric="overhead_per_llm_call",
        unit="turn",
        sizes=(1, 10, 50),
        quick_sizes=(1, 10),
        prepare=_prepare_react,
        group="agents",
        clock="virtual",
        description="model -> tool -> model ..., one tool call per turn.",
    ),
    Workload(
        name="supervisor",
        title="Supervisor with workers",
        metric="overhead_per_llm_call",
        unit="handoff",
        sizes=(1, 10, 50),
        quick_sizes=(1, 10),
        prepare=_prepare_supervisor,
        group="agents",
        clock="virtual",
        description="a supervisor model routes to one of three worker models per hand-off.",
    ),
    Workload(
        name="summaries",
        title="Map-reduce summarisation",
        metric="overhead_per_llm_call",
        unit="document",
        sizes=(10, 100, 1000),
        quick_sizes=(10, 100),
        prepare=_prepare_summaries,
        group="agents",
        clock="virtual",
        description="one Send per document to a summariser model, then one combining call.",
    ),
)
