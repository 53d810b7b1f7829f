import pytest

import warpgraph
from warpgraph import errors


def test_every_error_derives_from_the_one_root() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.WarpgraphError), name


@pytest.mark.parametrize(
    ("error", "base"),
    [
        (errors.GraphRecursionError, RecursionError),
        (errors.InvalidUpdateError, ValueError),
        (errors.EmptyInputError, ValueError),
        (errors.GraphBuildError, ValueError),
        (errors.NodeTimeoutError, TimeoutError),
        (errors.RunTimeoutError, TimeoutError),
    ],
)
def test_errors_keep_the_builtin_bases_langgraph_users_catch(
    error: type[Exception], base: type[Exception]
) -> None:
    assert issubclass(error, base)


def test_public_names_are_sorted_and_exported() -> None:
    assert warpgraph.__all__ == sorted(warpgraph.__all__)
    for name in warpgraph.__all__:
        assert hasattr(warpgraph, name), name
