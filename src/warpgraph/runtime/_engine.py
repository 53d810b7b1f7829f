"""The superstep loop: plan, run the step's tasks concurrently, apply, repeat.

One ``Run`` executes one invocation of a ``Program``. Each *superstep* runs every
task planned for it at the same time (``asyncio`` tasks, through ``TaskCaller``
or, for an unobserved run, ``_direct.run_direct``; a step with a single task
simply awaits it, no task object needed), waits for all of them, then
applies their writes in apply order (``_apply.apply_writes``) and plans the next
step from their edges (``_apply.route``). The run ends when a step plans no
task; ``recursion_limit`` caps the number of steps exactly as LangGraph counts
them: step *n* (from 1) is refused when ``n > recursion_limit``, even if it would
have no task, so a chain of *k* nodes needs a limit of *k + 1*.

Everything optional (stream chunks, run events, retries, concurrency limits)
is decided once per run, so a plain ``ainvoke`` of a chain pays for none of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from warpgraph.errors import EmptyInputError, GraphRecursionError
from warpgraph.runtime._apply import apply_update, apply_writes, plan_step, route
from warpgraph.runtime._calls import Observer, TaskCaller
from warpgraph.runtime._context import Runtime
from warpgraph.runtime._direct import run_direct
from warpgraph.runtime._gate import Gate, start_task
from warpgraph.runtime._outcome import Outcome, read_result
from warpgraph.runtime._program import NodeSpec, Program
from warpgraph.runtime._types import Send

__all__ = ["Run", "Sink"]

Sink = Callable[[str, Any], None]
# Awaited after each step of a streamed run: returns once the consumer took every chunk,
# so a consumer that stops iterating stops the run between steps, as in LangGraph.
Pace = Callable[[], Awaitable[Any]]


# Shared, never filled: a run without deferred nodes or without a stream needs no own.
_NO_DEFERRED: set[str] = set()
_NOTHING_HELD: list[tuple[str, Any]] = []


class Run:
    """One execution of a program: its state, options and stream sink."""

    __slots__ = (
        "caller",
        "config",
        "limit",
        "modes",
        "pace",
        "program",
        "sink",
        "trail",
        "unwritten",
        "values",
    )

    def __init__(
        self,
        program: Program,
        config: dict[str, Any],
        runtime: Runtime[Any],
        *,
        modes: frozenset[str],
        sink: Sink | None,
        inline_sync: bool,
        observer: Observer | None,
        pace: Pace | None = None,
    ) -> None:
        self.program = program
        self.pace = pace
        # Per planned step its number, pull list and Sends, flat (runtime/_supervise.py).
        self.trail: list[Any] = []
        self.config = config
        self.limit: int = config["recursion_limit"]
        self.modes = modes
        self.sink = sink
        initial = program.initial_values
        self.values: dict[str, Any] = {k: make() for k, make in initial.items()} if initial else {}
        self.unwritten = False  # see _start
        limit = config.get("max_concurrency")
        self.caller = TaskCaller(
            program,
            config,
            runtime,
            self.values,
            sink=sink,
            modes=modes,
            inline_sync=inline_sync,
            observer=observer,
            semaphore=asyncio.Semaphore(limit) if limit else None,
        )

    def output(self) -> dict[str, Any] | None:
        """The output keys that have a value, in schema order; None if none has one.

        As in LangGraph, a run that never wrote an output key returns None, not ``{}``.
        (A key seeded with its reducer's initial value has one without a write: such a
        run is told apart by ``unwritten``, see ``_start``.)
        """
        values = self.values
        return {k: values[k] for k in self.program.output_keys if k in values} or None

    def snapshot(self) -> dict[str, Any]:
        """A ``values`` stream chunk: every channel that has a value (not only outputs)."""
        values = self.values
        return {k: values[k] for k in self.program.channels if k in values}  # schema order

    async def execute(self, data: Any) -> dict[str, Any] | None:
        """Run to completion from input ``data``; return the final output."""
        program = self.program
        triggered, sends = await self._start(data)
        del data  # (the input is not needed again: see below on what this frame holds)
        unwritten = self.unwritten
        pace = self.pace
        if pace is not None:
            await pace()
        # Per waiting edge (by index), the sources that arrived; none yet (see route()).
        barrier_seen: dict[int, set[str]] = {}
        deferred: set[str] = set() if program.defers else _NO_DEFERRED
        values, sink, caller = self.values, self.sink, self.caller
        channels = program.channels
        emit_values = sink is not None and "values" in self.modes
        # A plain run (no stream, no events) calls a single direct node itself: no task
        # bookkeeping between "call the node" and "apply its dict" (for a fast node).
        plain = sink is None and caller.observer is None
        # ... and, with no max_concurrency to take, may run a step's tasks directly too.
        direct = plain and caller.semaphore is None
        # A run watching for its first output write (see _start) runs a single node the
        # general way, which reports the keys it wrote (a direct step reports them too).
        plain = plain and not unwritten
        limit = self.limit
        step = 0
        queued: NodeSpec | None = None  # the next step's only task, known without planning
        pull: list[NodeSpec]
        pushes: Sequence[Send]
        inputs: list[Any] | None = None
        # A single-task step's chunks and every step's `values` chunk are held back
        # until the next step's inputs are built, as LangGraph emits them with the
        # next checkpoint: an input that fails validation hides the step before it.
        held: list[tuple[str, Any]] = [] if sink is not None else _NOTHING_HELD
        while True:
            step += 1
            if queued is not None:
                pull, pushes, queued = [queued], (), None
            else:
                pull, pushes = plan_step(program, triggered, sends, deferred)
                # A queued step needs no entry: it is its predecessor's successor (issue 6).
                if pull or pushes:
                    self.trail.extend((step, pull, pushes))
            if sink is not None:
                inputs = []
                for node in pull:  # (a loop: a comprehension would make `values` a cell)
                    inputs.append(node.make_input(values))
                await self._flush(held)
            if step > limit:
                raise self._too_many_steps(step)
            if not pull and not pushes:
                return None if unwritten else self.output()
            if pushes or len(pull) > 1:
                nodes, args = self._tasks(step, pull, pushes, inputs)
                if direct and all(node.direct for node in nodes):
                    gate = run_direct(caller, nodes, args)
                else:
                    gate = self._general(step, nodes, args, len(pushes))
                # While the tasks run, this frame holds what the next steps need and no
                # more, and waits on the gate itself: with thousands of runs in flight
                # the cyclic GC walks every live object (runtime/_gate.py).
                del args, triggered, sends
                try:
                    await gate.opened
                except BaseException:
                    await gate.abort()  # cancelled while waiting: the tasks go down too
                    raise
                if gate.failed:
                    await gate.raise_failure()
                outcomes = gate.results()
                updated, triggered, sends = self._apply_step(
                    step, pull, nodes, outcomes, barrier_seen
                )
            else:
                node = pull[0]
                if plain and node.direct:
                    try:
                        result = await node.call(node.make_input(values))
                    except BaseException as error:
                        result = caller.recover(node, error)
                        if result is None:
                            raise
                    # A join (waiting edges) or a waiting edge's source is direct but not
                    # fast: its writes are applied and routed the general way below.
                    if node.fast and type(result) is dict and channels.keys() >= result.keys():
                        apply_update(program, values, result)
                        if node.successor is not None:
                            queued = node.successor
                        else:
                            triggered, sends = set(node.edges), ()
                        continue
                    writes, gotos, new_sends = read_result(program, node, result)
                else:
                    writes, gotos, new_sends = await self._run_single(node, step, inputs, held)
                updated, triggered, sends = self._settle(
                    node, step, writes, gotos, new_sends, barrier_seen
                )
            caller.finish_step(step)
            if unwritten and not updated.isdisjoint(program.output_keys):
                unwritten = False
            if emit_values and updated and not updated.isdisjoint(program.state_keys):
                held.append(("values", self.snapshot()))

    async def _flush(self, held: list[tuple[str, Any]]) -> None:
        """Stream the chunks held back from the previous step, then let the consumer in."""
        if not held or self.sink is None:
            return
        for mode, chunk in held:
            self.sink(mode, chunk)
        held.clear()
        if self.pace is not None:
            await self.pace()

    def _too_many_steps(self, step: int) -> GraphRecursionError:
        return GraphRecursionError(
            f"Recursion limit of {self.limit} reached without hitting a stop "
            f"condition (graph '{self.program.name}', step {step}). You can increase "
            "the limit by setting the `recursion_limit` config key."
        )

    async def _run_single(
        self, node: NodeSpec, step: int, inputs: list[Any] | None, held: list[tuple[str, Any]]
    ) -> tuple[Sequence[tuple[str, Any]], Sequence[str], Sequence[Send]]:
        """The only task of a step, on the general path (its chunks are held, see execute)."""
        caller = self.caller
        arg = inputs[0] if inputs is not None else node.make_input(self.values)
        caller.held = held if self.sink is not None else None
        try:
            return await caller.run_one(node, step, arg)
        finally:
            caller.held = None

    def _settle(
        self,
        node: NodeSpec,
        step: int,
        writes: Sequence[tuple[str, Any]],
        gotos: Sequence[str],
        sends: Sequence[Send],
        barrier_seen: dict[int, set[str]],
    ) -> tuple[set[str], set[str], Sequence[Send]]:
        """Apply a single task's writes and route after it: (updated, triggered, Sends)."""
        program = self.program
        updated = apply_writes(program.channels, self.values, ((node.name, writes),), step)
        if node.simple and not gotos and not sends and not node.joins:
            return updated, set(node.edges), ()
        triggered, next_sends = route(program, ((node, gotos, sends),), barrier_seen, (node,))
        return updated, triggered, next_sends

    async def _start(self, data: Any) -> tuple[set[str], Sequence[Send]]:
        """Apply the input as step 0's writes and route from START."""
        program = self.program
        if data is None:
            raise EmptyInputError(
                f"Graph '{program.name}' received no input; pass a dict of initial "
                "state values, e.g. ainvoke({'key': value})"
            )
        given = program.read_input(data)
        # As in LangGraph, input keys outside the input schema are dropped, not rejected.
        input_keys = program.input_keys
        if not given.keys() <= input_keys:
            given = {k: v for k, v in given.items() if k in input_keys}
        if given:  # one write per key, as a single task's dict: no conflict is possible
            apply_update(program, self.values, given)
            if self.sink is not None and "values" in self.modes:
                self.sink("values", self.snapshot())
        # A run that writes no output key returns None (LangGraph returns the last values
        # chunk of its output keys, and there is none). When an output key is seeded with
        # an initial value and the input wrote no output key, presence cannot tell, so the
        # run watches every step's writes for one (execute).
        if program.seeded_output and given.keys().isdisjoint(program.output_keys):
            self.unwritten = True
        start = program.start
        if not start.branches:
            return set(start.edges), ()
        gotos, sends = await self.caller.branch_targets(start, (), data)
        return route(program, ((start, gotos, sends),), {})

    def _tasks(
        self, step: int, pull: list[NodeSpec], pushes: Sequence[Send], inputs: list[Any] | None
    ) -> tuple[list[NodeSpec], list[Any]]:
        """A concurrent step's tasks in execution order (Sends first, then nodes by name)."""
        nodes = self.program.nodes
        push_nodes = [nodes[send.node] for send in pushes]
        self.caller.start_step(step, pull, push_nodes)
        args = [send.arg for send in pushes]
        if inputs is None:
            values = self.values
            for node in pull:
                args.append(node.make_input(values))
        else:
            args += inputs
        return (push_nodes + pull if pushes else pull), args

    def _general(self, step: int, nodes: list[NodeSpec], args: list[Any], n_push: int) -> Gate:
        """Start a step's tasks through ``TaskCaller.task`` (limits, retries, events, chunks).

        Every task is an asyncio task of its own, so code in a node sees a task of its
        own (``asyncio.timeout()`` and task groups bind to it); on Python 3.12+ they
        start eagerly. Returns the gate they report to.
        """
        caller = self.caller
        indexes = list(range(n_push)) + [None] * (len(nodes) - n_push)
        if caller.stream_tasks or caller.observer is not None:
            ids = [
                caller.announce(node, arg, index, step)
                for node, arg, index in zip(nodes, args, indexes, strict=True)
            ]
        else:
            ids = [""] * len(nodes)  # nobody sees task ids: skip naming them
        loop = asyncio.get_running_loop()
        gate = Gate(loop, len(nodes))
        for node, arg, index, task_id in zip(nodes, args, indexes, ids, strict=True):
            gate.tasks.append(start_task(loop, caller.task(node, arg, index, step, task_id, gate)))
        return gate

    def _apply_step(
        self,
        step: int,
        pull: list[NodeSpec],
        nodes: list[NodeSpec],
        outcomes: list[Outcome],
        barrier_seen: dict[int, set[str]],
    ) -> tuple[set[str], set[str], Sequence[Send]]:
        """Apply a concurrent step's writes and route after it, in apply order.

        Apply order is node tasks by name, then Send tasks by index; ``nodes`` and
        ``outcomes`` are in execution order (Send tasks first).
        """
        n_push = len(nodes) - len(pull)
        ordered = outcomes[n_push:] + outcomes[:n_push]
        in_order = pull + nodes[:n_push]
        writes = []
        finished = []
        for node, (node_writes, gotos, sends) in zip(in_order, ordered, strict=True):
            writes.append((node.name, node_writes))
            finished.append((node, gotos, sends))
        program = self.program
        updated = apply_writes(program.channels, self.values, writes, step)
        triggered, next_sends = route(program, finished, barrier_seen, pull)
        return updated, triggered, next_sends
