"""What a node returned, read as the step applies it: writes, goto targets, Sends.

A node may return a dict of state updates, None, a ``Command`` (an update plus
``goto``, or ``graph=Command.PARENT`` for the graph above), a ``Send`` (a goto), a
list mixing Commands and dicts, or anything the state schema can turn into an
update (a pydantic model, a dataclass). ``read_result`` turns each into one
``Outcome``, checking every key and every target against the graph, so a mistake
is reported with the node's name and the fix, before anything is applied.
``targets`` does the same for what a conditional edge returned.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from warpgraph.errors import InvalidUpdateError, ParentCommand
from warpgraph.runtime._program import Branch, NodeSpec, Program
from warpgraph.runtime._types import END, Command, Send

__all__ = ["Outcome", "read_result", "targets"]

# A task's (writes, goto targets, Sends).
Outcome = tuple[Sequence[tuple[str, Any]], Sequence[str], Sequence[Send]]

_NO_SENDS: tuple[Send, ...] = ()
_NO_GOTOS: tuple[str, ...] = ()


def read_result(program: Program, node: NodeSpec, result: Any) -> Outcome:
    """Turn what a node returned into (writes, goto targets, Sends)."""
    if node.is_subgraph and type(result) is dict:
        # A subgraph's output: keep the keys this graph shares with it.
        channels = program.channels
        result = {k: v for k, v in result.items() if k in channels}
    if type(result) is dict:
        return _checked(program, node, result), _NO_GOTOS, _NO_SENDS
    if result is None:
        return (), _NO_GOTOS, _NO_SENDS
    if isinstance(result, Command):
        return _command(program, node, result)
    if isinstance(result, Send):  # as LangGraph: a returned Send is a goto
        return (), _NO_GOTOS, targets(program, node.name, "Node", [result], None)[1]
    if isinstance(result, (list, tuple)) and any(isinstance(c, Command) for c in result):
        return _mixed(program, node, result)
    if isinstance(result, dict):
        return _checked(program, node, result), _NO_GOTOS, _NO_SENDS
    converted = program.read_update(result)
    if converted is None:
        raise InvalidUpdateError(
            f"Node '{node.name}' returned {result!r} ({type(result).__name__}); "
            "a node must return a dict of state updates, a Command, or None"
        )
    return _checked(program, node, converted), _NO_GOTOS, _NO_SENDS


def _mixed(program: Program, node: NodeSpec, items: Sequence[Any]) -> Outcome:
    """A list holding Commands: each Command and each dict counts, in order.

    Anything else in the list (a Send, None) is ignored, as LangGraph ignores it.
    """
    writes: list[tuple[str, Any]] = []
    gotos: list[str] = []
    sends: list[Send] = []
    for item in items:
        if isinstance(item, Command):
            w, g, s = _command(program, node, item)
            writes += w
            gotos += g
            sends += s
        elif isinstance(item, dict):
            writes += _checked(program, node, item)
    return writes, gotos, sends


def _checked(program: Program, node: NodeSpec, update: dict[str, Any]) -> list[tuple[str, Any]]:
    channels = program.channels
    if not channels.keys() >= update.keys():
        unknown = next(k for k in update if k not in channels)
        raise InvalidUpdateError(
            f"Node '{node.name}' wrote unknown state key '{unknown}'; known keys: "
            f"{sorted(channels)}. Add '{unknown}' to the state schema or drop it "
            "from the update"
        )
    return list(update.items())


def _command(program: Program, node: NodeSpec, command: Command) -> Outcome:
    if command.graph == Command.PARENT:
        raise ParentCommand(Command(update=command.update, goto=command.goto))
    if command.graph is not None:
        raise InvalidUpdateError(
            f"Node '{node.name}' returned Command(graph={command.graph!r}); only "
            "graph=None (this graph) and graph=Command.PARENT are supported"
        )
    update = command.update
    if update is None:
        writes: list[tuple[str, Any]] = []
    elif isinstance(update, dict):
        writes = _checked(program, node, update)
    elif isinstance(update, (list, tuple)):
        writes = _checked_pairs(program, node, update)
    else:
        converted = program.read_update(update)
        if converted is None:
            raise InvalidUpdateError(
                f"Node '{node.name}' returned Command(update={update!r}); the update "
                "must be a dict, a list of (key, value) pairs, or None"
            )
        writes = _checked(program, node, converted)
    goto = command.goto
    items = [goto] if isinstance(goto, (str, Send)) else list(goto)
    gotos, sends = targets(program, node.name, "Command.goto", items, None)
    return writes, gotos, sends


def _checked_pairs(program: Program, node: NodeSpec, pairs: Sequence[Any]) -> list[tuple[str, Any]]:
    writes = [(k, v) for k, v in pairs]
    _checked(program, node, dict(writes))
    return writes


def targets(
    program: Program,
    source: str,
    what: str,
    items: Sequence[Any],
    branch: Branch | None,
) -> tuple[list[str], list[Send]]:
    """Validate goto/branch results: names become node triggers, Sends become tasks."""
    nodes = program.nodes
    gotos: list[str] = []
    sends: list[Send] = []
    for item in items:
        if isinstance(item, Send):
            if item.node not in nodes:
                raise InvalidUpdateError(
                    f"{what} of '{source}' sent Send to unknown node '{item.node}'; "
                    f"known nodes: {sorted(nodes)}"
                )
            sends.append(item)
            continue
        target = item
        mapped = branch is not None and branch.path_map is not None
        if not isinstance(item, str) and not (mapped and isinstance(item, Hashable)):
            raise InvalidUpdateError(
                f"{what} of '{source}' returned {item!r} ({type(item).__name__}); "
                "return a node name, END, a Send, or a list of them"
            )
        if branch is not None and branch.path_map is not None:
            if item not in branch.path_map:
                raise InvalidUpdateError(
                    f"{what} of '{source}' returned {item!r}, which is not in its "
                    f"path_map {list(branch.path_map)}; return one of those keys or "
                    "add it to the path_map"
                )
            target = branch.path_map[item]
        if target == END:
            continue
        if target not in nodes:
            raise InvalidUpdateError(
                f"{what} of '{source}' returned unknown node {target!r}; "
                f"known nodes: {sorted(nodes)} (or END)"
            )
        gotos.append(target)
    return gotos, sends
