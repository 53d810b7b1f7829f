"""Running a case on one library, and comparing warpgraph's observations to LangGraph's.

Each check builds the graph afresh and runs it once through one public API:

=========  ==================================================  =====================
check      run                                                 compared as
=========  ==================================================  =====================
invoke     ``invoke(input, config)``                           the output or error
ainvoke    ``await ainvoke(input, config)``                    the output or error
updates    ``stream(..., stream_mode="updates")``              per-step multisets
values     ``astream(..., stream_mode="values")``              exact sequence
multi      ``stream(..., stream_mode=["updates", "values"])``  per-step multisets
listed     ``stream(..., stream_mode=["values"])``             exact sequence
custom     ``astream(..., stream_mode="custom")``              per-step multisets
tasks      ``stream(..., stream_mode="tasks")``                per-step multisets
debug      ``astream(..., stream_mode="debug")``               per-step multisets
batch      ``batch(inputs, config, return_exceptions=...)``    the list of outputs
abatch     ``await abatch(...)``                               the list of outputs
=========  ==================================================  =====================

A stream that raises is recorded as the chunks before the error plus the error.
Where a stream carries no step numbers (``updates``, ``custom``), LangGraph runs it
as ``["debug", mode]`` instead: its ``mode`` chunks are the oracle's stream, and the
debug events tell which step each chunk belongs to. Those per-step counts cut both
libraries' streams (see ``_normalize``). An ``async_only`` case runs the sync-API
checks through the async API (LangGraph refuses async nodes under ``invoke``).
"""

import asyncio
import dataclasses
import functools
import itertools
import pprint
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ._case import Case
from ._libs import LG, Lib, load_wg
from ._normalize import Raised, canon, segments_split_by, sort_key, sorted_segments, strip_volatile


@dataclass
class Stream:
    """The chunks a stream produced, then the error that ended it (if any)."""

    chunks: list[Any]
    error: BaseException | None


def _kwargs(case: Case) -> dict[str, Any]:
    return {} if case.context is None else {"context": case.context}


def _run_sync(case: Case, lib: Lib, mode: Any) -> Stream:
    chunks: list[Any] = []
    try:
        app = case.build(lib)
        for chunk in app.stream(case.input, case.config, stream_mode=mode, **_kwargs(case)):
            chunks.append(chunk)
    except Exception as error:
        return Stream(chunks, error)
    return Stream(chunks, None)


async def _run_async(case: Case, lib: Lib, mode: Any) -> Stream:
    chunks: list[Any] = []
    try:
        app = case.build(lib)
        async for chunk in app.astream(case.input, case.config, stream_mode=mode, **_kwargs(case)):
            chunks.append(chunk)
    except Exception as error:
        return Stream(chunks, error)
    return Stream(chunks, None)


def _invoke(case: Case, lib: Lib) -> Any:
    try:
        return case.build(lib).invoke(case.input, case.config, **_kwargs(case))
    except Exception as error:
        return error


async def _ainvoke(case: Case, lib: Lib) -> Any:
    try:
        return await case.build(lib).ainvoke(case.input, case.config, **_kwargs(case))
    except Exception as error:
        return error


def _batch(case: Case, lib: Lib) -> Any:
    try:
        app = case.build(lib)
        return app.batch(list(case.batch), case.config, return_exceptions=case.return_exceptions)
    except Exception as error:
        return error


async def _abatch(case: Case, lib: Lib) -> Any:
    try:
        app = case.build(lib)
        inputs = list(case.batch)
        return await app.abatch(inputs, case.config, return_exceptions=case.return_exceptions)
    except Exception as error:
        return error


#: The stream mode each stream check runs, and whether it uses the async API by default.
_STREAMS: dict[str, tuple[Any, bool]] = {
    "updates": ("updates", False),
    "multi": (["updates", "values"], False),
    "listed": (["values"], False),
    "tasks": ("tasks", False),
    "values": ("values", True),
    "custom": ("custom", True),
    "debug": ("debug", True),
}


def run_raw(case: Case, lib: Lib) -> dict[str, Any]:
    """Every check of ``case`` run on ``lib``, unnormalised.

    Checks run one after another, sync ones first, async ones inside one event loop.
    An ``async_only`` case runs sync-API checks through the async API instead.
    """
    raw: dict[str, Any] = {}
    pending: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
    for check in case.checks:
        if check in _STREAMS:
            mode, use_async = _STREAMS[check]
            if use_async or case.async_only:
                pending.append((check, functools.partial(_run_async, case, lib, mode)))
            else:
                raw[check] = _run_sync(case, lib, mode)
        elif check in {"invoke", "batch"} and not case.async_only:
            raw[check] = _invoke(case, lib) if check == "invoke" else _batch(case, lib)
        elif check in {"invoke", "ainvoke"}:
            pending.append((check, functools.partial(_ainvoke, case, lib)))
        else:
            pending.append((check, functools.partial(_abatch, case, lib)))

    async def run_pending() -> None:
        for check, run in pending:
            raw[check] = await run()

    asyncio.run(run_pending())
    return raw


def langgraph_steps(case: Case, mode: str) -> tuple[list[int], Stream]:
    """LangGraph's ``mode`` stream, and how many of its chunks each step emitted.

    Both come from one ``["debug", mode]`` run: a ``mode`` chunk belongs to the step
    of the debug event before it. After a node raised, its step is left out: which
    of that step's chunks were emitted before the error is a race.
    """
    steps: list[int] = []
    step, failed = 0, None
    if case.async_only:
        run = asyncio.run(_run_async(case, LG, ["debug", mode]))
    else:
        run = _run_sync(case, LG, ["debug", mode])
    for kind, chunk in run.chunks:
        if kind == "debug":
            step = chunk["step"]
            if chunk["type"] == "task_result" and chunk["payload"].get("error") is not None:
                failed = step if failed is None else failed
        else:
            steps.append(step)
    if failed is not None:
        steps = [s for s in steps if s < failed]
    sizes = [len(list(group)) for _, group in itertools.groupby(steps)]
    return sizes, Stream([chunk for kind, chunk in run.chunks if kind == mode], run.error)


@dataclass
class Oracle:
    """LangGraph's raw observations of a case, and its per-step chunk counts."""

    raw: dict[str, Any]
    sizes: dict[str, list[int]]


def observe_oracle(case: Case) -> Oracle:
    """Run ``case`` on LangGraph: every check, with ``updates``/``custom`` split by step."""
    modes = [mode for mode in ("updates", "custom") if mode in case.checks]
    split = {mode: langgraph_steps(case, mode) for mode in modes}
    rest = dataclasses.replace(case, checks=tuple(c for c in case.checks if c not in modes))
    raw = run_raw(rest, LG)
    raw.update({mode: stream for mode, (_, stream) in split.items()})
    return Oracle(raw, {mode: sizes for mode, (sizes, _) in split.items()})


def normalize(case: Case, raw: dict[str, Any], sizes: dict[str, list[int]]) -> dict[str, Any]:
    """``raw`` made comparable across libraries (see ``_normalize``)."""
    out: dict[str, Any] = {}
    same = case.same_message
    for check, result in raw.items():
        if not isinstance(result, Stream):
            out[check] = canon(result, same_message=same)
            continue
        error = None if result.error is None else Raised(result.error, same_message=same)
        chunks = [canon(strip_volatile(c, check), same_message=same) for c in result.chunks]
        failed = result.error is not None
        if check in {"updates", "custom"}:
            kept = chunks[: sum(sizes[check])] if failed else chunks
            body: Any = sorted_segments(kept, sizes[check])
        elif check == "multi":
            # after a failure, drop the updates of the failing step (those after the
            # last values chunk): which siblings finished first is a race
            while failed and chunks and _mode_of(chunks[-1]) != "values":
                chunks.pop()
            body = segments_split_by(chunks, _after_values, rank=_values_last)
        elif check == "tasks":
            body = segments_split_by(
                chunks,
                _start_after_result,
                drop_last=_several_tasks if failed else None,
                rank=_results_last,
            )
        elif check == "debug":
            body = _debug_by_step(chunks, drop_last=failed)
        else:
            body = chunks
        out[check] = {"chunks": body, "error": error}
    return out


def _mode_of(chunk: Any) -> Any:
    """The mode of a ``(mode, chunk)`` pair; None for anything else (a mismatch anyway)."""
    return chunk[0] if isinstance(chunk, tuple) and len(chunk) == 2 else None


def _after_values(chunk: Any, previous: Any) -> bool:
    return bool(_mode_of(previous) == "values")


def _values_last(chunk: Any) -> int:
    return int(_mode_of(chunk) == "values")


def _results_last(chunk: Any) -> int:
    return int(not _is_task_start(chunk))


def _is_task_start(chunk: Any) -> bool:
    return isinstance(chunk, dict) and "result" not in chunk and "error" not in chunk


def _start_after_result(chunk: Any, previous: Any) -> bool:
    return _is_task_start(chunk) and not _is_task_start(previous)


def _several_tasks(segment: list[Any]) -> bool:
    """Whether a step of the ``tasks`` stream started more than one task."""
    return sum(map(_is_task_start, segment)) > 1


def _debug_by_step(chunks: list[Any], *, drop_last: bool) -> list[Any]:
    """Debug events grouped by their step; with ``drop_last``, a last step of several
    tasks is dropped (after a node raised beside siblings, their results race)."""
    # steps should be ints; anything else still sorts, and then fails to compare
    steps = sorted(
        {c.get("step") for c in chunks if isinstance(c, dict)},
        key=lambda s: (type(s).__name__, s if isinstance(s, int) else repr(s)),
    )
    grouped = [
        sorted(
            (c for c in chunks if isinstance(c, dict) and c.get("step") == s),
            key=lambda c: (repr(c.get("type")), sort_key(c)),
        )
        for s in steps
    ]
    if drop_last and grouped and sum(c.get("type") == "task" for c in grouped[-1]) > 1:
        grouped.pop()
    return grouped + [c for c in chunks if not isinstance(c, dict)]


def mismatches(case: Case, oracle: Oracle | None = None, against: Lib | None = None) -> list[str]:
    """One readable report per check where warpgraph (or ``against``) differs from LangGraph."""
    oracle = observe_oracle(case) if oracle is None else oracle
    lib = load_wg() if against is None else against
    expected = normalize(case, oracle.raw, oracle.sizes)
    got = normalize(case, run_raw(case, lib), oracle.sizes)
    reports = []
    for check in case.checks:
        if expected[check] != got[check]:
            reports.append(
                f"--- {check}: LangGraph (expected)\n{pprint.pformat(expected[check])}\n"
                f"+++ {check}: warpgraph (got)\n{pprint.pformat(got[check])}"
            )
    return reports
