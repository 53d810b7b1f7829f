"""Retrying a failed node: which errors retry, and how long to wait between attempts.

A ``RetryPolicy`` has LangGraph's fields and defaults. After a failed attempt the
policy is asked whether this error is worth retrying (``retry_on``); if so and
attempts remain, the task sleeps ``initial_interval * backoff_factor ** (n - 1)``
seconds (capped at ``max_interval``), plus a uniform ``[0, 1)`` jitter when
``jitter`` is on, and runs the node again. The wait is an ``asyncio.sleep``, so
under the virtual clock a retry takes exactly its interval and no wall time.
``seed`` makes the jitter reproducible; it is warpgraph's addition.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import NamedTuple

from warpgraph.errors import NodeTimeoutError

__all__ = ["RetryPolicy", "default_retry_on", "retry_delay", "should_retry"]


def default_retry_on(exc: Exception) -> bool:
    """LangGraph's default: retry transient failures, not programming errors.

    Connection errors and HTTP 5xx responses retry; the built-in errors that mean
    "this code or input is wrong" (ValueError, TypeError, LookupError, ...) do not;
    anything else retries. HTTP errors are recognised by duck typing so the
    runtime core needs neither httpx nor requests.
    """
    if isinstance(exc, (ConnectionError, NodeTimeoutError)):
        # A node timeout is transient by definition (LangGraph's NodeTimeoutError is not an
        # OSError so that its default policy retries it; warpgraph's is, hence the test here).
        return True
    status = _http_status(exc)
    if status is not None:
        return 500 <= status < 600
    if isinstance(exc, _NOT_TRANSIENT):
        return False
    return True


_NOT_TRANSIENT = (
    ValueError,
    TypeError,
    ArithmeticError,
    ImportError,
    LookupError,
    NameError,
    SyntaxError,
    RuntimeError,
    ReferenceError,
    StopIteration,
    StopAsyncIteration,
    OSError,
)


def _http_status(exc: Exception) -> int | None:
    # httpx.HTTPStatusError and requests.HTTPError both carry `.response.status_code`.
    module = type(exc).__module__.split(".", 1)[0]
    if module not in ("httpx", "requests"):
        return None
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


RetryOn = type[Exception] | Sequence[type[Exception]] | Callable[[Exception], bool]


class RetryPolicy(NamedTuple):
    """How often and how patiently to retry a node (LangGraph's fields and defaults)."""

    initial_interval: float = 0.5
    backoff_factor: float = 2.0
    max_interval: float = 128.0
    max_attempts: int = 3
    jitter: bool = True
    retry_on: RetryOn = default_retry_on
    seed: int | None = None


def should_retry(policy: RetryPolicy, exc: Exception) -> bool:
    """Whether ``policy`` covers ``exc``."""
    retry_on = policy.retry_on
    if isinstance(retry_on, type):
        return isinstance(exc, retry_on)
    if isinstance(retry_on, Sequence):
        return isinstance(exc, tuple(retry_on))
    return bool(retry_on(exc))


def retry_delay(policy: RetryPolicy, failures: int, rng: random.Random | None) -> float:
    """Seconds to wait after the ``failures``-th failed attempt (1 for the first)."""
    interval = min(
        policy.max_interval, policy.initial_interval * policy.backoff_factor ** (failures - 1)
    )
    if policy.jitter:
        interval += (rng or random).uniform(0, 1)
    return interval
