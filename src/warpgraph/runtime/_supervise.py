"""Supervision: where a run was when it stopped, and config mistakes caught early.

A runaway run (a loop that never reaches END, a step that hangs) is only
debuggable if the error says what the run had been doing. Every run keeps a
*trail*: one entry per superstep, naming the tasks planned for it (an entry is
the step's list of node tasks, or ``(pull, pushes)`` when it has Send tasks, so
the hot loop only appends a reference; names are read when an error needs them). When a run stops
abnormally the error carries that trajectory:

* ``GraphRecursionError`` and ``NodeTimeoutError`` get a note with the trajectory;
* a cancelled run's ``CancelledError`` gets a note naming the step and the nodes
  that were cut off mid-call;
* ``RunTimeoutError`` says all of it in its message and attributes.

Config keys LangGraph reads at the top level are silently ignored inside
``configurable``; warpgraph refuses them there with an error saying where they go.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from warpgraph.errors import GraphRecursionError, NodeTimeoutError

if TYPE_CHECKING:
    from warpgraph.runtime._engine import Run

__all__ = [
    "annotate_stop",
    "check_controls",
    "format_trajectory",
    "seconds",
    "trajectory",
]

# Top-level config keys that do nothing inside `configurable` (LangGraph ignores them there).
_TOP_LEVEL = ("max_concurrency", "recursion_limit", "step_timeout", "run_timeout")
_TIMEOUT_KEYS = ("step_timeout", "run_timeout")
_SHOWN_HEAD = 3
_SHOWN_TAIL = 8


def seconds(value: Any, what: str, fix: str) -> float | None:
    """``value`` (None, seconds or a ``timedelta``) as positive float seconds."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(
            f"{what} must be a positive number of seconds (or a timedelta), got {value!r}; {fix}"
        )
    return float(value)


def check_controls(cfg: dict[str, Any]) -> None:
    """Reject control keys misplaced in ``configurable`` and malformed timeouts."""
    configurable = cfg["configurable"]
    if configurable:
        for key in _TOP_LEVEL:
            if key in configurable:
                raise ValueError(
                    f"config['configurable']['{key}'] has no effect (LangGraph silently "
                    f"ignores it there); move it to the top level of the config: "
                    f"config={{'{key}': {configurable[key]!r}, ...}}"
                )
    for key in _TIMEOUT_KEYS:
        if key in cfg:
            cfg[key] = seconds(
                cfg[key], f"config['{key}']", f"pass e.g. config={{'{key}': 30}}, or None"
            )


def step_names(entry: Any) -> tuple[str, ...]:
    """The node names of one trail entry: its node tasks, then its Send tasks."""
    if isinstance(entry, tuple):
        pull, pushes = entry
        return tuple(n.name for n in pull) + tuple(s.node for s in pushes)
    return tuple(n.name for n in entry)


def trajectory(trail: Sequence[Any]) -> tuple[tuple[str, ...], ...]:
    """The node names of each step so far, one tuple per step."""
    return tuple(step_names(entry) for entry in trail)


def format_trajectory(steps: Sequence[tuple[str, ...]]) -> str:
    """``1 a -> 2 b, c -> ...``; a long trajectory shows its ends and a node count."""

    def show(index: int) -> str:
        return f"{index + 1} {', '.join(steps[index]) or '(no task)'}"

    if not steps:
        return "(no step ran)"
    if len(steps) <= _SHOWN_HEAD + _SHOWN_TAIL:
        return " -> ".join(show(i) for i in range(len(steps)))
    head = " -> ".join(show(i) for i in range(_SHOWN_HEAD))
    tail = " -> ".join(show(i) for i in range(len(steps) - _SHOWN_TAIL, len(steps)))
    skipped = len(steps) - _SHOWN_HEAD - _SHOWN_TAIL
    counts = Counter(name for step in steps for name in step)
    busiest = ", ".join(f"{name} x{n}" for name, n in counts.most_common(3))
    return f"{head} -> ... ({skipped} steps) ... -> {tail} [tasks per node: {busiest}]"


def in_flight(run: Run) -> tuple[str, ...]:
    """The nodes whose call the run's cancellation cut off, in the order they stopped."""
    return tuple(run.caller.interrupted)


def annotate_stop(run: Run, error: BaseException) -> None:
    """Add the run's whereabouts to an error that stops it (see the module docstring)."""
    if isinstance(error, asyncio.CancelledError):
        steps = trajectory(run.trail)
        cut = ", ".join(in_flight(run)) or "none mid-call"
        error.add_note(
            f"warpgraph: graph '{run.program.name}' was cancelled in step {len(steps)} "
            f"(nodes in flight: {cut}); trajectory so far: {format_trajectory(steps)}"
        )
    elif isinstance(error, (GraphRecursionError, NodeTimeoutError)):
        steps = trajectory(run.trail)
        error.add_note(
            f"warpgraph: trajectory of graph '{run.program.name}' so far "
            f"({len(steps)} steps): {format_trajectory(steps)}"
        )
