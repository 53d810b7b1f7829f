"""The comparison rules themselves: what counts as the same observation on both sides."""

import langgraph.errors
import pydantic

from ._libs import LG, load_wg
from ._normalize import Obj, Raised, canon, segments_split_by, sorted_segments


def test_langgraph_errors_match_warpgraph_errors_of_the_same_name() -> None:
    wg = load_wg()
    assert Raised(LG.GraphRecursionError("a")) == Raised(wg.GraphRecursionError("b"))
    assert Raised(LG.InvalidUpdateError("a")) == Raised(wg.InvalidUpdateError("b"))
    assert Raised(LG.GraphRecursionError("a")) != Raised(wg.InvalidUpdateError("a"))


def test_a_warpgraph_error_must_keep_the_builtin_bases_of_langgraphs() -> None:
    class GraphRecursionError(Exception):
        """Right name, but not a RecursionError."""

    assert Raised(langgraph.errors.GraphRecursionError()) != Raised(GraphRecursionError())


def test_other_errors_match_by_class_or_subclass() -> None:
    wg = load_wg()
    assert Raised(ValueError("lg")) == Raised(wg.InvalidUpdateError("wg"))
    assert Raised(KeyError("k")) != Raised(ValueError("k"))


def test_same_message_compares_messages_of_non_langgraph_errors_only() -> None:
    assert Raised(KeyError("a"), same_message=True) != Raised(KeyError("b"))
    assert Raised(KeyError("a"), same_message=True) == Raised(KeyError("a"))
    wg = load_wg()
    assert Raised(LG.EmptyInputError("a"), same_message=True) == Raised(wg.EmptyInputError("b"))


def test_library_objects_compare_by_class_name_and_documented_fields() -> None:
    wg = load_wg()
    assert canon(LG.Send("n", {"x": 1})) == canon(wg.Send("n", {"x": 1}))
    assert canon(LG.Send("n", {"x": 1})) != canon(wg.Send("n", {"x": 2}))
    assert (
        canon(LG.Overwrite([1])) == canon(wg.Overwrite([1])) == Obj("Overwrite", (("value", [1]),))
    )


def test_a_model_never_equals_the_dict_of_its_fields() -> None:
    class Model(pydantic.BaseModel):
        x: int

    assert canon(Model(x=1)) != {"x": 1}


def test_chunks_compare_per_step_as_multisets() -> None:
    assert sorted_segments(["b", "a", "c"], [2, 1]) == sorted_segments(["a", "b", "c"], [2, 1])
    assert sorted_segments(["c", "a", "b"], [2, 1]) != sorted_segments(["a", "b", "c"], [2, 1])


def test_a_stream_of_another_length_never_matches() -> None:
    assert sorted_segments(["a"], [2]) != sorted_segments(["a", "a"], [2])


def test_a_values_chunk_closes_a_step_of_a_multi_mode_stream() -> None:
    chunks = [("values", 0), ("updates", "b"), ("updates", "a"), ("values", 1)]
    swapped = [("values", 0), ("updates", "a"), ("updates", "b"), ("values", 1)]
    after_values = lambda chunk, previous: previous[0] == "values"  # noqa: E731
    assert segments_split_by(chunks, after_values) == segments_split_by(swapped, after_values)
    assert segments_split_by(chunks, after_values) == [
        [("values", 0)],
        [("updates", "a"), ("updates", "b"), ("values", 1)],
    ]
