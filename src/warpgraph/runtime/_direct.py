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
callback instead of ``_task`` saves the frame but costs a loop round trip per task:
measured 25-35 % slower on fan-outs and map steps of quick nodes.)

``_task`` does what the general wrapper does when a node ends, so the two paths
behave alike: a node that raised, or returned an update the step cannot apply,
fails its task and opens the gate at once, and its siblings are cancelled; a
nested graph's ``Command.PARENT`` (``ParentCommand``) is the node's result, not a
failure; a node cut off by cancellation is recorded where a stopped run reports it
(``TaskCaller.interrupted``). Both come from ``TaskCaller.recover``.

``_task`` checks a result but returns it as the node did; the step reads the results
into outcomes when the run resumes, and the run applies them at once. When thousands
of runs' tools finish at the same virtual moment, every task ends before any run
resumes: outcomes built in the tasks would all be alive at once, and that many new
objects surviving together trigger one more full collection of the whole heap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from warpgraph.runtime._calls import TaskCaller
from warpgraph.runtime._gate import Gate, start_task
from warpgraph.runtime._outcome import Outcome, read_result
from warpgraph.runtime._program import NodeSpec

__all__ = ["run_direct"]


class _Step(Gate):
    """A direct step's gate, with the run's caller and the step's nodes, in task order."""

    __slots__ = ("caller", "nodes")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, caller: TaskCaller, nodes: Sequence[NodeSpec]
    ) -> None:
        super().__init__(loop, len(nodes))
        self.caller = caller
        self.nodes = nodes

    def results(self) -> list[Outcome]:
        """Each task's checked result, read into its outcome (writes, gotos, Sends)."""
        program = self.caller.program
        return [
            read_result(program, node, task.result())
            for node, task in zip(self.nodes, self.tasks, strict=True)
        ]


async def _task(step: _Step, node: NodeSpec, arg: Any) -> Any:
    """Run one direct node; return its result once checked (``_Step.results`` reads it)."""
    try:
        try:
            result = await node.call(arg)
        except BaseException as error:
            result = step.caller.recover(node, error)
            if result is None:
                raise
        program = step.caller.program
        if type(result) is not dict or not program.channels.keys() >= result.keys():
            read_result(program, node, result)  # raises now if the step cannot apply it
        return result
    except BaseException:
        step.fail()
        raise
    finally:
        step.finish()


def run_direct(caller: TaskCaller, nodes: Sequence[NodeSpec], args: Sequence[Any]) -> Gate:
    """Start each direct ``node`` on its arg as a task; the gate the run waits on.

    Once the gate opened, ``results()`` are the outcomes in task order (see ``_gate``).
    """
    loop = asyncio.get_running_loop()
    step = _Step(loop, caller, nodes)
    tasks = step.tasks
    for node, arg in zip(nodes, args, strict=True):
        tasks.append(start_task(loop, _task(step, node, arg)))
    return step
