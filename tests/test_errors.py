from types import ModuleType

import pytest

import warpgraph
import warpgraph.graph
import warpgraph.runtime
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
        (errors.InvalidNodeError, TypeError),
        (errors.NodeTimeoutError, TimeoutError),
        (errors.RunTimeoutError, TimeoutError),
    ],
)
def test_errors_keep_the_builtin_bases_langgraph_users_catch(
    error: type[Exception], base: type[Exception]
) -> None:
    assert issubclass(error, base)


def _isort_style(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions; each alphabetical.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("module", [warpgraph, warpgraph.graph, warpgraph.runtime, errors])
def test_public_names_are_sorted_and_exported(module: ModuleType) -> None:
    assert module.__all__ == sorted(module.__all__, key=_isort_style)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_the_top_level_surface_is_exactly_its_all() -> None:
    public = {
        name
        for name, value in vars(warpgraph).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and name != "annotations"  # the `from __future__ import annotations` feature flag
    }
    assert public == set(warpgraph.__all__)


def test_the_langgraph_names_users_import_are_all_there() -> None:
    from warpgraph import (  # noqa: F401
        END,
        START,
        Command,
        GraphRecursionError,
        InvalidUpdateError,
        Overwrite,
        RetryPolicy,
        Runtime,
        Send,
        StateGraph,
        get_stream_writer,
    )
