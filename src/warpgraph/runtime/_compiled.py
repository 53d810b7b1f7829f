"""``CompiledGraph``: the runnable graph ``StateGraph.compile()`` returns.

Every entry point funnels into one coroutine, ``_arun``: ``ainvoke`` awaits it,
``astream`` runs it as a task feeding a queue, ``abatch`` gathers several, and
the sync methods drive those on an event loop (``_sync``). Per run it prepares
the config (LangGraph's defaults: ``recursion_limit`` 10007, an empty
``configurable``), the ``Runtime`` nodes may ask for, and, only when someone
subscribed, an ``Observer`` for run events.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import threading
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Coroutine,
    Iterable,
    Iterator,
    Sequence,
)
from typing import TYPE_CHECKING, Any

from warpgraph.errors import (
    GraphRecursionError,
    InvalidUpdateError,
    NodeTimeoutError,
    ParentCommand,
)
from warpgraph.runtime import _events as ev
from warpgraph.runtime._backpressure import stream_buffer
from warpgraph.runtime._batch import amap
from warpgraph.runtime._calls import Observer
from warpgraph.runtime._config import (
    batch_configs,
    coerce_context,
    merge_configs,
    prepare_config,
    subscribers_from,
)
from warpgraph.runtime._context import (
    RunScope,
    Runtime,
    StreamWriter,
    SubgraphStream,
    _discard,
    run_scope,
)
from warpgraph.runtime._engine import Pace, Run, Sink
from warpgraph.runtime._program import Program
from warpgraph.runtime._supervise import annotate_stop
from warpgraph.runtime._sync import iterate_sync, run_sync
from warpgraph.runtime._timeouts import run_guarded, run_timeouts

if TYPE_CHECKING:
    from warpgraph.graph._builder import StateGraph
    from warpgraph.graph._draw import DrawableGraph

__all__ = ["STREAM_MODES", "CompiledGraph"]

STREAM_MODES = frozenset({"values", "updates", "tasks", "debug", "custom"})
_NO_MODES: frozenset[str] = frozenset()
_DONE = object()
# The runtime and scope of a run with no context and nobody streaming `custom` chunks.
_PLAIN_RUNTIME: Runtime[Any] = Runtime(context=None)
_PLAIN_SCOPES = {inline: RunScope(_PLAIN_RUNTIME, inline) for inline in (False, True)}


class CompiledGraph:
    """A validated graph, ready to run; also usable as a node of another graph."""

    def __init__(self, program: Program, *, builder: StateGraph[Any]) -> None:
        self.program = program
        self.builder = builder
        self.name = program.name
        # LangGraph's Pregel.step_timeout: seconds per superstep (controls, issue 6).
        self.step_timeout: float | None = None
        # Config every run starts from (`with_config`); a run's own config wins.
        self.defaults: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<CompiledGraph {self.name!r} nodes={list(self.program.nodes)}>"

    def with_config(self, config: dict[str, Any] | None = None, **kwargs: Any) -> CompiledGraph:
        """A copy of this graph whose runs start from ``config`` (and ``kwargs``).

        As LangChain's ``Runnable.with_config``: keys a run passes win, and the two
        ``configurable`` dicts are merged.
        """
        bound = copy.copy(self)
        bound.defaults = merge_configs(self.defaults, {**(config or {}), **kwargs})
        return bound

    # -- the one engine entry point ------------------------------------------------------

    def _arun(
        self,
        data: Any,
        config: dict[str, Any] | None,
        context: Any,
        *,
        modes: frozenset[str] = _NO_MODES,
        sink: Sink | None = None,
        pace: Pace | None = None,
        inline_sync: bool | None = None,
        subgraph_stream: SubgraphStream | None = None,
    ) -> Coroutine[Any, Any, dict[str, Any] | None]:
        """The coroutine of one run, prepared now (a bad config raises here).

        Call it where the run will be awaited, or in the context its task copies: the
        enclosing run, if any, is read from that context.
        """
        parent = run_scope.get()
        run, scope, work = self._prepare(
            data, config, context, modes, sink, pace, inline_sync, subgraph_stream, parent
        )
        return self._scoped(run, scope, parent, work)

    async def _scoped(
        self,
        run: Run,
        scope: RunScope,
        parent: RunScope | None,
        work: Coroutine[Any, Any, dict[str, Any] | None],
    ) -> dict[str, Any] | None:
        """Await the run's ``work`` in its scope; say where a stopped run was.

        (With thousands of runs in flight the cyclic GC walks every waiting frame: this
        one holds only what it needs, and restores the scope by value, not through a
        held Token.)
        """
        run_scope.set(scope)
        del scope
        try:
            return await work
        except ParentCommand as command:
            if parent is None:
                raise InvalidUpdateError(
                    f"A node of graph '{self.name}' returned Command(graph=Command.PARENT), "
                    "but the graph is not running as a subgraph; drop graph=Command.PARENT"
                ) from command
            raise
        except (GraphRecursionError, NodeTimeoutError, asyncio.CancelledError) as stop:
            annotate_stop(run, stop)  # where the run was: step, nodes, trajectory (issue 6)
            raise
        finally:
            run_scope.set(parent)

    def _prepare(
        self,
        data: Any,
        config: dict[str, Any] | None,
        context: Any,
        modes: frozenset[str],
        sink: Sink | None,
        pace: Pace | None,
        inline_sync: bool | None,
        subgraph_stream: SubgraphStream | None,
        parent: RunScope | None,
    ) -> tuple[Run, RunScope, Coroutine[Any, Any, dict[str, Any] | None]]:
        """A run, the scope its nodes see, and the coroutine that executes it."""
        if self.defaults is not None:
            config = merge_configs(self.defaults, config)
        cfg = prepare_config(config)
        if inline_sync is None:
            inline_sync = parent.inline_sync if parent is not None else False
        writer: StreamWriter = _discard
        if sink is not None and "custom" in modes:
            # Only the streamed run's own nodes reach it: as in LangGraph without
            # subgraphs=True, a subgraph's custom chunks are not streamed by its parent.
            writer = _custom_writer(sink)
        if type(context) is dict and self.program.context_schema is not None:
            context = coerce_context(self.program.context_schema, context)
        if context is None and writer is _discard and subgraph_stream is None:
            runtime, scope = _PLAIN_RUNTIME, _PLAIN_SCOPES[inline_sync]  # frozen: shared
        else:
            runtime = Runtime(context=context, stream_writer=writer)
            scope = RunScope(runtime, inline_sync, subgraph_stream)
        callbacks = cfg.get("callbacks")
        subscribers = ev.active_subscribers()
        if callbacks:
            subscribers += subscribers_from(callbacks)
        observer = Observer(subscribers) if subscribers else None
        run = Run(
            self.program,
            cfg,
            runtime,
            modes=modes,
            sink=sink,
            inline_sync=inline_sync,
            observer=observer,
            pace=pace,
        )
        # Step/run timeouts (controls, issue 6); a config of only the defaults has none.
        timeouts = None
        if (config and len(cfg) > 2) or self.step_timeout is not None:
            timeouts = run_timeouts(cfg, self.step_timeout)
        # (Nothing below can raise: a coroutine made here is always awaited.)
        work = run.execute(data) if observer is None else self._observed(run, observer, data)
        if timeouts is not None:
            work = run_guarded(run, work, *timeouts)
        return run, scope, work

    async def _observed(self, run: Run, observer: Observer, data: Any) -> dict[str, Any] | None:
        loop = asyncio.get_running_loop()
        task = ev.current_task()
        observer.emit(
            ev.RunStarted(observer.run_id, self.name, task.task_id if task else None, loop.time())
        )
        try:
            result = await run.execute(data)
        except Exception as exc:
            observer.emit(ev.RunFinished(observer.run_id, loop.time(), "error", exc))
            raise
        except BaseException as exc:
            observer.emit(ev.RunFinished(observer.run_id, loop.time(), "cancelled", exc))
            raise
        observer.emit(ev.RunFinished(observer.run_id, loop.time(), "ok", output=result))
        return result

    # -- async API -----------------------------------------------------------------------

    async def ainvoke(
        self, input: Any, config: dict[str, Any] | None = None, *, context: Any = None
    ) -> dict[str, Any] | None:
        """Run the graph on ``input`` and return the final state (its output keys).

        None when the run wrote no output key, as in LangGraph.
        """
        work = self._arun(input, config, context)
        del input  # the run took what it needs: a dict built for this call can go
        return await work

    async def astream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        subgraphs: bool = False,
        buffer: int = 0,
    ) -> AsyncIterator[Any]:
        """Yield chunks while the graph runs (``updates`` by default).

        With a list of modes every chunk is a ``(mode, chunk)`` tuple. ``buffer`` is how
        many chunks the run may get ahead of a slow consumer (docs/controls.md).
        """
        # aclosing: closing this generator must close the inner one now, which cancels the
        # run, not whenever the garbage collector finalizes it (controls, issue 6).
        inner = self._astream(input, config, context, stream_mode, subgraphs, None, buffer)
        async with contextlib.aclosing(inner) as chunks:
            async for item in chunks:
                yield item

    async def _astream(
        self,
        data: Any,
        config: dict[str, Any] | None,
        context: Any,
        stream_mode: str | Sequence[str] | None,
        subgraphs: bool,
        inline_sync: bool | None,
        buffer: int = 0,
    ) -> AsyncGenerator[Any, None]:
        modes, single = _parse_modes(stream_mode, subgraphs)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = stream_buffer(buffer)  # bounded run-ahead (issue 6)
        owner = threading.get_ident()

        def put(item: Any) -> None:
            if threading.get_ident() == owner:
                queue.put_nowait(item)
            else:  # a sync node writing custom chunks from its worker thread
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def sink(mode: str, chunk: Any) -> None:
            put(chunk if single else (mode, chunk))

        def sink_for(namespace: tuple[str, ...]) -> Sink:
            # subgraphs=True: every chunk says which (sub)graph run it comes from.
            def namespaced(mode: str, chunk: Any) -> None:
                put((namespace, chunk) if single else (namespace, mode, chunk))

            return namespaced

        nested = SubgraphStream(modes, sink_for) if subgraphs else None

        task = loop.create_task(
            self._arun(
                data,
                config,
                context,
                modes=modes,
                sink=sink if nested is None else sink_for(()),
                pace=queue.join,
                inline_sync=inline_sync,
                subgraph_stream=nested,
            )
        )
        task.add_done_callback(lambda _: queue.put_nowait(_DONE))
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    break
                yield item
                queue.task_done()  # the consumer wants more: let the run go on
            task.result()
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def abatch(
        self,
        inputs: Sequence[Any],
        config: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        return_exceptions: bool = False,
        context: Any = None,
    ) -> list[Any]:
        """Run the graph once per input, concurrently; results in input order.

        ``max_concurrency`` in the config caps how many runs are in flight at once.
        """
        configs = batch_configs(config, len(inputs))
        limit = configs[0].get("max_concurrency") if configs else None
        gate = asyncio.Semaphore(limit) if limit else None

        async def one(data: Any, cfg: dict[str, Any]) -> Any:
            if gate is None:
                return await self._arun(data, cfg, context)
            async with gate:
                return await self._arun(data, cfg, context)

        coros = [one(d, c) for d, c in zip(inputs, configs, strict=True)]
        if not return_exceptions:
            return list(await asyncio.gather(*coros))
        results = await asyncio.gather(*coros, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancellation and exits are not per-input results
        return list(results)

    # -- bounded batches (controls, issue 6: runtime/_batch.py) --------------------------

    def amap(
        self,
        inputs: Iterable[Any] | AsyncIterable[Any],
        config: dict[str, Any] | None = None,
        *,
        max_in_flight: int | None = None,
        as_completed: bool = False,
        return_exceptions: bool = False,
        context: Any = None,
    ) -> AsyncIterator[Any]:
        """Run the graph on each of ``inputs`` (any iterable, even endless), with at most
        ``max_in_flight`` runs started and not yet taken; results in input order, or
        ``(index, result)`` pairs as runs finish with ``as_completed=True``."""
        return amap(
            self,
            inputs,
            config,
            max_in_flight=max_in_flight,
            as_completed=as_completed,
            return_exceptions=return_exceptions,
            context=context,
        )

    def abatch_as_completed(
        self,
        inputs: Sequence[Any],
        config: dict[str, Any] | None = None,
        *,
        return_exceptions: bool = False,
        context: Any = None,
    ) -> AsyncIterator[tuple[int, Any]]:
        """LangGraph's ``abatch_as_completed``: ``(index, result)`` as each run finishes."""
        if config is not None and not isinstance(config, dict):
            raise TypeError(
                "abatch_as_completed() takes one config dict for all inputs; for one config "
                "per input use abatch(inputs, [config, ...])"
            )
        cfg = batch_configs(config, len(inputs))[0] if inputs else dict(config or {})
        return amap(
            self,
            inputs,
            cfg,
            max_in_flight=cfg.get("max_concurrency") or max(len(inputs), 1),
            as_completed=True,
            return_exceptions=return_exceptions,
            context=context,
        )

    # -- sync API: the same engine, driven from sync code --------------------------------

    def invoke(
        self, input: Any, config: dict[str, Any] | None = None, *, context: Any = None
    ) -> dict[str, Any] | None:
        """Sync ``ainvoke``; sync nodes are called inline, async nodes awaited."""
        return run_sync(lambda: self._arun(input, config, context, inline_sync=True))

    def stream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        subgraphs: bool = False,
    ) -> Iterator[Any]:
        """Sync ``astream``."""
        return iterate_sync(
            lambda: self._astream(input, config, context, stream_mode, subgraphs, True)
        )

    def batch(
        self,
        inputs: Sequence[Any],
        config: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        return_exceptions: bool = False,
        context: Any = None,
    ) -> list[Any]:
        """Sync ``abatch``; sync nodes run in worker threads so the runs overlap.

        Without ``return_exceptions``, every run still finishes and the error raised is
        that of the first failing *input*, as LangGraph's thread-pool batch does (its
        ``abatch``, like ours, raises whichever error comes first in time).
        """
        results = run_sync(
            lambda: self.abatch(inputs, config, return_exceptions=True, context=context)
        )
        if not return_exceptions:
            for result in results:
                if isinstance(result, Exception):
                    raise result
        return results

    # -- as a node of another graph ------------------------------------------------------

    def as_node(self, node: str | None = None) -> Any:
        """The node function that runs this graph inside a parent graph's task."""
        label = node or self.name

        async def run_subgraph(state: Any, *, config: dict[str, Any]) -> dict[str, Any] | None:
            scope = run_scope.get()
            context = scope.runtime.context if scope is not None else None
            sub_config = {k: v for k, v in config.items() if k != "callbacks"}
            stream = scope.subgraph_stream if scope is not None else None
            if stream is None:
                return await self._arun(state, sub_config, context)
            namespace = (*stream.namespace, f"{label}:{uuid.uuid4()}")
            return await self._arun(
                state,
                sub_config,
                context,
                modes=stream.modes,
                sink=stream.sink_for(namespace),
                subgraph_stream=dataclasses.replace(stream, namespace=namespace),
            )

        run_subgraph.__name__ = self.name
        return run_subgraph

    def get_graph(self) -> DrawableGraph:
        """The graph's structure, for drawing (``get_graph().draw_mermaid()``)."""
        from warpgraph.graph._draw import DrawableGraph

        return DrawableGraph.from_builder(self.builder)


def _custom_writer(sink: Sink) -> Any:
    def write(chunk: Any) -> None:
        sink("custom", chunk)

    return write


def _parse_modes(
    stream_mode: str | Sequence[str] | None, subgraphs: bool
) -> tuple[frozenset[str], bool]:
    if stream_mode is None:
        stream_mode = "updates"
    single = isinstance(stream_mode, str)
    modes = frozenset([stream_mode] if isinstance(stream_mode, str) else stream_mode)
    unknown = sorted(modes - STREAM_MODES)
    if unknown:
        raise ValueError(
            f"Unknown stream_mode {unknown[0]!r}; supported modes: {sorted(STREAM_MODES)}"
        )
    return modes, single
