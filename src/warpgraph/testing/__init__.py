"""The test harness: virtual time, fakes, traces and their assertions.

Re-exports only; each concept lives in its own private module.
"""

from __future__ import annotations

from warpgraph.testing._trace import CriticalPath, Trace
from warpgraph.testing._trace_assert import TraceAssertionError
from warpgraph.testing._trace_spans import Span, Step

__all__: list[str] = [
    "CriticalPath",
    "Span",
    "Step",
    "Trace",
    "TraceAssertionError",
]
