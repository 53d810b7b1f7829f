"""The errors the fakes raise, on purpose, so tests and retry policies can match them.

A fake provider fails the way a real one does: it refuses a request with *rate
limited, retry after N seconds*, it times out, or it answers with a server error.
Each failure has its own type under one base, ``FakeProviderError``, so a retry
policy can name exactly what it retries (``retry_on=FakeProviderError`` for all of
them, ``retry_on=FakeRateLimitError`` for 429s only)::

    HarnessError
    ├── ScriptExhaustedError        a fake was called more often than its script allows
    └── FakeProviderError           a failure a fake provider injected (``status_code``)
        ├── FakeRateLimitError      429, with ``retry_after`` seconds
        ├── FakeTimeoutError        the request hung for ``after`` seconds, then timed out
        └── FakeServerError         5xx

None of them is a ``TimeoutError``/``OSError``: LangGraph's default retry predicate
refuses to retry ``OSError`` (of which ``TimeoutError`` is one), while real provider
clients raise their own non-``OSError`` types for all three, which it does retry.

``after`` is how long the failing request takes, in (virtual) seconds, before the
error reaches the caller; ``None`` means "the call's own first-token latency"
(a 429 defaults to ``0``: providers refuse at the door). The errors copy cleanly
(``copy.copy``), because a failure schedule raises a fresh copy on every call.
"""

from __future__ import annotations

from warpgraph.errors import HarnessError

__all__ = [
    "FakeProviderError",
    "FakeRateLimitError",
    "FakeServerError",
    "FakeTimeoutError",
    "ScriptExhaustedError",
]


class ScriptExhaustedError(HarnessError):
    """A fake was called more often than its script has responses (it never wraps around)."""


class FakeProviderError(HarnessError):
    """A failure injected by a fake provider; ``status_code`` is its HTTP status."""

    status_code: int = 500
    _default_after: float | None = None

    def __init__(
        self, message: str | None = None, *, after: float | None = None, status_code: int = 0
    ) -> None:
        if after is not None and after < 0:
            raise ValueError(f"{type(self).__name__}(after={after!r}): after must be >= 0 seconds")
        self.after = self._default_after if after is None else after
        if status_code:
            self.status_code = status_code
        super().__init__(message or self._default_message())

    def _default_message(self) -> str:
        return "fake provider failure"


class FakeRateLimitError(FakeProviderError):
    """HTTP 429: the provider refused the request; retry after ``retry_after`` seconds.

    ``retry_after`` is ``None`` when the provider gives no hint (no ``retry-after`` header).
    """

    status_code = 429
    _default_after = 0.0

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        after: float | None = None,
        status_code: int = 0,
    ) -> None:
        if retry_after is not None and retry_after < 0:
            raise ValueError(
                f"FakeRateLimitError(retry_after={retry_after!r}): retry_after must be >= 0 seconds"
            )
        self.retry_after = retry_after
        super().__init__(message, after=after, status_code=status_code)

    def _default_message(self) -> str:
        if self.retry_after is None:
            return "rate limited (429)"
        return f"rate limited (429), retry after {self.retry_after:g} s"


class FakeTimeoutError(FakeProviderError):
    """The request hung for ``after`` seconds and then timed out (408-like)."""

    status_code = 408

    def _default_message(self) -> str:
        return "request timed out"


class FakeServerError(FakeProviderError):
    """HTTP 5xx from the provider (``status_code``, 500 unless given)."""

    status_code = 500

    def _default_message(self) -> str:
        return f"server error ({self.status_code})"
