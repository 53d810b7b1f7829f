"""State schemas: which keys reduce, where reducers start, what nodes receive."""

import dataclasses
import operator
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

import pydantic
import pytest

from warpgraph import START, StateGraph
from warpgraph.graph._schema import read_schema


def keep_larger(a: int, b: int) -> int:
    return max(a, b)


class Mixed(TypedDict, total=False):
    plain: str
    log: Annotated[list[str], operator.add]
    total: Annotated[int, operator.add]
    best: Annotated[int, keep_larger]
    items: Annotated[Sequence[str], operator.add]
    maybe: Annotated[int | None, keep_larger]


def test_plain_keys_are_last_value_and_annotated_keys_reduce() -> None:
    channels = read_schema(Mixed).channels
    assert channels["plain"].reducer is None
    assert channels["log"].reducer is operator.add
    assert channels["best"].reducer is keep_larger


def test_a_reducer_key_starts_from_its_types_empty_value() -> None:
    channels = read_schema(Mixed).channels
    starts = {key: (c.initial() if c.initial else None) for key, c in channels.items() if c.reducer}
    # Sequence starts as a list; a union has no empty value and starts unset.
    assert starts == {"log": [], "total": 0, "best": 0, "items": [], "maybe": None}
    assert channels["maybe"].initial is None


def test_a_graph_output_includes_reducer_keys_nobody_wrote() -> None:
    g = StateGraph(Mixed)
    g.add_node("a", lambda s: {"plain": "done"})
    g.add_edge(START, "a")
    assert g.compile().invoke({"plain": "start"}) == {
        "plain": "done",
        "log": [],
        "total": 0,
        "best": 0,
        "items": [],
    }


@dataclasses.dataclass
class DataState:
    x: int
    log: Annotated[list[str], operator.add] = dataclasses.field(default_factory=list)
    label: str = "unset"


class ModelState(pydantic.BaseModel):
    x: int
    log: Annotated[list[str], operator.add] = []


def test_dataclass_nodes_receive_the_dataclass_with_defaults_filled_in() -> None:
    seen: list[Any] = []

    def look(state: DataState) -> dict[str, Any]:
        seen.append(state)
        return {"x": state.x + 1}

    g = StateGraph(DataState)
    g.add_node("look", look)
    g.add_edge(START, "look")
    assert g.compile().invoke({"x": 1}) == {"x": 2, "log": []}
    assert seen == [DataState(x=1, log=[], label="unset")]


def test_pydantic_nodes_receive_a_validated_model() -> None:
    seen: list[Any] = []

    def look(state: ModelState) -> dict[str, Any]:
        seen.append(state)
        return {"log": [str(state.x)]}

    g = StateGraph(ModelState)
    g.add_node("look", look)
    g.add_edge(START, "look")
    assert g.compile().invoke({"x": 3}) == {"x": 3, "log": ["3"]}
    assert seen == [ModelState(x=3, log=[])]


def test_pydantic_input_is_validated_before_the_run_starts() -> None:
    g = StateGraph(ModelState)
    g.add_node("look", lambda s: None)
    g.add_edge(START, "look")
    with pytest.raises(pydantic.ValidationError, match=r"1 validation error for ModelState"):
        g.compile().invoke({"x": "seven"})


def test_a_node_annotated_with_a_narrower_schema_receives_only_those_keys() -> None:
    class Full(TypedDict):
        question: str
        secret: str

    class Narrow(TypedDict):
        question: str

    seen: list[Any] = []

    def narrow(state: Narrow) -> dict[str, Any]:
        seen.append(state)
        return {}

    g = StateGraph(Full)
    g.add_node("narrow", narrow)
    g.add_edge(START, "narrow")
    g.compile().invoke({"question": "q", "secret": "s"})
    assert seen == [{"question": "q"}]


def test_a_node_can_return_an_instance_of_the_state_schema() -> None:
    g = StateGraph(DataState)
    g.add_node("replace", lambda s: DataState(x=9, log=["r"], label="new"))
    g.add_edge(START, "replace")
    assert g.compile().invoke({"x": 1}) == {"x": 9, "log": ["r"], "label": "new"}
