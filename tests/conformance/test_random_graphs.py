"""The conformance property: random graphs behave on warpgraph exactly as on LangGraph.

For every generated graph (see ``_random_graphs``) the final output, the ``updates``
stream and the ``values`` stream must match LangGraph's, or both must raise the same
error class. Graphs with async nodes or routers run through the async API.

Settings come from a hypothesis profile chosen by ``WARPGRAPH_CONFORMANCE_PROFILE``:

* ``ci`` (default): 200 examples, derandomized (the same examples on every run),
  no deadline (timings on a shared machine are noisy), no example database, and no
  shrinking: shrinking a failure can take minutes, so CI reports the example as found;
* ``shrink``: the same examples, and a failure is shrunk to a minimal graph: run this
  to debug a CI failure;
* ``deep``: 2000 random examples with the database on, for hunting by hand (the
  test's timeout is lifted: they take minutes).
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings

from ._libs import LANGGRAPH_UNAWAITED
from ._random_graphs import GraphSpec
from ._random_strategies import graph_specs
from ._runner import mismatches

CI = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.register_profile("conformance-ci", CI)
settings.register_profile("conformance-shrink", CI, phases=list(Phase))
settings.register_profile(
    "conformance-deep",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = "conformance-" + os.environ.get("WARPGRAPH_CONFORMANCE_PROFILE", "ci")

pytestmark = [pytest.mark.filterwarnings(LANGGRAPH_UNAWAITED)]
if PROFILE == "conformance-deep":
    # 2000 examples take two minutes or more on a shared machine: past pytest-timeout's 120 s
    pytestmark.append(pytest.mark.timeout(0))


@settings(settings.get_profile(PROFILE))
@given(spec=graph_specs())
def test_random_graphs_behave_as_on_langgraph(spec: GraphSpec) -> None:
    note(f"graph spec: {spec!r}")
    reports = mismatches(spec.as_case())
    hint = "(WARPGRAPH_CONFORMANCE_PROFILE=shrink finds a minimal graph that fails)"
    assert not reports, f"warpgraph differs from LangGraph {hint}:\n\n" + "\n\n".join(reports)
