"""The fake OpenAI-compatible endpoint, driven by the official openai SDK and plain httpx."""

import json
from typing import Any

import httpx
import httpx2
import openai
import pytest

from warpgraph.testing import (
    FakeLLM,
    FakeOpenAI,
    FakeRateLimitError,
    FakeServerError,
    FakeTimeoutError,
    Latency,
    ToolCall,
    VirtualClock,
    fake_embedding,
)

USER = [{"role": "user", "content": "hi"}]


def _sdk(api: FakeOpenAI, **options: Any) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=api.base_url, api_key="x", http_client=httpx.AsyncClient(), **options
    )


def test_the_sdk_gets_a_completion_with_usage_after_the_models_latency() -> None:
    llm = FakeLLM(["Hello there!"], latency=1.0)
    clock = VirtualClock()

    async def main() -> Any:
        with FakeOpenAI(llm) as api:
            return await _sdk(api).chat.completions.create(model="gpt-x", messages=USER)

    completion = clock.run(main())

    assert clock.now() == 1.0
    assert completion.model == "gpt-x"
    assert completion.choices[0].message.content == "Hello there!"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (1, 3)
    assert llm.calls[0].messages[0].content == "hi"


def test_a_429_then_200_under_the_sdks_retries_ends_at_retry_after_plus_latency() -> None:
    llm = FakeLLM([FakeRateLimitError(retry_after=2), "ok"], latency=0.5)
    clock = VirtualClock()

    async def main() -> Any:
        with FakeOpenAI(llm) as api:
            reply = await _sdk(api).chat.completions.create(model="m", messages=USER)
            return reply, [call.response.status_code for call in api.router.calls]

    reply, statuses = clock.run(main())

    assert reply.choices[0].message.content == "ok"
    assert clock.now() == 2.0 + 0.5
    assert statuses == [429, 200]
    assert [(call.attempt, call.status, call.started) for call in llm.calls] == [
        (1, "error", 0.0),
        (2, "ok", 2.0),
    ]


def test_a_rate_limit_reply_carries_retry_after_headers_and_an_openai_error_body() -> None:
    llm = FakeLLM([FakeRateLimitError(retry_after=2.5)])

    async def main() -> httpx.Response:
        with FakeOpenAI(llm) as api:
            async with httpx.AsyncClient() as client:
                return await client.post(
                    f"{api.base_url}/chat/completions", json={"messages": USER}
                )

    response = VirtualClock().run(main())

    assert response.status_code == 429
    assert (response.headers["retry-after"], response.headers["retry-after-ms"]) == ("3", "2500")
    assert response.json()["error"]["type"] == "rate_limit_exceeded"


def test_sdk_streaming_delivers_each_token_at_its_virtual_time_then_usage() -> None:
    words = " ".join(f"w{i}" for i in range(10))
    llm = FakeLLM([words], latency=Latency(0.5, per_token=0.1))
    clock = VirtualClock()

    async def main() -> list[Any]:
        with FakeOpenAI(llm) as api:
            stream = await _sdk(api).chat.completions.create(
                model="m", messages=USER, stream=True, stream_options={"include_usage": True}
            )
            return [(clock.now(), event) async for event in stream]

    events = clock.run(main())

    tokens = [
        (t, e.choices[0].delta.content)
        for t, e in events
        if e.choices and not e.choices[0].finish_reason
    ]
    assert [t for t, _ in tokens] == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
    assert "".join(text for _, text in tokens) == words
    assert events[0][1].choices[0].delta.role == "assistant"
    assert events[-2][1].choices[0].finish_reason == "stop"
    assert events[-1][1].usage.completion_tokens == 10


def test_tool_calls_arrive_whole_and_as_streamed_deltas() -> None:
    call = ToolCall("get_weather", {"city": "Paris"})
    llm = FakeLLM([call, call], latency=Latency(1.0, per_token=0.25))
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]

    async def main() -> tuple[Any, list[Any]]:
        with FakeOpenAI(llm) as api:
            sdk = _sdk(api)
            whole = await sdk.chat.completions.create(model="m", messages=USER, tools=tools)
            stream = await sdk.chat.completions.create(
                model="m", messages=USER, tools=tools, stream=True
            )
            return whole, [event async for event in stream]

    whole, events = VirtualClock().run(main())

    message = whole.choices[0].message
    assert (message.content, whole.choices[0].finish_reason) == (None, "tool_calls")
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls] == [
        ("call_1_0", "get_weather", '{"city": "Paris"}')
    ]
    deltas = [d for e in events for d in (e.choices[0].delta.tool_calls or [])]
    assert (deltas[0].id, deltas[0].function.name) == ("call_2_0", "get_weather")
    assert "".join(d.function.arguments for d in deltas) == '{"city": "Paris"}'
    assert events[-1].choices[0].finish_reason == "tool_calls"


def test_a_server_error_keeps_its_status_for_the_sdk() -> None:
    llm = FakeLLM(["unused"], failures={1: FakeServerError(status_code=503)}, latency=1.0)
    clock = VirtualClock()

    async def main() -> None:
        with FakeOpenAI(llm) as api:
            await _sdk(api, max_retries=0).chat.completions.create(model="m", messages=USER)

    with pytest.raises(openai.InternalServerError, match=r"^Error code: 503 - "):
        clock.run(main())
    assert clock.now() == 1.0


def test_a_timeout_becomes_the_clients_read_timeout_after_its_delay() -> None:
    llm = FakeLLM([FakeTimeoutError(after=30)])
    clock = VirtualClock()

    async def main() -> None:
        with FakeOpenAI(llm) as api:
            await _sdk(api, max_retries=0).chat.completions.create(model="m", messages=USER)

    with pytest.raises(openai.APITimeoutError):
        clock.run(main())
    assert clock.now() == 30.0


def test_a_used_up_script_fails_at_once_and_the_sdk_does_not_retry_it() -> None:
    llm = FakeLLM([])

    async def main() -> int:
        with FakeOpenAI(llm) as api:
            with pytest.raises(openai.InternalServerError) as failure:
                await _sdk(api).chat.completions.create(model="m", messages=USER)
            assert "ScriptExhaustedError: FakeLLM 'fake-llm' has no answer for call #1" in str(
                failure.value
            )
            return len(api.router.calls)

    assert VirtualClock().run(main()) == 1
    assert llm.call_count == 1


def test_a_raw_httpx_client_reads_server_sent_events_ending_in_done() -> None:
    llm = FakeLLM(["a b"], latency=Latency(1.0, per_token=1.0))
    clock = VirtualClock()

    async def main() -> list[tuple[float, str]]:
        with FakeOpenAI(llm) as api:
            async with (
                httpx.AsyncClient() as client,
                client.stream(
                    "POST",
                    f"{api.base_url}/chat/completions",
                    json={"messages": USER, "stream": True},
                ) as response,
            ):
                assert response.headers["content-type"] == "text/event-stream"
                return [(clock.now(), line) async for line in response.aiter_lines() if line]

    lines = clock.run(main())

    assert [t for t, _ in lines] == [1.0, 2.0, 2.0, 2.0]
    assert [json.loads(line[6:])["choices"][0]["delta"] for _, line in lines[:2]] == [
        {"role": "assistant", "content": "a"},
        {"content": " b"},
    ]
    assert lines[-1][1] == "data: [DONE]"


def test_embeddings_are_deterministic_in_both_encodings() -> None:
    clock = VirtualClock()

    async def main() -> tuple[Any, Any, FakeOpenAI]:
        with FakeOpenAI(embedding_dimensions=4, embedding_latency=0.25) as api:
            sdk = await _sdk(api).embeddings.create(model="e", input=["cat", "dog"])
            async with httpx.AsyncClient() as client:
                raw = await client.post(
                    f"{api.base_url}/embeddings", json={"input": "cat", "dimensions": 3}
                )
            return sdk, raw.json(), api

    sdk, raw, api = clock.run(main())

    assert [item.embedding for item in sdk.data] == [
        fake_embedding("cat", 4),
        fake_embedding("dog", 4),
    ]
    assert raw["data"][0]["embedding"] == fake_embedding("cat", 3)
    assert sum(x * x for x in fake_embedding("cat", 3)) == pytest.approx(1.0)
    assert api.embedding_calls == [["cat", "dog"], ["cat"]]
    assert clock.now() == 0.5


def test_an_unknown_route_or_body_is_answered_with_what_the_endpoint_serves() -> None:
    async def main() -> tuple[httpx.Response, httpx.Response]:
        with FakeOpenAI() as api:
            async with httpx.AsyncClient() as client:
                models = await client.get(f"{api.base_url}/models")
                empty = await client.post(f"{api.base_url}/chat/completions", json={})
            return models, empty

    models, empty = VirtualClock().run(main())

    assert models.status_code == 404
    assert models.json()["error"]["message"] == (
        "the fake OpenAI endpoint serves POST https://fake-openai.test/v1/chat/completions and "
        "POST https://fake-openai.test/v1/embeddings, not GET https://fake-openai.test/v1/models"
    )
    assert (empty.status_code, empty.json()["error"]["message"]) == (
        400,
        'the request body needs "messages": [...]',
    )


@pytest.mark.parametrize("module", [httpx, httpx2], ids=["httpx", "httpx2"])
def test_a_client_is_served_through_a_mock_transport_without_respx(module: Any) -> None:
    llm = FakeLLM(["through the transport"], latency=1.0)
    api = FakeOpenAI(llm)
    clock = VirtualClock()

    async def main() -> Any:
        async with module.AsyncClient(transport=api.transport(module)) as client:
            response = await client.post(
                f"{api.base_url}/chat/completions", json={"model": "m", "messages": USER}
            )
            return response.json()

    body = clock.run(main())

    assert body["choices"][0]["message"]["content"] == "through the transport"
    assert clock.now() == 1.0
    assert api.router.calls.call_count == 0


def test_a_sync_client_is_told_to_use_the_async_one() -> None:
    with (
        FakeOpenAI() as api,
        httpx.Client() as client,
        pytest.raises(
            TypeError,
            match=r"^FakeOpenAI serves async clients \(httpx\.AsyncClient, openai\.AsyncOpenAI\); "
            r"a sync client sent POST https://fake-openai\.test/v1/chat/completions\. "
            r"Use the async client, or call the FakeLLM's invoke\(\) directly from sync code$",
        ),
    ):
        client.post(f"{api.base_url}/chat/completions", json={"messages": USER})
