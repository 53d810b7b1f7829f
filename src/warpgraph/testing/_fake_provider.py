"""The provider's admission arithmetic: concurrency slots and per-minute rate windows.

A fake provider serves requests the way a hosted model API does, and because every
latency is scripted it can work out *in advance*, as pure arithmetic, when each
request will be served:

* **Capacity** (``capacity=n``): at most ``n`` requests are served at once; the
  others queue first-in, first-out and start when a slot frees.
* **Rate limits** (``rpm=``, ``tpm=``): in any sliding 60-second window the
  provider starts at most ``rpm`` requests and charges at most ``tpm`` tokens. A
  request is admitted when its prompt fits; its completion tokens are charged too,
  at its start, and so count against the requests after it (hosted APIs estimate
  the same way). Over the limit, the provider either refuses with a 429 and the
  exact ``retry_after`` (``on_limit="raise"``, like a real API) or queues the
  request until the window has room (``on_limit="queue"``).

Service start times never decrease in arrival order (the queue is FIFO), which
keeps each window a simple sorted deque. Times are integer nanoseconds. Nothing
here sleeps or locks: the fake holds its lock around ``admit``/``reserve`` and
then waits for the computed times.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

__all__ = ["Provider", "SlidingWindow"]

MINUTE = 60 * 1_000_000_000


class SlidingWindow:
    """At most ``limit`` units in any window ``(t - period, t]``; entries come in time order."""

    __slots__ = ("_entries", "_total", "limit", "period")

    def __init__(self, limit: int, period: int = MINUTE) -> None:
        self.limit = limit
        self.period = period
        self._entries: deque[tuple[int, int]] = deque()
        self._total = 0

    def earliest(self, t: int, amount: int) -> int:
        """The first time ``>= t`` at which ``amount`` more units fit in the window."""
        self._forget(t)
        if self._total + amount <= self.limit:
            return t
        total = self._total
        # The oldest entries leave the window first; wait until enough of them have left.
        for entry_time, entry_amount in self._entries:
            total -= entry_amount
            if total + amount <= self.limit:
                return entry_time + self.period
        # Unreachable when amount <= limit; callers check that first.
        raise AssertionError("amount larger than the window's limit")

    def add(self, t: int, amount: int) -> None:
        self._entries.append((t, amount))
        self._total += amount

    def used(self, t: int) -> int:
        """Units charged in the window ending at ``t`` (entries after ``t`` included)."""
        self._forget(t)
        return self._total

    def _forget(self, t: int) -> None:
        # Entries at or before t - period can never count again: time only moves forward.
        entries = self._entries
        while entries and entries[0][0] <= t - self.period:
            self._total -= entries.popleft()[1]


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The provider refuses the request; the window has room ``retry_after`` ns from now."""

    retry_after: int
    limit: str  # "rpm" or "tpm"


class Provider:
    """Decides when each request is served: ``admit`` then, if it will be served, ``reserve``."""

    __slots__ = (
        "_last_start",
        "_requests",
        "_slots",
        "_tokens",
        "capacity",
        "on_limit",
        "rpm",
        "tpm",
    )

    def __init__(
        self,
        *,
        capacity: int | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        on_limit: str = "raise",
    ) -> None:
        for option, value in (("capacity", capacity), ("rpm", rpm), ("tpm", tpm)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(
                    f"{option}={value!r}: give a whole number >= 1, or None for no limit"
                )
        if on_limit not in ("raise", "queue"):
            raise ValueError(
                f'on_limit={on_limit!r}: give "raise" (429 with retry_after, like a real API) '
                'or "queue" (wait until the rate window has room)'
            )
        self.capacity, self.rpm, self.tpm, self.on_limit = capacity, rpm, tpm, on_limit
        self._slots: list[int] = [0] * capacity if capacity else []
        self._requests = SlidingWindow(rpm) if rpm else None
        self._tokens = SlidingWindow(tpm) if tpm else None
        self._last_start = 0

    def fresh(self) -> Provider:
        """The same provider with nothing served yet (for a new time line)."""
        return Provider(capacity=self.capacity, rpm=self.rpm, tpm=self.tpm, on_limit=self.on_limit)

    def admit(self, now: int, prompt_tokens: int) -> int | RateLimited:
        """When a request arriving at ``now`` would start, or why it is refused."""
        if self._tokens is not None and prompt_tokens > self._tokens.limit:
            raise ValueError(
                f"a prompt of {prompt_tokens} tokens can never fit tpm={self._tokens.limit}; "
                "raise tpm or shorten the prompt"
            )
        start = max(now, self._last_start, self._slots[0] if self._slots else now)
        rate_start, limit = start, ""
        if self._requests is not None:
            at = self._requests.earliest(start, 1)
            rate_start, limit = (at, "rpm") if at > rate_start else (rate_start, limit)
        if self._tokens is not None:
            at = self._tokens.earliest(start, prompt_tokens)
            rate_start, limit = (at, "tpm") if at > rate_start else (rate_start, limit)
        if rate_start > start and self.on_limit == "raise":
            # A real API refuses at once, telling the client when the window has room.
            return RateLimited(rate_start - now, limit)
        return rate_start

    def reserve(self, start: int, end: int, tokens: int) -> None:
        """Serve the admitted request from ``start`` to ``end``, charging it ``tokens``."""
        if self._slots:
            heapq.heapreplace(self._slots, end)
        if self._requests is not None:
            self._requests.add(start, 1)
        if self._tokens is not None:
            self._tokens.add(start, tokens)
        self._last_start = start
