"""Scripted runs: the event stream of a run described as steps of timed tasks.

Code that consumes traces (queries, charts, snapshots, report writers) can be
tested without an engine: describe the schedule, get the events the runtime
would emit for it. Each step starts when the previous one ends; every task of a
step starts with it; a step ends when its last task does. Events are ordered as
the engine orders them: a step's task starts before any of its finishes, and
each task's own calls nest between its start and finish. Where two events of
different tasks fall on the same instant, starts come first, so spans that merely
touch count as in flight together: script gaps where that matters.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from warpgraph.runtime import (
    CallFinished,
    CallStarted,
    Event,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    TaskFinished,
    TaskStarted,
)

__all__ = ["ScriptedCall", "ScriptedTask", "scripted_run"]


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """An LLM or tool call ``offset`` seconds into its task, lasting ``duration``."""

    kind: Literal["llm", "tool"]
    name: str
    offset: float
    duration: float
    input: object = None
    output: object = None


@dataclass(frozen=True, slots=True)
class ScriptedTask:
    """A node task lasting ``duration``; ``error`` makes it fail at its end."""

    node: str
    duration: float
    send_index: int | None = None
    calls: tuple[ScriptedCall, ...] = ()
    error: BaseException | None = None


def scripted_run(
    steps: Sequence[Sequence[ScriptedTask | tuple[str, float]]],
    *,
    run_id: str = "run-1",
    graph: str = "graph",
    start: float = 0.0,
    output: object = None,
) -> list[Event]:
    """The events of one run whose steps hold the given tasks, ``(node, seconds)`` or full."""
    events: list[Event] = [RunStarted(run_id, graph, None, start)]
    now = start
    for index, step in enumerate(steps):
        tasks = [t if isinstance(t, ScriptedTask) else ScriptedTask(*t) for t in step]
        seen = [(t.node, t.send_index) for t in tasks]
        for node, send_index in seen:
            if seen.count((node, send_index)) > 1:
                raise ValueError(
                    f"scripted step {index} has two tasks of node {node!r} with send_index="
                    f"{send_index}; give repeated nodes distinct send_index values"
                )
        events.append(StepStarted(run_id, index, now, tuple(t.node for t in tasks)))
        streams = [_task_events(run_id, index, now, task) for task in tasks]
        # Sorting key (time, starts first): ties keep each task's own order, then task order.
        events.extend(e for _, _, e in heapq.merge(*streams, key=lambda item: item[:2]))
        now += max((t.duration for t in tasks), default=0.0)
        events.append(StepFinished(run_id, index, now))
    events.append(RunFinished(run_id, now, "ok", output=output))
    return events


def _task_events(
    run_id: str, step: int, t0: float, task: ScriptedTask
) -> Iterator[tuple[float, int, Event]]:
    suffix = "" if task.send_index is None else f"[{task.send_index}]"
    task_id = f"{run_id}/{step}/{task.node}{suffix}"
    yield t0, 0, TaskStarted(run_id, task_id, task.node, step, task.send_index, 1, t0)
    inner: list[tuple[float, int, Event]] = []
    for number, call in enumerate(task.calls):
        call_id = f"{task_id}/call-{number}"
        begin, end = t0 + call.offset, t0 + call.offset + call.duration
        kind, name = call.kind, call.name
        inner.append(
            (begin, 0, CallStarted(call_id, kind, name, run_id, task_id, begin, call.input))
        )
        inner.append(
            (
                end,
                1,
                CallFinished(call_id, kind, name, run_id, task_id, end, "ok", output=call.output),
            )
        )
    yield from sorted(inner, key=lambda item: item[:2])
    status: Literal["ok", "error"] = "ok" if task.error is None else "error"
    end = t0 + task.duration
    yield (
        end,
        1,
        TaskFinished(run_id, task_id, task.node, step, task.send_index, 1, end, status, task.error),
    )
