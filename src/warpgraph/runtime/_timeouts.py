"""Timeouts: a node's attempt, one superstep, or the whole run, on the loop's clock.

A timeout is a deadline on ``loop.time()``: under the virtual-time harness it
fires at exactly its virtual instant, with no wall time spent. Three scopes:

* ``add_node(..., timeout=s)`` bounds *each attempt* of the node. At the deadline
  the attempt is cancelled (its ``finally`` blocks run) and ``NodeTimeoutError``
  is raised, naming the node and the limit; the node's retry policy then decides,
  and the default policy retries it, as LangGraph's does. The time a task waits
  for a concurrency slot does not count.
* ``step_timeout`` (``config={"step_timeout": s}``, or LangGraph's
  ``compiled.step_timeout = s``) bounds each superstep, from its start until all
  its tasks are done.
* ``run_timeout`` (``config={"run_timeout": s}``) bounds the whole run.

When a step or run deadline passes, the run is cancelled (every in-flight node
runs its ``finally`` blocks) and ``RunTimeoutError`` reports the step, the nodes
cut off and the trajectory so far.

Sync nodes cannot take a ``timeout``: a thread cannot be interrupted, so the
deadline could only abandon it while it keeps running and writing. As in
LangGraph, ``add_node`` refuses the combination and says how to make the node
async. (``step_timeout``/``run_timeout`` still fire over a step running sync nodes
in worker threads: the run stops waiting, the threads finish in the background
and their results are dropped.)

Node attempts with a deadline run in their own asyncio task, and the run- and
step-timeouts run the whole run in one: cancelling a real task is the only
reliable way to interrupt a coroutine, and it does not depend on which task
happens to be current when the deadline is armed.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from warpgraph.errors import GraphBuildError, NodeTimeoutError, RunTimeoutError
from warpgraph.runtime._calls import Observer
from warpgraph.runtime._supervise import format_trajectory, in_flight, seconds, trajectory

if TYPE_CHECKING:
    from warpgraph.runtime._engine import Run

T = TypeVar("T")

__all__ = [
    "Watch",
    "WatchedTrail",
    "node_timeout",
    "run_guarded",
    "run_timeouts",
    "timed_call",
    "wait_cancelled",
]


def node_timeout(node: str, timeout: Any, action: Any) -> float | None:
    """Validate ``add_node(..., timeout=...)``; refuse it for a sync node."""
    if timeout is None:
        return None
    try:
        limit = seconds(timeout, f"Node '{node}': timeout", "pass e.g. timeout=30, or None")
    except ValueError as error:
        raise GraphBuildError(str(error)) from None
    if not _is_async(action):
        raise GraphBuildError(
            f"Node '{node}' is sync, so timeout={timeout!r} cannot interrupt it (a thread "
            f"cannot be cancelled); make it `async def` (run blocking work with "
            f"`await asyncio.to_thread(...)` inside it) or drop the timeout"
        )
    return limit


def _is_async(action: Any) -> bool:
    if hasattr(action, "ainvoke") or inspect.iscoroutinefunction(action):
        return True  # a compiled subgraph runs as a coroutine too
    call = None if inspect.isroutine(action) else vars(type(action)).get("__call__")
    return call is not None and inspect.iscoroutinefunction(call)


def timed_call(
    node: str, call: Callable[..., Awaitable[Any]], timeout: float
) -> Callable[..., Awaitable[Any]]:
    """``call`` with each invocation bounded by ``timeout`` seconds (see the docstring)."""

    async def timed(*args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        start = loop.time()
        attempt = loop.create_task(_as_coroutine(call(*args, **kwargs)))
        try:
            done, _ = await asyncio.wait((attempt,), timeout=timeout)
        except BaseException:
            await wait_cancelled(attempt)  # we were cancelled: take the attempt down too
            raise
        if done:
            return attempt.result()
        await wait_cancelled(attempt)
        elapsed = loop.time() - start
        raise NodeTimeoutError(
            f"Node '{node}' exceeded its timeout of {timeout:g} s (elapsed {elapsed:g} s); "
            f"raise timeout= in add_node('{node}', ...) or make the node faster",
            node=node,
            timeout=timeout,
            elapsed=elapsed,
        )

    timed.__name__ = getattr(call, "__name__", node)
    return timed


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def wait_cancelled(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait until its ``finally`` blocks have run."""
    task.cancel()
    await asyncio.wait((task,))
    if not task.cancelled():
        task.exception()  # a failure while unwinding: retrieved, so asyncio does not log it


def run_timeouts(
    cfg: dict[str, Any], graph_step_timeout: Any
) -> tuple[float | None, float | None] | None:
    """The run's ``(step_timeout, run_timeout)``, or None when it has neither.

    ``config['step_timeout']`` wins over the graph's ``step_timeout`` attribute
    (LangGraph's), even when it is None; both were checked by ``check_controls``
    except the attribute, which is checked here.
    """
    if "step_timeout" in cfg:
        step = cfg["step_timeout"]
    else:
        step = seconds(
            graph_step_timeout,
            "CompiledGraph.step_timeout",
            "set e.g. graph.step_timeout = 30, or None",
        )
    whole = cfg.get("run_timeout")
    if step is None and whole is None:
        return None
    return step, whole


class Watch:
    """Cancels a run's task when its step or run deadline passes.

    The engine calls ``start_step`` as each superstep begins; the watch keeps one
    timer armed at the nearer of the run's deadline and the step's.
    """

    __slots__ = ("_handle", "_loop", "fired", "run_deadline", "step", "step_timeout", "task")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, step_timeout: float | None, run_timeout: float | None
    ) -> None:
        self._loop = loop
        self.step_timeout = step_timeout
        self.run_deadline = loop.time() + run_timeout if run_timeout is not None else None
        self.task: asyncio.Task[Any] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self.fired: str | None = None  # "step" or "run" once a deadline has passed
        self.step = 0

    def start_step(self, step: int) -> None:
        self.step = step
        if self.step_timeout is not None:
            self._arm(self._loop.time() + self.step_timeout, "step")

    def start(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        if self.run_deadline is not None:
            self._arm(self.run_deadline, "run")

    def _arm(self, deadline: float, kind: str) -> None:
        if self.run_deadline is not None and self.run_deadline <= deadline:
            deadline, kind = self.run_deadline, "run"
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._loop.call_at(deadline, self._fire, kind)

    def _fire(self, kind: str) -> None:
        self._handle = None
        if self.task is not None and not self.task.done():
            self.fired = kind
            self.task.cancel()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class WatchedTrail(list[Any]):
    """A run's trail that tells its watch when each step starts (one extend per step).

    Swapping the trail is how a watched run hooks the step loop without the loop
    checking for a watch on every step.
    """

    def __init__(self, watch: Watch) -> None:
        super().__init__()
        self.watch = watch

    def extend(self, entry: Iterable[Any]) -> None:
        """Record a step (``step, pull, pushes``) and tell the watch it started."""
        step, pull, pushes = entry
        super().extend((step, pull, pushes))
        self.watch.start_step(step)


async def run_guarded(
    run: Run, work: Coroutine[Any, Any, T], step_timeout: float | None, run_timeout: float | None
) -> T:
    """Await ``work`` (the run) in its own task, under its step and run deadlines."""
    loop = asyncio.get_running_loop()
    watch = Watch(loop, step_timeout, run_timeout)
    run.trail = WatchedTrail(watch)
    if run.caller.observer is None:
        # An observer (with no subscriber) keeps the run off the engine's plain fast path,
        # whose queued steps are not recorded: the watch must see every step start.
        run.caller.observer = Observer(())
    task = loop.create_task(work)
    watch.start(task)
    try:
        await asyncio.wait((task,))
    except BaseException:
        watch.stop()
        await wait_cancelled(task)  # cancelled from outside: the run goes down with us
        raise
    watch.stop()
    if task.cancelled() and watch.fired is not None:
        raise _timeout_error(run, watch) from None
    return task.result()


def _timeout_error(run: Run, watch: Watch) -> RunTimeoutError:
    steps = trajectory(run.trail, watch.step)
    cut = in_flight(run)
    name = run.program.name
    if watch.fired == "step":
        limit = watch.step_timeout or 0.0
        what, fix = f"step_timeout of {limit:g} s", "raise config['step_timeout']"
    else:
        limit = float(run.config["run_timeout"])
        what, fix = f"run_timeout of {limit:g} s", "raise config['run_timeout']"
    return RunTimeoutError(
        f"Graph '{name}' exceeded its {what} in step {watch.step} (nodes in flight: "
        f"{', '.join(cut) or 'none mid-call'}); trajectory so far: {format_trajectory(steps)}. "
        f"To let it finish, {fix} or make the slow nodes faster",
        kind=watch.fired or "run",
        timeout=limit,
        step=watch.step,
        in_flight=cut,
        trajectory=steps,
    )
