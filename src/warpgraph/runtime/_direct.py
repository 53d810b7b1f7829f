"""Concurrent steps of unobserved runs: each node's own coroutine is its task.

On the general path (``TaskCaller.task``) every task of a concurrent step runs in a
wrapper that takes limits, retries, reads the node's result, evaluates its branches
and emits stream chunks and run events. A run that nobody streams or observes, whose
step holds only *direct* nodes (``NodeSpec.direct``: async, nothing injected, no
retries, limits or branches, not a subgraph), needs none of that while its nodes run:
the node's coroutine becomes the task itself, and the step (``_Step``) is the task's
done callback. With thousands of runs in flight, CPython's cyclic GC walks every
live object at each full collection; a task with no wrapper coroutine is one frame
fewer per node in flight, and a wide fan-out costs what a hand-written
``asyncio.gather`` costs (which also learns of each child through a done callback).

The callback does what the general wrapper does when a node ends, so the two paths
behave alike: a node that raised, or returned an update the step cannot apply, fails
its task and opens the gate, and its siblings are cancelled; a nested graph's
``Command.PARENT`` (``ParentCommand``) is the node's result, not a failure; a node
cut off by cancellation is recorded where a stopped run reports it
(``TaskCaller.interrupted``). Both come from ``TaskCaller.recover``. The callback
runs in the task's own context, as the tail of a wrapper coroutine would.

The callback checks a result but keeps it as returned; ``settle`` reads the results
into outcomes when the run resumes, and the run applies them at once. When thousands
of runs' tools finish at the same virtual moment, every callback runs before any run
resumes: outcomes built there would all be alive at once, and enough new objects
surviving together trigger one more full collection of the whole heap.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any

from warpgraph.runtime._calls import TaskCaller
from warpgraph.runtime._gate import cancel_all, start_task
from warpgraph.runtime._outcome import Outcome, read_result
from warpgraph.runtime._program import NodeSpec

__all__ = ["run_direct"]


class _Step:
    """A direct step: its tasks, their outcomes, and the gate the run waits on.

    ``tasks`` maps each task, in task order, to its node while it runs, then to the
    node's checked result, or to the error that failed it. The gate (``opened``)
    opens when the last task ended, or at the first failure.
    """

    __slots__ = ("caller", "failed", "left", "nodes", "opened", "tasks")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, caller: TaskCaller, nodes: Sequence[NodeSpec]
    ) -> None:
        self.caller = caller
        self.nodes = nodes
        self.opened: asyncio.Future[None] = loop.create_future()
        self.left = len(nodes)
        self.failed = False
        self.tasks: dict[asyncio.Task[Any], Any] = {}

    def __call__(self, task: asyncio.Task[Any]) -> None:
        """The done callback of each task: check its result, or note how it failed."""
        node: NodeSpec = self.tasks[task]
        caller = self.caller
        try:
            try:
                result = task.result()
            except BaseException as error:  # (also marks the task's error retrieved)
                result = caller.recover(node, error)
                if result is None:
                    raise
            program = caller.program
            if type(result) is not dict or not program.channels.keys() >= result.keys():
                read_result(program, node, result)  # raises now if the step cannot apply it
            self.tasks[task] = result
        except BaseException as error:
            self.tasks[task] = error
            self.failed = True
            if not self.opened.done():
                self.opened.set_result(None)
        self.left -= 1
        if self.left == 0 and not self.opened.done():
            self.opened.set_result(None)

    async def settle(self) -> list[Outcome]:
        """The outcomes in task order, once every task ended well.

        After a failure the unfinished tasks are cancelled and the first failure in
        task order is raised with its own type (no ExceptionGroup), as LangGraph's
        steps do; if there were only cancellations, the first of them. If we are
        cancelled ourselves, every task is taken down with us.
        """
        try:
            await self.opened
        except BaseException:
            await cancel_all(list(self.tasks))
            raise
        if self.failed:
            # (Each task's callback runs before gather learns the task ended.)
            await cancel_all([task for task in self.tasks if not task.done()])
            errors = [o for o in self.tasks.values() if isinstance(o, BaseException)]
            first = next((e for e in errors if not isinstance(e, asyncio.CancelledError)), None)
            raise first or errors[0]
        program = self.caller.program
        return [
            read_result(program, node, result)
            for node, result in zip(self.nodes, self.tasks.values(), strict=True)
        ]


def run_direct(
    caller: TaskCaller, nodes: Sequence[NodeSpec], args: Sequence[Any]
) -> Coroutine[Any, Any, list[Outcome]]:
    """Start each direct ``node`` on its arg as a task; await their outcomes, in order.

    On the first failure the unfinished tasks are cancelled and the failure in task
    order is raised with its own type, as ``run_concurrently`` does. (A plain function
    returning ``_Step.settle()``: the frame that waits holds the step and nothing else.)
    """
    loop = asyncio.get_running_loop()
    step = _Step(loop, caller, nodes)
    tasks = step.tasks
    for node, arg in zip(nodes, args, strict=True):
        # The task runs in this context, and so does its callback: one copy per task.
        context = contextvars.copy_context()
        task = start_task(loop, _coroutine(node, arg), context)
        tasks[task] = node
        if task.done():  # an eager task (3.12+) whose node never waited
            context.run(step, task)
        else:
            task.add_done_callback(step, context=context)
    return step.settle()


def _coroutine(node: NodeSpec, arg: Any) -> Coroutine[Any, Any, Any]:
    """``node.call(arg)`` as a coroutine a task can run, whatever the call did."""
    try:
        awaitable = node.call(arg)
    except BaseException as error:  # raised before any coroutine existed: the task fails
        return _raise(error)
    if asyncio.iscoroutine(awaitable):
        return awaitable
    return _await(awaitable)  # an awaitable that is not a coroutine (a Future, say)


async def _raise(error: BaseException) -> Any:
    raise error


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
