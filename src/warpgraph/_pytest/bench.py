"""pytest glue for warpgraph: bench (``pytest --graph-bench``).

Maps options, the ``graph_bench`` marker and the ``graph_bench`` fixture onto
``warpgraph.bench.BenchSession``; all logic (measuring, analysing, writing reports)
lives there. Without ``--graph-bench``, tests marked ``graph_bench`` are skipped with
a reason; with it, only they run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from warpgraph.bench import BenchSession, BenchSettings, Case, PeerUnavailable, Result
from warpgraph.bench._workload import Call, Clock

__all__ = ["GraphBench"]

_session_key = pytest.StashKey[BenchSession]()
_progress_key = pytest.StashKey[list[int]]()  # [cases started, cases collected]
# Below this estimated duration a case runs without a progress line (unless -v).
_PROGRESS_SECONDS = 1.0
_SKIP_REASON = "graph benchmark: run it with `pytest --graph-bench`"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warpgraph")
    group.addoption(
        "--graph-bench",
        action="store_true",
        default=False,
        help="run the benchmarks (tests marked graph_bench) and write reports",
    )
    group.addoption(
        "--graph-bench-report",
        metavar="DIR",
        default="reports",
        help="directory for graph-bench.{json,md,html} (default: reports)",
    )
    group.addoption(
        "--graph-bench-compare",
        metavar="PATH",
        default=None,
        help="a saved graph-bench.json to compare against (the baseline)",
    )
    group.addoption(
        "--graph-bench-fail",
        metavar="EXPR",
        action="append",
        default=[],
        help="fail on a significant regression beyond a threshold, per metric or "
        "workload: e.g. overhead_per_node:10%% (comma-separated, repeatable)",
    )
    group.addoption(
        "--graph-bench-quick",
        action="store_true",
        default=False,
        help="small sizes and short timing budgets (for CI; under a minute)",
    )
    group.addoption(
        "--graph-bench-peers",
        metavar="LIST",
        default="warpgraph,asyncio,langgraph",
        help="peers to measure (default: warpgraph,asyncio,langgraph)",
    )
    group.addoption(
        "--graph-bench-timer",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: time rounds by this process's CPU time, which other processes on a busy "
        "machine cannot inflate (default); wall: by the wall clock",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "graph_bench: a benchmark, run only under `pytest --graph-bench`; time an async "
        "callable with the graph_bench fixture: graph_bench(lambda: app.ainvoke(inputs))",
    )
    try:
        settings = BenchSettings.parse(
            enabled=config.getoption("graph_bench"),
            report_dir=config.getoption("graph_bench_report"),
            compare=config.getoption("graph_bench_compare"),
            fail=config.getoption("graph_bench_fail"),
            quick=config.getoption("graph_bench_quick"),
            peers=config.getoption("graph_bench_peers"),
            timer=config.getoption("graph_bench_timer"),
            base=config.invocation_params.dir,
        )
        session = BenchSession(settings)
        if settings.enabled:
            session.load_baseline()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[_session_key] = session
    config.stash[_progress_key] = [0, 0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    session = config.stash[_session_key]
    marked = [item for item in items if item.get_closest_marker("graph_bench")]
    if not session.settings.enabled:
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=_SKIP_REASON))
        return
    # Under --graph-bench only benchmarks run, as with pytest-benchmark's --benchmark-only.
    others = [item for item in items if not item.get_closest_marker("graph_bench")]
    if others:
        config.hook.pytest_deselected(items=others)
        items[:] = marked
    config.stash[_progress_key][1] = len(marked)
    # pytest-benchmark reads its timer from a `benchmark` marker; an item's own marker wins.
    timer = pytest.mark.benchmark(timer=session.settings.timer_function)
    for item in marked:
        item.add_marker(timer, append=True)
    hook = config.hook
    session.machine_info = hook.pytest_benchmark_generate_machine_info(config=config) or {}
    session.commit_info = hook.pytest_benchmark_generate_commit_info(config=config) or {}


def _progress(config: pytest.Config) -> Callable[[str, float], None]:
    """A writer of one progress line per long case, shown live despite output capture."""
    counter = config.stash[_progress_key]
    counter[0] += 1
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def write(message: str, seconds: float) -> None:
        if reporter is None or (seconds < _PROGRESS_SECONDS and config.option.verbose < 1):
            return
        disabled = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with disabled:
            reporter.write_line(f"graph-bench [{counter[0]}/{counter[1]}] {message}")

    return write


class GraphBench:
    """The ``graph_bench`` fixture: time an async callable (once per test)."""

    def __init__(self, session: BenchSession, request: pytest.FixtureRequest) -> None:
        self._session = session
        self._node = request.node
        # pytest-benchmark's fixture, requested only once a case passed its check.
        self._benchmark = lambda: request.getfixturevalue("benchmark")

    def __call__(
        self,
        call: Call,
        *,
        size: int = 1,
        unit: str = "call",
        metric: str = "time_per_call",
        clock: Clock = "real",
        min_rounds: int = 5,
        check: Callable[[Any], None] | None = None,
        name: str | None = None,
    ) -> Result:
        """Time ``call()`` (a zero-argument callable returning an awaitable) per call.

        ``check`` receives the first result and raises if it is wrong; ``size`` and
        ``unit`` give per-unit times in the report (e.g. ``size=100, unit="node"``).
        """
        __tracebackhide__ = True
        return self._session.measure_call(
            call,
            self._benchmark,
            _progress(self._node.config),
            name=name or self._node.name,
            fullname=self._node.nodeid,
            size=size,
            unit=unit,
            metric=metric,
            clock=clock,
            min_rounds=min_rounds,
            check=check,
        )

    def case(self, case: Case) -> Result:
        """Measure one built-in case; skips with the reason when its peer cannot run here."""
        __tracebackhide__ = True
        try:
            return self._session.measure_case(
                case,
                self._benchmark,
                _progress(self._node.config),
                name=self._node.name,
                fullname=self._node.nodeid,
            )
        except PeerUnavailable as error:
            pytest.skip(str(error))


@pytest.fixture
def graph_bench(request: pytest.FixtureRequest) -> GraphBench:
    """Time an async callable on a persistent loop through pytest-benchmark."""
    return GraphBench(request.config.stash[_session_key], request)


@pytest.fixture(scope="session")
def graph_bench_settings(pytestconfig: pytest.Config) -> BenchSettings:
    """The parsed ``--graph-bench*`` options (quick mode, peers, report directory...)."""
    return pytestconfig.stash[_session_key].settings


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    bench = session.config.stash.get(_session_key, None)
    if bench is None or not bench.settings.enabled:
        return
    from pytest_benchmark import __version__

    analysis = bench.finish(__version__)
    if analysis is not None and analysis.failures and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    bench = config.stash.get(_session_key, None)
    if bench is None or not bench.settings.enabled:
        return
    write = terminalreporter.write_line
    terminalreporter.section("graph-bench")
    if bench.analysis is None:
        write("nothing was measured; no report written")
        return
    for target in bench.analysis.targets:
        write(f"{target.status:>12}  {target.goal}: {target.measured}")
    for note in bench.analysis.notes:
        write(f"note: {note}", yellow=True)
    for rule in bench.analysis.unmatched_rules:
        write(rule, yellow=True)
    for failure in bench.analysis.failures:
        write(f"REGRESSION {failure}", red=True, bold=True)
    write("reports: " + ", ".join(str(path) for path in bench.written))
