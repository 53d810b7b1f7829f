"""pytest glue for warpgraph: fakes.

Maps onto ``warpgraph.testing``:

* fixture ``fake_llm``: a factory, ``fake_llm(responses, latency=..., ...)`` -> a new
  ``FakeLLM`` (same arguments);
* fixture ``fake_tool``: a factory, ``fake_tool(name, result | fn, latency=...)`` -> a
  new ``FakeTool``;
* fixture ``fake_openai``: a started ``FakeOpenAI`` (``.router``, ``.base_url``, and a
  replaceable ``.llm``), stopped after the test.

Every test gets fresh fakes: nothing is shared between tests. When a test fails, the
call timeline of each fake it made is added to the failure report (section
``warpgraph fakes``), because "which call got which answer, when" is usually the
question.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from warpgraph.testing._fake_llm import FakeLLM
from warpgraph.testing._fake_tools import FakeTool

if TYPE_CHECKING:
    from warpgraph.testing._fake_openai import FakeOpenAI

_MADE = pytest.StashKey[list[FakeLLM | FakeTool]]()


class FakeLLMFactory:
    """``fake_llm(...)``: a new ``FakeLLM`` per call, remembered for the failure report."""

    def __init__(self, made: list[FakeLLM | FakeTool]) -> None:
        self._made = made

    def __call__(self, responses: Any = None, **options: Any) -> FakeLLM:
        llm = FakeLLM(responses, **options)
        self._made.append(llm)
        return llm


class FakeToolFactory:
    """``fake_tool(name, result | fn, ...)``: a new ``FakeTool`` per call."""

    def __init__(self, made: list[FakeLLM | FakeTool]) -> None:
        self._made = made

    def __call__(self, name: str, result: Any = None, **options: Any) -> FakeTool:
        tool = FakeTool(name, result, **options)
        self._made.append(tool)
        return tool


def _made(request: pytest.FixtureRequest) -> list[FakeLLM | FakeTool]:
    stash: pytest.Stash = request.node.stash
    return stash.setdefault(_MADE, [])


@pytest.fixture
def fake_llm(request: pytest.FixtureRequest) -> FakeLLMFactory:
    """Make fake chat models: ``fake_llm(["hi"], latency=1.0)`` (see ``FakeLLM``)."""
    return FakeLLMFactory(_made(request))


@pytest.fixture
def fake_tool(request: pytest.FixtureRequest) -> FakeToolFactory:
    """Make fake tools: ``fake_tool("search", {"hits": 3}, latency=0.5)`` (see ``FakeTool``)."""
    return FakeToolFactory(_made(request))


@pytest.fixture
def fake_openai(request: pytest.FixtureRequest) -> Iterator[FakeOpenAI]:
    """A started fake OpenAI endpoint; set ``fake_openai.llm = fake_llm([...])`` to script it."""
    # Imported here: the endpoint needs httpx and respx, which only this fixture requires.
    from warpgraph.testing._fake_openai import FakeOpenAI

    api = FakeOpenAI()
    _made(request).append(api.llm)
    with api:
        yield api


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    made = item.stash.get(_MADE, None)
    if report.failed and call.when == "call" and made:
        openai = item.funcargs.get("fake_openai") if hasattr(item, "funcargs") else None
        fakes = list(made)
        if openai is not None and openai.llm not in fakes:
            fakes.append(openai.llm)
        report.sections.append(("warpgraph fakes", "\n\n".join(_describe(f) for f in fakes)))
    return report


def _describe(fake: FakeLLM | FakeTool) -> str:
    if isinstance(fake, FakeLLM):
        return fake.timeline()
    lines = [f"FakeTool {fake.name!r}: {fake.call_count} calls"]
    for record in fake.calls:
        ended = "-" if record.ended is None else f"{record.ended:.3f}"
        lines.append(
            f"{record.number:>4} {record.started:8.3f} {ended:>8}  {record.status:<9} "
            f"{record.args!r}"
        )
    return "\n".join(lines)
