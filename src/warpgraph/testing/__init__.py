"""The test harness: virtual time, fakes, traces and their assertions.

Re-exports only; each concept lives in its own private module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from warpgraph.testing._vt_chrono import Chronometer
from warpgraph.testing._vt_errors import (
    VirtualTimeBudgetExceeded,
    VirtualTimeDeadlock,
    VirtualTimeLivelock,
)
from warpgraph.testing._vt_session import VirtualTimeSession

__all__: list[str] = [
    "Chronometer",
    "Chunk",
    "CriticalPath",
    "FakeChatModel",
    "FakeLLM",
    "FakeOpenAI",
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
    "VirtualTimeSession",
    "count_tokens",
    "current_clock",
    "fake_embedding",
    "tokenize",
]

if TYPE_CHECKING:
    from warpgraph.testing._fake_langchain import FakeChatModel
    from warpgraph.testing._fake_openai import FakeOpenAI, fake_embedding

# Loaded on first use: FakeOpenAI needs httpx and respx, FakeChatModel needs langchain-core,
# and warpgraph.testing must import without either.
_LAZY = {
    "FakeChatModel": "warpgraph.testing._fake_langchain",
    "FakeOpenAI": "warpgraph.testing._fake_openai",
    "fake_embedding": "warpgraph.testing._fake_openai",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'warpgraph.testing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
