"""Describing stuck tasks: who waits, and on which line, for the virtual-time errors.

``Task.get_stack()`` shows only a task's outermost coroutine frame, which for a test says
"the test is suspended" and nothing more. We follow the ``await`` chain instead
(``cr_await`` / ``gi_yieldfrom`` / ``ag_await``) down to the innermost frame, so the message
points at ``await event.wait()`` inside the helper that really waits.
"""

from __future__ import annotations

import asyncio
import re
import traceback
from collections.abc import Iterable
from types import FrameType
from typing import Any

__all__ = ["describe_tasks"]

_MAX_TASKS = 10


def _await_chain(coro: Any) -> list[FrameType]:
    frames: list[FrameType] = []
    current = coro
    while current is not None:
        frame = (
            getattr(current, "cr_frame", None)
            or getattr(current, "gi_frame", None)
            or getattr(current, "ag_frame", None)
        )
        if frame is None:
            # A future, or a coroutine that already finished: the chain ends here.
            break
        frames.append(frame)
        current = (
            getattr(current, "cr_await", None)
            or getattr(current, "gi_yieldfrom", None)
            or getattr(current, "ag_await", None)
        )
    return frames


def _natural_key(task: asyncio.Task[Any]) -> list[Any]:
    # "Task-10" after "Task-9": compare digit runs as numbers.
    parts = re.split(r"(\d+)", task.get_name())
    return [int(part) if part.isdigit() else part for part in parts]


def _describe(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", type(coro).__name__)
    frames = _await_chain(coro)
    stack = traceback.StackSummary.extract(
        ((frame, frame.f_lineno) for frame in frames), capture_locals=False
    )
    lines = "".join(stack.format()).rstrip("\n")
    body = "\n".join("    " + line for line in lines.splitlines()) if lines else "    (no stack)"
    return f"  task {task.get_name()!r} running {name}():\n{body}"


def describe_tasks(tasks: Iterable[asyncio.Task[Any]]) -> str:
    """One block per task, sorted by name, with the stack down to the innermost ``await``."""
    ordered = sorted(tasks, key=_natural_key)
    blocks = [_describe(task) for task in ordered[:_MAX_TASKS]]
    if len(ordered) > _MAX_TASKS:
        blocks.append(f"  ... and {len(ordered) - _MAX_TASKS} more task(s)")
    return "\n".join(blocks) if blocks else "  (no tasks)"
