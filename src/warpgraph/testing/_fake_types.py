"""The values a fake model takes and gives: messages, tool calls, stream chunks, tokens.

These mirror the chat-completions shape every provider SDK speaks (a list of
role/content messages in, an assistant message with optional tool calls out), so
one fake serves plain code, the OpenAI endpoint and the LangChain adapter alike.

*Tokens* are deterministic and tokenizer-free: a token is a word or a single
punctuation mark, carrying the whitespace before it (``"Hi, there"`` is
``["Hi", ",", " there"]``). Joining the tokens gives back the text exactly, so a
stream of tokens reassembles into the response, and counts are stable across runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

__all__ = [
    "Chunk",
    "Message",
    "Request",
    "ToolCall",
    "ToolCallChunk",
    "count_tokens",
    "tokenize",
]

_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")

Tokenizer: TypeAlias = Callable[[str], list[str]]


def tokenize(text: str) -> list[str]:
    """Split ``text`` into tokens whose concatenation is exactly ``text``."""
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """How many tokens ``tokenize`` finds in ``text``."""
    return len(_TOKEN.findall(text))


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model asks for tool ``name`` with arguments ``args``; ``id`` pairs it with its result.

    Leave ``id`` out in scripts: the fake gives it ``call_<call number>_<index>``.
    """

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI wire form: ``{"id", "type": "function", "function": {name, arguments}}``."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(dict(self.args))},
        }


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message: ``role`` is ``system``, ``user``, ``assistant`` or ``tool``."""

    role: str
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None  # on a ``tool`` message: which call this answers
    name: str | None = None

    @property
    def text(self) -> str:
        return self.content

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI wire form of the message (keys only when set)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True, slots=True)
class ToolCallChunk:
    """A piece of a streamed tool call; the first piece of call ``index`` carries id and name."""

    index: int
    args: str
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """One streamed piece of a response: a text token, or a piece of a tool call."""

    text: str = ""
    tool_call: ToolCallChunk | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """What a fake model is asked: the messages, the tools it may call, and the call number.

    Callables and rules in a script see this. ``prompt`` is the last message's text
    (what the model is answering right now); ``text`` is every message's text.
    """

    messages: tuple[Message, ...]
    tools: tuple[Mapping[str, Any], ...] = ()
    call_number: int = 0

    @property
    def prompt(self) -> str:
        return self.messages[-1].content if self.messages else ""

    @property
    def text(self) -> str:
        return "\n".join(message.content for message in self.messages)

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(_tool_name(tool) for tool in self.tools)


def _tool_name(tool: Mapping[str, Any]) -> str:
    function = tool.get("function")
    if isinstance(function, Mapping):
        return str(function.get("name", ""))
    return str(tool.get("name", ""))


def to_messages(messages: str | Message | Mapping[str, Any] | Sequence[Any]) -> tuple[Message, ...]:
    """Accept a prompt string, one message, or a list of messages (``Message`` or OpenAI dicts)."""
    if isinstance(messages, str):
        return (Message("user", messages),)
    if isinstance(messages, Message | Mapping):
        return (_to_message(messages),)
    return tuple(_to_message(message) for message in messages)


def _to_message(message: object) -> Message:
    if isinstance(message, Message):
        return message
    if isinstance(message, str):
        return Message("user", message)
    if isinstance(message, Mapping) and "role" in message:
        return Message(
            role=str(message["role"]),
            content=_content_text(message.get("content")),
            tool_calls=tuple(_wire_tool_call(call) for call in message.get("tool_calls") or ()),
            tool_call_id=message.get("tool_call_id"),
            name=message.get("name"),
        )
    raise TypeError(
        f"cannot read {message!r} as a chat message: pass a str, a warpgraph.testing.Message, "
        'or an OpenAI-style dict like {"role": "user", "content": "..."}'
    )


def _content_text(content: object) -> str:
    # OpenAI content is a string or a list of parts; only text parts carry text.
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(
            str(part.get("text", "")) if isinstance(part, Mapping) else str(part)
            for part in content
        )
    return str(content)


def _wire_tool_call(call: object) -> ToolCall:
    if isinstance(call, ToolCall):
        return call
    if isinstance(call, Mapping):
        function = call.get("function", call)
        raw = function.get("arguments", function.get("args", {}))
        args = json.loads(raw) if isinstance(raw, str) and raw else dict(raw or {})
        return ToolCall(str(function["name"]), args, call.get("id"))
    raise TypeError(f"cannot read {call!r} as a tool call: pass a ToolCall or an OpenAI dict")


def to_tools(tools: Sequence[object] | None) -> tuple[Mapping[str, Any], ...]:
    """Tool specs as OpenAI function dicts; accepts names, dicts, and objects with ``schema``."""
    if not tools:
        return ()
    specs: list[Mapping[str, Any]] = []
    for tool in tools:
        if isinstance(tool, str):
            specs.append({"type": "function", "function": {"name": tool, "parameters": {}}})
        elif isinstance(tool, Mapping):
            specs.append(tool)
        elif isinstance(getattr(tool, "schema", None), Mapping):
            specs.append(tool.schema)  # type: ignore[attr-defined]
        else:
            raise TypeError(
                f"cannot read {tool!r} as a tool: pass a name, an OpenAI tool dict, or a FakeTool"
            )
    return tuple(specs)
