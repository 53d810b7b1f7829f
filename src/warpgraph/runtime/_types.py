"""The values nodes and branches hand back to the engine.

A node returns a partial state update (a dict), or a ``Command`` that carries an
update *and* says where to go next. A conditional edge returns node names or
``Send`` packets: a ``Send`` starts one extra task of a node, in the next step,
with its own input instead of the graph state (map-reduce). ``Overwrite`` wraps a
value written to a reducer key so it replaces the current value instead of being
combined with it. ``START`` and ``END`` are the two virtual nodes every graph has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeAlias

__all__ = ["END", "START", "Command", "Overwrite", "Send"]

OVERWRITE: Final = "__overwrite__"
START: Final = "__start__"
END: Final = "__end__"


@dataclass(frozen=True, slots=True)
class Send:
    """Run ``node`` once more in the next step, with ``arg`` as its whole input."""

    node: str
    arg: Any


@dataclass(frozen=True, slots=True)
class Overwrite:
    """Replace a reducer key's value instead of reducing into it (once per key per step).

    ``type`` is a constant marker kept for LangGraph compatibility: LangGraph also
    accepts an overwrite in its serialized forms ``{"__overwrite__": value}`` and
    ``{"value": value, "type": "__overwrite__"}``, and so does warpgraph.
    """

    value: Any
    type: str = OVERWRITE


Goto: TypeAlias = "str | Send | Sequence[str | Send]"


@dataclass(frozen=True, slots=True, repr=False)
class Command:
    """A node's result that updates the state and chooses the next nodes.

    ``update`` is applied like a returned dict. ``goto`` names the nodes to run next
    (in addition to the node's static edges): a name, a ``Send``, or a sequence of
    them; ``END`` adds nothing. ``graph=Command.PARENT`` sends the command to the
    graph that called this one as a subgraph, as if the subgraph node returned it.
    """

    graph: str | None = None
    update: Any | None = None
    resume: Any | None = None
    goto: Goto = ()

    PARENT: ClassVar[str] = "__parent__"

    def __repr__(self) -> str:
        # LangGraph's form: only the fields that were given, e.g. Command(goto='b').
        given = [
            f"{name}={value!r}"
            for name, value in (
                ("graph", self.graph),
                ("update", self.update),
                ("resume", self.resume),
                ("goto", self.goto),
            )
            if value is not None and value != ()
        ]
        return f"Command({', '.join(given)})"
