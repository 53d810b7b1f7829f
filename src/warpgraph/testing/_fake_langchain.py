"""``FakeChatModel``: a LangChain chat model backed by a ``FakeLLM``.

Existing LangChain and LangGraph agents take a ``BaseChatModel``; this is one, so
they can be tested unchanged: ``bind_tools`` works (the bound tools reach the
script, which may only call tools it was given), ``ainvoke``/``invoke`` return an
``AIMessage`` with ``tool_calls`` and ``usage_metadata``, and ``astream``/``stream``
yield ``AIMessageChunk``s, text tokens and tool-call chunks alike, each at its
virtual time. Everything else (latency, capacity, rate limits, failures, the
record of calls) is the ``FakeLLM``'s, reachable as ``model.llm``.

Needs ``langchain-core`` (``pip install warpgraph[langchain]``); ``warpgraph.testing``
imports this module only when ``FakeChatModel`` is first used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

try:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from pydantic import ConfigDict
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "warpgraph.testing.FakeChatModel needs langchain-core. "
        "Install it with: pip install 'warpgraph[langchain]'"
    ) from error

from warpgraph.testing._fake_llm import FakeLLM, LLMCall, _Call
from warpgraph.testing._fake_script import Responses
from warpgraph.testing._fake_types import Chunk, Message, ToolCall

__all__ = ["FakeChatModel"]

# FakeLLM's options, accepted by FakeChatModel(...) directly.
_LLM_OPTIONS = ("latency", "capacity", "rpm", "tpm", "on_limit", "failures", "tokenizer", "name")
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


class FakeChatModel(BaseChatModel):
    """A ``BaseChatModel`` answering from a ``FakeLLM`` script, in virtual time.

    ``FakeChatModel(["hi", ToolCall("search", {"q": "x"})], latency=1.0)`` builds the
    ``FakeLLM`` from the same arguments; ``FakeChatModel(llm=existing)`` shares one
    (and its capacity, limits and record) between several models.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: FakeLLM

    def __init__(
        self, responses: Responses = None, *, llm: FakeLLM | None = None, **kwargs: Any
    ) -> None:
        options = {key: kwargs.pop(key) for key in _LLM_OPTIONS if key in kwargs}
        if llm is None:
            llm = FakeLLM(responses, **options)
        elif responses is not None or options:
            raise TypeError(
                "FakeChatModel(llm=...) takes its script and options from that FakeLLM; "
                f"drop responses/{sorted(options)} or drop llm="
            )
        # Through a dict: BaseChatModel's typed __init__ does not know this model's fields.
        super().__init__(**{"llm": llm, **kwargs})

    @property
    def _llm_type(self) -> str:
        return "warpgraph-fake-chat-model"

    @property
    def calls(self) -> list[LLMCall]:
        """The calls made through this model's ``FakeLLM`` (``model.llm.calls``)."""
        return self.llm.calls

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Bind tools (LangChain tools, functions, pydantic models or OpenAI dicts)."""
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    def _begin(self, messages: list[BaseMessage], tools: Any) -> _Call:
        return self.llm._begin([_from_langchain(message) for message in messages], tools)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._begin(messages, kwargs.get("tools"))
        return _result(await call.result(), call.record, self.llm.name)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._begin(messages, kwargs.get("tools"))
        return _result(call.result_blocking(), call.record, self.llm.name)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._begin(messages, kwargs.get("tools"))
        async for chunk in call.stream():
            generation = _generation_chunk(chunk)
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=generation)
            yield generation
        yield _last_chunk(call.record)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._begin(messages, kwargs.get("tools"))
        for chunk in call.stream_blocking():
            generation = _generation_chunk(chunk)
            if run_manager is not None:
                run_manager.on_llm_new_token(chunk.text, chunk=generation)
            yield generation
        yield _last_chunk(call.record)


def _from_langchain(message: BaseMessage) -> Message:
    role = _ROLES.get(message.type, getattr(message, "role", message.type))
    calls = tuple(
        ToolCall(call["name"], call.get("args") or {}, call.get("id"))
        for call in getattr(message, "tool_calls", None) or ()
    )
    return Message(
        role=role,
        content=message.text,
        tool_calls=calls,
        tool_call_id=getattr(message, "tool_call_id", None),
        name=message.name,
    )


def _usage(record: LLMCall) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=record.prompt_tokens,
        output_tokens=record.completion_tokens,
        total_tokens=record.total_tokens,
    )


def _result(message: Message, record: LLMCall, name: str) -> ChatResult:
    reply = AIMessage(
        content=message.content,
        tool_calls=[
            {"name": call.name, "args": dict(call.args), "id": call.id, "type": "tool_call"}
            for call in message.tool_calls
        ],
        usage_metadata=_usage(record),
        response_metadata={
            "model_name": name,
            "finish_reason": "tool_calls" if message.tool_calls else "stop",
        },
    )
    return ChatResult(generations=[ChatGeneration(message=reply)])


def _generation_chunk(chunk: Chunk) -> ChatGenerationChunk:
    piece = chunk.tool_call
    if piece is None:
        return ChatGenerationChunk(message=AIMessageChunk(content=chunk.text))
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content="",
            tool_call_chunks=[
                {
                    "name": piece.name,
                    "args": piece.args,
                    "id": piece.id,
                    "index": piece.index,
                    "type": "tool_call_chunk",
                }
            ],
        )
    )


def _last_chunk(record: LLMCall) -> ChatGenerationChunk:
    # The closing chunk carries usage, and tells LangChain the tool-call pieces are complete.
    finish = "tool_calls" if record.tool_calls else "stop"
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content="",
            usage_metadata=_usage(record),
            response_metadata={"finish_reason": finish},
            chunk_position="last",
        )
    )
