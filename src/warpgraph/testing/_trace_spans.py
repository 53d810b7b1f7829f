"""Spans: the run events of ``warpgraph.runtime`` folded into intervals.

The runtime reports *events*: a run started, a task finished, a fake LLM call
started. A *span* pairs a start event with its finish event: one run, one
attempt of one node task, or one LLM or tool call, with its start and end in
loop time (virtual under the harness) and its place in the event stream.

Two clocks order spans, and both are kept:

* **time**, as integer nanosecond ticks, so durations are exact: a span from
  0.2 s to 0.25 s lasts ``0.05``, not ``0.04999999999999999``; ``Span.duration``
  divides an integer by 1e9, which rounds to the same float as the literal.
* **event order** (``start_seq``/``end_seq``, the positions of the two events
  in the stream). In virtual time many things happen at the same instant:
  two instant nodes in one step both run "from 0.0 to 0.0". Whether they were
  in flight together is answered by the stream: A started before B finished
  and B started before A finished. Events are emitted in loop order, so this
  agrees with time wherever time can tell them apart.

This module is pure: it folds a sequence of events into spans and steps and
knows nothing about pytest, Gantt charts or the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

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

__all__ = ["Span", "SpanKind", "SpanStatus", "Spans", "Step", "build_spans", "to_ns"]

SpanKind: TypeAlias = Literal["run", "task", "llm", "tool"]
# "unfinished": the start event was seen but not the finish (the run was still going
# when the trace was read, or it died without reporting).
SpanStatus: TypeAlias = Literal["ok", "error", "cancelled", "unfinished"]

NS_PER_S = 1_000_000_000


def to_ns(seconds: float) -> int:
    """Loop time in seconds -> integer nanosecond ticks (the virtual clock's own ticks)."""
    return round(seconds * NS_PER_S)


@dataclass(frozen=True, slots=True)
class Span:
    """One thing that ran from a start to an end: a run, a node task attempt, or a call.

    ``id`` is the run id, task id or call id. ``parent_id`` nests spans: a task's
    parent is its run, a call's parent is the task that made it (None outside a
    graph), and a subgraph run's parent is the task that called it (None for a
    top-level run). ``step``, ``send_index`` and ``attempt`` are set on tasks only.
    """

    kind: SpanKind
    name: str
    id: str
    run_id: str | None
    parent_id: str | None
    step: int | None
    send_index: int | None
    attempt: int | None
    start_ns: int
    end_ns: int
    start_seq: int
    end_seq: int
    status: SpanStatus
    error: BaseException | None = None
    input: object = None
    output: object = None

    @property
    def start(self) -> float:
        """Start in loop seconds."""
        return self.start_ns / NS_PER_S

    @property
    def end(self) -> float:
        """End in loop seconds."""
        return self.end_ns / NS_PER_S

    @property
    def duration(self) -> float:
        """Exact length in seconds (integer ticks, divided once)."""
        return (self.end_ns - self.start_ns) / NS_PER_S

    @property
    def label(self) -> str:
        """How charts and messages name the span: ``worker[3]``, ``fetch (attempt 2)``."""
        text = self.name if self.send_index is None else f"{self.name}[{self.send_index}]"
        if self.attempt is not None and self.attempt > 1:
            text += f" (attempt {self.attempt})"
        return text

    def in_flight_with(self, other: Span) -> bool:
        """True when ``other`` is another span and each started before the other finished.

        Read from event order. A span is not "in flight with" itself, so asking
        whether a node overlaps itself asks about two different runs of it.
        """
        if self.start_seq == other.start_seq:  # one start event, one span
            return False
        return self.start_seq < other.end_seq and other.start_seq < self.end_seq


@dataclass(frozen=True, slots=True)
class Step:
    """One superstep of one run: the nodes planned for it and when it ran."""

    run_id: str
    step: int
    nodes: tuple[str, ...]
    start_ns: int
    end_ns: int

    @property
    def start(self) -> float:
        return self.start_ns / NS_PER_S

    @property
    def end(self) -> float:
        return self.end_ns / NS_PER_S

    @property
    def duration(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_S


@dataclass(frozen=True, slots=True)
class Spans:
    """Everything folded from one event stream, each list in start order."""

    runs: tuple[Span, ...]
    tasks: tuple[Span, ...]
    calls: tuple[Span, ...]
    steps: tuple[Step, ...]

    @property
    def all(self) -> tuple[Span, ...]:
        return tuple(sorted(self.runs + self.tasks + self.calls, key=lambda s: s.start_seq))


_Open: TypeAlias = tuple[Event, int]  # the start event and its position


def build_spans(events: Sequence[Event]) -> Spans:
    """Pair start and finish events into spans; unmatched starts end at the last event."""
    open_spans: dict[tuple[str, str, int], _Open] = {}
    open_steps: dict[tuple[str, int], StepStarted] = {}
    closed: list[Span] = []
    steps: list[Step] = []
    for seq, event in enumerate(events):
        key = _key(event)
        if isinstance(event, RunStarted | TaskStarted | CallStarted):
            open_spans[key] = (event, seq)
        elif isinstance(event, RunFinished | TaskFinished | CallFinished):
            started = open_spans.pop(key, None)
            if started is None:
                raise _orphan(seq, event, repr(key[1]))
            closed.append(_close(started, event, seq))
        elif isinstance(event, StepStarted):
            open_steps[(event.run_id, event.step)] = event
        elif isinstance(event, StepFinished):
            begun = open_steps.pop((event.run_id, event.step), None)
            if begun is None:
                raise _orphan(seq, event, f"step {event.step}")
            steps.append(
                Step(event.run_id, event.step, begun.nodes, to_ns(begun.t), to_ns(event.t))
            )
    last_ns = to_ns(events[-1].t) if events else 0
    for still_open in open_spans.values():
        closed.append(_unfinished(still_open, still_open[1], last_ns, len(events)))
    for begun in open_steps.values():
        steps.append(Step(begun.run_id, begun.step, begun.nodes, to_ns(begun.t), last_ns))
    closed.sort(key=lambda span: span.start_seq)
    return Spans(
        runs=tuple(s for s in closed if s.kind == "run"),
        tasks=tuple(s for s in closed if s.kind == "task"),
        calls=tuple(s for s in closed if s.kind in ("llm", "tool")),
        steps=tuple(sorted(steps, key=lambda s: (s.start_ns, s.run_id, s.step))),
    )


def _orphan(seq: int, event: Event, what: str) -> ValueError:
    return ValueError(
        f"event {seq} ({type(event).__name__} of {what}) finishes something that never started; "
        f"subscribe the trace before the run starts so it sees every event"
    )


def _key(event: Event) -> tuple[str, str, int]:
    # Retries reuse the task id, so an attempt is part of a task span's identity.
    if isinstance(event, RunStarted | RunFinished):
        return ("run", event.run_id, 0)
    if isinstance(event, TaskStarted | TaskFinished):
        return ("task", event.task_id, event.attempt)
    if isinstance(event, CallStarted | CallFinished):
        return ("call", event.call_id, 0)
    return ("step", event.run_id, event.step)


def _close(started: _Open, finish: RunFinished | TaskFinished | CallFinished, seq: int) -> Span:
    span = _unfinished(started, started[1], to_ns(finish.t), seq)
    output = finish.output if isinstance(finish, RunFinished | CallFinished) else None
    return replace(span, status=finish.status, error=finish.error, output=output)


def _unfinished(started: _Open, start_seq: int, end_ns: int, end_seq: int) -> Span:
    event = started[0]
    start_ns = to_ns(event.t)
    if isinstance(event, RunStarted):
        return Span(
            "run", event.graph, event.run_id, event.run_id, event.parent_task_id,
            None, None, None, start_ns, end_ns, start_seq, end_seq, "unfinished",
        )  # fmt: skip
    if isinstance(event, TaskStarted):
        return Span(
            "task", event.node, event.task_id, event.run_id, event.run_id, event.step,
            event.send_index, event.attempt, start_ns, end_ns, start_seq, end_seq, "unfinished",
        )  # fmt: skip
    assert isinstance(event, CallStarted)
    return Span(
        event.kind, event.name, event.call_id, event.run_id, event.task_id, None, None, None,
        start_ns, end_ns, start_seq, end_seq, "unfinished", input=event.input,
    )  # fmt: skip
