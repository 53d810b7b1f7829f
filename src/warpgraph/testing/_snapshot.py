"""Regression snapshots of agent workflows: a run's trajectory as stable, readable JSON.

A *trajectory* is what a run did, stripped of everything that changes from one
run to the next: for each run, its steps and the nodes of each step, every LLM
and tool call a node made with its input and output, and the final state. Ids
(run, task and call ids, UUIDs inside values), memory addresses and wall-clock
timestamps are *scrubbed*, replaced by fixed placeholders, so two runs of the same
workflow give byte-identical documents and a diff shows only real changes: a
tool called with a different argument, a node that no longer runs, a prompt
that changed.

Two options shape the document:

* ``llm="full"`` stores prompts and responses verbatim; ``llm="hash"`` stores a
  short SHA-256 of each instead (small files; a change still shows, as a hash).
* ``timings=True`` adds each task's and call's ``[start, end]`` in seconds from
  its run's start (virtual time under the harness, so it is exact). A change
  that turns a fan-out into a pipeline then fails the snapshot even when the
  calls themselves are unchanged.

The mapping of values to JSON is deterministic: mapping keys sorted, sets sorted,
dataclasses and pydantic models as ``{"__type__": name, ...fields}``, anything
else as its scrubbed ``repr``.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

from warpgraph.testing._trace import Trace
from warpgraph.testing._trace_spans import NS_PER_S, Span

__all__ = ["LlmMode", "Scrub", "normalize", "render", "trajectory"]

LlmMode: TypeAlias = Literal["full", "hash"]
Scrub: TypeAlias = tuple[str, str]  # (regular expression, replacement)

_SCRUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (re.compile(r"\bat 0x[0-9a-f]+", re.I), "at 0x?"),
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"),
        "<datetime>",
    ),
)
_FLAT_WIDTH = 72
_MAX_DEPTH = 40  # deeper than any real state; stops self-referencing values


def trajectory(
    trace: Trace, *, llm: LlmMode = "full", timings: bool = False, scrub: Iterable[Scrub] = ()
) -> dict[str, Any]:
    """The normalized trajectory of every top-level run in ``trace``, in start order."""
    if llm not in ("full", "hash"):
        raise ValueError(f"snapshot option llm must be 'full' or 'hash', got {llm!r}")
    builder = _Builder(trace, llm, timings, tuple((re.compile(p), r) for p, r in scrub))
    return {"runs": [builder.run(run) for run in trace.runs]}


def render(document: Mapping[str, Any]) -> str:
    """The document as stored: indented JSON, short scalar lists on one line, one final newline."""
    return _render(document, 0) + "\n"


def _render(value: Any, depth: int) -> str:
    inner, outer = "  " * (depth + 1), "  " * depth
    if isinstance(value, Mapping) and value:
        items = [f"{inner}{_dumps(k)}: {_render(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + outer + "}"
    if isinstance(value, list) and value:
        flat = "[" + ", ".join(_dumps(v) for v in value) + "]"
        # A short list of scalars (a step's nodes, a time span) reads best on one line.
        if len(flat) <= _FLAT_WIDTH and not any(isinstance(v, Mapping | list) for v in value):
            return flat
        return "[\n" + ",\n".join(inner + _render(v, depth + 1) for v in value) + "\n" + outer + "]"
    return _dumps(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def normalize(value: object, scrubs: Iterable[tuple[re.Pattern[str], str]] = ()) -> Any:
    """``value`` as deterministic, scrubbed JSON data (see the module docstring)."""
    return _normalize(value, (*_SCRUBS, *scrubs), 0)


def _normalize(value: object, scrubs: tuple[tuple[re.Pattern[str], str], ...], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return "<too deep>"
    deeper = depth + 1
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinities; spell them so the file stays valid JSON.
        return value if value == value and abs(value) != float("inf") else repr(value)
    if isinstance(value, str):
        return _scrub(value, scrubs)
    if isinstance(value, datetime.date | datetime.time):
        return "<datetime>"  # wall-clock values differ on every run
    if isinstance(value, enum.Enum):
        return _normalize(value.value, scrubs, deeper)
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        return {k: _normalize(v, scrubs, deeper) for k, v in items}
    if isinstance(value, list | tuple):
        return [_normalize(v, scrubs, deeper) for v in value]
    if isinstance(value, set | frozenset):
        members = [_normalize(v, scrubs, deeper) for v in value]
        return sorted(members, key=lambda m: json.dumps(m, sort_keys=True))
    if isinstance(value, BaseException):
        return _scrub(f"{type(value).__name__}: {value}", scrubs)
    fields = _fields(value)
    if fields is not None:
        return {"__type__": type(value).__name__, **_normalize(fields, scrubs, deeper)}
    return _scrub(repr(value), scrubs)


def _fields(value: object) -> dict[str, Any] | None:
    """The fields of a dataclass or pydantic model instance, else None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        dumped = dump()
        return dumped if isinstance(dumped, dict) else None
    return None


def _scrub(text: str, scrubs: Iterable[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in scrubs:
        text = pattern.sub(replacement, text)
    return text


class _Builder:
    """Turns one trace's spans into the trajectory document."""

    def __init__(
        self,
        trace: Trace,
        llm: LlmMode,
        timings: bool,
        scrubs: tuple[tuple[re.Pattern[str], str], ...],
    ) -> None:
        self.trace, self.llm, self.timings = trace, llm, timings
        self.scrubs = (*_SCRUBS, *scrubs)
        self.children: dict[str | None, list[Span]] = {}
        for span in trace.spans(kind="task") + trace.spans(kind="llm") + trace.spans(kind="tool"):
            self.children.setdefault(span.parent_id, []).append(span)
        for run in trace.spans(kind="run"):
            self.children.setdefault(run.parent_id, []).append(run)

    def value(self, value: object) -> Any:
        return _normalize(value, self.scrubs, 0)

    def run(self, run: Span) -> dict[str, Any]:
        doc: dict[str, Any] = {"graph": run.name, "status": run.status}
        if run.error is not None:
            doc["error"] = self.value(run.error)
        if self.timings:
            doc["makespan"] = run.duration
        planned = {s.step: s.nodes for s in self.trace.steps if s.run_id == run.id}
        tasks = [s for s in self.children.get(run.id, []) if s.kind == "task"]
        numbers = sorted(set(planned) | {t.step for t in tasks if t.step is not None})
        doc["steps"] = [
            {
                "step": number,
                "nodes": list(planned.get(number, ())),
                "tasks": [
                    self.task(t, run) for t in sorted(tasks, key=_task_order) if t.step == number
                ],
            }
            for number in numbers
        ]
        doc["output"] = self.value(run.output)
        return doc

    def task(self, task: Span, run: Span) -> dict[str, Any]:
        doc: dict[str, Any] = {"node": task.name}
        if task.send_index is not None:
            doc["send_index"] = task.send_index
        if task.attempt is not None and task.attempt > 1:
            doc["attempt"] = task.attempt
        if task.status != "ok":
            doc["status"] = task.status
        if task.error is not None:
            doc["error"] = self.value(task.error)
        if self.timings:
            doc["time"] = _relative(task, run)
        inner = self.children.get(task.id, [])
        calls = [self.call(c, run) for c in inner if c.kind in ("llm", "tool")]
        if calls:
            doc["calls"] = calls
        subgraphs = [self.run(r) for r in inner if r.kind == "run"]
        if subgraphs:
            doc["subgraphs"] = subgraphs
        return doc

    def call(self, call: Span, run: Span) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": call.kind, "name": call.name}
        if call.kind == "llm" and self.llm == "hash":
            doc["input_sha256"] = self.digest(call.input)
            doc["output_sha256"] = self.digest(call.output)
        else:
            doc["input"] = self.value(call.input)
            doc["output"] = self.value(call.output)
        if call.status != "ok":
            doc["status"] = call.status
        if call.error is not None:
            doc["error"] = self.value(call.error)
        if self.timings:
            doc["time"] = _relative(call, run)
        return doc

    def digest(self, value: object) -> str:
        canonical = json.dumps(self.value(value), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _task_order(task: Span) -> tuple[bool, int, str, int]:
    # The engine's own apply order: node tasks by name, then Send tasks by index; retries last.
    return (task.send_index is not None, task.send_index or 0, task.name, task.attempt or 1)


def _relative(span: Span, run: Span) -> list[float]:
    return [
        (span.start_ns - run.start_ns) / NS_PER_S,
        (span.end_ns - run.start_ns) / NS_PER_S,
    ]
