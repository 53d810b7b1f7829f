"""The report's charts, drawn with matplotlib straight to inline SVG.

Charts use matplotlib's object API (``Figure`` with no pyplot), so drawing one never
switches the backend or touches global figure state of the program that runs the
benchmarks. Text stays text in the SVG (``svg.fonttype = none``): smaller files that
the browser renders with its own fonts. A fixed ``svg.hashsalt`` and no date keep the
output identical for identical numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib as mpl
from matplotlib.figure import Figure

from warpgraph.bench._analysis import LANGGRAPH_FACTOR, Row
from warpgraph.bench._format import PEER_TITLES, plural
from warpgraph.bench._results import Result

__all__ = ["cost_chart", "ratio_chart", "throughput_chart"]

COLORS = {"warpgraph": "#1b7f79", "asyncio": "#8a8f98", "langgraph": "#d0562c"}
MARKERS = {"warpgraph": "o", "asyncio": "s", "langgraph": "^"}


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "warpgraph-bench"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    # Inline SVG in HTML needs no XML prolog or DOCTYPE.
    return text[text.index("<svg") :]


def _style(axes: object) -> None:
    axes.grid(True, which="major", color="#e3e6ea", linewidth=0.8)  # type: ignore[attr-defined]
    axes.set_axisbelow(True)  # type: ignore[attr-defined]
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]


def cost_chart(title: str, unit: str, results: Sequence[Result]) -> str:
    """Median time per call against size, one line per peer, IQR as error bars, log axes."""
    figure = Figure(figsize=(5.2, 3.4))
    axes = figure.add_subplot()
    for peer in PEER_TITLES:
        series = sorted((r for r in results if r.peer == peer), key=lambda r: r.size)
        if not series:
            continue
        sizes = [r.size for r in series]
        medians = [r.median for r in series]
        low = [r.median - r.stats.q1 for r in series]
        high = [r.stats.q3 - r.median for r in series]
        axes.errorbar(
            sizes,
            medians,
            yerr=[low, high],
            label=PEER_TITLES[peer],
            color=COLORS[peer],
            marker=MARKERS[peer],
            capsize=3,
            linewidth=1.6,
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(f"size ({plural(unit)})")
    axes.set_ylabel("seconds per run (median)")
    axes.set_title(title, loc="left", fontsize=11)
    axes.legend(frameon=False, fontsize=8)
    _style(axes)
    return _svg(figure)


def throughput_chart(results: Sequence[Result]) -> str:
    """Runs per second of real time against the number of concurrent runs, per peer."""
    figure = Figure(figsize=(5.2, 3.4))
    axes = figure.add_subplot()
    for peer in PEER_TITLES:
        series = sorted((r for r in results if r.peer == peer), key=lambda r: r.size)
        if series:
            axes.plot(
                [r.size for r in series],
                [r.size / r.median for r in series],
                label=PEER_TITLES[peer],
                color=COLORS[peer],
                marker=MARKERS[peer],
                linewidth=1.6,
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("concurrent runs")
    axes.set_ylabel("runs per second")
    axes.set_title("Throughput in virtual time", loc="left", fontsize=11)
    axes.legend(frameon=False, fontsize=8)
    _style(axes)
    return _svg(figure)


def ratio_chart(rows: Sequence[Row]) -> str:
    """Two bar panels per workload at its largest size: vs LangGraph and vs the floor."""
    largest: dict[str, Row] = {}
    for row in rows:
        if row.group == "scheduler" and row.size >= largest.get(row.workload, row).size:
            largest[row.workload] = row
    labels = [f"{row.title} ({row.size:,})" for row in largest.values()]
    vs_langgraph = [row.ratio("langgraph", "warpgraph") or 0.0 for row in largest.values()]
    vs_floor = [row.ratio("warpgraph", "asyncio") or 0.0 for row in largest.values()]
    figure = Figure(figsize=(9.0, 0.5 + 0.45 * max(len(labels), 1)))
    left, right = figure.subplots(1, 2, sharey=True)
    positions = list(range(len(labels)))
    left.barh(positions, vs_langgraph, color=COLORS["langgraph"])
    left.axvline(LANGGRAPH_FACTOR, color="#333", linestyle="--", linewidth=1)
    left.set_title("LangGraph ÷ warpgraph (target ≥ 30×)", loc="left", fontsize=10)
    right.barh(positions, vs_floor, color=COLORS["asyncio"])
    right.axvline(1.0, color="#333", linewidth=0.8)
    right.axvline(2.0, color="#333", linestyle="--", linewidth=1)
    right.set_title(
        "warpgraph ÷ asyncio floor (target ≤ 2× on fan-out, map-reduce)", loc="left", fontsize=10
    )
    # Ratios are multiplicative, and span 0.5x to 500x: log axes keep both ends legible.
    left.set_xscale("log")
    left.set_xlim(1, max([*vs_langgraph, LANGGRAPH_FACTOR]) * 3)
    right.set_xscale("log")
    right.set_xlim(0.25, max([*vs_floor, 2.0]) * 3)
    left.set_yticks(positions, labels)
    left.invert_yaxis()
    for axes, values in ((left, vs_langgraph), (right, vs_floor)):
        _style(axes)
        for position, value in zip(positions, values, strict=True):
            if value:
                axes.annotate(
                    f"{value:.3g}×",
                    (value, position),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
    return _svg(figure)
