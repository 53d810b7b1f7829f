"""Cases about the state: reducers, ``Overwrite``, schema kinds, input and output schemas."""

import dataclasses
import operator
from typing import Annotated, Any, TypedDict

import pydantic

from ._case import case
from ._libs import Lib
from ._nodes import Log, append, increment

EVERY_STREAM = ("multi", "tasks", "debug")


def merge(left: dict[str, int], right: dict[str, int]) -> dict[str, int]:
    """A custom reducer: key-wise sum of two counters."""
    return {k: left.get(k, 0) + right.get(k, 0) for k in left.keys() | right.keys()}


def larger(left: int, right: int) -> int:
    return max(left, right)


class Counters(TypedDict):
    counts: Annotated[dict[str, int], merge]
    best: Annotated[int, larger]


@case(input={"x": 0, "log": ["input"]}, expect={"x": 0, "log": ["input", "a", "b"]})
def a_reducer_key_folds_the_input_and_every_update(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_sequence([append("a"), append("b")])
    g.add_edge(lib.START, "a")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b1", "b2", "c1", "c2"]}, also=EVERY_STREAM)
def a_reducer_key_takes_several_writes_in_one_step(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", lambda state: {"log": ["b1", "b2"]})
    g.add_node("c", lambda state: {"log": ["c1", "c2"]})
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    return g.compile()


@case(
    input={"counts": {"a": 1}, "best": 3},
    expect={"counts": {"a": 3, "b": 1}, "best": 7},
    also=EVERY_STREAM,
)
def custom_reducers_combine_parallel_writes(lib: Lib) -> Any:
    g = lib.StateGraph(Counters)
    g.add_node("left", lambda state: {"counts": {"a": 1}, "best": 7})
    g.add_node("right", lambda state: {"counts": {"a": 1, "b": 1}, "best": 2})
    g.add_edge(lib.START, "left")
    g.add_edge(lib.START, "right")
    return g.compile()


@case(input={"x": 0, "log": ["old"]}, expect={"x": 0, "log": ["fresh", "after"]}, also=EVERY_STREAM)
def overwrite_replaces_a_reducer_value_instead_of_folding(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("reset", lambda state: {"log": lib.Overwrite(["fresh"])})
    g.add_node("after", append("after"))
    g.add_edge(lib.START, "reset")
    g.add_edge("reset", "after")
    return g.compile()


@case(input={"x": 0}, raises="InvalidUpdateError")
def two_overwrites_of_one_key_in_one_step_are_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: {"log": lib.Overwrite(["a"])})
    g.add_node("b", lambda state: {"log": lib.Overwrite(["b"])})
    g.add_edge(lib.START, "a")
    g.add_edge(lib.START, "b")
    return g.compile()


@dataclasses.dataclass
class DataState:
    x: int
    log: Annotated[list[str], operator.add] = dataclasses.field(default_factory=list)
    label: str = "unset"


def data_step(state: DataState) -> dict[str, Any]:
    # nodes of a dataclass state receive the dataclass, with defaults filled in
    assert isinstance(state, DataState), type(state)
    return {"x": state.x + 1, "log": [state.label]}


@case(input={"x": 1}, expect={"x": 3, "log": ["unset", "unset"]}, also=EVERY_STREAM)
def a_dataclass_state_reaches_nodes_as_the_dataclass(lib: Lib) -> Any:
    g = lib.StateGraph(DataState)
    g.add_node("one", data_step)
    g.add_node("two", data_step)
    g.add_edge(lib.START, "one")
    g.add_edge("one", "two")
    return g.compile()


class ModelState(pydantic.BaseModel):
    x: int
    log: Annotated[list[str], operator.add] = []
    label: str = "unset"


def model_step(state: ModelState) -> dict[str, Any]:
    # nodes of a pydantic state receive a validated model, with defaults filled in
    assert isinstance(state, ModelState), type(state)
    return {"x": state.x * 2, "log": [state.label]}


@case(input={"x": 3}, expect={"x": 12, "log": ["unset", "unset"]}, also=EVERY_STREAM)
def a_pydantic_state_reaches_nodes_as_a_model(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("one", model_step)
    g.add_node("two", model_step)
    g.add_edge(lib.START, "one")
    g.add_edge("one", "two")
    return g.compile()


@case(input={"x": "7"}, expect={"x": 14, "log": ["unset"]})
def a_pydantic_state_coerces_its_input(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("one", model_step)
    g.add_edge(lib.START, "one")
    return g.compile()


@case(input={"x": "seven"}, raises="ValidationError", checks=("invoke", "ainvoke", "values"))
def a_pydantic_state_rejects_input_it_cannot_validate(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("one", model_step)
    g.add_edge(lib.START, "one")
    return g.compile()


@case(input={"x": 1}, raises="ValidationError", also=("multi",))
def a_pydantic_state_fails_when_the_next_node_reads_an_invalid_update(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("bad", lambda state: {"x": "not a number"})
    g.add_node("reader", model_step)
    g.add_edge(lib.START, "bad")
    g.add_edge("bad", "reader")
    return g.compile()


@case(input=ModelState(x=2, label="in"), expect={"x": 4, "log": ["in"], "label": "in"})
def a_pydantic_state_takes_a_model_instance_as_input(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("one", model_step)
    g.add_edge(lib.START, "one")
    return g.compile()


@case(input={"x": 1}, expect={"x": 7, "log": ["from model"], "label": "unset"})
def a_pydantic_node_may_return_a_model_instance_as_its_update(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("one", lambda state: ModelState(x=7, log=["from model"]))
    g.add_edge(lib.START, "one")
    return g.compile()


@case(
    input=DataState(x=1, label="dc"),
    expect={"x": 9, "log": ["dc", "from dataclass"], "label": "dc"},
)
def a_dataclass_node_may_return_a_dataclass_instance_as_its_update(lib: Lib) -> Any:
    g = lib.StateGraph(DataState)
    g.add_node("one", data_step)
    g.add_node("two", lambda state: DataState(x=9, log=["from dataclass"], label=state.label))
    g.add_edge(lib.START, "one")
    g.add_edge("one", "two")
    return g.compile()


class Private(TypedDict):
    question: str
    scratch: str
    answer: str


class Question(TypedDict):
    question: str


class Answer(TypedDict):
    answer: str


def build_with_schemas(lib: Lib, **schemas: Any) -> Any:
    g = lib.StateGraph(Private, **schemas)
    g.add_node("think", lambda state: {"scratch": state["question"].upper()})
    g.add_node("reply", lambda state: {"answer": state["scratch"] + "!"})
    g.add_edge(lib.START, "think")
    g.add_edge("think", "reply")
    return g.compile()


@case(input={"question": "why"}, expect={"answer": "WHY!"}, also=EVERY_STREAM)
def input_and_output_schemas_narrow_the_input_and_the_output(lib: Lib) -> Any:
    return build_with_schemas(lib, input_schema=Question, output_schema=Answer)


@case(
    input={"question": "why", "scratch": "ignored"},
    expect={"question": "why", "scratch": "WHY", "answer": "WHY!"},
)
def keys_outside_the_input_schema_are_dropped_from_the_input(lib: Lib) -> Any:
    return build_with_schemas(lib, input_schema=Question)


@case(input={"question": "how"}, expect={"answer": "HOW!"}, also=("multi",))
def an_output_schema_narrows_the_output_but_not_the_values_stream(lib: Lib) -> Any:
    return build_with_schemas(lib, output_schema=Answer)


@case(input={"x": 0, "extra": "dropped"}, expect={"x": 1, "log": ["a"]})
def input_keys_unknown_to_the_state_are_dropped(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", increment("a"))
    g.add_edge(lib.START, "a")
    return g.compile()


@case(input={"log": ["in"]}, expect={"log": ["in", "a"]})
def a_key_never_written_is_missing_from_the_output(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_edge(lib.START, "a")
    return g.compile()


@case(input={"x": 0}, raises="InvalidUpdateError")
def a_node_returning_a_list_instead_of_a_dict_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: [("x", 2), ("x", 5)])
    g.add_edge(lib.START, "a")
    return g.compile()


def keep_max(left: int | None, right: int) -> int:
    return right if left is None else max(left, right)


class Folded(TypedDict, total=False):
    """Reducer keys whose types start from different defaults (or from none)."""

    best: Annotated[int | None, keep_max]
    tags: Annotated[set[str], operator.or_]
    text: Annotated[str, operator.add]


@case(
    input={"tags": {"a"}},
    expect={"best": 3, "tags": {"a", "b"}, "text": "xy"},
    also=EVERY_STREAM,
)
def reducer_keys_start_from_the_default_of_their_type(lib: Lib) -> Any:
    g = lib.StateGraph(Folded)
    g.add_node("one", lambda state: {"best": 3, "tags": {"b"}, "text": "x"})
    g.add_node("two", lambda state: {"text": "y"})
    g.add_edge(lib.START, "one")
    g.add_edge("one", "two")
    return g.compile()


class QuestionModel(pydantic.BaseModel):
    question: str


@dataclasses.dataclass
class AnswerRecord:
    answer: str


@case(input={"question": "mix"}, expect={"answer": "MIX!"})
def schemas_of_different_kinds_mix_as_input_and_output(lib: Lib) -> Any:
    return build_with_schemas(lib, input_schema=QuestionModel, output_schema=AnswerRecord)


# LangGraph does not validate the input against a pydantic input schema of a
# TypedDict state: the int reaches the node, whose .upper() fails.
@case(input={"question": 5}, raises="AttributeError")
def a_pydantic_input_schema_does_not_validate_the_input(lib: Lib) -> Any:
    return build_with_schemas(lib, input_schema=QuestionModel)


@case(input={"label": "no x"}, raises="ValidationError")
def a_pydantic_state_rejects_input_missing_a_required_field(lib: Lib) -> Any:
    g = lib.StateGraph(ModelState)
    g.add_node("one", model_step)
    g.add_edge(lib.START, "one")
    return g.compile()


class Record(TypedDict):
    """Keys named like the volatile keys of task events, which must still be compared."""

    id: str
    timestamp: int
    triggers: list[str]


@case(
    input={"id": "r1", "timestamp": 0, "triggers": []},
    expect={"id": "r1-done", "timestamp": 1, "triggers": ["stamp"]},
    also=EVERY_STREAM,
)
def state_keys_named_id_or_timestamp_are_compared_like_any_other(lib: Lib) -> Any:
    g = lib.StateGraph(Record)
    g.add_node(
        "stamp",
        lambda state: {"id": state["id"] + "-done", "timestamp": 1, "triggers": ["stamp"]},
    )
    g.add_edge(lib.START, "stamp")
    return g.compile()


# LangGraph's invoke returns the last `values` chunk of the output keys, and a run
# that never writes one emits none: the output is None, not {} (nor the reducer
# defaults of a seeded key such as `log`). One write, even of an empty list, counts.


def thinker(lib: Lib, **schemas: Any) -> Any:
    """The schema graph without its `reply` node: nothing ever writes `answer`."""
    g = lib.StateGraph(Private, **schemas)
    g.add_node("think", lambda state: {"scratch": state["question"].upper()})
    g.add_edge(lib.START, "think")
    return g.compile()


@case(
    input={"question": "why"},
    expect=None,
    also=("ainvoke", "multi", "batch", "abatch"),
    batch=[{"question": "a"}, {"question": "b"}],
)
def a_run_that_writes_no_output_key_returns_none(lib: Lib) -> Any:
    return thinker(lib, output_schema=Answer)


@case(input={"question": "why", "answer": "given"}, expect={"answer": "given"})
def an_output_key_written_only_by_the_input_is_returned(lib: Lib) -> Any:
    return thinker(lib, output_schema=Answer)


@case(input={}, expect=None, also=("multi", "abatch"), batch=[{}, {"x": 1}])
def a_run_writing_nothing_returns_none_though_a_reducer_key_has_a_default(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("quiet", lambda state: None)
    g.add_node("quieter", lambda state: None)
    g.add_edge(lib.START, "quiet")
    g.add_edge("quiet", "quieter")
    return g.compile()


@case(input={}, expect={"log": []}, also=("multi", "tasks"))
def writing_an_empty_list_to_a_reducer_key_counts_as_output(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("quiet", lambda state: None)
    g.add_node("empty", lambda state: {"log": []})
    g.add_edge(lib.START, "quiet")
    g.add_edge("quiet", "empty")
    return g.compile()
