"""Every hand-written case: pinned against LangGraph, then compared with warpgraph.

The cases live in the ``_cases_*`` modules (see ``_case`` for what a case is and
docs/conformance.md for how to add one).
"""

import functools
from collections.abc import Callable
from typing import Any

import pytest

from . import (  # noqa: F401  (importing a case module registers its cases)
    _cases_branch,
    _cases_flow,
    _cases_runtime,
    _cases_state,
    _cases_subgraph,
)
from ._case import CASES, Case
from ._libs import LANGGRAPH_UNAWAITED
from ._normalize import Raised, canon
from ._runner import Oracle, mismatches, observe_oracle

pytestmark = pytest.mark.filterwarnings(LANGGRAPH_UNAWAITED)


def pinned_form(result: Any) -> Any:
    """What a pin compares: outputs canonically, errors (also inside a batch) by class name."""
    if isinstance(result, Exception):
        return type(result).__name__
    if isinstance(result, list):
        return [pinned_form(item) for item in result]
    return canon(result)


@pytest.fixture(scope="module")
def oracles() -> Callable[[Case], Oracle]:
    """LangGraph's observations of each case, run once and shared by the case's two tests."""
    return functools.cache(observe_oracle)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_langgraph_does_what_the_case_pins(case: Case, oracles: Callable[[Case], Oracle]) -> None:
    check = next(c for c in ("invoke", "ainvoke", "batch") if c in case.checks)
    result = oracles(case).raw[check]
    if case.raises is not None:
        assert isinstance(result, Exception), f"LangGraph returned {result!r}"
        assert type(result).__name__ == case.raises, repr(Raised(result))
    else:
        assert not isinstance(result, Exception), repr(Raised(result))
        assert pinned_form(result) == case.expect


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_warpgraph_matches_langgraph(case: Case, oracles: Callable[[Case], Oracle]) -> None:
    reports = mismatches(case, oracles(case))
    assert not reports, "warpgraph differs from LangGraph:\n\n" + "\n\n".join(reports)
