"""Speculative execution: start several candidates, keep the first success.

Latency of a model call has a long tail. Two ways to cut it:

* ``race`` starts every candidate at once (two providers, two prompts) and
  returns the first that *succeeds*; a candidate that fails is set aside while
  the others go on, and only when all have failed does the race fail (with an
  ``ExceptionGroup`` of every failure).
* ``hedge(call, after=s)`` starts ``call`` and, only if it has not finished ``s``
  seconds later, a backup; the first success wins. (If the primary *fails*
  before then, the backup starts at once.) Most calls cost one request; only
  the slow tail pays for two.

The losers are cancelled, and the race returns only after their ``finally``
blocks ran, so nothing is left running. The result says which candidate won
(``RaceResult.winner``), when, and which were cancelled or failed. As a node,
``race_node({"fast": a, "smart": b}, record="winner")`` races node functions on
the same state and returns the winner's update (plus its name under
``record``, when given).

Under virtual time a race is exact: candidates of 1 s and 3 s return at 1.0.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from warpgraph.runtime._timeouts import wait_cancelled

__all__ = ["RaceResult", "hedge", "race", "race_node"]

T = TypeVar("T")
Candidate = Callable[[], Awaitable[T]] | Awaitable[T]


@dataclass(frozen=True, slots=True)
class RaceResult(Generic[T]):
    """The winning candidate's value, and what happened to the others."""

    value: T
    winner: str  # the winner's name (its key, or its index as a string)
    elapsed: float  # loop seconds from the start of the race to the win
    cancelled: tuple[str, ...]  # candidates still running when the winner finished
    failed: tuple[str, ...]  # candidates that failed before the win
    not_started: tuple[str, ...] = ()  # hedge backups never needed


async def race(candidates: Mapping[str, Candidate[T]] | Sequence[Candidate[T]]) -> RaceResult[T]:
    """Run every candidate at once; return the first success (see the module docstring).

    A candidate is a zero-argument async callable (``lambda: llm.ainvoke(p)``) or an
    awaitable. Pass a mapping to name them; a sequence names them "0", "1", ...
    """
    entries = _entries(candidates)
    if not entries:
        raise ValueError("race() needs at least one candidate")
    return await _contest(entries, [0.0] * len(entries))


async def hedge(
    call: Callable[[], Awaitable[T]],
    *,
    after: float,
    backup: Callable[[], Awaitable[T]] | None = None,
) -> RaceResult[T]:
    """Start ``call``; if it has not succeeded ``after`` seconds later, race a backup too.

    The backup is ``backup()``, or ``call()`` again. The winner is named
    ``"primary"`` or ``"backup"``.
    """
    if isinstance(after, bool) or not isinstance(after, (int, float)) or not after >= 0:
        raise ValueError(f"hedge(after={after!r}): after must be a number of seconds >= 0")
    if not callable(call):
        raise TypeError(f"hedge() takes a zero-argument async callable, got {call!r}")
    entries = [("primary", call), ("backup", backup or call)]
    return await _contest(entries, [0.0, float(after)])


def race_node(
    candidates: Mapping[str, Callable[..., Awaitable[Any]]], *, record: str | None = None
) -> Callable[[Any], Awaitable[Any]]:
    """A node that races async node functions on its state and returns the winner's update.

    With ``record="key"`` the update also writes the winner's name to that state key.
    """
    if not candidates:
        raise ValueError("race_node() needs at least one candidate node function")
    for name, fn in candidates.items():
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(
                f"race_node(): candidate '{name}' must be an async function (a sync one "
                f"cannot be cancelled when it loses); make it `async def`"
            )

    async def raced(state: Any) -> Any:
        result = await race({name: functools.partial(fn, state) for name, fn in candidates.items()})
        if record is None:
            return result.value
        return {**(result.value or {}), record: result.winner}

    raced.__name__ = "race"
    return raced


def _entries(
    candidates: Mapping[str, Candidate[T]] | Sequence[Candidate[T]],
) -> list[tuple[str, Callable[[], Awaitable[T]]]]:
    named = (
        list(candidates.items())
        if isinstance(candidates, Mapping)
        else [(str(i), c) for i, c in enumerate(candidates)]
    )
    entries: list[tuple[str, Callable[[], Awaitable[T]]]] = []
    for name, candidate in named:
        if inspect.isawaitable(candidate):
            entries.append((name, functools.partial(_given, candidate)))
        elif callable(candidate):
            entries.append((name, candidate))
        else:
            raise TypeError(
                f"race(): candidate '{name}' is {candidate!r}; pass an awaitable or a "
                f"zero-argument async callable, e.g. lambda: llm.ainvoke(prompt)"
            )
    return entries


async def _given(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _contest(
    entries: list[tuple[str, Callable[[], Awaitable[T]]]], starts: list[float]
) -> RaceResult[T]:
    """Start each entry at its offset (or at once when nothing else runs); first success wins."""
    loop = asyncio.get_running_loop()
    begin = loop.time()
    running: dict[asyncio.Task[T], str] = {}
    failures: dict[str, BaseException] = {}
    started = 0
    try:
        while True:
            now = loop.time() - begin
            # Start every entry whose time has come; when nothing runs, the next at once.
            while started < len(entries) and (starts[started] <= now or not running):
                name, make = entries[started]
                running[loop.create_task(_call(make))] = name
                started += 1
            if not running:
                # An ExceptionGroup unless a candidate was cancelled from elsewhere.
                raise BaseExceptionGroup(
                    f"every candidate failed: {', '.join(failures)}", list(failures.values())
                )
            wait = starts[started] - now if started < len(entries) else None
            done, _ = await asyncio.wait(running, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            # Simultaneous finishers: the earliest-started success wins.
            order = list(running)
            for task in sorted(done, key=order.index):
                name = running.pop(task)
                error = None if task.cancelled() else task.exception()
                if task.cancelled() or error is not None:
                    failures[name] = error or asyncio.CancelledError(name)
                    continue
                return RaceResult(
                    value=task.result(),
                    winner=name,
                    elapsed=loop.time() - begin,
                    cancelled=tuple(running.values()),
                    failed=tuple(failures),
                    not_started=tuple(name for name, _ in entries[started:]),
                )
    finally:
        for task in running:
            task.cancel()
        for task in list(running):
            await wait_cancelled(task)


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
