"""Concurrent steps of unobserved runs: one thin coroutine per task, nothing else.

On the general path (``TaskCaller.task``) every task of a concurrent step runs in a
wrapper that takes limits, retries, reads the node's result, evaluates its branches
and emits stream chunks and run events, and calls the node through ``_attempt``. A
run that nobody streams or observes, whose step holds only *direct* nodes
(``NodeSpec.direct``: async, nothing injected, no retries, limits or branches, not
a subgraph), needs none of that while its nodes run: ``_task`` awaits the node and
tells the step how it ended. With thousands of runs in flight that is one small
frame per task instead of two larger ones for CPython's cyclic GC to walk, and a
wide fan-out costs about what a hand-written ``asyncio.gather`` costs. (A done
callback instead of ``_task`` would save the frame but cost a loop round trip per
task: slower for the quick nodes of a map step.)

``_task`` does what the general wrapper does when a node ends, so the two paths
behave alike: a node that raised, or returned an update the step cannot apply,
opens the gate at once and its siblings are cancelled; a nested graph's
``Command.PARENT`` (``ParentCommand``) is the node's result, not a failure; a node
cut off by cancellation is recorded where a stopped run reports it
(``TaskCaller.interrupted``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any

from warpgraph.errors import ParentCommand
from warpgraph.runtime._calls import Outcome, TaskCaller, name_task
from warpgraph.runtime._gate import Gate, start_task
from warpgraph.runtime._program import NodeSpec

__all__ = ["run_direct"]


class _Step(Gate):
    """A direct step's gate, plus what its tasks report: outcomes, and whether one failed."""

    __slots__ = ("caller", "outcomes", "tasks")

    def __init__(self, loop: asyncio.AbstractEventLoop, caller: TaskCaller, count: int) -> None:
        super().__init__(loop, count)
        self.caller = caller
        # Per task: its (writes, gotos, Sends), or the error reading its result raised.
        self.outcomes: list[Outcome | Exception | None] = [None] * count
        self.tasks: list[asyncio.Task[Any]] = []

    async def wait(self) -> list[Outcome]:
        """The outcomes once every task ended; the first failure cancels the rest."""
        await self.settle(self.tasks, self.outcomes)
        return self.outcomes  # type: ignore[return-value]  # no failure: all are outcomes

    def finished(self, i: int, node: NodeSpec, result: Any) -> None:
        """Task ``i`` returned ``result``: keep its outcome (a bad update fails the step)."""
        if type(result) is dict and self.caller.program.channels.keys() >= result.keys():
            self.outcomes[i] = (list(result.items()), (), ())  # what read() makes of it
        else:
            try:
                self.outcomes[i] = self.caller.read(node, result)
            except Exception as invalid:  # raised by the step, in task order
                self.outcomes[i] = invalid
                self.fail()
        self.finish()


async def _task(step: _Step, i: int, node: NodeSpec, arg: Any) -> None:
    """Run one direct node and report how it ended (the task's result is unused)."""
    try:
        result = await node.call(arg)
    except ParentCommand as parent:
        result = parent.command
    except asyncio.CancelledError:
        step.caller.interrupted += (node.name,)  # controls (issue 6): where a run stopped
        step.fail()
        step.finish()
        raise
    except BaseException as error:
        if isinstance(error, Exception):
            name_task(error, node.name, "")
        step.fail()
        step.finish()
        raise
    step.finished(i, node, result)


def run_direct(
    caller: TaskCaller, nodes: Sequence[NodeSpec], args: list[Any]
) -> Coroutine[Any, Any, list[Outcome]]:
    """Start each direct ``node`` on its arg as a task; await their outcomes, in order.

    On the first failure the unfinished tasks are cancelled and the failure in task
    order is raised with its own type, as ``run_concurrently`` does. (A plain function
    returning ``_Step.wait()``: the frame that waits holds the step and nothing else.)
    """
    loop = asyncio.get_running_loop()
    step = _Step(loop, caller, len(nodes))
    tasks = step.tasks
    for i, node in enumerate(nodes):
        coro = _task(step, i, node, args[i])
        tasks.append(start_task(loop, coro))
    return step.wait()
