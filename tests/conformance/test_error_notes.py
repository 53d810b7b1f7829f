"""A node's exception propagates with a note naming the task that raised it.

LangGraph adds ``During task with name '<node>' and id '<task id>'`` to the
exception's ``__notes__`` (shown under the traceback). Task ids differ between the
libraries by design, so the id is normalised away; the rest must match.
"""

import re
from typing import Any

import pytest

from ._libs import LG, Lib, load_wg
from ._nodes import Log, NodeFailure, append


def failing_graph(lib: Lib) -> Any:
    def boom(state: Any) -> Any:
        raise NodeFailure("boom")

    g = lib.StateGraph(Log)
    g.add_node("ok", append("ok"))
    g.add_node("boom", boom)
    g.add_edge(lib.START, "ok")
    g.add_edge("ok", "boom")
    return g.compile()


def notes_of(lib: Lib) -> list[str]:
    with pytest.raises(NodeFailure) as raised:
        failing_graph(lib).invoke({"x": 0})
    notes = getattr(raised.value, "__notes__", [])
    return [re.sub(r"and id '[^']*'", "and id '<id>'", note) for note in notes]


def test_a_node_error_carries_a_note_naming_its_task_as_in_langgraph() -> None:
    expected = notes_of(LG)
    assert expected == ["During task with name 'boom' and id '<id>'"]
    assert notes_of(load_wg()) == expected
