"""The seed guide's closing demonstration: its "fan-out" is a pipeline, and a trace proves it."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from warpgraph.testing import Trace, TraceAssertionError, VirtualClock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "guide_demo.py"
RESULT = {
    "text": "LangGraph enables high performance agent systems",
    "summary": "Result(Summarize: Lang)",
    "sentiment": "Result(Sentiment: Lang)",
}


def load_example() -> SimpleNamespace:
    """The example's globals, run as a module named ``guide_demo`` (runpy installs it in
    ``sys.modules`` while it runs: dataclasses look their module up while decorating)."""
    return SimpleNamespace(**runpy.run_path(str(EXAMPLE), run_name="guide_demo"))


demo = load_example()


@pytest.mark.virtual_time
async def test_the_guide_wiring_takes_two_virtual_seconds_and_is_not_parallel(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    app = demo.as_the_guide_wires_it(demo.guide_llm())
    assert await app.ainvoke({"text": demo.TEXT}) == RESULT
    assert vclock.now() == 2.0
    assert graph_trace.makespan == 2.0
    assert graph_trace.critical_path().length == 2.0
    graph_trace.assert_sequential("summarize", "analyze")
    with pytest.raises(TraceAssertionError) as caught:
        graph_trace.assert_parallel("summarize", "analyze")
    message = str(caught.value)
    assert message.startswith(
        "expected summarize, analyze to run in parallel, but these never ran at the same time:\n"
        "  summarize (step 1, 0.0 → 1.0 s) and analyze (step 2, 1.0 → 2.0 s)\n\n"
        "Gantt chart, seconds from the first start"
    )
    # The staircase: analyze's bar (and its LLM call's) starts where summarize's ends.
    assert message.endswith(
        "  step 1 summarize  " + "█" * 30 + "·" * 30 + "  0.0 → 1.0 s\n"
        "    llm fake_llm    " + "█" * 30 + "·" * 30 + "  0.0 → 1.0 s\n"
        "  step 2 analyze    " + "·" * 30 + "█" * 30 + "  1.0 → 2.0 s\n"
        "    llm fake_llm    " + "·" * 30 + "█" * 30 + "  1.0 → 2.0 s"
    )


@pytest.mark.virtual_time
async def test_the_fixed_fan_out_into_a_join_takes_one_virtual_second_and_is_parallel(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    app = demo.as_the_comment_intends(demo.guide_llm())
    assert await app.ainvoke({"text": demo.TEXT}) == RESULT
    assert vclock.now() == 1.0
    assert graph_trace.makespan == 1.0
    graph_trace.assert_parallel("summarize", "analyze")
    graph_trace.assert_makespan(1.0)
    graph_trace.assert_order("summarize", "join")
    graph_trace.assert_order("analyze", "join")
    assert graph_trace.max_concurrency("llm") == 2
    assert graph_trace.critical_path().length == 1.0


def test_the_example_prints_both_results_with_virtual_and_real_durations() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True, timeout=60
    )
    out = done.stdout
    assert out.count(f"result: {RESULT}") == 2
    durations = re.findall(r"virtual time: (\S+) s \(makespan (\S+) s\); real time: \S+ ms", out)
    assert durations == [("2.0", "2.0"), ("1.0", "1.0")]
    assert "assert_parallel('summarize', 'analyze') FAILED:\nexpected summarize, analyze" in out
    assert out.rstrip().endswith("assert_parallel('summarize', 'analyze') passed")
