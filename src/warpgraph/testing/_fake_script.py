"""Where a fake model's answers come from: a script, a callable, or rules on the prompt.

* A **script** is a list, answered in order. It never wraps around: the call after
  the last answer raises ``ScriptExhaustedError`` naming the call and its prompt,
  because a fake that silently starts over hides the bug that called it too often.
* A **callable** ``(request) -> answer`` answers any number of calls. A fake given
  no responses at all answers ``"echo: <prompt>"``, for tests about timing only.
* **Rules** map a substring or a compiled regex (searched in the prompt, the last
  message's text) or a predicate ``(request) -> bool`` to an answer; the first
  matching rule wins, and a prompt no rule matches raises ``ScriptExhaustedError``.

An *answer* is a str (text), a ``ToolCall``, a list of ``ToolCall`` (parallel
calls), an assistant ``Message`` (text and tool calls), or an exception instance,
which the call raises after its latency (see ``FakeProviderError.after``).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from warpgraph.testing._fake_errors import ScriptExhaustedError
from warpgraph.testing._fake_types import Message, Request, ToolCall

Answer: TypeAlias = "str | ToolCall | Sequence[ToolCall] | Message | BaseException"
RuleKey: TypeAlias = "str | re.Pattern[str] | Callable[[Request], bool]"
Responses: TypeAlias = "Sequence[Any] | Callable[[Request], Any] | Mapping[Any, Any] | None"


def short(text: str, width: int = 60) -> str:
    """``repr`` of ``text``, cut to ``width`` characters so messages stay one line."""
    return repr(text if len(text) <= width else text[: width - 1] + "…")


class Script:
    """Answers calls in order from ``responses`` (see the module docstring)."""

    __slots__ = ("_fn", "_items", "_rules", "_used")

    def __init__(self, responses: Responses) -> None:
        self._items: list[Any] | None = None
        self._rules: list[tuple[Any, Any]] | None = None
        self._fn: Callable[[Request], Any] | None = None
        self._used = 0
        if responses is None:
            self._fn = echo
        elif isinstance(responses, Mapping):
            self._rules = list(responses.items())
            for key, _ in self._rules:
                if not isinstance(key, str | re.Pattern) and not callable(key):
                    raise TypeError(
                        f"rule key {key!r}: give a substring, a compiled regex, "
                        "or a predicate taking the Request"
                    )
        elif callable(responses):
            self._fn = responses
        elif isinstance(responses, Sequence) and not isinstance(responses, str):
            self._items = list(responses)
        else:
            raise TypeError(
                f"responses={responses!r}: give a list of answers, a callable "
                "(request) -> answer, or a dict of rules {substring or regex: answer}"
            )

    @property
    def remaining(self) -> int | None:
        """Answers left in a list script; None for callables and rules (they never run out)."""
        return None if self._items is None else len(self._items) - self._used

    def extend(self, answers: Sequence[Any]) -> None:
        """Append answers to a list script."""
        if self._items is None:
            raise TypeError("extend() needs a list script; this fake answers by callable or rules")
        self._items.extend(answers)

    def next(self, request: Request, owner: str) -> Any:
        if self._items is not None:
            if self._used >= len(self._items):
                raise ScriptExhaustedError(
                    f"{owner} has no answer for call #{request.call_number}: its script of "
                    f"{len(self._items)} answers is used up (it never wraps around); "
                    f"prompt: {short(request.prompt)}. Add answers to the script, or pass a "
                    "callable or rules to answer any prompt"
                )
            self._used += 1
            return self._items[self._used - 1]
        if self._rules is not None:
            for key, answer in self._rules:
                if _matches(key, request):
                    return answer
            raise ScriptExhaustedError(
                f"{owner} has no answer for call #{request.call_number}: no rule matches the "
                f"prompt {short(request.prompt)}; rules: {[key for key, _ in self._rules]!r}. "
                "Add a rule, or a catch-all re.compile('') last"
            )
        assert self._fn is not None
        return self._fn(request)


def echo(request: Request) -> str:
    """The answer of a fake given no responses at all: ``"echo: <prompt>"``."""
    return f"echo: {request.prompt}"


def _matches(key: Any, request: Request) -> bool:
    if isinstance(key, str):
        return key in request.prompt
    if isinstance(key, re.Pattern):
        return key.search(request.prompt) is not None
    return bool(key(request))


def to_answer(answer: Any, request: Request, owner: str) -> Message | BaseException:
    """Read one scripted answer as an assistant message (tool-call ids filled) or an error."""
    if isinstance(answer, BaseException):
        # A fresh copy per call: a rule or callable may hand out the same instance every time.
        return copy.copy(answer)
    if isinstance(answer, str):
        return Message("assistant", answer)
    if isinstance(answer, ToolCall):
        answer = [answer]
    if isinstance(answer, Message):
        if answer.role != "assistant":
            raise TypeError(
                f"{owner} call #{request.call_number}: a scripted Message must have "
                f"role='assistant', not {answer.role!r}"
            )
        message = answer
    elif (
        isinstance(answer, Sequence)
        and answer
        and all(isinstance(call, ToolCall) for call in answer)
    ):
        message = Message("assistant", "", tuple(answer))
    else:
        raise TypeError(
            f"{owner} call #{request.call_number}: cannot use {answer!r} as an answer; give a "
            "str, a ToolCall, a list of ToolCalls, a Message(role='assistant', ...), "
            "or an exception instance to raise"
        )
    number = request.call_number
    calls = tuple(
        call if call.id is not None else dataclasses.replace(call, id=f"call_{number}_{i}")
        for i, call in enumerate(message.tool_calls)
    )
    _check_tool_names(calls, request, owner)
    return dataclasses.replace(message, tool_calls=calls) if calls else message


def _check_tool_names(calls: tuple[ToolCall, ...], request: Request, owner: str) -> None:
    # A script that names a tool the call was not given is almost always a typo.
    names = request.tool_names
    if not names:
        return
    for call in calls:
        if call.name not in names:
            raise ValueError(
                f"{owner} call #{request.call_number}: the script calls tool {call.name!r}, "
                f"but this call was given the tools {list(names)!r}; fix the ToolCall's name "
                "or bind the tool"
            )
