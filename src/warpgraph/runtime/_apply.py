"""The pure parts of a superstep: apply its writes, and plan the next one.

A step's tasks never see each other's writes: each returns a list of
``(key, value)`` writes, and only when all have finished are the writes applied,
task by task in *apply order* (node tasks sorted by name, then ``Send`` tasks in
the order they were sent), never in completion order. Each key's channel decides
how its writes combine: a last-value key accepts one write per step, a reducer
key folds every write in with ``reducer(current, new)``; ``Overwrite(v)`` on a
reducer key replaces the value (and, as in LangGraph, later plain writes to that
key in the same step are dropped).

Planning is as pure: who runs next follows from the finished tasks' static
edges, waiting edges (barriers), branch results and ``Command.goto``.
These functions do no I/O and touch only the dicts they are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from warpgraph.errors import InvalidUpdateError
from warpgraph.runtime._program import MISSING, Barrier, Channel, NodeSpec, Program
from warpgraph.runtime._types import OVERWRITE, Overwrite, Send

__all__ = ["Writes", "apply_update", "apply_writes", "plan_step", "route"]

# One task's result for applying: (task's node name, its writes in the order it made them).
Writes = tuple[str, Sequence[tuple[str, Any]]]


def apply_writes(
    channels: dict[str, Channel], values: dict[str, Any], tasks: Sequence[Writes], step: int
) -> set[str]:
    """Apply ``tasks``' writes to ``values`` in the given order; return the keys updated.

    ``values`` holds only keys that have a value. It is mutated in place, key by
    key, after every conflict check of that key passed.
    """
    by_key: dict[str, list[Any]] = {}
    for _, writes in tasks:
        for key, value in writes:
            bucket = by_key.get(key)
            if bucket is None:
                by_key[key] = [value]
            else:
                bucket.append(value)
    for key, pending in by_key.items():
        reducer = channels[key].reducer
        if reducer is None:
            if len(pending) > 1:
                raise _conflict(key, tasks, step)
            value = pending[0]
            values[key] = value.value if type(value) is Overwrite else value
            continue
        current = values.get(key, MISSING)
        overwritten = False
        for value in pending:
            if type(value) is dict:
                value = _overwrite_from_dict(value)
            if type(value) is Overwrite:
                if overwritten:
                    raise InvalidUpdateError(
                        f"At key '{key}': received more than one Overwrite in step {step}; "
                        "write Overwrite(...) to a key from one task per step"
                    )
                current, overwritten = value.value, True
            elif not overwritten:
                current = value if current is MISSING else reducer(current, value)
        values[key] = current
    return set(by_key)


def apply_update(program: Program, values: dict[str, Any], update: dict[str, Any]) -> None:
    """Apply the dict returned by the only task of a step (the hot path of chains).

    One task cannot conflict with itself through a dict, so each key takes one write:
    a last-value key is a plain assignment, a reducer key one ``reducer(current, new)``
    (the same rules as ``apply_writes``, without its per-key grouping: wide states
    write hundreds of keys per step). The run's input is applied the same way.
    """
    reducers = program.reducers
    get = values.get
    for key, value in update.items():
        kind = type(value)
        if key not in reducers:
            values[key] = value.value if kind is Overwrite else value
            continue
        if kind is dict:
            value = _overwrite_from_dict(value)
            kind = type(value)
        if kind is Overwrite:
            values[key] = value.value
        else:
            current = get(key, MISSING)
            values[key] = value if current is MISSING else reducers[key](current, value)


def _overwrite_from_dict(value: dict[Any, Any]) -> Any:
    """LangGraph's serialized overwrites, as an ``Overwrite``; other dicts unchanged."""
    if len(value) == 1 and OVERWRITE in value:
        return Overwrite(value[OVERWRITE])
    if len(value) == 2 and value.get("type") == OVERWRITE and "value" in value:
        return Overwrite(value["value"])
    return value


def _conflict(key: str, tasks: Sequence[Writes], step: int) -> InvalidUpdateError:
    writers = [name for name, writes in tasks for k, _ in writes if k == key]
    who = " and ".join(f"'{w}'" for w in writers)
    return InvalidUpdateError(
        f"At key '{key}': can receive only one value per step, but {who} wrote it in step "
        f"{step}. Give the key a reducer, e.g. Annotated[list, operator.add], "
        "or write it from one node per step"
    )


def route(
    program: Program,
    finished: Iterable[tuple[NodeSpec, Sequence[str], Sequence[Send]]],
    barrier_seen: dict[int, set[str]],
    ran: Iterable[NodeSpec] = (),
) -> tuple[set[str], list[Send]]:
    """Who is triggered by ``finished`` tasks (in apply order): node names and Sends.

    Each item is (node, extra targets from branches and Command.goto, Sends).
    ``barrier_seen`` (by barrier index, the sources that arrived at each waiting
    edge; no entry while none has) is updated in place, as LangGraph's barrier
    channels behave: a new arrival is recorded; a waiting edge whose sources have
    all arrived fires when the last one arrives; it stays full (further arrivals
    change nothing) until a node task of its target runs (``ran``, the step's node
    tasks) and consumes it.
    """
    # A barrier's `seen` only ever holds names from its `sources`: equal sizes mean full.
    for node in ran:
        for barrier in node.joins:
            seen = barrier_seen.get(barrier.index)
            if seen is not None and len(seen) == len(barrier.sources):
                del barrier_seen[barrier.index]
    triggered: set[str] = set()
    sends: list[Send] = []
    changed: dict[int, Barrier] = {}  # by index: a 1,000-way join is checked once, not 1,000x
    for node, gotos, node_sends in finished:
        triggered.update(node.edges)
        if gotos:
            triggered.update(gotos)
        if node_sends:
            sends.extend(node_sends)
        for barrier in node.barriers:
            seen = barrier_seen.setdefault(barrier.index, set())
            if node.name not in seen:
                seen.add(node.name)
                changed[barrier.index] = barrier
    for barrier in changed.values():
        full = len(barrier_seen[barrier.index]) == len(barrier.sources)
        if full and barrier.target in program.nodes:
            triggered.add(barrier.target)  # (a waiting edge into END fires nothing)
    return triggered, sends


def plan_step(
    program: Program, triggered: set[str], sends: Sequence[Send], deferred: set[str]
) -> tuple[list[NodeSpec], Sequence[Send]]:
    """The next step's node tasks (sorted by name) and Send tasks.

    A ``defer=True`` node that is triggered waits in ``deferred`` (updated in
    place) until a step would otherwise have no node task; then all waiting
    deferred nodes run. As in LangGraph, pending Send tasks do not hold it back.
    """
    nodes = program.nodes
    pull: list[NodeSpec] = []
    for name in sorted(triggered):
        node = nodes[name]
        if node.defer:
            deferred.add(name)
        else:
            pull.append(node)
    if not pull and deferred:
        pull = [nodes[name] for name in sorted(deferred)]
        deferred.clear()
    return pull, sends
