"""Random graphs for the conformance property: the spec (plain data) and its builder.

A ``GraphSpec`` is plain data (so hypothesis can shrink it and print it): nodes,
plain edges, waiting edges, conditional edges, entry edges, the input, the config
(``recursion_limit``, sometimes ``max_concurrency``), sometimes an input and an
output schema, and one optional extra check (``multi``, ``tasks``, ``debug``,
``custom``: half the nodes write to the custom stream, or ``batch``: the graph run
on several inputs at once) besides output, ``updates`` and ``values``.
``build(spec)`` turns it into the same graph on either library; the strategies that
draw specs are in ``_random_strategies``.

Every node logs ``"<name>@<total>"`` to ``log`` (``operator.add``; sometimes as an
``Overwrite``), adds its ``delta`` to ``total`` (``operator.add`` on ints) and may
write ``total`` to a custom ``max`` reducer key or to one of two *shared* last-value
keys, so two nodes writing the same one in a step raise ``InvalidUpdateError`` on
both sides; a few nodes return ``None``, and one may raise ``NodeFailure`` for
some values of ``total``. A node may wrap its update in ``Command(goto=...)``, with
names, ``END`` and ``Send``s. Routing functions are deterministic functions of the
state they see: ``(total + len(log) + v0) % len(outcomes)`` (a ``log`` that is no
list counts as 7) picks an outcome, which is a node name, ``END``, a list of names,
or ``Send``s (possibly mixed with a name).

A node may read the state through its own input schema (``reads``): it and its
routers then see only those keys, the routers also the keys the node returned.

A node may be *flaky*: each of its tasks raises ``Flaky`` on its first ``flaky``
attempts, and the node may carry ``RetryPolicy``s (zero waits, no jitter, so a
retry costs no time on either library) that do or do not cover ``Flaky`` and
``NodeFailure``. A node with a policy logs ``"<name>@<total>#<attempt>"``, and its
custom chunks name the attempt, so the number of attempts is compared too.

Runaway growth is kept out by construction: a ``Send`` may only target a node that
sends nothing itself (by branch or ``Command``), so parallel tasks never compound;
loops still happen and end at the recursion limit (``GraphRecursionError`` on both).
"""

import asyncio
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict, get_type_hints

from ._case import Case
from ._libs import Lib
from ._nodes import NodeFailure

END = "__end__"  # stands for the library's END in specs; both libraries spell it so
#: Keys a node may write its ``total`` to: two shared last-value keys, one custom reducer.
VALUE_KEYS = ("v0", "v1", "best")
#: Keys an input or output schema may declare: the state's, and ``note``, which the
#: state lacks (a channel only the schemas know: it flows from the input to the output).
SCHEMA_KEYS = ("log", "total", "best", "v0", "v1", "note")


def larger(left: int, right: int) -> int:
    return max(left, right)


class RandomState(TypedDict):
    log: Annotated[list[str], operator.add]
    total: Annotated[int, operator.add]
    best: Annotated[int, larger]
    v0: int
    v1: int


#: Each schema key's annotation: the state's (reducers included), and ``note``'s.
_ANNOTATIONS: dict[str, Any] = {**get_type_hints(RandomState, include_extras=True), "note": str}
#: The same without reducers: a schema may declare a reducer key as a plain type.
_PLAIN: dict[str, Any] = {**get_type_hints(RandomState), "note": str}


class Flaky(Exception):
    """What a flaky node raises on its first attempts (LangGraph's default retries it)."""


def is_flaky(error: Exception) -> bool:
    """A ``retry_on`` predicate."""
    return isinstance(error, Flaky)


@dataclass(frozen=True)
class RetrySpec:
    """A ``RetryPolicy`` that never waits: ``initial_interval=0``, no jitter."""

    max_attempts: int
    #: "default" (LangGraph's predicate: retries Flaky and NodeFailure), "flaky" (the
    #: class), "tuple" ((KeyError, Flaky)), "predicate" (is_flaky) or "other" (KeyError)
    retry_on: str

    def covers(self, error: type[Exception]) -> bool:
        if self.retry_on == "default":
            return True  # Flaky and NodeFailure are plain Exceptions, which it retries
        return error is Flaky and self.retry_on != "other"

    def build(self, lib: Lib) -> Any:
        retry_on: Any = {"flaky": Flaky, "tuple": (KeyError, Flaky), "predicate": is_flaky}
        retry_on["other"] = KeyError
        options: dict[str, Any] = {"max_attempts": self.max_attempts}
        if self.retry_on != "default":
            options["retry_on"] = retry_on[self.retry_on]
        return lib.RetryPolicy(initial_interval=0.0, jitter=False, **options)


def attempts_for(policies: tuple[RetrySpec, ...], error: type[Exception]) -> int:
    """How many attempts a task failing with ``error`` each time gets: the first
    policy covering it decides; with none, one."""
    return next((p.max_attempts for p in policies if p.covers(error)), 1)


@dataclass(frozen=True)
class NodeSpec:
    name: str
    is_async: bool
    delta: int
    value_key: str | None
    writes: str  # "update" (a dict), "none" (returns None) or "overwrite" (Overwrite on log)
    #: return Command(goto=...) with these targets: names, END or ("send", node, arg_total)
    goto: tuple[Any, ...] | None
    defer: bool
    yields: int  # async nodes give the loop this many turns, to shuffle completion order
    fails_at: int | None  # raise NodeFailure when total % 4 equals this
    custom: bool = False  # write {"node": name, "total": total} to the custom stream
    #: in a subgraph: return Command(graph=PARENT, goto=...) to these parent nodes
    parent_goto: tuple[str, ...] | None = None
    #: the node is this graph, compiled (same state schema), instead of a function
    subgraph: "GraphSpec | None" = None
    flaky: int = 0  # each task raises Flaky on its first `flaky` attempts
    retry: tuple[RetrySpec, ...] = ()  # add_node(retry_policy=...): one policy, or a list
    #: add_node(input_schema=...) declaring these keys: what the node and its routers read
    reads: tuple[str, ...] | None = None


#: An outcome of a routing function: ("name", n) | ("names", (n, ...)) |
#: ("sends", ((target, arg_total), ...), extra_name_or_None)
Outcome = tuple[Any, ...]


@dataclass(frozen=True)
class BranchSpec:
    source: str  # a node name or "__start__"
    outcomes: tuple[Outcome, ...]
    path_map: str | None  # None, "list" or "dict"
    is_async: bool


@dataclass(frozen=True)
class Schemas:
    """``StateGraph(State, input_schema=..., output_schema=...)``: the keys each
    declares (None: no such schema), with the state's reducers or as plain types."""

    input_keys: tuple[str, ...] | None
    output_keys: tuple[str, ...] | None
    reducers: bool

    def build(self) -> dict[str, Any]:
        types = _ANNOTATIONS if self.reducers else _PLAIN
        out: dict[str, Any] = {}
        schemas = {"input_schema": self.input_keys, "output_schema": self.output_keys}
        for option, keys in schemas.items():
            if keys is not None:
                out[option] = TypedDict(option, {k: types[k] for k in keys})  # type: ignore[misc]
        return out


@dataclass(frozen=True)
class GraphSpec:
    nodes: tuple[NodeSpec, ...]
    entry: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    waiting: tuple[tuple[tuple[str, ...], str], ...]
    branches: tuple[BranchSpec, ...]
    recursion_limit: int
    max_concurrency: int | None
    start_total: int
    start_v0: int | None
    #: one more check per example, so every stream mode and batch meet random graphs
    extra_check: str | None
    schemas: Schemas | None = None
    #: the input also carries ``note`` (a key of no state: kept only by an input schema)
    start_note: bool = False
    #: with the ``batch`` check: the start totals of the inputs after the first
    batch_totals: tuple[int, ...] = ()
    return_exceptions: bool = True

    @property
    def is_async(self) -> bool:
        return (
            any(n.is_async for n in self.nodes)
            or any(b.is_async for b in self.branches)
            or any(n.subgraph.is_async for n in self.nodes if n.subgraph is not None)
        )

    def start(self, total: int) -> dict[str, Any]:
        start: dict[str, Any] = {"log": [], "total": total}
        if self.start_v0 is not None:
            start["v0"] = self.start_v0
        if self.start_note:
            start["note"] = "hi"
        return start

    def as_case(self) -> Case:
        checks = ("invoke", "updates", "values")
        config: dict[str, Any] = {"recursion_limit": self.recursion_limit}
        if self.max_concurrency is not None:
            config["max_concurrency"] = self.max_concurrency
        totals = (self.start_total, *self.batch_totals)
        return Case(
            name="random_graph",
            build=lambda lib: build(self, lib),
            input=self.start(self.start_total),
            config=config,
            checks=checks if self.extra_check is None else (*checks, self.extra_check),
            batch=tuple(self.start(t) for t in totals) if self.extra_check == "batch" else (),
            return_exceptions=self.return_exceptions,
            async_only=self.is_async,
            same_message=True,
        )


def _node(spec: NodeSpec, lib: Lib) -> Callable[[Any], Any]:
    # Attempts per task: a task is known by its input, a fresh object per task on both
    # libraries and the same one for each of its attempts (kept alive, so ids stay unique).
    attempts: dict[int, int] = {}
    inputs: list[Any] = []

    def attempt_of(state: Any) -> int:
        if not spec.flaky and not spec.retry:
            return 1
        attempt = attempts.get(id(state), 0) + 1
        if attempt == 1:
            inputs.append(state)
        attempts[id(state)] = attempt
        return attempt

    def update(state: Any) -> dict[str, Any] | None:
        # a Send's argument is a partial state, hence .get
        total = state.get("total", 0)
        attempt = attempt_of(state)
        if spec.custom:
            chunk = {"node": spec.name, "total": total}
            lib.get_stream_writer()(chunk if not spec.retry else {**chunk, "attempt": attempt})
        if attempt <= spec.flaky:
            # the same message from every task of the node: each fails on the same attempts
            raise Flaky(f"{spec.name} failed on attempt {attempt}")
        if spec.fails_at is not None and total % 4 == spec.fails_at:
            # the same message from every task of the node: two may fail in one step
            raise NodeFailure(f"{spec.name} failed")
        if spec.writes == "none":
            return None
        entry = [f"{spec.name}@{total}" + (f"#{attempt}" if spec.retry else "")]
        out: dict[str, Any] = {"log": entry, "total": spec.delta}
        if spec.writes == "overwrite":
            out["log"] = lib.Overwrite(entry)
        if spec.value_key is not None:
            out[spec.value_key] = total
        return out

    def target(goto: Any) -> Any:
        if isinstance(goto, tuple):
            return lib.Send(goto[1], {"total": goto[2]})
        return lib.END if goto == END else goto

    def result(state: Any) -> Any:
        if spec.parent_goto is not None:
            goto = list(spec.parent_goto)
            return lib.Command(graph=lib.Command.PARENT, goto=goto, update=update(state))
        if spec.goto is None:
            return update(state)
        return lib.Command(goto=[target(g) for g in spec.goto], update=update(state))

    if not spec.is_async:
        return result

    async def run(state: Any) -> Any:
        for _ in range(spec.yields):
            await asyncio.sleep(0)
        return result(state)

    return run


def _route(spec: BranchSpec, lib: Lib) -> Any:
    def resolve(outcome: Outcome, index: int) -> Any:
        kind = outcome[0]
        if spec.path_map == "dict":
            return f"o{index}"  # the path_map dict translates labels to nodes
        if kind == "name":
            return lib.END if outcome[1] == END else outcome[1]
        if kind == "names":
            return list(outcome[1])
        sends: list[Any] = [lib.Send(target, {"total": arg}) for target, arg in outcome[1]]
        return sends if outcome[2] is None else [outcome[2], *sends]

    def route(state: Any) -> Any:
        # A router of a node with its own input schema sees the node's update for keys
        # that schema lacks: `log` may then be an Overwrite (counted as 7, not len()-ed,
        # so the router never raises: a failed task's result differs, docs/differences.md)
        log = state.get("log", [])
        size = len(log) if isinstance(log, list) else 7
        seen = state.get("total", 0) + size + state.get("v0", 0)
        index = seen % len(spec.outcomes)
        return resolve(spec.outcomes[index], index)

    if not spec.is_async:
        return route

    async def aroute(state: Any) -> Any:
        await asyncio.sleep(0)
        return route(state)

    return aroute


def _path_map(spec: BranchSpec, lib: Lib) -> Any:
    def target(name: str) -> str:
        return lib.END if name == END else name

    if spec.path_map == "dict":
        return {f"o{i}": target(o[1]) for i, o in enumerate(spec.outcomes)}
    if spec.path_map == "list":
        names = {n for o in spec.outcomes for n in ([o[1]] if o[0] == "name" else o[1])}
        return [target(n) for n in sorted(names)]
    return None


def build(spec: GraphSpec, lib: Lib) -> Any:
    """The graph ``spec`` describes, built with ``lib``."""
    g = lib.StateGraph(RandomState, **(spec.schemas.build() if spec.schemas else {}))
    for node in spec.nodes:
        runnable = _node(node, lib) if node.subgraph is None else build(node.subgraph, lib)
        options: dict[str, Any] = {}
        if node.reads is not None:
            fields = {k: _PLAIN[k] for k in node.reads}
            options["input_schema"] = TypedDict("Reads", fields)  # type: ignore[misc]
        if node.retry:
            policies = [p.build(lib) for p in node.retry]
            options["retry_policy"] = policies[0] if len(policies) == 1 else policies
        g.add_node(node.name, runnable, defer=node.defer, **options)
    for name in spec.entry:
        g.add_edge(lib.START, name)
    for source, target in spec.edges:
        g.add_edge(source, lib.END if target == END else target)
    for sources, target in spec.waiting:
        g.add_edge(list(sources), target)
    for branch in spec.branches:
        source = lib.START if branch.source == "__start__" else branch.source
        g.add_conditional_edges(source, _route(branch, lib), _path_map(branch, lib))
    return g.compile()
