"""Concurrent steps of unobserved runs: each node's own coroutine is its asyncio task.

On the general path (``TaskCaller.task``) every task of a concurrent step runs in a
wrapper coroutine that takes limits, retries, reads the node's result, evaluates its
branches and emits stream chunks and run events. A run that nobody streams or
observes, whose step holds only *direct* nodes (``NodeSpec.direct``: async, nothing
injected, no retries, limits or branches, not a subgraph), needs none of that while
its nodes run. So the node's coroutine becomes the task itself, as
``asyncio.gather`` would run it, and the task reports its end through a done
callback instead of a wrapper. With thousands of runs in flight, that is two
coroutine frames fewer per task for CPython's cyclic GC to walk, and a wide fan-out
costs about what a hand-written gather costs.

The callback does what the wrapper did when a task ended, so the two paths behave
alike: a node that raised, or returned an update the step cannot apply, opens the
gate at once and its siblings are cancelled; a nested graph's ``Command.PARENT``
(``ParentCommand``) is the node's result, not a failure; a node cut off by
cancellation is recorded where a stopped run reports it (``TaskCaller.interrupted``).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from typing import Any

from warpgraph.errors import ParentCommand
from warpgraph.runtime._calls import Outcome, TaskCaller, name_task
from warpgraph.runtime._program import NodeSpec

__all__ = ["cancel_all", "run_direct"]

# Python 3.12+: a task that runs its coroutine at once, as the current task, until the
# coroutine first waits; a node that never waits then finishes without a loop round trip.
EAGER_TASK: Callable[..., asyncio.Task[Any]] | None = getattr(asyncio, "eager_task_factory", None)


class _Step:
    """The done callback of a direct step's tasks, and what it learned from them."""

    __slots__ = ("caller", "failed", "index", "left", "nodes", "opened", "outcomes")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, caller: TaskCaller, nodes: Sequence[NodeSpec]
    ) -> None:
        self.caller = caller
        self.nodes = nodes
        self.left = len(nodes)
        self.opened: asyncio.Future[None] = loop.create_future()
        self.index: dict[asyncio.Task[Any], int] = {}
        # Per task: its (writes, gotos, Sends), or the error reading its result raised.
        self.outcomes: list[Outcome | Exception | None] = [None] * len(nodes)
        self.failed = False

    def done(self, task: asyncio.Task[Any]) -> None:
        i = self.index[task]
        node = self.nodes[i]
        if task.cancelled():
            self.caller.interrupted += (node.name,)
            self._fail()
        else:
            error = task.exception()
            if error is None or isinstance(error, ParentCommand):
                result = task.result() if error is None else error.command
                try:
                    self.outcomes[i] = self.caller.read(node, result)
                except Exception as invalid:  # raised by the step, in task order
                    self.outcomes[i] = invalid
                    self._fail()
            else:
                if isinstance(error, Exception):
                    name_task(error, node.name, "")
                self._fail()
        self.left -= 1
        if self.left == 0 and not self.opened.done():
            self.opened.set_result(None)

    def _fail(self) -> None:
        self.failed = True
        if not self.opened.done():
            self.opened.set_result(None)


async def run_direct(
    caller: TaskCaller, nodes: Sequence[NodeSpec], args: list[Any]
) -> list[Outcome]:
    """Run each direct ``node`` on its arg as a task; their outcomes in the given order.

    On the first failure the unfinished tasks are cancelled and the failure in task
    order is raised with its own type, as ``run_concurrently`` does.
    """
    loop = asyncio.get_running_loop()
    step = _Step(loop, caller, nodes)
    index, done = step.index, step.done
    # The callback reads no context variable: one context for all of them, not a copy each.
    context = contextvars.copy_context()
    for i, node in enumerate(nodes):
        try:
            coro = node.call(args[i])
        except Exception as error:  # e.g. the wrong arity: it fails as its task, in order
            coro = _raise(error)
        task = EAGER_TASK(loop, coro) if EAGER_TASK is not None else loop.create_task(coro)
        index[task] = i
        task.add_done_callback(done, context=context)
    del args  # the tasks hold what they need; thousands of runs in flight hold less
    try:
        await step.opened
    except BaseException:
        await cancel_all(list(index))  # we were cancelled ourselves: take the tasks down too
        raise
    if step.failed:
        tasks = list(index)  # in creation order
        await cancel_all([task for task in tasks if not task.done()])
        _raise_first_failure(tasks, step.outcomes)
    return step.outcomes  # type: ignore[return-value]  # all are outcomes when none failed


def _raise_first_failure(
    tasks: list[asyncio.Task[Any]], outcomes: list[Outcome | Exception | None]
) -> None:
    """Raise the first failure in task order: a node's error, or its unreadable result."""
    for task, outcome in zip(tasks, outcomes, strict=True):
        if task.cancelled():
            continue
        error = task.exception()
        if error is not None and not isinstance(error, ParentCommand):
            raise error
        if isinstance(outcome, Exception):
            raise outcome
    for task in tasks:  # only cancellations: a task that cancelled itself re-raises here
        task.result()


async def _raise(error: Exception) -> Any:
    raise error


async def cancel_all(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has finished."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
