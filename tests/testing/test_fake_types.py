"""The fakes' values: tokens, messages in every accepted shape, tools, and option errors."""

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warpgraph.testing import (
    FakeLLM,
    FakeRateLimitError,
    FakeServerError,
    FakeTool,
    Message,
    RandomFailures,
    ToolCall,
    count_tokens,
    tokenize,
)
from warpgraph.testing._fake_types import to_messages, to_tools


@settings(deadline=None)
@given(st.text())
def test_tokens_join_back_into_exactly_the_text(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert count_tokens(text) == len(tokens)


def test_a_token_is_a_word_or_a_punctuation_mark_with_the_space_before_it() -> None:
    assert tokenize("Hi, there  friend.") == ["Hi", ",", " there", "  friend", "."]


def test_messages_are_read_from_strings_dicts_and_openai_tool_calls() -> None:
    assert to_messages("hi") == (Message("user", "hi"),)
    wire = [
        {"role": "system", "content": [{"type": "text", "text": "be "}, {"text": "brief"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
            ],
        },
        {"role": "tool", "content": "42", "tool_call_id": "c1"},
    ]
    assert to_messages(wire) == (
        Message("system", "be brief"),
        Message("assistant", "", (ToolCall("f", {"x": 1}, "c1"),)),
        Message("tool", "42", tool_call_id="c1"),
    )
    assert [m.to_dict() for m in to_messages(wire)][1:] == [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
            ],
        },
        {"role": "tool", "content": "42", "tool_call_id": "c1"},
    ]


def test_a_value_that_is_not_a_message_is_refused_with_the_accepted_shapes() -> None:
    with pytest.raises(
        TypeError,
        match=r"^cannot read 3 as a chat message: pass a str, a warpgraph\.testing\.Message, "
        r"or an OpenAI-style dict like \{\"role\": \"user\", \"content\": \"\.\.\.\"\}$",
    ):
        to_messages([3])


def test_tools_are_read_from_names_dicts_and_fake_tools() -> None:
    tool = FakeTool("calc")
    specs = to_tools(["search", {"name": "raw"}, tool])
    assert [spec.get("function", spec).get("name") for spec in specs] == ["search", "raw", "calc"]
    with pytest.raises(
        TypeError,
        match=r"^cannot read 1 as a tool: pass a name, an OpenAI tool dict, or a FakeTool$",
    ):
        to_tools([1])


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: FakeLLM(42),
            TypeError,
            r"^responses=42: give a list of answers, a callable \(request\) -> answer, "
            r"or a dict of rules \{substring or regex: answer\}$",
        ),
        (
            lambda: FakeLLM({1: "x"}),
            TypeError,
            r"^rule key 1: give a substring, a compiled regex, or a predicate taking the Request$",
        ),
        (
            lambda: FakeLLM(failures={0: FakeServerError()}),
            TypeError,
            r"^failures=\{0: FakeServerError\('server error \(500\)'\)\}: map call numbers "
            r"\(1 = first call\) to exception instances, e\.g\. \{2: FakeServerError\(\)\}$",
        ),
        (
            lambda: RandomFailures(1.5, FakeServerError()),
            ValueError,
            r"^RandomFailures\(rate=1\.5\): rate must be between 0 and 1$",
        ),
        (
            lambda: FakeRateLimitError(retry_after=-1),
            ValueError,
            r"^FakeRateLimitError\(retry_after=-1\): retry_after must be >= 0 seconds$",
        ),
        (
            lambda: FakeServerError(after=-2),
            ValueError,
            r"^FakeServerError\(after=-2\): after must be >= 0 seconds$",
        ),
    ],
)
def test_bad_options_are_refused_with_a_message_naming_the_option(
    make: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make()  # type: ignore[operator]


def test_a_list_script_reports_what_is_left_and_can_be_extended() -> None:
    llm = FakeLLM(["a"])
    assert llm.script.remaining == 1
    llm.script.extend(["b", "c"])
    assert llm.script.remaining == 3
    assert FakeLLM(lambda request: "x").script.remaining is None
    with pytest.raises(
        TypeError,
        match=r"^extend\(\) needs a list script; this fake answers by callable or rules$",
    ):
        FakeLLM({"a": "b"}).script.extend(["c"])


def test_the_harness_imports_without_loading_http_or_langchain() -> None:
    # FakeOpenAI and FakeChatModel load on first use, so a missing extra breaks only them.
    code = (
        "import sys, warpgraph.testing as t\n"
        "assert not {'respx', 'httpx', 'langchain_core'} & set(sys.modules), sys.modules.keys()\n"
        "assert t.FakeOpenAI.__name__ == 'FakeOpenAI' and 'respx' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
