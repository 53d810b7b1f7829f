"""pytest glue for warpgraph: traces and workflow snapshots.

Maps onto ``warpgraph.testing``:

* fixture ``graph_trace``: a ``Trace`` subscribed (``warpgraph.observe``) for the
  whole test, so it records every run the test starts;
* fixture ``graph_snapshot``: a ``GraphSnapshot`` over that trace and the test's
  file ``__snapshots__/<module>/<test>.json``;
* option ``--graph-snapshot-update`` (group ``warpgraph``): write snapshots
  instead of comparing, and delete unused ones;
* a terminal-summary section listing snapshots written and unused;
* a "warpgraph trace" report section with the Gantt chart when a test using
  ``graph_trace`` fails for any reason other than a trace assertion (whose
  message has the chart already).

The subscription is a context variable set in a plain (sync) fixture: test code
runs in a copy of the context taken after fixture setup (pytest-asyncio 1.x
copies it when the test starts; plain asyncio tasks copy it when created), so
every run inside the test, sync or async, sees it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from warpgraph.runtime import observe
from warpgraph.testing._snapshot_store import (
    GraphSnapshot,
    ModuleTests,
    SnapshotSession,
    relative,
    snapshot_path,
)
from warpgraph.testing._trace import Trace
from warpgraph.testing._trace_assert import TraceAssertionError

_session_key = pytest.StashKey[SnapshotSession]()
_modules_key = pytest.StashKey[dict[Path, ModuleTests]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warpgraph")
    group.addoption(
        "--graph-snapshot-update",
        action="store_true",
        default=False,
        help="write the graph_snapshot file of every test that uses one instead of comparing, "
        "and delete snapshot files no test uses",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_session_key] = SnapshotSession(update=config.getoption("graph_snapshot_update"))
    config.stash[_modules_key] = {}


@pytest.fixture
def graph_trace() -> Iterator[Trace]:
    """A Trace of every graph run started during the test (see ``warpgraph.testing.Trace``)."""
    trace = Trace()
    with observe(trace):
        yield trace


@pytest.fixture
def graph_snapshot(request: pytest.FixtureRequest, graph_trace: Trace) -> GraphSnapshot:
    """Compare this test's runs with ``__snapshots__/<module>/<test>.json``: ``assert_match()``."""
    path = snapshot_path(request.node.path, _test_name(request.node))
    shown_as = relative(path, request.config.rootpath)
    return GraphSnapshot(graph_trace, request.config.stash[_session_key], path, shown_as)


def pytest_collection_finish(session: pytest.Session) -> None:
    modules = session.config.stash[_modules_key]
    here = session.config.invocation_params.dir
    narrowed = {(here / arg.split("::")[0]).resolve() for arg in session.config.args if "::" in arg}
    for item in session.items:
        tests = modules.setdefault(item.path, ModuleTests())
        tests.known.add(_test_name(item))
        tests.narrowed = tests.narrowed or item.path in narrowed


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        modules = item.config.stash.get(_modules_key, None)
        if modules is not None:
            modules.setdefault(item.path, ModuleTests()).known.add(_test_name(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.passed:
        tests = item.config.stash[_modules_key].setdefault(item.path, ModuleTests())
        tests.passed.add(_test_name(item))
    trace = getattr(item, "funcargs", {}).get("graph_trace")
    already_drawn = call.excinfo is not None and call.excinfo.errisinstance(TraceAssertionError)
    if report.when == "call" and report.failed and isinstance(trace, Trace) and not already_drawn:
        # Any failure (``vclock.now() == 1.0``, a wrong result) reads better next to the chart.
        report.sections.append(("warpgraph trace", trace.gantt()))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    modules = config.stash[_modules_key]
    lines = config.stash[_session_key].finish(modules, config.rootpath)
    if lines:
        terminalreporter.section("warpgraph snapshots")
        for line in lines:
            terminalreporter.write_line(line)


def _test_name(item: pytest.Item) -> str:
    """The test's name within its module: ``test_x[param]``, or ``TestClass.test_x``."""
    return ".".join(item.nodeid.split("::")[1:])
