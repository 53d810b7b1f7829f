"""The builder: StateGraph, schema parsing, reducers and validation."""

from __future__ import annotations

from warpgraph.graph._builder import StateGraph
from warpgraph.graph._draw import DrawableGraph, DrawnEdge
from warpgraph.runtime._types import END, START

__all__ = ["END", "START", "DrawableGraph", "DrawnEdge", "StateGraph"]
