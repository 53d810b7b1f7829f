"""Drawing a graph: its nodes and edges as a Mermaid flowchart.

``get_graph()`` returns a ``DrawableGraph``: plain lists of nodes and edges read
from the builder (a conditional edge with a ``path_map`` is drawn as one dotted
edge per target, labelled with the branch value; without one, as a dotted edge
to every node, since any could be chosen). ``draw_mermaid()`` renders it in
LangGraph's layout: START and END as stadium shapes, nodes with no outgoing
edge joined to END.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warpgraph.runtime._types import END, START

if TYPE_CHECKING:
    from warpgraph.graph._builder import StateGraph

__all__ = ["DrawableGraph", "DrawnEdge"]


@dataclass(frozen=True, slots=True)
class DrawnEdge:
    """One arrow: ``conditional`` arrows are dotted, ``label`` is the branch value."""

    source: str
    target: str
    conditional: bool = False
    label: str | None = None


@dataclass(frozen=True, slots=True)
class DrawableGraph:
    """A graph's nodes (START first, END last) and edges, ready to draw."""

    nodes: tuple[str, ...]
    edges: tuple[DrawnEdge, ...]

    @classmethod
    def from_builder(cls, builder: StateGraph[Any]) -> DrawableGraph:
        names = list(builder.nodes)
        edges: list[DrawnEdge] = [DrawnEdge(s, t) for s, t in builder.edges]
        for sources, target in builder.waiting_edges:
            edges += [DrawnEdge(s, target) for s in sources]
        for branch in builder.branches:
            source_def = builder.nodes.get(branch.source)
            declared = source_def.destinations if source_def is not None else None
            if branch.path_map is not None:
                edges += [
                    DrawnEdge(branch.source, target, True, None if key == target else str(key))
                    for key, target in branch.path_map.items()
                ]
            elif declared is not None:  # add_node(destinations=...) says where it may go
                edges += [DrawnEdge(branch.source, t, True) for t in declared]
            else:
                edges += [DrawnEdge(branch.source, t, True) for t in [*names, END]]
        has_exit = {e.source for e in edges}
        edges += [DrawnEdge(n, END) for n in names if n not in has_exit]
        order = {name: i for i, name in enumerate((START, *names))}
        unique = sorted(dict.fromkeys(edges), key=lambda e: order.get(e.source, len(order)))
        return cls((START, *names, END), tuple(unique))

    def draw_mermaid(self) -> str:
        """The flowchart as Mermaid text (paste it into any Mermaid renderer)."""
        lines = ["---", "config:", "  flowchart:", "    curve: linear", "---", "graph TD;"]
        for node in self.nodes:
            if node == START:
                lines.append(f"\t{node}([<p>{node}</p>]):::first")
            elif node == END:
                lines.append(f"\t{node}([<p>{node}</p>]):::last")
            else:
                lines.append(f"\t{node}({node})")
        for edge in self.edges:
            if not edge.conditional:
                lines.append(f"\t{edge.source} --> {edge.target};")
            elif edge.label is None:
                lines.append(f"\t{edge.source} -.-> {edge.target};")
            else:
                lines.append(f"\t{edge.source} -. &nbsp;{edge.label}&nbsp; .-> {edge.target};")
        lines += [
            "\tclassDef default fill:#f2f0ff,line-height:1.2",
            "\tclassDef first fill-opacity:0",
            "\tclassDef last fill:#bfb6fc",
        ]
        return "\n".join(lines) + "\n"
