"""The concurrency assertions behind ``Trace.assert_*``, and their messages.

Each check says, when it fails, what the test expected, what actually ran when
(node, step, start and end in seconds from the first run's start), and then
draws the whole trace as a Gantt chart, so the reader sees the staircase of a
pipeline that was meant to fan out without re-running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, pairwise
from typing import TYPE_CHECKING, NoReturn

from warpgraph.errors import HarnessError
from warpgraph.testing._gantt import format_seconds
from warpgraph.testing._trace_spans import Span, to_ns

if TYPE_CHECKING:
    from warpgraph.testing._trace import ConcurrencyKind, Trace

__all__ = [
    "TraceAssertionError",
    "assert_makespan",
    "assert_max_concurrency",
    "assert_order",
    "assert_parallel",
    "assert_sequential",
    "peak",
]

_KIND_WORDS = {"task": "task", "llm": "LLM call", "tool": "tool call"}


class TraceAssertionError(HarnessError, AssertionError):
    """A trace assertion failed; the message shows what ran when and a Gantt chart."""


def peak(spans: Sequence[Span]) -> tuple[int, tuple[Span, ...]]:
    """The most spans in flight at once (by event order), and one set of them at that moment."""
    edges = sorted(
        [(s.start_seq, 1, s) for s in spans] + [(s.end_seq, -1, s) for s in spans],
        key=lambda edge: edge[0],
    )
    in_flight: dict[int, Span] = {}
    best: tuple[Span, ...] = ()
    for _, delta, span in edges:
        if delta > 0:
            in_flight[span.start_seq] = span
            if len(in_flight) > len(best):
                best = tuple(in_flight.values())
        else:
            del in_flight[span.start_seq]
    return len(best), best


def assert_parallel(trace: Trace, nodes: Sequence[str]) -> None:
    __tracebackhide__ = True
    named = _spans_of(trace, "assert_parallel", nodes)
    apart = [
        (a, b)
        for a, b in combinations(nodes, 2)
        if not any(x.in_flight_with(y) for x in named[a] for y in named[b])
    ]
    if apart:
        pairs = "\n".join(
            f"  {_when(trace, named[a])} and {_when(trace, named[b])}" for a, b in apart
        )
        _fail(
            trace,
            f"expected {_names(nodes)} to run in parallel, but these never ran at the same "
            f"time:\n{pairs}",
        )


def assert_sequential(trace: Trace, nodes: Sequence[str]) -> None:
    __tracebackhide__ = True
    named = _spans_of(trace, "assert_sequential", nodes)
    together = [
        (x, y)
        for a, b in combinations(nodes, 2)
        for x in named[a]
        for y in named[b]
        if x.in_flight_with(y)
    ]
    if together:
        pairs = "\n".join(f"  {_when(trace, [x])} and {_when(trace, [y])}" for x, y in together)
        _fail(
            trace,
            f"expected {_names(nodes)} to run one at a time, but these ran at the same "
            f"time:\n{pairs}",
        )


def assert_order(trace: Trace, nodes: Sequence[str]) -> None:
    __tracebackhide__ = True
    named = _spans_of(trace, "assert_order", nodes)
    for before, after in pairwise(nodes):
        first, then = named[before][0], named[after][0]
        if then.start_seq < first.end_seq:
            _fail(
                trace,
                f"expected {' → '.join(nodes)}, but {after} started at {_at(trace, then.start_ns)} "
                f"(step {then.step}) before {before} finished at {_at(trace, first.end_ns)} "
                f"(step {first.step})",
            )


def assert_makespan(trace: Trace, seconds: float, tol: float) -> None:
    __tracebackhide__ = True
    if tol < 0:
        raise ValueError(f"assert_makespan tolerance must be >= 0 seconds, got tol={tol}")
    if not trace.runs:
        _fail(trace, f"expected a makespan of {seconds} s, but {_NO_RUNS}")
    actual = trace._makespan_ns()
    if abs(actual - to_ns(seconds)) > to_ns(tol):
        within = f" ± {tol}" if tol else ""
        path = trace.critical_path()
        _fail(
            trace,
            f"expected a makespan of {seconds}{within} s, but the runs took "
            f"{format_seconds(actual)} s (critical path {format_seconds(path.length_ns)} s: "
            f"{' → '.join(path.nodes) or 'no tasks'})",
        )


def assert_max_concurrency(trace: Trace, n: int, kind: ConcurrencyKind) -> None:
    __tracebackhide__ = True
    if n < 1:
        raise ValueError(f"assert_max_concurrency needs n >= 1, got n={n}")
    if kind not in _KIND_WORDS:
        raise ValueError(
            f"assert_max_concurrency kind must be one of {list(_KIND_WORDS)}, got {kind!r}"
        )
    words = _KIND_WORDS[kind] + ("" if n == 1 else "s")
    if not trace.runs:
        _fail(trace, f"expected at most {n} {words} at once, but {_NO_RUNS}")
    count, spans = peak(trace.spans(kind=kind))
    if count > n:
        at = max(s.start_ns for s in spans)
        who = ", ".join(s.label for s in spans)
        _fail(
            trace,
            f"expected at most {n} {words} in flight at once, but {count} were at "
            f"{_at(trace, at)}: {who}",
        )


_NO_RUNS = (
    "no run was recorded; run the graph inside the test while the trace is subscribed "
    "(the graph_trace fixture, or `with warpgraph.observe(trace):`)"
)


def _spans_of(trace: Trace, check: str, nodes: Sequence[str]) -> dict[str, tuple[Span, ...]]:
    __tracebackhide__ = True
    if len(nodes) < 2:
        raise ValueError(f"{check} needs at least two node names, got {list(nodes)}")
    if not trace.runs:
        _fail(trace, f"{check}({_names(nodes)}): {_NO_RUNS}")
    named = {node: trace.spans(node) for node in nodes}
    missing = [node for node, spans in named.items() if not spans]
    if missing:
        ran = sorted({span.name for span in trace.spans()})
        _fail(
            trace,
            f"{check}({_names(nodes)}): {_names(missing)} never ran; "
            f"nodes that ran: {', '.join(ran) or 'none'}",
        )
    return named


def _names(nodes: Sequence[str]) -> str:
    return ", ".join(nodes)


def _at(trace: Trace, ns: int) -> str:
    return f"{format_seconds(ns - _origin(trace))} s"


def _origin(trace: Trace) -> int:
    # The Gantt chart's zero: the first span of any kind (a call may precede the first run).
    spans = trace.spans(kind="run") + trace.spans(kind="llm") + trace.spans(kind="tool")
    return min((s.start_ns for s in spans), default=0)


def _when(trace: Trace, spans: Sequence[Span]) -> str:
    """``analyze (step 1, 1.0 → 2.0 s)``, with ``+2 more`` when the node ran again."""
    first, origin = spans[0], _origin(trace)
    more = f", +{len(spans) - 1} more" if len(spans) > 1 else ""
    start, end = format_seconds(first.start_ns - origin), format_seconds(first.end_ns - origin)
    return f"{first.label} (step {first.step}, {start} → {end} s{more})"


def _fail(trace: Trace, message: str) -> NoReturn:
    __tracebackhide__ = True
    raise TraceAssertionError(f"{message}\n\n{trace.gantt()}")
