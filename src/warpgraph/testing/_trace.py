"""Traces: what a graph run did, when, and what ran at the same time.

A ``Trace`` is a run-event subscriber that keeps every event it is given and
answers questions about them. Subscribe it to the runs you care about::

    trace = Trace()
    with warpgraph.observe(trace):
        await app.ainvoke({"text": "hi"})
    trace.assert_parallel("summarize", "analyze")

(the ``graph_trace`` pytest fixture does exactly this around a test). The
events are folded into *spans* (one per run, node task attempt and LLM/tool
call, see ``_trace_spans``) on demand, so a trace can be queried while it is
still recording.

What it answers:

* ``makespan``: from the first run's start to the last run's end.
* ``max_concurrency()``: the most tasks (or LLM calls, or tool calls) that were
  in flight at once. "In flight together" is read from the event order, so two
  nodes that both take no virtual time still count as concurrent only if one
  started before the other finished.
* ``critical_path()``: the longest chain of spans that had to run one after the
  other, and its length: the makespan an ideal scheduler would reach.
* ``idle_time()``: time inside runs when no task was running (scheduling
  overhead, retry back-off, time between steps).

Each ``assert_*`` method raises ``TraceAssertionError`` (an ``AssertionError``)
with a message naming what ran when, followed by a Gantt chart of the trace.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from warpgraph.runtime import Event
from warpgraph.testing import _trace_assert as checks
from warpgraph.testing._gantt import render_text
from warpgraph.testing._gantt_svg import render_svg
from warpgraph.testing._trace_spans import NS_PER_S, Span, Spans, Step, build_spans

__all__ = ["CriticalPath", "Trace"]

ConcurrencyKind: TypeAlias = Literal["task", "llm", "tool"]


@dataclass(frozen=True, slots=True)
class CriticalPath:
    """The longest chain of dependent task spans of a run and its total length.

    ``spans`` holds, per step, the attempts of the task that took longest;
    ``length`` is the sum of those tasks' durations (exact, from integer ticks).
    """

    spans: tuple[Span, ...]
    length_ns: int

    @property
    def length(self) -> float:
        return self.length_ns / NS_PER_S

    @property
    def nodes(self) -> tuple[str, ...]:
        """The labels along the path, one per step (retried attempts appear once)."""
        seen: list[str] = []
        for span in self.spans:
            if not seen or seen[-1] != span.name:
                seen.append(span.name)
        return tuple(seen)


class Trace:
    """The events of some graph runs, and the questions and assertions about them."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._events: list[Event] = list(events)
        self._folded: tuple[int, Spans] | None = None

    def __call__(self, event: Event) -> None:
        """Record one event (a ``Trace`` is a run-event subscriber)."""
        self._events.append(event)

    def __repr__(self) -> str:
        try:
            folded = self._spans()
        except ValueError as error:  # a repr must not raise; pytest shows it in tracebacks
            return f"<Trace: {len(self._events)} events, unreadable: {error}>"
        return (
            f"<Trace: {len(self.runs)} runs, {len(folded.tasks)} tasks, "
            f"{len(folded.calls)} calls, makespan {self.makespan} s>"
        )

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event recorded, in the order received."""
        return tuple(self._events)

    def _spans(self) -> Spans:
        # Folding is cached per event count: recording only ever appends.
        if self._folded is None or self._folded[0] != len(self._events):
            self._folded = (len(self._events), build_spans(self._events))
        return self._folded[1]

    # ----------------------------------------------------------------- queries

    @property
    def runs(self) -> tuple[Span, ...]:
        """The top-level runs, in start order (subgraph runs: ``spans(kind="run")``)."""
        return tuple(run for run in self._spans().runs if run.parent_id is None)

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every superstep of every run, in start order."""
        return self._spans().steps

    def spans(
        self, node: str | None = None, *, kind: Literal["run", "task", "llm", "tool"] = "task"
    ) -> tuple[Span, ...]:
        """Spans of one kind (node tasks by default), optionally only those named ``node``."""
        folded = self._spans()
        pool = {"run": folded.runs, "task": folded.tasks}.get(kind, folded.calls)
        return tuple(s for s in pool if s.kind == kind and (node is None or s.name == node))

    @property
    def makespan(self) -> float:
        """Seconds from the first top-level run's start to the last one's end (0.0 if none)."""
        return self._makespan_ns() / NS_PER_S

    def _makespan_ns(self) -> int:
        runs = self.runs
        return max(r.end_ns for r in runs) - min(r.start_ns for r in runs) if runs else 0

    def max_concurrency(self, kind: ConcurrencyKind = "task", *, node: str | None = None) -> int:
        """The most spans of ``kind`` (optionally of one ``node``/call name) in flight at once."""
        return checks.peak(self.spans(node, kind=kind))[0]

    def overlaps(self, a: str | Span, b: str | Span) -> bool:
        """True when some span of ``a`` was in flight together with some span of ``b``."""
        return any(x.in_flight_with(y) for x in self._named(a) for y in self._named(b))

    def _named(self, which: str | Span) -> tuple[Span, ...]:
        return (which,) if isinstance(which, Span) else self.spans(which)

    def critical_path(self, run_id: str | None = None) -> CriticalPath:
        """The longest chain of dependent task spans, and its length: the ideal makespan.

        Dependencies are taken conservatively from the superstep barrier: a task of
        step k depends on *every* task of step k-1 (run events do not say which of
        them triggered it, and the engine waits for all of them anyway). The path
        therefore takes the longest task of each step, and its length is the sum of
        those durations. A task's retried attempts count as one link, from its first
        start to its last end. Subgraph tasks run inside their parent's task and are
        not links of their own. With several top-level runs and no ``run_id``, the
        longest of their paths is returned.
        """
        runs = [r for r in self.runs if run_id is None or r.id == run_id]
        if run_id is not None and not runs:
            known = ", ".join(repr(r.id) for r in self.runs) or "none"
            raise ValueError(f"no top-level run {run_id!r} in the trace; runs: {known}")
        paths = [self._critical_path_of(run.id) for run in runs]
        return max(paths, key=lambda p: p.length_ns, default=CriticalPath((), 0))

    def _critical_path_of(self, run_id: str) -> CriticalPath:
        by_step: dict[int, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
        for task in self._spans().tasks:
            if task.run_id == run_id and task.step is not None:
                by_step[task.step][task.id].append(task)
        chain: list[Span] = []
        total = 0
        for step in sorted(by_step):
            attempts = max(by_step[step].values(), key=_link_ns)  # first longest wins a tie
            chain.extend(attempts)
            total += _link_ns(attempts)
        return CriticalPath(tuple(chain), total)

    def idle_time(self) -> float:
        """Seconds inside top-level runs during which no task was running."""
        folded = self._spans()
        busy = _union_ns(folded.tasks)
        return (_union_ns(self.runs) - busy) / NS_PER_S

    # ----------------------------------------------------------------- exports

    def gantt(self, width: int = 60) -> str:
        """A text Gantt chart: one row per span, bars on a shared axis of seconds."""
        return render_text(self._spans(), width)

    def to_svg(self) -> str:
        """A standalone SVG Gantt chart of the trace (for reports)."""
        return render_svg(self._spans())

    def as_dict(self) -> dict[str, Any]:
        """The trace as JSON-ready data: format tag, spans and steps, times in loop seconds."""
        folded = self._spans()
        return {
            "format": "warpgraph-trace/1",
            "makespan": self.makespan,
            "spans": [_span_dict(span) for span in folded.all],
            "steps": [
                {"run_id": s.run_id, "step": s.step, "nodes": list(s.nodes), "start": s.start,
                 "end": s.end}
                for s in folded.steps
            ],
        }  # fmt: skip

    def to_json(self, indent: int | None = 2) -> str:
        """``as_dict()`` as a JSON document."""
        return json.dumps(self.as_dict(), indent=indent, ensure_ascii=False)

    # -------------------------------------------------------------- assertions

    def assert_parallel(self, *nodes: str) -> None:
        """Every two of ``nodes`` ran at the same time at least once."""
        __tracebackhide__ = True
        checks.assert_parallel(self, nodes)

    def assert_sequential(self, *nodes: str) -> None:
        """No two of ``nodes`` ever ran at the same time."""
        __tracebackhide__ = True
        checks.assert_sequential(self, nodes)

    def assert_order(self, *nodes: str) -> None:
        """Each node first finished before the next one first started, in the order given."""
        __tracebackhide__ = True
        checks.assert_order(self, nodes)

    def assert_makespan(self, seconds: float, tol: float = 0) -> None:
        """The runs took ``seconds`` (within ``tol``), compared in exact integer ticks."""
        __tracebackhide__ = True
        checks.assert_makespan(self, seconds, tol)

    def assert_max_concurrency(self, n: int, kind: ConcurrencyKind = "task") -> None:
        """Never more than ``n`` spans of ``kind`` (tasks, LLM or tool calls) at once."""
        __tracebackhide__ = True
        checks.assert_max_concurrency(self, n, kind)


def _link_ns(attempts: list[Span]) -> int:
    return max(s.end_ns for s in attempts) - min(s.start_ns for s in attempts)


def _union_ns(spans: Iterable[Span]) -> int:
    """Total length covered by at least one span (merging overlapping intervals)."""
    total = 0
    reach: int | None = None
    for span in sorted(spans, key=lambda s: s.start_ns):
        if reach is None or span.start_ns > reach:
            total += span.end_ns - span.start_ns
            reach = span.end_ns
        elif span.end_ns > reach:
            total += span.end_ns - reach
            reach = span.end_ns
    return total


def _span_dict(span: Span) -> dict[str, Any]:
    error = None if span.error is None else f"{type(span.error).__name__}: {span.error}"
    return {
        "kind": span.kind,
        "name": span.name,
        "id": span.id,
        "run_id": span.run_id,
        "parent_id": span.parent_id,
        "step": span.step,
        "send_index": span.send_index,
        "attempt": span.attempt,
        "start": span.start,
        "end": span.end,
        "status": span.status,
        "error": error,
    }
