"""``FakeOpenAI``: an OpenAI-compatible HTTP endpoint served by a ``FakeLLM``, in virtual time.

Code that talks HTTP to a model (the official ``openai`` SDK and clients built on
it, a hand-written ``httpx`` client) can be tested unchanged: the
endpoint answers at the HTTP layer, so the client's own request building, response
parsing, streaming and retries all run for real, while the model behind it is a
``FakeLLM`` whose latency, limits and failures happen on the loop's clock.

It serves, under ``base_url`` (default ``https://fake-openai.test/v1``):

* ``POST /chat/completions``: plain JSON or, with ``"stream": true``, server-sent
  events ending in ``data: [DONE]`` (text deltas, tool-call deltas, and a usage chunk
  when ``stream_options.include_usage`` is set). Each SSE event leaves the server at
  its token's virtual time.
* ``POST /embeddings``: deterministic unit vectors (``fake_embedding``), as floats or
  base64 (the SDK's default).
* Failures as a real API sends them: ``FakeRateLimitError`` becomes a 429 with
  ``retry-after``/``retry-after-ms``; other ``FakeProviderError``s their status (5xx);
  ``FakeTimeoutError`` raises the client library's ``ReadTimeout`` after its delay. A
  harness error (script used up, a misnamed tool) becomes a 500 with
  ``x-should-retry: false``, so the SDK reports it at once instead of retrying it.

Two ways in: ``with FakeOpenAI(llm) as api:`` routes every ``httpx`` client through
``api.router`` (respx); ``api.transport(httpx2)`` gives a ``MockTransport`` for any
httpx-compatible module, such as ``httpx2``, which openai 3.x uses.
"""

from __future__ import annotations

import array
import asyncio
import base64
import hashlib
import json
import math
import time
from collections.abc import AsyncIterator, Coroutine
from types import ModuleType, TracebackType
from typing import Any

import httpx
import respx

from warpgraph.testing._fake_errors import (
    FakeProviderError,
    FakeRateLimitError,
    FakeTimeoutError,
)
from warpgraph.testing._fake_llm import FakeLLM, _Call
from warpgraph.testing._fake_support import to_ns
from warpgraph.testing._fake_types import Chunk, Message, count_tokens

__all__ = ["FakeOpenAI", "fake_embedding"]


def fake_embedding(text: str, dimensions: int = 8) -> list[float]:
    """A deterministic unit vector for ``text`` (equal texts, equal vectors), as float32 values."""
    raw = []
    for i in range(dimensions):
        digest = hashlib.sha256(f"{i}:{text}".encode()).digest()
        raw.append(int.from_bytes(digest[:8], "big") / 2**63 - 1.0)
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    # Round through float32 so the float and base64 encodings give the same numbers.
    return array.array("f", [x / norm for x in raw]).tolist()


class FakeOpenAI:
    """An OpenAI-compatible endpoint whose chat model is ``llm`` (see the module docstring).

    ``llm`` may be replaced at any time (``api.llm = FakeLLM([...])``). Embedding
    requests are answered after ``embedding_latency`` seconds and recorded in
    ``embedding_calls``; they do not use ``llm``'s script.
    """

    def __init__(
        self,
        llm: FakeLLM | None = None,
        *,
        base_url: str = "https://fake-openai.test/v1",
        model: str = "fake-model",
        embedding_dimensions: int = 8,
        embedding_latency: float = 0.0,
    ) -> None:
        self.llm = llm if llm is not None else FakeLLM(name="fake-openai")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.embedding_dimensions = embedding_dimensions
        self.embedding_latency = embedding_latency
        self.embedding_calls: list[list[str]] = []
        self.router = respx.MockRouter(assert_all_called=False, base_url=self.base_url)
        self.router.route(name="openai").mock(side_effect=self._respx_side_effect)

    def __enter__(self) -> FakeOpenAI:
        self.router.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.router.stop()

    def transport(self, module: ModuleType = httpx) -> Any:
        """A ``module.MockTransport`` serving this endpoint, e.g. ``api.transport(httpx2)``."""

        async def handler(request: Any) -> Any:
            return await self.serve(request, module)

        return module.MockTransport(handler)

    def _respx_side_effect(self, request: httpx.Request) -> Coroutine[Any, Any, httpx.Response]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # respx calls side effects synchronously for sync clients; this endpoint waits
            # on the event loop, which a sync client in a plain thread does not have.
            raise TypeError(
                "FakeOpenAI serves async clients (httpx.AsyncClient, openai.AsyncOpenAI); "
                f"a sync client sent {request.method} {request.url}. Use the async client, "
                "or call the FakeLLM's invoke() directly from sync code"
            ) from None
        return self.serve(request, httpx)

    async def serve(self, request: Any, module: ModuleType = httpx) -> Any:
        """Answer one request (an ``httpx``-style request) with a ``module.Response``."""
        path = request.url.path
        if request.method == "POST" and path.endswith("/chat/completions"):
            return await self._chat(request, module)
        if request.method == "POST" and path.endswith("/embeddings"):
            return await self._embeddings(request, module)
        return _error(
            module,
            404,
            f"the fake OpenAI endpoint serves POST {self.base_url}/chat/completions and "
            f"POST {self.base_url}/embeddings, not {request.method} {request.url}",
            "not_found",
        )

    async def _chat(self, request: Any, module: ModuleType) -> Any:
        body = _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _error(module, 400, 'the request body needs "messages": [...]', "invalid")
        model = str(body.get("model") or self.model)
        call = self.llm._begin(body["messages"], body.get("tools"))
        if call.error is not None:
            return await self._failure(call, request, module)
        if not body.get("stream"):
            message = await call.result()
            return module.Response(200, json=self._completion(call, message, model))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return module.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=self._events(call, model, include_usage),
        )

    async def _failure(self, call: _Call, request: Any, module: ModuleType) -> Any:
        try:
            await call.result()
        except FakeRateLimitError as error:
            headers = {}
            if error.retry_after is not None:
                headers["retry-after"] = str(math.ceil(error.retry_after))
                headers["retry-after-ms"] = str(to_ns(error.retry_after) // 1_000_000)
            return _error(module, 429, str(error), "rate_limit_exceeded", headers)
        except FakeTimeoutError as error:
            raise module.ReadTimeout(str(error), request=request) from error
        except FakeProviderError as error:
            return _error(module, error.status_code, str(error), "server_error")
        except Exception as error:
            # A harness error is a bug in the test, not a flaky server: do not let clients retry.
            return _error(
                module,
                500,
                f"{type(error).__name__}: {error}",
                "harness_error",
                {"x-should-retry": "false"},
            )
        raise AssertionError("a failing call returned")  # pragma: no cover

    def _completion(self, call: _Call, message: Message, model: str) -> dict[str, Any]:
        reply: dict[str, Any] = {"role": "assistant", "content": message.content}
        if message.tool_calls:
            reply["content"] = message.content or None
            reply["tool_calls"] = [tool_call.to_dict() for tool_call in message.tool_calls]
        return {
            "id": f"chatcmpl-fake-{call.record.number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": reply,
                    "finish_reason": "tool_calls" if message.tool_calls else "stop",
                    "logprobs": None,
                }
            ],
            "usage": _usage(call),
        }

    async def _events(self, call: _Call, model: str, include_usage: bool) -> AsyncIterator[bytes]:
        head = {
            "id": f"chatcmpl-fake-{call.record.number}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        role: dict[str, Any] = {"role": "assistant"}
        finish = "stop"
        async for chunk in call.stream():
            if chunk.tool_call is not None:
                finish = "tool_calls"
            delta = role | _delta(chunk)
            role = {}
            yield _sse(head | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        last = role | ({"content": ""} if role else {})
        yield _sse(head | {"choices": [{"index": 0, "delta": last, "finish_reason": finish}]})
        if include_usage:
            yield _sse(head | {"choices": [], "usage": _usage(call)})
        yield b"data: [DONE]\n\n"

    async def _embeddings(self, request: Any, module: ModuleType) -> Any:
        body = _json_body(request)
        texts = body.get("input") if isinstance(body, dict) else None
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            return _error(
                module, 400, 'the fake endpoint embeds "input": str or list of str', "invalid"
            )
        dimensions = int(body.get("dimensions") or self.embedding_dimensions)
        self.embedding_calls.append(texts)
        if self.embedding_latency > 0:
            await asyncio.sleep(self.embedding_latency)
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = fake_embedding(text, dimensions)
            encoded: Any = (
                base64.b64encode(array.array("f", vector).tobytes()).decode()
                if as_base64
                else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(count_tokens(text) for text in texts)
        return module.Response(
            200,
            json={
                "object": "list",
                "data": data,
                "model": str(body.get("model") or self.model),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


def _delta(chunk: Chunk) -> dict[str, Any]:
    piece = chunk.tool_call
    if piece is None:
        return {"content": chunk.text}
    call: dict[str, Any] = {"index": piece.index, "function": {"arguments": piece.args}}
    if piece.id is not None:
        call |= {"id": piece.id, "type": "function"}
        call["function"]["name"] = piece.name
    return {"tool_calls": [call]}


def _usage(call: _Call) -> dict[str, int]:
    record = call.record
    return {
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.completion_tokens,
        "total_tokens": record.total_tokens,
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _json_body(request: Any) -> Any:
    try:
        return json.loads(request.content or b"null")
    except ValueError:
        return None


def _error(
    module: ModuleType,
    status: int,
    message: str,
    kind: str,
    headers: dict[str, str] | None = None,
) -> Any:
    body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
    return module.Response(status, headers=headers, json=body)
