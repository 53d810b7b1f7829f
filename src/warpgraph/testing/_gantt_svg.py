"""The Gantt chart as a standalone SVG image, for HTML reports.

The same rows as the text chart (``gantt_rows``): a label column, then one bar
per span on an axis of seconds from the first start, with five ticks. Colours
tell kinds apart (runs, node tasks, LLM calls, tool calls); a failed span is
red. Each bar carries a ``<title>`` so a browser shows its exact times on hover.
The output is plain SVG 1.1 text: no script, no external references.
"""

from __future__ import annotations

from html import escape

from warpgraph.testing._gantt import format_seconds, gantt_rows, row_label, time_decimals
from warpgraph.testing._trace_spans import Span, Spans

__all__ = ["render_svg"]

_ROW = 22  # px per row
_AXIS = 28  # px above the first row, for tick labels
_BAR_WIDTH = 640
_CHAR = 7  # px per label character at font-size 12 (monospace)
_TICKS = 5
_FILL = {"run": "#c7d2fe", "task": "#3b82f6", "llm": "#f59e0b", "tool": "#10b981"}
_FAILED = "#ef4444"


def render_svg(spans: Spans) -> str:
    """An SVG document drawing one row per span."""
    rows = gantt_rows(spans)
    labels = ["  " * depth + row_label(span) for depth, span in rows]
    label_width = _CHAR * max((len(label) for label in labels), default=10) + 12
    width = label_width + _BAR_WIDTH + 20
    height = _AXIS + _ROW * max(len(rows), 1) + 8
    origin = min((span.start_ns for _, span in rows), default=0)
    total = max((span.end_ns for _, span in rows), default=0) - origin
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    parts += _axis(label_width, height, total)
    if not rows:
        parts.append(f'<text x="8" y="{_AXIS + 15}">no spans were recorded</text>')
    decimals = time_decimals(v - origin for _, s in rows for v in (s.start_ns, s.end_ns))
    for index, (label, (_, span)) in enumerate(zip(labels, rows, strict=True)):
        y = _AXIS + index * _ROW
        parts.append(f'<text x="8" y="{y + 15}" xml:space="preserve">{escape(label)}</text>')
        parts.append(_bar(span, label_width, y, origin, total, decimals))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _axis(left: int, height: int, total: int) -> list[str]:
    parts = []
    for tick in range(_TICKS + 1):
        x = left + _BAR_WIDTH * tick // _TICKS
        seconds = format_seconds(total * tick // _TICKS)
        parts.append(f'<line x1="{x}" y1="{_AXIS - 6}" x2="{x}" y2="{height}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{x}" y="{_AXIS - 10}" text-anchor="middle">{seconds} s</text>')
    return parts


def _bar(span: Span, left: int, y: int, origin: int, total: int, decimals: int) -> str:
    start, end = span.start_ns - origin, span.end_ns - origin
    x = left + (_BAR_WIDTH * start // total if total else 0)
    # A span that took no time still gets a visible 2 px mark.
    width = max(_BAR_WIDTH * (end - start) // total if total else 0, 2)
    fill = _FAILED if span.status == "error" else _FILL[span.kind]
    title = (
        f"{row_label(span)}: {format_seconds(start, decimals)} → "
        f"{format_seconds(end, decimals)} s ({span.status})"
    )
    return (
        f'<rect x="{x}" y="{y + 4}" width="{width}" height="{_ROW - 8}" fill="{fill}">'
        f"<title>{escape(title)}</title></rect>"
    )
