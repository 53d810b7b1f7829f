"""Gantt charts of a trace: one row per span, bars aligned on a shared time axis.

A Gantt chart answers "what ran when" at a glance: each run, node task and
LLM/tool call gets a row, indented under what contains it (a task under its
run, a call under the task that made it, a subgraph's run under the task that
called it), and a bar from its start to its end. Two bars that share columns ran
at the same time; a staircase is a sequential pipeline. Times are seconds of
loop time (virtual under the harness) counted from the first span's start.

The text chart goes into assertion messages, so it uses only what a terminal
shows well: ``█`` while a span runs, ``|`` for a span that took no time, ``·``
for the rest. ``gantt_rows`` is shared with the SVG export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from warpgraph.testing._trace_spans import NS_PER_S, Span, Spans

__all__ = ["format_seconds", "gantt_rows", "render_text", "row_label", "time_decimals"]

_MAX_DECIMALS = 6  # microseconds: finer differences are noise in a chart


def gantt_rows(spans: Spans) -> list[tuple[int, Span]]:
    """Every span with its nesting depth, parents first, siblings in start order."""
    children: dict[str | None, list[Span]] = defaultdict(list)
    for span in spans.runs + spans.calls:
        children[span.parent_id].append(span)
    for task in spans.tasks:
        children[task.run_id].append(task)
    rows: list[tuple[int, Span]] = []

    def visit(parent: str | None, depth: int) -> None:
        for span in sorted(children.get(parent, ()), key=lambda s: s.start_seq):
            rows.append((depth, span))
            # Only runs and tasks contain other spans; a call id could collide with nothing.
            if span.kind in ("run", "task"):
                visit(span.id, depth + 1)

    visit(None, 0)
    return rows


def row_label(span: Span) -> str:
    """``run graph``, ``step 1 analyze``, ``llm gpt-fake``."""
    if span.kind == "run":
        return f"run {span.name}"
    if span.kind == "task":
        return f"step {span.step} {span.label}"
    return f"{span.kind} {span.name}"


def time_decimals(values_ns: Iterable[int]) -> int:
    """Fewest decimals (at least 1) that print every value exactly, capped at microseconds."""
    decimals = 1
    for value in values_ns:
        while decimals < _MAX_DECIMALS and value % (10 ** (9 - decimals)):
            decimals += 1
    return decimals


def format_seconds(ns: int, decimals: int | None = None) -> str:
    """``1.0``, ``0.25``: integer ticks as seconds, exactly when possible."""
    places = time_decimals([ns]) if decimals is None else decimals
    return f"{ns / NS_PER_S:.{places}f}"


def render_text(spans: Spans, width: int = 60) -> str:
    """The chart as text; ``width`` is the number of columns of the time axis."""
    if width < 10:
        raise ValueError(f"Gantt width must be at least 10 columns, got {width}")
    rows = gantt_rows(spans)
    if not rows:
        return "Gantt chart: no spans were recorded"
    origin = min(span.start_ns for _, span in rows)
    total = max(span.end_ns for _, span in rows) - origin
    decimals = time_decimals(v - origin for _, span in rows for v in (span.start_ns, span.end_ns))
    labels = ["  " * depth + row_label(span) for depth, span in rows]
    label_width = max(len(label) for label in labels)
    left, right = "0 s", f"{format_seconds(total, decimals)} s"
    zero = f"; 0 = loop time {format_seconds(origin)}" if origin else ""
    lines = [
        f"Gantt chart, seconds from the first start (█ running, | took no time{zero}):",
        " " * (label_width + 2) + left + right.rjust(width - len(left)),
    ]
    for label, (_, span) in zip(labels, rows, strict=True):
        bar = _bar(span.start_ns - origin, span.end_ns - origin, total, width)
        start = format_seconds(span.start_ns - origin, decimals)
        end = format_seconds(span.end_ns - origin, decimals)
        lines.append(f"{label.ljust(label_width)}  {bar}  {start} → {end} s{_status(span)}")
    return "\n".join(lines)


def _bar(start: int, end: int, total: int, width: int) -> str:
    cells = ["·"] * width
    if total == 0:
        cells[0] = "|"
        return "".join(cells)
    first = min(start * width // total, width - 1)
    last = -(-end * width // total)  # ceiling: a bar covers every column it touches
    if end == start:
        cells[first] = "|"
    else:
        for column in range(first, max(last, first + 1)):
            cells[column] = "█"
    return "".join(cells)


def _status(span: Span) -> str:
    if span.status == "ok":
        return ""
    if span.status == "error" and span.error is not None:
        return f"  ✗ {type(span.error).__name__}: {span.error}"
    return f"  ({span.status})"
