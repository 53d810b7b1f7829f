"""Hypothesis strategies drawing the ``GraphSpec``s of ``_random_graphs``.

Every choice is a plain draw, so a failing example shrinks towards fewer nodes,
edges and features. What keeps the examples deterministic on LangGraph itself (the
oracle must not race with itself):

* a ``Send`` never targets a node that sends (by branch or ``Command``), so
  parallel tasks never compound;
* a graph has at most one source of errors inside a step: one node that may fail
  (``NodeFailure`` for some totals, or a ``Flaky`` that outlasts its retries), or
  one subgraph; every other flaky node always succeeds within its retries;
* only a node that never runs as several tasks at once escalates with
  ``Command.PARENT``;
* ``batch`` raises the first error by input order only in the sync API: ``abatch``
  and async graphs batch with ``return_exceptions=True``;
* the ``custom`` check never meets ``max_concurrency=1`` (LangGraph 1.2's sync
  stream deadlocks on it).
"""

import dataclasses
from typing import Any

from hypothesis import strategies as st

from ._random_graphs import (
    END,
    SCHEMA_KEYS,
    VALUE_KEYS,
    BranchSpec,
    Flaky,
    GraphSpec,
    NodeSpec,
    RetrySpec,
    Schemas,
    attempts_for,
)

EXTRA_CHECKS = ["multi", "tasks", "debug", "custom", "batch"]


@st.composite
def graph_specs(
    draw: st.DrawFn, max_nodes: int = 6, parent_names: list[str] | None = None
) -> GraphSpec:
    """Random ``GraphSpec``s; see ``_random_graphs`` for what they contain.

    With ``parent_names`` the spec is a subgraph's: its nodes are named ``s0``...,
    none of them raises, and one may send ``Command.PARENT`` to a parent node.
    """
    count = draw(st.integers(1, max_nodes))
    # half the graphs are all-sync, so the sync API gets its share of examples
    may_be_async = draw(st.booleans())
    names = [f"{'n' if parent_names is None else 's'}{i}" for i in range(count)]
    targets = st.sampled_from([*names, END])

    # which nodes send (by branch or Command) decides which nodes may be sent to
    senders = set(draw(st.lists(st.sampled_from(["__start__", *names]), max_size=2, unique=True)))
    send_targets = [n for n in names if n not in senders]

    branches = []
    branch_sources = draw(st.lists(st.sampled_from(["__start__", *names]), max_size=3, unique=True))
    for source in sorted(set(branch_sources) | senders):
        sends = source in senders and bool(send_targets)
        sendable = send_targets if sends else []
        branches.append(draw(_branches(source, names, targets, sendable, may_be_async)))

    entry = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if not entry and not any(b.source == "__start__" for b in branches):
        entry = [names[0]]
    nodes = [
        draw(_nodes(name, _later(names, i), may_be_async, send_targets if name in senders else []))
        for i, name in enumerate(names)
    ]
    if parent_names is None:
        # at most one source of errors, a failing node or a subgraph (which may hit
        # the recursion limit, or escalate): with two, which surfaces first is a race
        failing = draw(st.none() | st.sampled_from(names))
        if failing is not None:
            index = names.index(failing)
            nodes[index] = draw(_failing(nodes[index]))
        else:
            nodes = draw(_with_subgraph(nodes, send_targets))
            escalated_to = {n.name for n in nodes if n.subgraph and _escalates(n.subgraph)}
            # LangGraph 1.2 runs the conditional edges of a subgraph node that got a
            # Command.PARENT synchronously, so an async router there raises TypeError
            branches = [
                dataclasses.replace(b, is_async=False) if b.source in escalated_to else b
                for b in branches
            ]
    else:
        # one node, never run as several Send tasks at once, may escalate to the parent
        escalating = draw(
            st.none() | st.sampled_from([n for n in names if n not in send_targets] or names)
        )
        if escalating is not None and escalating not in send_targets:
            index = names.index(escalating)
            goto = draw(st.lists(st.sampled_from(parent_names), min_size=1, max_size=2).map(tuple))
            nodes[index] = dataclasses.replace(nodes[index], parent_goto=goto)
    # plain edges and Command gotos point forward (or to END), so loops come from
    # conditional edges, whose state-dependent choice often leaves the loop
    edges = draw(
        st.lists(
            st.integers(0, count - 1).flatmap(
                lambda i: st.tuples(st.just(names[i]), _later(names, i))
            ),
            max_size=count + 1,
        )
    )
    waiting: list[tuple[tuple[str, ...], str]] = []
    if count > 1:
        sources = st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True)
        waiting = draw(st.lists(st.tuples(sources.map(tuple), st.sampled_from(names)), max_size=2))
    extra_check = draw(st.none() | st.sampled_from(EXTRA_CHECKS))
    max_concurrency = draw(st.none() | st.integers(1, 3))
    if extra_check == "custom" and max_concurrency == 1:
        # LangGraph 1.2's sync stream deadlocks on the custom mode at max_concurrency=1
        max_concurrency = None
    spec = GraphSpec(
        nodes=tuple(nodes),
        entry=tuple(entry),
        edges=tuple(dict.fromkeys(edges)),
        waiting=tuple(waiting),
        branches=tuple(branches),
        recursion_limit=draw(st.integers(5, 14)),
        max_concurrency=max_concurrency,
        start_total=draw(st.integers(0, 5)),
        start_v0=draw(st.none() | st.integers(0, 3)),
        extra_check=extra_check,
        schemas=draw(st.none() | _SCHEMAS),
        start_note=draw(st.booleans()),
    )
    if extra_check == "batch":
        # an async graph runs `batch` as `abatch` anyway; a sync one may take either
        sync = not spec.is_async and draw(st.booleans())
        spec = dataclasses.replace(
            spec,
            extra_check="batch" if sync else "abatch",
            batch_totals=tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=2))),
            # first-error-wins is input order in sync batch, a race in abatch (both libraries)
            return_exceptions=not sync or draw(st.booleans()),
        )
    return spec


_KEYS = st.none() | st.lists(st.sampled_from(SCHEMA_KEYS), max_size=3, unique=True).map(tuple)
#: input and output schemas: each absent, or declaring 0-3 keys
_SCHEMAS = st.builds(Schemas, _KEYS, _KEYS, st.booleans())


@st.composite
def _failing(draw: st.DrawFn, node: NodeSpec) -> NodeSpec:
    """``node`` as the graph's one failing node: ``NodeFailure`` for some totals, and
    sometimes ``Flaky`` on more attempts, even beyond what its policies allow."""
    flaky = draw(st.integers(node.flaky, 3)) if draw(_QUARTER) else node.flaky
    return dataclasses.replace(node, fails_at=draw(st.integers(0, 3)), flaky=flaky)


@st.composite
def _with_subgraph(
    draw: st.DrawFn, nodes: list[NodeSpec], send_targets: list[str]
) -> list[NodeSpec]:
    """``nodes``, one of which may be replaced by a compiled subgraph of 1-3 nodes."""
    if draw(st.integers(0, 2)) != 0:
        return nodes
    index = draw(st.integers(0, len(nodes) - 1))
    parents = [n.name for n in nodes]
    sub = draw(graph_specs(max_nodes=3, parent_names=parents))
    if nodes[index].name in send_targets:
        # several Send tasks of one subgraph escalating at once would race
        sub = dataclasses.replace(
            sub, nodes=tuple(dataclasses.replace(n, parent_goto=None) for n in sub.nodes)
        )
    nodes[index] = dataclasses.replace(
        nodes[index], subgraph=sub, goto=None, fails_at=None, flaky=0, reads=None
    )
    return nodes


def _escalates(spec: GraphSpec) -> bool:
    return any(n.parent_goto is not None for n in spec.nodes)


def _later(names: list[str], index: int) -> st.SearchStrategy[str]:
    """A node after ``names[index]``, or END."""
    return st.sampled_from([*names[index + 1 :], END])


# Strategies every node draws from, built once: building one per draw costs more
# (hypothesis validates each new strategy) than drawing from it.
_RETRY_ON = ["default", "flaky", "tuple", "predicate", "other"]
_POLICIES = st.lists(
    st.builds(RetrySpec, st.integers(1, 3), st.sampled_from(_RETRY_ON)), max_size=2
).map(tuple)
_FLAKY = st.integers(0, 2)
_DELTA = st.integers(0, 3)
_VALUE_KEY = st.none() | st.sampled_from(VALUE_KEYS)
_WRITES = st.sampled_from(["update"] * 6 + ["none", "overwrite"])
_EIGHTH = st.integers(0, 7).map(lambda n: n == 0)
_QUARTER = st.integers(0, 3).map(lambda n: n == 0)
_READS = st.lists(st.sampled_from(SCHEMA_KEYS), max_size=3, unique=True).map(tuple)
_YIELDS = st.integers(0, 2)


@st.composite
def _retry(draw: st.DrawFn) -> tuple[tuple[RetrySpec, ...], int]:
    """Retry policies (none, one or two) and a ``flaky`` count they always outlast.

    A quarter of the nodes draw policies: most graphs then have one node or two with
    some, and retries do not make every example slow."""
    policies: tuple[RetrySpec, ...] = draw(_POLICIES) if draw(_QUARTER) else ()
    return policies, draw(_FLAKY) % attempts_for(policies, Flaky)


@st.composite
def _nodes(
    draw: st.DrawFn,
    name: str,
    targets: st.SearchStrategy[str],
    may_be_async: bool,
    send_targets: list[str],
) -> NodeSpec:
    is_async = may_be_async and draw(st.booleans())
    goto: st.SearchStrategy[Any] = targets
    if send_targets:
        sends = st.tuples(st.just("send"), st.sampled_from(send_targets), st.integers(0, 9))
        goto = targets | sends
    retry, flaky = draw(_retry())
    reads = draw(_READS) if draw(_EIGHTH) else None
    return NodeSpec(
        name=name,
        is_async=is_async,
        delta=draw(_DELTA),
        value_key=draw(_VALUE_KEY),
        writes=draw(_WRITES),
        goto=draw(st.none() | st.lists(goto, min_size=1, max_size=3).map(tuple)),
        defer=draw(_EIGHTH),
        yields=draw(_YIELDS) if is_async else 0,
        fails_at=None,
        custom=draw(st.booleans()),
        flaky=flaky,
        retry=retry,
        reads=reads,
    )


@st.composite
def _branches(
    draw: st.DrawFn,
    source: str,
    names: list[str],
    targets: st.SearchStrategy[str],
    send_targets: list[str],
    may_be_async: bool,
) -> BranchSpec:
    name_outcome = targets.map(lambda n: ("name", n))
    names_outcome = st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).map(
        lambda ns: ("names", tuple(ns))
    )
    outcome = name_outcome | names_outcome
    if send_targets:
        sends = st.lists(
            st.tuples(st.sampled_from(send_targets), st.integers(0, 9)), min_size=0, max_size=3
        )
        extra = st.none() | st.sampled_from(names)
        outcome = outcome | st.tuples(st.just("sends"), sends.map(tuple), extra)
    outcomes = tuple(draw(st.lists(outcome, min_size=1, max_size=3)))
    only_names = all(o[0] == "name" for o in outcomes)
    no_sends = all(o[0] != "sends" for o in outcomes)
    path_maps: list[str | None] = [None]
    if no_sends:
        path_maps.append("list")
    if only_names:
        path_maps.append("dict")
    return BranchSpec(
        source=source,
        outcomes=outcomes,
        path_map=draw(st.sampled_from(path_maps)),
        is_async=may_be_async and draw(st.integers(0, 3)) == 0,
    )


__all__ = ["graph_specs"]
