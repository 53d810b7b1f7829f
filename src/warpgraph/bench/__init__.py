"""The benchmark module: workloads, measurement, baselines and report writers."""

from __future__ import annotations

__all__: list[str] = []
