"""Concurrency limits: how many calls may be in flight at once, and who waits.

A *limit* is a number of slots. A caller takes a slot before it starts and gives
it back when it ends; when every slot is taken the next caller queues, first come
first served, until one frees up. warpgraph has three limits, from narrow to wide:

* ``config={"max_concurrency": n}`` -- the tasks of *one run* (LangGraph's key, read
  at the top level of the config, never inside ``configurable``);
* ``add_node(..., max_concurrency=n)`` -- the calls of *one node* across every run
  of the compiled graph: a capacity of what the node talks to;
* a shared ``Limiter`` -- anything holding the same object, across nodes, graphs
  and runs: ``add_node(..., max_concurrency=limiter)``, or ``async with limiter:``
  around a call inside a node (all calls to one LLM provider during an ``abatch``).

A task takes its run slot first and its node slot second, always in that order,
so two limits can never wait on each other. It holds both across its retries
(as LangGraph's run limit does) and releases them when it finishes, fails or is
cancelled. A task that waits for a slot has not started: traces show it starting
when it gets the slot.

A ``Limiter`` is not reentrant (a node holding the last slot that asks for
another one waits forever; under virtual time that is a deadlock error, not a
hang) and it belongs to one event loop at a time.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from warpgraph.errors import GraphBuildError

if TYPE_CHECKING:
    from warpgraph.runtime._calls import TaskCaller
    from warpgraph.runtime._program import NodeSpec

__all__ = ["Limiter", "node_limiter", "run_limited"]

P = ParamSpec("P")
T = TypeVar("T")


class Limiter:
    """At most ``limit`` holders at once; the others wait in arrival order.

    ``in_flight`` is how many hold a slot now, ``waiting`` how many queue for one,
    ``peak`` the highest ``in_flight`` seen (handy in tests). Use it as
    ``async with limiter:``, or ``@limiter.wrap`` on an async function.
    """

    __slots__ = ("_waiters", "in_flight", "limit", "name", "peak")

    def __init__(self, limit: int, *, name: str = "limiter") -> None:
        if type(limit) is not int or limit < 1:
            raise ValueError(f"Limiter({limit!r}): the limit must be a positive int")
        self.limit = limit
        self.name = name
        self.in_flight = 0
        self.peak = 0
        # Futures of queued callers; a released slot passes straight to the first.
        self._waiters: deque[asyncio.Future[None]] = deque()

    def __repr__(self) -> str:
        return (
            f"<Limiter {self.name!r} limit={self.limit} in_flight={self.in_flight} "
            f"waiting={self.waiting}>"
        )

    @property
    def waiting(self) -> int:
        """How many callers queue for a slot."""
        return sum(1 for w in self._waiters if not w.done())

    async def acquire(self) -> None:
        """Take a slot, waiting in line when none is free."""
        if self.in_flight < self.limit and not self._waiters:
            self._take()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            # `release` hands the slot over without freeing it: `in_flight` already
            # counts us when we wake up.
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed to us just as we were cancelled: pass it on.
                self.release()
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give a slot back; the longest-waiting caller gets it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                # The slot changes hands without ever being free, so no newcomer
                # can overtake the queue.
                waiter.set_result(None)
                return
        if self.in_flight <= 0:
            raise RuntimeError(f"{self!r}: release() without a matching acquire()")
        self.in_flight -= 1

    def _take(self) -> None:
        self.in_flight += 1
        if self.in_flight > self.peak:
            self.peak = self.in_flight

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def wrap(self, fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """``fn`` holding a slot of this limiter for the duration of each call."""

        @functools.wraps(fn)
        async def limited(*args: P.args, **kwargs: P.kwargs) -> T:
            async with self:
                return await fn(*args, **kwargs)

        return limited


def node_limiter(node: str, max_concurrency: int | Limiter | None) -> Limiter | None:
    """The limiter behind ``add_node(..., max_concurrency=...)``; None when unlimited."""
    if max_concurrency is None or isinstance(max_concurrency, Limiter):
        return max_concurrency
    if type(max_concurrency) is not int or max_concurrency < 1:
        raise GraphBuildError(
            f"Node '{node}': max_concurrency must be a positive int or a Limiter, got "
            f"{max_concurrency!r}; pass e.g. max_concurrency=4, or None for no limit"
        )
    return Limiter(max_concurrency, name=node)


async def run_limited(
    caller: TaskCaller,
    node: NodeSpec,
    arg: Any,
    task_id: str,
    send_index: int | None,
    step: int,
) -> Any:
    """Call a task of a node that has a limiter: run slot first, then node slot."""
    limiter = node.limiter
    assert limiter is not None
    semaphore = caller.semaphore
    if semaphore is None:
        async with limiter:
            return await caller._call(node, arg, task_id, send_index, step)
    async with semaphore, limiter:
        return await caller._call(node, arg, task_id, send_index, step)
