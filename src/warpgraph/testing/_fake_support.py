"""What every fake shares: latency models, failure schedules, clocks, and call spans.

*Latency* is how long a fake takes, in seconds of loop time (virtual under the
harness). A model answer takes ``first_token`` seconds to its first token and
``per_token`` seconds for each further token; a tool takes ``first_token``. The
first-token latency may be fixed, one value per call, or drawn from a seeded
distribution, so a flaky-latency test still replays exactly.

*Failures* are injected by schedule (``{3: FakeServerError()}``: the third call
fails) or by seeded probability (``RandomFailures(0.1, FakeServerError(), seed=1)``).
Each failing call raises a fresh copy of the given error.

All arithmetic on time is in integer nanoseconds, so scripted latencies add up
exactly (``0.5 + 9 * 0.1`` is ``1.4``, not ``1.4000000000000001``).
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias

from warpgraph.runtime import (
    CallFinished,
    CallStarted,
    Subscriber,
    TaskContext,
    active_subscribers,
    current_task,
    emit,
)
from warpgraph.testing._fake_errors import ScriptExhaustedError

if TYPE_CHECKING:
    from warpgraph.testing._clock import VirtualClock

__all__ = ["Latency", "RandomFailures"]

NS = 1_000_000_000


def to_ns(seconds: float) -> int:
    return round(seconds * NS)


def to_seconds(ns: int) -> float:
    return ns / NS


# ---- latency ---------------------------------------------------------------------------


class Latency:
    """How long each call takes: ``first_token`` seconds, then ``per_token`` per further token.

    ``Latency(1.0)`` answers in one second however long the answer is; ``Latency(0.5,
    per_token=0.1)`` streams ten tokens at 0.5, 0.6, ... 1.4. The constructors below
    vary the first-token latency per call; ``per_token`` stays fixed.
    """

    __slots__ = ("_draw", "_per_call", "first_token", "per_token")

    def __init__(self, first_token: float = 0.0, per_token: float = 0.0) -> None:
        _check_seconds("first_token", first_token)
        _check_seconds("per_token", per_token)
        self.first_token = first_token
        self.per_token = per_token
        self._per_call: tuple[float, ...] | None = None
        self._draw: Callable[[], float] | None = None

    @classmethod
    def per_call(cls, first_tokens: Sequence[float], *, per_token: float = 0.0) -> Latency:
        """Call ``n`` takes ``first_tokens[n - 1]``; a call past the end raises, never wraps."""
        for value in first_tokens:
            _check_seconds("per_call latency", value)
        latency = cls(0.0, per_token)
        latency._per_call = tuple(first_tokens)
        return latency

    @classmethod
    def uniform(cls, low: float, high: float, *, per_token: float = 0.0, seed: int = 0) -> Latency:
        """First-token latency drawn uniformly from ``[low, high]`` (seeded)."""
        _check_seconds("low", low)
        if high < low:
            raise ValueError(f"Latency.uniform(low={low}, high={high}): high must be >= low")
        rng = random.Random(seed)
        return cls._drawn(lambda: rng.uniform(low, high), per_token)

    @classmethod
    def normal(
        cls, mean: float, stddev: float, *, per_token: float = 0.0, seed: int = 0
    ) -> Latency:
        """First-token latency drawn from a normal distribution, clipped at 0 (seeded)."""
        rng = random.Random(seed)
        return cls._drawn(lambda: max(0.0, rng.gauss(mean, stddev)), per_token)

    @classmethod
    def exponential(cls, mean: float, *, per_token: float = 0.0, seed: int = 0) -> Latency:
        """First-token latency drawn from an exponential distribution with ``mean`` (seeded)."""
        if mean <= 0:
            raise ValueError(f"Latency.exponential(mean={mean}): mean must be > 0 seconds")
        rng = random.Random(seed)
        return cls._drawn(lambda: rng.expovariate(1.0 / mean), per_token)

    @classmethod
    def _drawn(cls, draw: Callable[[], float], per_token: float) -> Latency:
        latency = cls(0.0, per_token)
        latency._draw = draw
        return latency

    def for_call(self, number: int, owner: str) -> tuple[int, int]:
        """(first-token, per-token) latency of call ``number``, in nanoseconds."""
        first = self.first_token
        if self._per_call is not None:
            if number > len(self._per_call):
                raise ScriptExhaustedError(
                    f"{owner}: Latency.per_call has {len(self._per_call)} values, "
                    f"but this is call #{number}; add a value per call, or use a fixed latency"
                )
            first = self._per_call[number - 1]
        elif self._draw is not None:
            first = self._draw()
        return to_ns(first), to_ns(self.per_token)

    def __repr__(self) -> str:
        if self._per_call is not None:
            return f"Latency.per_call({list(self._per_call)!r}, per_token={self.per_token})"
        kind = "drawn" if self._draw is not None else repr(self.first_token)
        return f"Latency({kind}, per_token={self.per_token})"


def _check_seconds(option: str, value: float) -> None:
    if not isinstance(value, int | float) or value < 0:
        raise ValueError(f"latency {option}={value!r}: give a number of seconds >= 0")


LatencyLike: TypeAlias = float | Sequence[float] | Latency


def as_latency(latency: LatencyLike) -> Latency:
    """Read ``latency=``: seconds, a per-call list of seconds, or a ``Latency``."""
    if isinstance(latency, Latency):
        return latency
    if isinstance(latency, int | float):
        return Latency(float(latency))
    if isinstance(latency, Sequence) and not isinstance(latency, str):
        return Latency.per_call(latency)
    raise TypeError(
        f"latency={latency!r}: give seconds (1.0), a list of seconds per call, or a Latency(...)"
    )


# ---- failures --------------------------------------------------------------------------


class RandomFailures:
    """Each call fails with probability ``rate``, raising one of ``errors`` (seeded)."""

    def __init__(
        self, rate: float, errors: BaseException | Sequence[BaseException], *, seed: int = 0
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"RandomFailures(rate={rate!r}): rate must be between 0 and 1")
        self.rate = rate
        self.errors = (errors,) if isinstance(errors, BaseException) else tuple(errors)
        if not self.errors:
            raise ValueError("RandomFailures(errors=[]): give at least one error to raise")
        self._rng = random.Random(seed)

    def for_call(self, number: int) -> BaseException | None:
        # Draw for every call, failing or not, so call n's fate depends only on the seed.
        roll = self._rng.random()
        pick = self._rng.randrange(len(self.errors))
        return self.errors[pick] if roll < self.rate else None


Failures: TypeAlias = Mapping[int, BaseException] | RandomFailures | None


def check_failures(failures: Failures) -> Failures:
    if failures is None or isinstance(failures, RandomFailures):
        return failures
    if isinstance(failures, Mapping):
        for number, error in failures.items():
            if not isinstance(number, int) or number < 1 or not isinstance(error, BaseException):
                raise TypeError(
                    f"failures={{{number!r}: {error!r}}}: map call numbers (1 = first call) "
                    "to exception instances, e.g. {2: FakeServerError()}"
                )
        return failures
    raise TypeError(
        f"failures={failures!r}: give a dict of call number -> error, or RandomFailures(...)"
    )


def failure_for(failures: Failures, number: int) -> BaseException | None:
    """A fresh copy of the error call ``number`` must raise, or None."""
    if failures is None:
        return None
    error = (
        failures.for_call(number) if isinstance(failures, RandomFailures) else failures.get(number)
    )
    return copy.copy(error) if error is not None else None


# ---- clocks ----------------------------------------------------------------------------


def _clock() -> VirtualClock | None:
    global _current_clock
    if _current_clock is None:
        # Imported late: the virtual loop's module imports the package that imports us.
        from warpgraph.testing._loop import current_clock

        _current_clock = current_clock
    return _current_clock()


_current_clock: Callable[[], VirtualClock | None] | None = None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def time_line() -> tuple[int, object | None]:
    """The fakes' time now, in nanoseconds, and the source it was read from.

    Under a virtual clock this is the clock's exact ``ticks`` (so record times equal
    ``vclock.now()``), read the same way from the loop's thread and from its worker
    threads; on any other loop it is the loop's ``time()``; outside a loop, monotonic
    (source None). Times from different sources are not comparable.
    """
    clock = _clock()
    if clock is not None:
        return clock.ticks, clock
    loop = _running_loop()
    if loop is not None:
        return to_ns(loop.time()), loop
    return to_ns(time.monotonic()), None


def now_ns() -> int:
    return time_line()[0]


def loop_time() -> float:
    """The loop's ``time()``, which run events are stamped with, from any thread."""
    loop = _running_loop()
    if loop is not None:
        return loop.time()
    clock = _clock()
    if clock is not None and clock.loop is not None:
        return clock.loop.time()
    return time.monotonic()


async def sleep_until(deadline: int) -> None:
    """Wait on the loop until ``deadline`` on the ``now_ns`` time line."""
    delay = deadline - now_ns()
    if delay > 0:
        await asyncio.sleep(to_seconds(delay))


def block_until(deadline: int) -> None:
    """Block the calling thread until ``deadline``, as a real sync client would.

    In a worker thread of a virtual loop, the thread parks on the clock (the loop keeps
    running and the clock may jump). On the virtual loop's own thread -- a sync node
    run inline, as the sync ``invoke`` API does -- the call blocks the whole loop, as a
    real blocking call would: nothing else can run meanwhile, so the clock just moves
    on by the wait. Without a virtual clock it sleeps for real.
    """
    delay = to_seconds(deadline - now_ns())
    if delay <= 0:
        return
    clock = _clock()
    if clock is None:
        time.sleep(delay)
    elif clock.loop is not None and clock.loop is _running_loop():
        clock.advance(delay)
    else:
        clock.sleep(delay)


# ---- call spans ------------------------------------------------------------------------


class CallSpan:
    """Reports one fake call to the run's subscribers; ``open`` gives None when nobody listens."""

    __slots__ = ("call_id", "kind", "name", "subscribers", "task")

    def __init__(
        self,
        subscribers: tuple[Subscriber, ...],
        kind: Literal["llm", "tool"],
        name: str,
        call_id: str,
        task: TaskContext | None,
    ) -> None:
        self.subscribers = subscribers
        self.kind: Literal["llm", "tool"] = kind
        self.name = name
        self.call_id = call_id
        self.task = task

    @classmethod
    def open(
        cls, kind: Literal["llm", "tool"], name: str, number: int, input: object
    ) -> CallSpan | None:
        subscribers = active_subscribers()
        if not subscribers:
            return None
        task = current_task()
        span = cls(subscribers, kind, name, f"{kind}:{name}#{number}", task)
        emit(
            subscribers,
            CallStarted(
                span.call_id,
                kind,
                name,
                task.run_id if task else None,
                task.task_id if task else None,
                loop_time(),
                input=input,
            ),
        )
        return span

    def close(
        self,
        status: Literal["ok", "error", "cancelled"],
        error: BaseException | None,
        output: object,
    ) -> None:
        task = self.task
        emit(
            self.subscribers,
            CallFinished(
                self.call_id,
                self.kind,
                self.name,
                task.run_id if task else None,
                task.task_id if task else None,
                loop_time(),
                status,
                error,
                output=output,
            ),
        )
