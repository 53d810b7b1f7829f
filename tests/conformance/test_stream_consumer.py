"""A stream runs only as far as its consumer reads, on both libraries.

Breaking out of ``stream``/``astream`` after the first chunk stops the run: the
nodes that ran before the break are a side effect, so this sits outside the case
machinery. No sleeps are needed: a sync generator is closed as soon as the loop
drops it, and ``asyncio.run`` closes async generators before it returns.
"""

import asyncio
from typing import Any

import pytest

from ._libs import LG, Lib, load_wg
from ._nodes import Log


def chain(lib: Lib, ran: list[str]) -> Any:
    def node(name: str) -> Any:
        def run(state: Any) -> Any:
            ran.append(name)
            return {"log": [name]}

        return run

    g = lib.StateGraph(Log)
    for name in "abc":
        g.add_node(name, node(name))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    return g.compile()


def ran_before_break(lib: Lib, mode: str, *, use_async: bool) -> list[str]:
    ran: list[str] = []
    app = chain(lib, ran)
    if use_async:

        async def first_chunk() -> None:
            async for _ in app.astream({"x": 0}, stream_mode=mode):
                break

        asyncio.run(first_chunk())
    else:
        for _ in app.stream({"x": 0}, stream_mode=mode):
            break
    return ran


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize(
    ("mode", "expected"),
    # the first values chunk is the input, before any node; the first update is a's
    [("values", []), ("updates", ["a"])],
)
def test_breaking_out_of_a_stream_stops_the_run_as_in_langgraph(
    mode: str, expected: list[str], use_async: bool
) -> None:
    assert ran_before_break(LG, mode, use_async=use_async) == expected
    assert ran_before_break(load_wg(), mode, use_async=use_async) == expected
