"""Calling one node: its argument, injected services, retries, events, stream chunks.

A *task* is one execution of a node in a step: a node task reads the state, a
``Send`` task reads the ``Send``'s argument. ``TaskCaller`` runs a task and turns
what the node returned into writes plus routing (``Command.goto``, read by
``_outcome``, and the node's conditional edges evaluated on the state *with this
task's own writes* applied, as LangGraph's branches see it). Retries, run events
and stream chunks are only paid for when the run asked for them.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from warpgraph.errors import ParentCommand, WarpgraphError
from warpgraph.runtime import _events as ev
from warpgraph.runtime._apply import apply_writes
from warpgraph.runtime._context import Runtime
from warpgraph.runtime._gate import Gate
from warpgraph.runtime._limits import run_limited
from warpgraph.runtime._observer import Observer, Span, now
from warpgraph.runtime._outcome import Outcome, read_result, targets
from warpgraph.runtime._program import NodeSpec, Program
from warpgraph.runtime._retry import retry_delay, should_retry
from warpgraph.runtime._types import Command, Send

__all__ = ["Observer", "TaskCaller", "name_task"]


class TaskCaller:
    """Runs the tasks of one run (see the module docstring)."""

    __slots__ = (
        "config",
        "held",
        "inline_sync",
        "interrupted",
        "modes",
        "observer",
        "program",
        "runtime",
        "semaphore",
        "sink",
        "stream_tasks",
        "stream_updates",
        "values",
    )

    def __init__(
        self,
        program: Program,
        config: dict[str, Any],
        runtime: Runtime[Any],
        values: dict[str, Any],
        *,
        sink: Any,
        modes: frozenset[str],
        inline_sync: bool,
        observer: Observer | None,
        semaphore: asyncio.Semaphore | None,
    ) -> None:
        self.program = program
        self.values = values
        self.sink = sink
        self.modes = modes
        self.inline_sync = inline_sync
        self.observer = observer
        self.semaphore = semaphore
        # Set by the run around a single-task step: result chunks wait there (see Run).
        self.held: list[tuple[str, Any]] | None = None
        # Nodes whose call a cancellation cut off: what a stopped run reports (controls, issue 6).
        self.interrupted: tuple[str, ...] = ()
        self.stream_tasks = sink is not None and ("tasks" in modes or "debug" in modes)
        self.stream_updates = sink is not None and "updates" in modes
        self.config = config
        self.runtime = runtime

    # -- steps ---------------------------------------------------------------------------

    def start_step(self, step: int, pull: Sequence[NodeSpec], push: Sequence[NodeSpec]) -> None:
        if self.observer is not None:
            names = tuple(n.name for n in pull) + tuple(n.name for n in push)
            self.observer.emit(ev.StepStarted(self.observer.run_id, step, now(), names))

    def finish_step(self, step: int) -> None:
        if self.observer is not None:
            self.observer.emit(ev.StepFinished(self.observer.run_id, step, now()))

    async def run_one(self, node: NodeSpec, step: int, arg: Any) -> Outcome:
        """The only task of its step: awaited directly, no asyncio task created."""
        task_id = ""
        if self.observer is not None or self.stream_tasks:
            self.start_step(step, (node,), ())
            task_id = self.announce(node, arg, None, step)
        return await self.task(node, arg, None, step, task_id)

    def announce(self, node: NodeSpec, arg: Any, send_index: int | None, step: int) -> str:
        """Name a task and stream its start; a step announces all its tasks before any runs."""
        if not self.stream_tasks and self.observer is None:
            return ""
        task_id = self.observer.new_task_id(step) if self.observer else str(uuid.uuid4())
        if self.stream_tasks:
            triggers = node.triggers if send_index is None else ("__pregel_push",)
            start = {"id": task_id, "name": node.name, "input": arg, "triggers": triggers}
            self._emit_task(step, "task", start)
        return task_id

    # -- one task ------------------------------------------------------------------------

    async def task(
        self,
        node: NodeSpec,
        arg: Any,
        send_index: int | None,
        step: int,
        task_id: str,
        gate: Gate | None = None,
    ) -> Outcome:
        """Run ``node`` on ``arg``; return its writes, goto targets and Sends.

        In a concurrent step the task reports its end and any failure to the step's
        ``gate`` itself (cheaper than a done callback per task; see ``_gate``).
        """
        try:
            if node.limiter is not None:  # per-node max_concurrency (controls, issue 6)
                outcome = await run_limited(self, node, arg, task_id, send_index, step)
            elif self.semaphore is not None:
                async with self.semaphore:
                    outcome = await self._call(node, arg, task_id, send_index, step)
            elif node.retry or self.observer is not None:
                outcome = await self._call(node, arg, task_id, send_index, step)
            else:  # nothing to retry or report: one coroutine frame less
                result = await self._attempt(node, arg, step, send_index)
                if node.branches:
                    outcome = await self.routed(node, result)
                else:
                    outcome = read_result(self.program, node, result)
            writes, gotos, sends = outcome
        except BaseException as exc:
            if gate is not None:
                gate.fail()
            if self.stream_tasks and isinstance(exc, Exception):  # out at once, never held
                failed = {"id": task_id, "name": node.name, "error": exc, "result": {}}
                self._emit_task(step, "task_result", {**failed, "interrupts": []}, now=True)
            raise
        finally:
            if gate is not None:
                gate.finish()
        if self.stream_updates:
            self._out("updates", {node.name: _update_chunk(writes)})
        if self.stream_tasks:
            payload: dict[str, Any] = {
                "id": task_id,
                "name": node.name,
                "error": None,
                "result": _result_chunk(writes),
                "interrupts": [],
            }
            self._emit_task(step, "task_result", payload)
        return writes, gotos, sends

    def _out(self, mode: str, chunk: Any) -> None:
        """Stream a task's result chunk now, or hold it for the run to emit later."""
        if self.held is not None:
            self.held.append((mode, chunk))
        else:
            self.sink(mode, chunk)

    def _emit_task(
        self, step: int, kind: str, payload: dict[str, Any], *, now: bool = False
    ) -> None:
        out = self.sink if kind == "task" or now else self._out
        if "tasks" in self.modes:
            out("tasks", payload)
        if "debug" in self.modes:
            stamp = datetime.now(UTC).isoformat()
            out("debug", {"step": step, "timestamp": stamp, "type": kind, "payload": payload})

    async def _call(
        self, node: NodeSpec, arg: Any, task_id: str, send_index: int | None, step: int
    ) -> Outcome:
        """Call the node and its routers, retrying per its policies, reporting each attempt.

        As in LangGraph, the routers run inside the task: one that raises fails the
        attempt, and a retry runs the node again.
        """
        observer = self.observer
        if not node.retry and observer is None:
            result = await self._attempt(node, arg, step, send_index)
            return (
                await self.routed(node, result)
                if node.branches
                else read_result(self.program, node, result)
            )
        span = Span(observer, task_id, node.name, step, send_index) if observer else None
        failures = 0
        rng: random.Random | None = None
        while True:
            attempt = failures + 1
            tokens = span.start(attempt) if span is not None else None
            try:
                result = await self._attempt(node, arg, step, send_index)
                if node.branches:
                    outcome = await self.routed(node, result)
                else:
                    outcome = read_result(self.program, node, result)
            except Exception as exc:
                if span is not None:
                    span.finish(attempt, tokens, "error", exc)
                policy = next((p for p in node.retry if should_retry(p, exc)), None)
                failures += 1
                if policy is None or failures >= policy.max_attempts:
                    raise
                if rng is None and policy.seed is not None:
                    rng = random.Random(policy.seed)
                await asyncio.sleep(retry_delay(policy, failures, rng))
                continue
            except BaseException as exc:
                if span is not None:
                    span.finish(attempt, tokens, "cancelled", exc)
                raise
            if span is not None:
                span.finish(attempt, tokens, "ok", None)
            return outcome

    async def routed(self, node: NodeSpec, result: Any) -> Outcome:
        """A branching node's outcome: its writes, gotos and Sends, its routers' added."""
        writes, gotos, sends = read_result(self.program, node, result)
        # A node that reads every key needs no pass-through (see branch_targets).
        raw = result if node.make_input is not dict else None
        more_gotos, more_sends = await self.branch_targets(node, writes, raw)
        return writes, [*gotos, *more_gotos], [*sends, *more_sends]

    async def _attempt(
        self, node: NodeSpec, arg: Any, step: int = 0, send_index: int | None = None
    ) -> Any:
        """One call of the node function; a nested graph's ParentCommand is its result."""
        try:
            if node.kwargs:
                kwargs = self._kwargs(node, step, send_index)
                if node.is_async:
                    return await node.call(arg, **kwargs)
                if self.inline_sync:
                    result = node.call(arg, **kwargs)
                else:
                    result = await _in_thread(node.call, arg, **kwargs)
            elif node.is_async:
                return await node.call(arg)
            elif self.inline_sync:
                result = node.call(arg)
            else:
                result = await _in_thread(node.call, arg)
            if inspect.iscoroutine(result):  # e.g. a lambda returning a coroutine
                result = await result
            return result
        except BaseException as error:
            command = self.recover(node, error)
            if command is None:
                raise
            return command

    def recover(self, node: NodeSpec, error: BaseException) -> Command | None:
        """What ``node``'s call raising ``error`` means for its task.

        A nested graph's ``Command.PARENT`` (``ParentCommand``) is the node's result:
        it is returned. Anything else fails the task: a cancellation records where a
        stopped run was (controls, issue 6), the node's own error is noted with the
        task that raised it, and None is returned for the caller to re-raise.
        """
        if isinstance(error, ParentCommand):
            command: Command = error.command
            return command
        if isinstance(error, asyncio.CancelledError):
            self.interrupted += (node.name,)
        elif isinstance(error, Exception):
            name_task(error, node.name, "")
        return None

    def _kwargs(self, node: NodeSpec, step: int, send_index: int | None) -> dict[str, Any]:
        """The services ``node`` declared as keyword parameters (see ``_context``)."""
        kwargs: dict[str, Any] = {}
        for name in node.kwargs:
            if name == "config":
                kwargs[name] = self._task_config(node, step, send_index)
            elif name == "runtime":
                kwargs[name] = self.runtime
            elif name == "writer":
                kwargs[name] = self.runtime.stream_writer
            else:  # "store": warpgraph has no store (docs/differences.md)
                kwargs[name] = None
        return kwargs

    def _task_config(self, node: NodeSpec, step: int, send_index: int | None) -> Any:
        """The run's config plus LangGraph's per-task metadata (node, step, triggers, path)."""
        config = self.config
        path: tuple[Any, ...]
        if send_index is None:
            triggers, path = node.triggers, ("__pregel_pull", node.name)
        else:
            triggers, path = ("__pregel_push",), ("__pregel_push", send_index, False)
        metadata = {
            **(config.get("metadata") or {}),
            "langgraph_step": step,
            "langgraph_node": node.name,
            "langgraph_triggers": triggers,
            "langgraph_path": path,
            "langgraph_checkpoint_ns": f"{node.name}:{uuid.uuid4()}",
        }
        return {**config, "metadata": metadata}

    async def branch_targets(
        self, node: NodeSpec, writes: Sequence[tuple[str, Any]], raw: Any = None
    ) -> tuple[list[str], list[Send]]:
        """Evaluate ``node``'s conditional edges on the state plus this task's writes.

        As in LangGraph, a router sees what its node reads: the state through the node's
        input schema (START's is the state schema), over a dict ``raw``: the node's
        output (START's is the run's input). So a router sees keys its node returned
        but does not read, and START's routers see input keys no schema keeps. A router
        whose first parameter names a schema sees the state through that one alone.
        """
        if not node.branches:
            return [], []
        view = self.values
        if writes:
            view = dict(view)
            apply_writes(self.program.channels, view, ((node.name, writes),), 0)
        state = None  # what the node reads, built for the first router that wants it
        gotos: list[str] = []
        sends: list[Send] = []
        for branch in node.branches:
            if branch.make_input is not None:  # the router names its own schema: no raw
                arg = branch.make_input(view)
            else:
                if state is None:
                    state = node.make_input(view)
                    if raw is not None and type(state) is dict and isinstance(raw, dict):
                        state = {**raw, **state}
                arg = state
            if branch.wants_config:
                result = branch.path(arg, config=self.config)
            else:
                result = branch.path(arg)
            if branch.is_async:
                result = await result
            items = list(result) if isinstance(result, (list, tuple)) else [result]
            g, s = targets(
                self.program, node.name, f"Conditional edge '{branch.name}'", items, branch
            )
            gotos += g
            sends += s
        return gotos, sends


def name_task(exc: BaseException, node: str, task_id: str) -> None:
    """Note on an exception a node raised which task raised it, as LangGraph does.

    Only the node's own errors get it; warpgraph's errors (a node timeout, an error
    of a subgraph run inside the node) already say where they come from.
    """
    if isinstance(exc, WarpgraphError):
        return
    exc.add_note(f"During task with name '{node}' and id '{task_id or uuid.uuid4()}'")


def _update_chunk(writes: Sequence[tuple[str, Any]]) -> Any:
    """A task's ``updates`` chunk, as LangGraph shapes it.

    None for no write and a dict normally; when the task wrote some key more than
    once (a list of Commands, a list of pairs), a list with one dict per write.
    """
    if not writes:
        return None
    chunk = dict(writes)
    if len(chunk) == len(writes):
        return chunk
    return [{key: value} for key, value in writes]


def _result_chunk(writes: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """A task's ``tasks``-stream result; a key written twice shows ``{"$writes": [...]}``."""
    result: dict[str, Any] = {}
    repeated: dict[str, list[Any]] = {}
    for key, value in writes:
        if key in repeated:
            repeated[key].append(value)
        elif key in result:
            repeated[key] = [result[key], value]
            result[key] = {"$writes": repeated[key]}
        else:
            result[key] = value
    return result


def _in_thread(call: Any, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
    """Run a sync node in the loop's executor, carrying the caller's context variables."""
    ctx = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    return loop.run_in_executor(None, functools.partial(ctx.run, call, *args, **kwargs))
