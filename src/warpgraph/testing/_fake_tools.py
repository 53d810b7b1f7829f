"""``FakeTool``: a tool (or graph node) that takes its time in virtual time and records calls.

A fake tool answers every call with the same ``result``, or with ``fn(args)``, after
its latency; ``failures`` makes chosen calls raise instead. ``fn`` runs when the call
is made; its result, or the exception it raised, reaches the caller when the
latency is over, as a real tool's would.

It is usable three ways, all sharing one recording:

* from an agent loop: ``await tool.ainvoke(tool_call.args)`` (or ``invoke`` in sync code
  running in a worker thread);
* as an async graph node: ``graph.add_node("search", tool)`` (the state is its ``args``);
* as a sync graph node: ``graph.add_node("search", tool.invoke)``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from warpgraph.runtime import TaskContext, current_task
from warpgraph.testing._fake_errors import FakeProviderError
from warpgraph.testing._fake_support import (
    CallSpan,
    Failures,
    LatencyLike,
    as_latency,
    block_until,
    check_failures,
    failure_for,
    now_ns,
    sleep_until,
    to_ns,
    to_seconds,
)

__all__ = ["FakeTool", "ToolCallRecord"]


@dataclass(eq=False, slots=True)
class ToolCallRecord:
    """The record of one tool call: its arguments, its result or error, and when (loop seconds)."""

    number: int
    args: Any
    started: float
    ended: float | None = None
    result: Any = None
    error: BaseException | None = None
    status: Literal["running", "ok", "error", "cancelled"] = "running"
    task: TaskContext | None = field(default=None, repr=False)

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started


class FakeTool:
    """A named tool with a fixed ``result`` or a function ``fn(args)``, latency and failures.

    ``latency`` is seconds, a per-call list of seconds, or a ``Latency`` (its
    ``first_token`` is the tool's duration). ``failures`` maps call numbers to errors
    (``{2: FakeTimeoutError()}``) or is ``RandomFailures(rate, error, seed=...)``.
    """

    def __init__(
        self,
        name: str,
        result: Any = None,
        *,
        latency: LatencyLike = 0.0,
        failures: Failures = None,
        description: str = "",
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.result = result
        self.description = description or f"fake tool {name}"
        self.parameters = dict(parameters or {"type": "object", "properties": {}})
        self.latency = as_latency(latency)
        self.failures = check_failures(failures)
        self._owner = f"FakeTool {name!r}"
        self._lock = threading.Lock()
        self._calls: list[ToolCallRecord] = []

    @property
    def schema(self) -> dict[str, Any]:
        """The tool as an OpenAI function spec, for ``tools=[...]`` and ``bind_tools``."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    async def ainvoke(self, args: Any = None) -> Any:
        """Call the tool with ``args``; returns its result after the latency."""
        record, end, outcome = self._begin(args)
        completed = False
        try:
            await sleep_until(end)
            completed = True
        finally:
            self._finish(record, end, outcome, completed)
        return self._deliver(outcome)

    __call__ = ainvoke

    def invoke(self, args: Any = None) -> Any:
        """``ainvoke`` for sync code in a worker thread (waits parked on the virtual clock)."""
        record, end, outcome = self._begin(args)
        completed = False
        try:
            block_until(end)
            completed = True
        finally:
            self._finish(record, end, outcome, completed)
        return self._deliver(outcome)

    @property
    def calls(self) -> list[ToolCallRecord]:
        """Every call so far, in call order (a copy)."""
        with self._lock:
            return list(self._calls)

    @property
    def call_count(self) -> int:
        return len(self._calls)

    def assert_called_with(self, args: Any) -> None:
        """Assert that the last call got exactly ``args``."""
        __tracebackhide__ = True
        if not self._calls:
            raise AssertionError(f"{self._owner} was never called")
        last = self._calls[-1]
        if last.args != args:
            raise AssertionError(
                f"{self._owner} call #{last.number} got {last.args!r}, expected {args!r}"
            )

    def _begin(self, args: Any) -> tuple[ToolCallRecord, int, _Outcome]:
        with self._lock:
            number = len(self._calls) + 1
            now = now_ns()
            record = ToolCallRecord(number, args, to_seconds(now), task=current_task())
            self._calls.append(record)
            span = CallSpan.open("tool", self.name, number, args)
            try:
                duration, _ = self.latency.for_call(number, self._owner)
                error = failure_for(self.failures, number)
            except Exception as config_error:
                return record, now, _Outcome(span, error=config_error)
        if error is not None:
            after = error.after if isinstance(error, FakeProviderError) else None
            end = now + (duration if after is None else to_ns(after))
            return record, end, _Outcome(span, error=error)
        try:
            value = self.result(args) if callable(self.result) else self.result
        except Exception as fn_error:
            return record, now + duration, _Outcome(span, error=fn_error)
        return record, now + duration, _Outcome(span, value=value)

    def _finish(self, record: ToolCallRecord, end: int, outcome: _Outcome, completed: bool) -> None:
        status: Literal["ok", "error", "cancelled"]
        with self._lock:
            if not completed:
                status, end = "cancelled", now_ns()
            elif outcome.error is not None:
                status, record.error = "error", outcome.error
            else:
                status, record.result = "ok", outcome.value
            record.status, record.ended = status, to_seconds(end)
        if outcome.span is not None:
            output = record.result if status == "ok" else None
            outcome.span.close(status, record.error, output)

    @staticmethod
    def _deliver(outcome: _Outcome) -> Any:
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def __repr__(self) -> str:
        return f"FakeTool({self.name!r}, latency={self.latency!r}, calls={len(self._calls)})"


@dataclass(slots=True)
class _Outcome:
    span: CallSpan | None
    value: Any = None
    error: BaseException | None = None
