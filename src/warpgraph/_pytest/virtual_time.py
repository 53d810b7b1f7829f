"""pytest glue for warpgraph: virtual time.

Maps pytest onto ``warpgraph.testing``: which tests run on virtual time (the
``virtual_time`` marker, the ``vclock`` fixture, the ``virtual_time`` ini option), one
``VirtualTimeSession`` per such test, and the two ways its async code gets run:

* with pytest-asyncio (>= 1.4), through its ``pytest_asyncio_loop_factories`` hook: the
  factory hands pytest-asyncio's runner the session's loop, so the test and its async
  fixtures run there;
* without it (or for tests pytest-asyncio leaves alone), the plugin runs ``async def``
  tests and their function-scoped async fixtures on the session itself.

``virtual_time = marked`` (the default) puts only marked tests -- and tests that ask for
``vclock`` -- on virtual time; ``auto`` puts every async test there. ``auto`` is opt-in
because real network I/O under a jumping clock sees its timeouts fire early.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

import pytest

from warpgraph.testing._clock import VirtualClock
from warpgraph.testing._loop import VirtualTimeLoop
from warpgraph.testing._vt_chrono import Chronometer
from warpgraph.testing._vt_session import VirtualTimeSession

MODES = ("auto", "marked", "off")
_OPTIONS = ("start", "end", "wall_clock")
_SETUP = "_warpgraph_virtual_time"
_MODE = pytest.StashKey[str]()
_ACTIVE = pytest.StashKey[list[VirtualTimeSession]]()
_FACTORY = pytest.StashKey[Callable[[], VirtualTimeLoop]]()
_SESSION = pytest.StashKey[VirtualTimeSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warpgraph")
    group.addoption(
        "--virtual-time",
        dest="virtual_time",
        choices=MODES,
        default=None,
        help="which tests run on the virtual-time loop: auto (every async test), marked "
        "(tests marked virtual_time or using vclock), off. Overrides the ini option.",
    )
    parser.addini(
        "virtual_time",
        "which tests run on warpgraph's virtual-time loop: auto, marked (default) or off",
        default="marked",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "virtual_time(start=0, end=None, wall_clock=True): run this test on warpgraph's "
        "virtual-time loop; start is the loop's time() at the beginning, end a budget in "
        "virtual seconds, wall_clock makes time.time()/datetime.now() follow the clock "
        "(True: from the real time now; a datetime or timestamp: from there; False: off).",
    )
    mode = config.getoption("virtual_time") or config.getini("virtual_time")
    if mode not in MODES:
        raise pytest.UsageError(
            f"virtual_time = {mode!r} is not a mode; set the ini option virtual_time "
            "(or --virtual-time) to one of: auto, marked, off"
        )
    config.stash[_MODE] = mode
    config.stash[_ACTIVE] = []


def _wants_virtual_time(item: pytest.Item) -> bool:
    mode = item.config.stash[_MODE]
    if mode == "off":
        return False
    if item.get_closest_marker("virtual_time") is not None:
        return True
    if "vclock" in getattr(item, "fixturenames", ()):
        return True
    return mode == "auto" and inspect.iscoroutinefunction(getattr(item, "obj", None))


def _asyncio_runs(item: pytest.Item) -> bool:
    """Whether pytest-asyncio (if installed and enabled) runs this test itself."""
    try:
        from pytest_asyncio import is_async_test
    except ImportError:
        return False
    return is_async_test(item)


def _session_options(item: pytest.Item) -> dict[str, Any]:
    marker = item.get_closest_marker("virtual_time")
    if marker is None:
        return {}
    if marker.args:
        pytest.fail(
            f"{item.nodeid}: @pytest.mark.virtual_time takes keyword arguments only "
            f"(start=, end=, wall_clock=), got positional {marker.args!r}",
            pytrace=False,
        )
    unknown = sorted(set(marker.kwargs) - set(_OPTIONS))
    if unknown:
        pytest.fail(
            f"{item.nodeid}: @pytest.mark.virtual_time got unknown option(s) "
            f"{', '.join(unknown)}; it takes start=, end= and wall_clock=",
            pytrace=False,
        )
    return dict(marker.kwargs)


# ---- one session per test --------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # First fixture of the test, so the session exists before any async fixture needs its
    # loop, and is torn down after all of them.
    names = getattr(item, "fixturenames", None)
    if isinstance(names, list) and _SETUP not in names and _wants_virtual_time(item):
        names.insert(0, _SETUP)


@pytest.fixture
def _warpgraph_virtual_time(request: pytest.FixtureRequest) -> Iterator[VirtualTimeSession | None]:
    __tracebackhide__ = True
    item = request.node
    if not isinstance(item, pytest.Item) or not _wants_virtual_time(item):
        yield None
        return
    try:
        session = VirtualTimeSession(**_session_options(item))
    except (TypeError, ValueError) as error:
        pytest.fail(f"{item.nodeid}: @pytest.mark.virtual_time: {error}", pytrace=False)
    active = request.config.stash[_ACTIVE]
    with session:
        item.stash[_SESSION] = session
        active.append(session)
        try:
            yield session
        finally:
            active.remove(session)
            del item.stash[_SESSION]


@pytest.fixture
def vclock(_warpgraph_virtual_time: VirtualTimeSession | None) -> VirtualClock:
    """The virtual clock of this test's loop (asking for it puts the test on virtual time)."""
    __tracebackhide__ = True
    if _warpgraph_virtual_time is None:
        pytest.fail(
            "vclock needs virtual time, but virtual_time = off; set the ini option "
            "virtual_time to marked or auto (or pass --virtual-time=marked)",
            pytrace=False,
        )
    return _warpgraph_virtual_time.clock


@pytest.fixture
def chronometer() -> Chronometer:
    """Real elapsed time since the test started, for asserting the speed-up of virtual time."""
    return Chronometer()


# ---- with pytest-asyncio ---------------------------------------------------------------


@pytest.hookimpl(wrapper=True, optionalhook=True)
def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Generator[None, Mapping[str, Callable[[], Any]] | None, Mapping[str, Callable[[], Any]]]:
    factories = yield
    if _wants_virtual_time(item):
        return {"virtual_time": _loop_factory(config)}
    if factories is not None:
        return factories
    # pytest-asyncio wants a mapping from every implementation: keep its default loop.
    import asyncio

    return {"asyncio": asyncio.new_event_loop}


def _loop_factory(config: pytest.Config) -> Callable[[], VirtualTimeLoop]:
    # One callable per run, so every virtual-time test shares one parametrization value.
    factory = config.stash.get(_FACTORY, None)
    if factory is None:

        def factory() -> VirtualTimeLoop:
            active = config.stash[_ACTIVE]
            loop = active[-1].take_loop() if active else None
            # Wider loop scopes than the test's get a virtual loop of their own.
            return loop if loop is not None else VirtualTimeLoop()

        config.stash[_FACTORY] = factory
    return factory


# ---- without pytest-asyncio ------------------------------------------------------------


def _own_session(item: Any) -> VirtualTimeSession | None:
    if not isinstance(item, pytest.Item) or _asyncio_runs(item):
        return None
    return item.stash.get(_SESSION, None)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    __tracebackhide__ = True
    session = pyfuncitem.stash.get(_SESSION, None)
    if session is None:
        return None
    if _asyncio_runs(pyfuncitem):
        if session.loop is None:
            pytest.fail(_foreign_loop_message(pyfuncitem), pytrace=False)
        return None
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    # The test's own arguments, as pytest's default pyfunc_call picks them.
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    session.run(pyfuncitem.obj(**arguments))
    return True


def _foreign_loop_message(item: pytest.Function) -> str:
    if not hasattr(item.config.hook, "pytest_asyncio_loop_factories"):
        # pytest-asyncio before 1.4 cannot be given a loop: it ran the test on its own.
        return (
            f"{item.nodeid}: virtual time needs pytest-asyncio >= 1.4 (its "
            "pytest_asyncio_loop_factories hook); upgrade it with: pip install -U "
            "'pytest-asyncio>=1.4', or run with -p no:asyncio to let warpgraph run async tests"
        )
    # pytest-asyncio reused a loop from a wider scope: its clock is not this test's.
    return (
        f"{item.nodeid}: a virtual-time test needs its own loop, but pytest-asyncio runs it "
        "on a loop shared with other tests (loop_scope wider than function); give it "
        "@pytest.mark.asyncio(loop_scope='function')"
    )


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    func = fixturedef.func
    is_async = inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)
    session = _own_session(request.node) if is_async else None
    if session is None:
        return (yield)
    # Like pytest-asyncio: swap in a sync twin that runs on the test's loop, just for setup.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fixturedef, "func", _synchronized(func, session))
        return (yield)


def _synchronized(func: Callable[..., Any], session: VirtualTimeSession) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            agen = func(*args, **kwargs)
            yield session.run(agen.__anext__())
            try:
                session.run(agen.__anext__())
            except StopAsyncIteration:
                return
            session.run(agen.aclose())
            raise ValueError(
                f"async fixture {func.__name__!r} yielded more than once; "
                "an async generator fixture must yield exactly once"
            )

        return generator

    @functools.wraps(func)
    def coroutine(*args: Any, **kwargs: Any) -> Any:
        return session.run(func(*args, **kwargs))

    return coroutine
