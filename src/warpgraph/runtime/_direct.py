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
fails its task and opens the gate at once, and its siblings are cancelled; a
nested graph's ``Command.PARENT`` (``ParentCommand``) is the node's result, not a
failure; a node cut off by cancellation is recorded where a stopped run reports it
(``TaskCaller.interrupted``). Both come from ``TaskCaller.recover``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any

from warpgraph.runtime._calls import TaskCaller
from warpgraph.runtime._gate import Gate, start_task
from warpgraph.runtime._outcome import Outcome, read_result
from warpgraph.runtime._program import NodeSpec

__all__ = ["run_direct"]


class _Step(Gate):
    """A direct step's gate, with the run's caller its tasks read their results with."""

    __slots__ = ("caller",)

    def __init__(self, loop: asyncio.AbstractEventLoop, caller: TaskCaller, count: int) -> None:
        super().__init__(loop, count)
        self.caller = caller


async def _task(step: _Step, node: NodeSpec, arg: Any) -> Outcome:
    """Run one direct node; its outcome is (writes, goto targets, Sends)."""
    try:
        try:
            result = await node.call(arg)
        except BaseException as error:
            result = step.caller.recover(node, error)
            if result is None:
                raise
        return read_result(step.caller.program, node, result)
    except BaseException:
        step.fail()
        raise
    finally:
        step.finish()


def run_direct(
    caller: TaskCaller, nodes: Sequence[NodeSpec], args: Sequence[Any]
) -> Coroutine[Any, Any, list[Outcome]]:
    """Start each direct ``node`` on its arg as a task; await their outcomes, in order.

    On the first failure the unfinished tasks are cancelled and the failure in task
    order is raised with its own type, as ``run_concurrently`` does. (A plain function
    returning ``Gate.settle()``: the frame that waits holds the step and nothing else.)
    """
    loop = asyncio.get_running_loop()
    step = _Step(loop, caller, len(nodes))
    tasks = step.tasks
    for node, arg in zip(nodes, args, strict=True):
        tasks.append(start_task(loop, _task(step, node, arg)))
    return step.settle()
