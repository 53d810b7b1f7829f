"""The builder: StateGraph, schema parsing, reducers and validation."""

from __future__ import annotations

__all__: list[str] = []
