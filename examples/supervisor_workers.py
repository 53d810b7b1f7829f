"""Supervisor and workers: one model delegates, three kinds of agent work at once.

A *supervisor* agent decides who does what; *worker* agents do it and report
back. Here the supervisor is a tool-calling model whose one tool is
``delegate(agent, task)``. Each delegation becomes a ``Send`` to that agent's
node (``Command(goto=[Send(...), ...])``), so every delegation of one turn runs
as a concurrent task of the same superstep, under the one event loop. Workers
report as ``tool`` messages answering the supervisor's call ids, and the
supervisor takes its next turn once all of them are done.

The agents, each with its own model (and the researcher with a search tool):

* ``planner``: plans (1 s);
* ``researcher``: searches (1 s), then summarizes what it found (1 s);
* ``verifier``: checks a claim (1.5 s).

The supervisor (0.5 s per turn) first asks the planner, then sends two
researchers and a verifier off together, then writes the answer::

    supervisor -> planner -> supervisor -> {researcher, researcher, verifier} -> supervisor

A run takes 0.5 + 1 + 0.5 + 2 + 0.5 = 4.5 virtual seconds; one agent after the
other it would take 8.0.

Run it with ``python examples/supervisor_workers.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs (the supervisor follows ``SUPERVISOR_SCRIPT`` by turn);
``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its virtual makespan.
"""

from __future__ import annotations

import operator
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

from warpgraph import Command, CompiledGraph, Send, StateGraph
from warpgraph.testing import FakeLLM, FakeTool, Message, Request, ToolCall, VirtualClock

INPUT = {"messages": [Message("user", "Plan a two-day trip to Lyon by train.")]}
VIRTUAL_SECONDS = 4.5
AGENTS = ("planner", "researcher", "verifier")
ANSWER = "Day 1: 08:04 TGV, museums; day 2: old town. Hotel near Part-Dieu. Checked."


def delegate(agent: str, task: str) -> ToolCall:
    return ToolCall("delegate", {"agent": agent, "task": task})


SUPERVISOR_SCRIPT: list[Any] = [
    [delegate("planner", "outline a two-day Lyon trip")],
    [
        delegate("researcher", "morning trains Paris to Lyon"),
        delegate("researcher", "hotels near Lyon Part-Dieu"),
        delegate("verifier", "are Lyon museums open on Mondays?"),
    ],
    ANSWER,
]
DELEGATE_SCHEMA = {
    "type": "function",
    "function": {"name": "delegate", "description": "hand a task to an agent"},
}


class State(TypedDict, total=False):
    messages: Annotated[list[Message], operator.add]
    answer: str


class Assignment(TypedDict):
    task: str
    call_id: str


def _echo(name: str, latency: float) -> FakeLLM:
    def answer(request: Request) -> str:
        return f"{name}: done with {request.prompt.splitlines()[0]!r}"

    return FakeLLM(answer, latency=latency, name=name)


def _supervisor_model() -> FakeLLM:
    def turn(request: Request) -> Any:
        return SUPERVISOR_SCRIPT[sum(1 for m in request.messages if m.role == "assistant")]

    return FakeLLM(turn, latency=0.5, name="supervisor")


@dataclass
class Team:
    """The agents' models and tools (fresh fakes unless a test passes its own)."""

    supervisor: FakeLLM = field(default_factory=_supervisor_model)
    planner: FakeLLM = field(default_factory=lambda: _echo("planner", 1.0))
    researcher: FakeLLM = field(default_factory=lambda: _echo("researcher", 1.0))
    verifier: FakeLLM = field(default_factory=lambda: _echo("verifier", 1.5))
    search: FakeTool = field(
        default_factory=lambda: FakeTool("search", lambda a: f"3 hits for {a['q']}", latency=1.0)
    )


def build_graph(team: Team | None = None) -> CompiledGraph:
    team = team or Team()

    async def supervisor(state: State) -> Command | dict[str, Any]:
        reply = await team.supervisor.ainvoke(state["messages"], tools=[DELEGATE_SCHEMA])
        if not reply.tool_calls:
            return {"messages": [reply], "answer": reply.content}
        sends = [
            Send(call.args["agent"], Assignment(task=call.args["task"], call_id=call.id or ""))
            for call in reply.tool_calls
        ]
        return Command(update={"messages": [reply]}, goto=sends)  # all delegations at once

    def report(agent: str, job: Assignment, text: str) -> dict[str, Any]:
        return {"messages": [Message("tool", text, tool_call_id=job["call_id"], name=agent)]}

    async def planner(job: Assignment) -> dict[str, Any]:
        return report("planner", job, (await team.planner.ainvoke(job["task"])).content)

    async def researcher(job: Assignment) -> dict[str, Any]:
        hits = await team.search.ainvoke({"q": job["task"]})
        reply = await team.researcher.ainvoke(f"{job['task']}\n{hits}")
        return report("researcher", job, reply.content)

    async def verifier(job: Assignment) -> dict[str, Any]:
        return report("verifier", job, (await team.verifier.ainvoke(job["task"])).content)

    builder = StateGraph(State)
    builder.add_node("supervisor", supervisor, destinations=AGENTS)
    builder.add_node("planner", planner)
    builder.add_node("researcher", researcher)
    builder.add_node("verifier", verifier)
    builder.set_entry_point("supervisor")
    for agent in AGENTS:
        builder.add_edge(agent, "supervisor")  # report back; one supervisor turn per step
    return builder.compile()


def main() -> None:
    app = build_graph()
    clock = VirtualClock()
    started = time.perf_counter()
    result = clock.run(app.ainvoke(INPUT))
    real = time.perf_counter() - started
    for message in result["messages"]:
        asks = "; ".join(f"{c.args['agent']} <- {c.args['task']}" for c in message.tool_calls)
        who = message.name or message.role
        print(f"{who:>10}: {message.content or asks}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


if __name__ == "__main__":
    main()
