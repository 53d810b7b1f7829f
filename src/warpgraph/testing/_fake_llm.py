"""``FakeLLM``: a scripted chat model that takes its time in virtual time.

A call goes through the same stages a hosted model's does, each deterministic:

1. **Arrive.** The call gets the next call number and is recorded at once.
2. **Admit.** The provider decides when to serve it (capacity queue, rpm/tpm
   windows; see ``_fake_provider``) or refuses it with a ``FakeRateLimitError``.
3. **Answer.** An injected failure (``failures=``) or the script's next answer.
4. **Serve.** The answer's tokens arrive ``first_token`` seconds after service
   starts, then one every ``per_token`` seconds (``Latency``). ``ainvoke`` returns
   at the last token; ``astream`` yields each token at its own time.

Stages 1-3 happen under a lock, as arithmetic, the moment the call is made; only
stage 4 waits. That is why a sync ``invoke`` in a worker thread and an async
``ainvoke`` on the loop can share one provider: both just wait until computed
times (the sync one parked on the virtual clock).

Every call is recorded as an ``LLMCall``, and reported as a ``CallStarted`` /
``CallFinished`` span to the run's subscribers when there are any.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from warpgraph.runtime import TaskContext, current_task
from warpgraph.testing._fake_errors import FakeProviderError, FakeRateLimitError
from warpgraph.testing._fake_provider import Provider, RateLimited
from warpgraph.testing._fake_script import Responses, Script, short, to_answer
from warpgraph.testing._fake_support import (
    CallSpan,
    Failures,
    LatencyLike,
    as_latency,
    block_until,
    check_failures,
    failure_for,
    now_ns,
    sleep_until,
    time_line,
    to_ns,
    to_seconds,
)
from warpgraph.testing._fake_types import (
    Chunk,
    Message,
    Request,
    Tokenizer,
    ToolCallChunk,
    to_messages,
    to_tools,
    tokenize,
)

__all__ = ["FakeLLM", "LLMCall"]

CallStatus = Literal["running", "ok", "error", "cancelled"]


@dataclass(eq=False, slots=True)
class LLMCall:
    """The record of one call: what was asked, what came back, and when (loop seconds)."""

    number: int  # 1 for the first call to this fake
    attempt: int  # 1, or 1 + the failed calls with the same request just before it
    request: Request
    started: float  # when the call was made
    served: float | None = None  # when the provider started serving it (after any queue)
    ended: float | None = None
    response: Message | None = None
    error: BaseException | None = None
    status: CallStatus = "running"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    task: TaskContext | None = field(default=None, repr=False)

    @property
    def prompt(self) -> str:
        return self.request.prompt

    @property
    def messages(self) -> tuple[Message, ...]:
        return self.request.messages

    @property
    def tool_calls(self) -> tuple[Any, ...]:
        return self.response.tool_calls if self.response is not None else ()

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started


class _Call:
    """One call in flight: its record, the times its chunks arrive, and how it ends."""

    __slots__ = ("chunks", "end", "error", "llm", "record", "span", "times")

    def __init__(self, llm: FakeLLM, record: LLMCall, span: CallSpan | None) -> None:
        self.llm = llm
        self.record = record
        self.span = span
        self.chunks: list[Chunk] = []
        self.times: list[int] = []
        self.end = 0
        self.error: BaseException | None = None

    async def result(self) -> Message:
        completed = False
        try:
            await sleep_until(self.end)
            completed = True
        finally:
            self.llm._finish(self, completed)
        return self._outcome()

    async def stream(self) -> AsyncIterator[Chunk]:
        completed = False
        try:
            for at, chunk in zip(self.times, self.chunks, strict=True):
                await sleep_until(at)
                yield chunk
            await sleep_until(self.end)
            completed = True
        finally:
            self.llm._finish(self, completed)
        self._outcome()

    def result_blocking(self) -> Message:
        completed = False
        try:
            block_until(self.end)
            completed = True
        finally:
            self.llm._finish(self, completed)
        return self._outcome()

    def stream_blocking(self) -> Iterator[Chunk]:
        completed = False
        try:
            for at, chunk in zip(self.times, self.chunks, strict=True):
                block_until(at)
                yield chunk
            block_until(self.end)
            completed = True
        finally:
            self.llm._finish(self, completed)
        self._outcome()

    def _outcome(self) -> Message:
        if self.error is not None:
            raise self.error
        assert self.record.response is not None
        return self.record.response


class FakeLLM:
    """A scripted chat model with latency, streaming, tool calls, limits and failures.

    ``responses`` is a list of answers (a script; it never wraps around), a callable
    ``(Request) -> answer``, or rules ``{substring | regex | predicate: answer}``; an
    answer is text, a ``ToolCall``, a list of them, an assistant ``Message``, or an
    exception to raise; with no responses it answers ``"echo: <prompt>"``.
    ``latency`` is seconds, a per-call list, or a ``Latency``.
    ``capacity`` caps concurrent requests (the rest queue), ``rpm``/``tpm`` cap
    requests/tokens per sliding minute (``on_limit="raise"`` refuses with
    ``FakeRateLimitError``; ``"queue"`` waits), and ``failures`` injects errors by
    call number or ``RandomFailures``.
    """

    def __init__(
        self,
        responses: Responses = None,
        *,
        latency: LatencyLike = 0.0,
        capacity: int | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        on_limit: Literal["raise", "queue"] = "raise",
        failures: Failures = None,
        tokenizer: Tokenizer = tokenize,
        name: str = "fake-llm",
    ) -> None:
        self.name = name
        self.owner = f"FakeLLM {name!r}"
        self.script = Script(responses)
        self.latency = as_latency(latency)
        self.failures = check_failures(failures)
        self.tokenizer = tokenizer
        self._provider = Provider(capacity=capacity, rpm=rpm, tpm=tpm, on_limit=on_limit)
        self._lock = threading.Lock()
        self._calls: list[LLMCall] = []
        self._failed_streak: dict[str, int] = {}
        self._time_source: object | None = None

    # ---- the call protocol -------------------------------------------------------------

    async def ainvoke(self, messages: Any, *, tools: Sequence[object] | None = None) -> Message:
        """Answer ``messages`` (a prompt, a message, or a list), after the call's latency."""
        return await self._begin(messages, tools).result()

    def astream(
        self, messages: Any, *, tools: Sequence[object] | None = None
    ) -> AsyncIterator[Chunk]:
        """Yield the answer's tokens (and tool-call pieces), each at its own virtual time."""
        return self._begin(messages, tools).stream()

    def invoke(self, messages: Any, *, tools: Sequence[object] | None = None) -> Message:
        """``ainvoke`` for sync code in a worker thread (waits parked on the virtual clock)."""
        return self._begin(messages, tools).result_blocking()

    def stream(self, messages: Any, *, tools: Sequence[object] | None = None) -> Iterator[Chunk]:
        """``astream`` for sync code in a worker thread."""
        return self._begin(messages, tools).stream_blocking()

    # ---- recording ---------------------------------------------------------------------

    @property
    def calls(self) -> list[LLMCall]:
        """Every call so far, in call order (a copy)."""
        with self._lock:
            return list(self._calls)

    @property
    def call_count(self) -> int:
        return len(self._calls)

    @property
    def total_tokens(self) -> int:
        return sum(call.total_tokens for call in self.calls)

    @property
    def prompt_tokens(self) -> int:
        return sum(call.prompt_tokens for call in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(call.completion_tokens for call in self.calls)

    def assert_called_with(
        self,
        prompt: str | re.Pattern[str] | None = None,
        *,
        messages: Any = None,
        tools: Sequence[str] | None = None,
    ) -> None:
        """Assert the last call's prompt (equal, or regex search), messages and tool names."""
        __tracebackhide__ = True
        if not self._calls:
            raise AssertionError(f"{self.owner} was never called")
        last = self._calls[-1]
        problems = []
        if isinstance(prompt, re.Pattern) and not prompt.search(last.prompt):
            problems.append(f"prompt {short(last.prompt)} does not match {prompt.pattern!r}")
        elif isinstance(prompt, str) and last.prompt != prompt:
            problems.append(f"prompt is {short(last.prompt)}, expected {short(prompt)}")
        if messages is not None and last.messages != to_messages(messages):
            problems.append(f"messages are {list(last.messages)!r}")
        if tools is not None and last.request.tool_names != tuple(tools):
            actual = list(last.request.tool_names)
            problems.append(f"tools are {actual!r}, expected {list(tools)!r}")
        if problems:
            raise AssertionError(
                f"{self.owner} call #{last.number}: " + "; ".join(problems) + "\n" + self.timeline()
            )

    def timeline(self) -> str:
        """One line per call: number, attempt, start, served, end, status, tokens, prompt."""
        lines = [f"{self.owner}: {len(self._calls)} calls"]
        lines.append("   #  try    start   served      end  status     tokens  prompt -> answer")
        for call in self.calls:
            answer = (
                short(call.response.content or str([c.name for c in call.tool_calls]), 30)
                if call.response is not None
                else type(call.error).__name__
                if call.error is not None
                else "-"
            )
            lines.append(
                f"{call.number:>4} {call.attempt:>4} {_secs(call.started)} {_secs(call.served)} "
                f"{_secs(call.ended)}  {call.status:<9} {call.total_tokens:>6}  "
                f"{short(call.prompt, 30)} -> {answer}"
            )
        return "\n".join(lines)

    # ---- the engine --------------------------------------------------------------------

    def _begin(self, messages: Any, tools: Sequence[object] | None) -> _Call:
        request_messages = to_messages(messages)
        tool_specs = to_tools(tools)
        with self._lock:
            number = len(self._calls) + 1
            request = Request(request_messages, tool_specs, number)
            now, source = time_line()
            if source is not self._time_source:
                # A new clock (the next test's, say) starts a new time line: the schedule
                # of the old one would otherwise hold this call until that clock's times.
                self._provider, self._time_source = self._provider.fresh(), source
            # Fingerprints cost a JSON dump; only retries after a failure need one.
            key = _fingerprint(request) if self._failed_streak else None
            attempt = self._failed_streak.get(key, 0) + 1 if key is not None else 1
            record = LLMCall(number, attempt, request, to_seconds(now))
            record.task = current_task()
            self._calls.append(record)
            span = CallSpan.open("llm", self.name, number, [m.to_dict() for m in request_messages])
            call = _Call(self, record, span)
            try:
                self._plan(call, now)
            except Exception as error:
                # A script or configuration error surfaces from the call, recorded like any other.
                call.error, call.end = error, now
            return call

    def _plan(self, call: _Call, now: int) -> None:
        record, request = call.record, call.record.request
        record.prompt_tokens = self._count_prompt(request.messages)
        admitted = self._provider.admit(now, record.prompt_tokens)
        if isinstance(admitted, RateLimited):
            call.error = FakeRateLimitError(
                f"{self.owner} call #{record.number}: over its {admitted.limit} limit; "
                f"retry after {to_seconds(admitted.retry_after):g} s",
                retry_after=to_seconds(admitted.retry_after),
            )
            call.end = now
            return
        start = admitted
        first, per_token = self.latency.for_call(record.number, self.owner)
        failure = failure_for(self.failures, record.number)
        answer = (
            failure
            if failure is not None
            else to_answer(self.script.next(request, self.owner), request, self.owner)
        )
        if isinstance(answer, BaseException):
            self._plan_failure(call, answer, now, start, first)
            return
        record.response = answer
        call.chunks = self._chunks(answer)
        record.completion_tokens = len(call.chunks)
        call.times = [start + first + per_token * i for i in range(len(call.chunks))]
        call.end = call.times[-1] if call.times else start + first
        record.served = to_seconds(start)
        self._provider.reserve(start, call.end, record.prompt_tokens + record.completion_tokens)

    def _plan_failure(
        self, call: _Call, error: BaseException, now: int, start: int, first: int
    ) -> None:
        after = getattr(error, "after", None) if isinstance(error, FakeProviderError) else None
        call.error = error
        if isinstance(error, FakeRateLimitError):
            # Refused at the door: the request never takes a slot.
            call.end = now + to_ns(after or 0.0)
            return
        call.end = start + (first if after is None else to_ns(after))
        call.record.served = to_seconds(start)
        self._provider.reserve(start, call.end, call.record.prompt_tokens)

    def _finish(self, call: _Call, completed: bool) -> None:
        status: Literal["ok", "error", "cancelled"]
        record = call.record
        with self._lock:
            record.ended = to_seconds(call.end if completed else now_ns())
            if not completed:
                status, record.response = "cancelled", None
            elif call.error is not None:
                status, record.error, record.response = "error", call.error, None
                key = _fingerprint(record.request)
                self._failed_streak[key] = self._failed_streak.get(key, 0) + 1
            else:
                status = "ok"
                if self._failed_streak:
                    self._failed_streak.pop(_fingerprint(record.request), None)
            record.status = status
        if call.span is not None:
            output = _answer_dict(record.response) if record.response is not None else None
            call.span.close(status, record.error, output)

    def _count_prompt(self, messages: tuple[Message, ...]) -> int:
        count = 0
        for message in messages:
            count += len(self.tokenizer(message.content))
            for call in message.tool_calls:
                count += len(self.tokenizer(json.dumps(dict(call.args))))
        return count

    def _chunks(self, answer: Message) -> list[Chunk]:
        chunks = [Chunk(text=token) for token in self.tokenizer(answer.content)]
        for index, call in enumerate(answer.tool_calls):
            pieces = self.tokenizer(json.dumps(dict(call.args))) or [""]
            chunks.append(Chunk(tool_call=ToolCallChunk(index, pieces[0], call.id, call.name)))
            chunks.extend(Chunk(tool_call=ToolCallChunk(index, piece)) for piece in pieces[1:])
        return chunks


def _fingerprint(request: Request) -> str:
    return json.dumps(
        [[m.to_dict() for m in request.messages], list(request.tool_names)],
        sort_keys=True,
        default=str,
    )


def _answer_dict(message: Message) -> dict[str, Any]:
    return {
        "content": message.content,
        "tool_calls": [
            {"name": call.name, "args": dict(call.args), "id": call.id}
            for call in message.tool_calls
        ],
    }


def _secs(t: float | None) -> str:
    return f"{t:8.3f}" if t is not None else "       -"
