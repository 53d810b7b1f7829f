"""Every hand-written case: pinned against LangGraph, then compared with warpgraph.

The cases live in the ``_cases_*`` modules (see ``_case`` for what a case is and
docs/conformance.md for how to add one).
"""

import pytest

from . import _cases_branch, _cases_flow, _cases_state  # noqa: F401  (registers cases)
from ._case import CASES, Case
from ._libs import LG
from ._normalize import Raised, canon
from ._runner import mismatches, run_raw


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_langgraph_does_what_the_case_pins(case: Case) -> None:
    check = "ainvoke" if case.async_only else "invoke"
    pinned = Case(**{**vars(case), "checks": (check,)})
    result = run_raw(pinned, LG)[check]
    if case.raises is not None:
        assert isinstance(result, Exception), f"LangGraph returned {result!r}"
        assert type(result).__name__ == case.raises, repr(result)
    else:
        assert not isinstance(result, Exception), repr(Raised(result))
        assert canon(result) == case.expect


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_warpgraph_matches_langgraph(case: Case) -> None:
    reports = mismatches(case)
    assert not reports, "warpgraph differs from LangGraph:\n\n" + "\n\n".join(reports)
