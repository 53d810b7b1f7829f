"""Supervision: where a run was when it stopped, and config mistakes caught early.

A runaway run (a loop that never reaches END, a step that hangs) is only
debuggable if the error says what the run had been doing. Every run keeps a
*trail*: the number, pull list and Sends of every planned superstep, flat (three
items a step, references only: with thousands of runs in flight, a tuple per step
is an object more for the cyclic GC to walk), so the hot loop pays one extend per
planned step and nothing for the
queued steps of a chain (see ``trajectory``); names are read when an error needs
them. When a run stops abnormally the error carries the trajectory:

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
    "stopped_step",
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


def trajectory(trail: Sequence[Any], steps: int) -> tuple[tuple[str, ...], ...]:
    """The node names of steps 1 to ``steps``, one tuple per step.

    ``trail`` holds ``step, pull, pushes`` for every *planned* step, flat. The engine
    runs a chain's next node without planning (a *queued* step, the previous
    step's only node's only ``successor``), so a step missing from the trail is
    exactly that successor.
    """
    planned = {trail[i]: trail[i + 1 : i + 3] for i in range(0, len(trail), 3)}
    names: list[tuple[str, ...]] = []
    previous: Any = None  # the previous step's only node, when it had exactly one task
    for step in range(1, steps + 1):
        entry = planned.get(step)
        if entry is not None:
            pull, pushes = entry
        elif previous is not None and previous.successor is not None:
            pull, pushes = [previous.successor], ()
        else:
            break  # nothing tells this step apart (not expected): stop rather than guess
        names.append(tuple(n.name for n in pull) + tuple(s.node for s in pushes))
        previous = pull[0] if len(pull) == 1 and not pushes else None
    return tuple(names)


def stopped_step(run: Run, error: BaseException) -> int:
    """The step ``run`` was in when ``error`` left it (0 before the first step).

    Read from the run's ``execute`` frame in the error's traceback, so the hot loop
    never stores its step counter anywhere; the last planned step otherwise.
    """
    tb = error.__traceback__
    step: Any = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "execute" and frame.f_locals.get("self") is run:
            step = frame.f_locals.get("step")
        tb = tb.tb_next
    if isinstance(step, int):
        return step
    return run.trail[-3] if run.trail else 0


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
    return run.caller.interrupted


def annotate_stop(run: Run, error: BaseException) -> None:
    """Add the run's whereabouts to an error that stops it (see the module docstring)."""
    step = stopped_step(run, error)
    name = run.program.name
    if isinstance(error, asyncio.CancelledError):
        steps = trajectory(run.trail, step)
        cut = ", ".join(in_flight(run)) or "none mid-call"
        error.add_note(
            f"warpgraph: graph '{name}' was cancelled in step {step} (nodes in flight: "
            f"{cut}); trajectory so far: {format_trajectory(steps)}"
        )
    elif isinstance(error, (GraphRecursionError, NodeTimeoutError)):
        # A recursion error refuses step `step`: the trajectory ends with the one before.
        ran = step - 1 if isinstance(error, GraphRecursionError) else step
        steps = trajectory(run.trail, ran)
        error.add_note(
            f"warpgraph: trajectory of graph '{name}' so far ({len(steps)} steps): "
            f"{format_trajectory(steps)}"
        )
