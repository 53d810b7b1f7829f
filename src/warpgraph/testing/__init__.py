"""The test harness: virtual time, fakes, traces and their assertions.

Re-exports only; each concept lives in its own private module.
"""

from __future__ import annotations

from warpgraph.testing._clock import Measurement, VirtualClock
from warpgraph.testing._fake_errors import (
    FakeProviderError,
    FakeRateLimitError,
    FakeServerError,
    FakeTimeoutError,
    ScriptExhaustedError,
)
from warpgraph.testing._fake_llm import FakeLLM, LLMCall
from warpgraph.testing._fake_support import Latency, RandomFailures
from warpgraph.testing._fake_tools import FakeTool, ToolCallRecord
from warpgraph.testing._fake_types import (
    Chunk,
    Message,
    Request,
    ToolCall,
    ToolCallChunk,
    count_tokens,
    tokenize,
)
from warpgraph.testing._loop import VirtualTimeLoop, current_clock
from warpgraph.testing._snapshot_store import GraphSnapshot, SnapshotMismatchError
from warpgraph.testing._trace import CriticalPath, Trace
from warpgraph.testing._trace_assert import TraceAssertionError
from warpgraph.testing._trace_spans import Span, Step
from warpgraph.testing._vt_errors import (
    VirtualTimeBudgetExceeded,
    VirtualTimeDeadlock,
    VirtualTimeLivelock,
)

__all__: list[str] = [
    "Chunk",
    "CriticalPath",
    "FakeLLM",
    "FakeProviderError",
    "FakeRateLimitError",
    "FakeServerError",
    "FakeTimeoutError",
    "FakeTool",
    "GraphSnapshot",
    "LLMCall",
    "Latency",
    "Measurement",
    "Message",
    "RandomFailures",
    "Request",
    "ScriptExhaustedError",
    "SnapshotMismatchError",
    "Span",
    "Step",
    "ToolCall",
    "ToolCallChunk",
    "ToolCallRecord",
    "Trace",
    "TraceAssertionError",
    "VirtualClock",
    "VirtualTimeBudgetExceeded",
    "VirtualTimeDeadlock",
    "VirtualTimeLivelock",
    "VirtualTimeLoop",
    "count_tokens",
    "current_clock",
    "tokenize",
]
