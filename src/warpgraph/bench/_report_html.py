"""``graph-bench.html``: one self-contained page with the tables and charts.

Everything is inline (CSS, SVG charts): the file can be mailed, attached to a CI run
or opened offline, and it runs no script, so it cannot fail in a browser console.
Each chart is a ``<figure class="chart">`` with a stable ``id`` (the browser test
looks for them).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from warpgraph.bench._analysis import Analysis
from warpgraph.bench._charts import cost_chart, ratio_chart, throughput_chart
from warpgraph.bench._format import METHOD, Table, header_facts, tables
from warpgraph.bench._results import Report, Result
from warpgraph.bench._throughput import traced_run_svg

__all__ = ["render_html"]

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 40px; }
.lede { color: #57606a; margin-top: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.facts dt { color: #57606a; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 13.5px; }
th, td { padding: 5px 10px; border-bottom: 1px solid #d8dee4; text-align: right; }
th { background: #f6f8fa; } td:first-child, th:first-child { text-align: left; }
td.met { color: #1a7f37; font-weight: 600; } td.missed { color: #cf222e; font-weight: 600; }
td.not-measured { color: #57606a; }
p.note { color: #57606a; font-size: 13px; margin-top: 2px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 24px; }
figure.chart { margin: 0; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 13px; }
.failures { border-left: 4px solid #cf222e; padding: 4px 16px; background: #fff5f5; }
"""


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            css = f' class="{value.replace(" ", "-")}"' if column == "Status" else ""
            cells.append(f"<td{css}>{escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<section id="{table.key}"><h2>{escape(table.title)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"{note}</section>"
    )


def _figure(key: str, svg: str, caption: str) -> str:
    return (
        f'<figure class="chart" id="chart-{key}">{svg}'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _cost_charts(results: Sequence[Result]) -> str:
    workloads: dict[str, list[Result]] = {}
    for result in results:
        if result.group in ("scheduler", "agents"):
            workloads.setdefault(result.workload, []).append(result)
    figures = [
        _figure(
            name,
            cost_chart(members[0].title, members[0].unit, members),
            "Median time per run against size (log axes); bars span the IQR.",
        )
        for name, members in workloads.items()
        if len({m.size for m in members}) >= 2
    ]
    if not figures:
        return ""
    return (
        '<section id="cost-charts"><h2>Cost against size</h2>'
        f'<div class="charts">{"".join(figures)}</div></section>'
    )


def _throughput_section(results: Sequence[Result], gantt: tuple[str | None, str]) -> str:
    ours = [r for r in results if r.group == "throughput"]
    parts = []
    if ours:
        parts.append(
            _figure(
                "throughput",
                throughput_chart(ours),
                "Runs per second (by the report's timer) against concurrent runs.",
            )
        )
    svg, caption = gantt
    if svg is not None:
        parts.append(_figure("gantt", svg, caption))
    else:
        parts.append(f'<p class="note" id="gantt-missing">{escape(caption)}</p>')
    return (
        '<section id="throughput-charts"><h2>Throughput and one traced run</h2>'
        f'<div class="charts">{"".join(parts)}</div></section>'
    )


def render_html(
    report: Report, analysis: Analysis, gantt: tuple[str | None, str] | None = None
) -> str:
    """The page; ``gantt`` is ``(svg, caption)`` or ``(None, reason)``, traced here if omitted."""
    facts = "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in header_facts(report)
    )
    body = [
        "<h1>warpgraph benchmark report</h1>",
        '<p class="lede">Scheduler overhead, throughput in virtual time and how cost grows, '
        "on warpgraph, a hand-written asyncio floor and LangGraph, measured in one run.</p>",
        f'<dl class="facts">{facts}</dl>',
    ]
    body += [f'<p class="note">Note: {escape(note)}</p>' for note in analysis.notes]
    if analysis.failures:
        items = "".join(f"<li>{escape(failure)}</li>" for failure in analysis.failures)
        body.append(
            f'<section class="failures" id="failures"><h2>Regressions</h2>'
            f"<ul>{items}</ul></section>"
        )
    table_list = tables(report, analysis)
    body.append(_table(table_list[0]))  # targets first: the verdict a reader came for
    if any(row.group == "scheduler" for row in analysis.rows):
        body.append(
            '<section id="ratio-chart"><h2>Ratios at the largest size</h2>'
            + _figure(
                "ratios",
                ratio_chart(analysis.rows),
                "Paired ratios (alternating batches, same process and loop) where measured; "
                "dashed lines mark the targets.",
            )
            + "</section>"
        )
    body.append(_cost_charts(report.results))
    body += [_table(table) for table in table_list[1:]]
    body.append(_throughput_section(report.results, gantt or traced_run_svg()))
    body.append(f'<section id="method"><h2>Method</h2><p>{escape(METHOD)}</p></section>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>warpgraph benchmark report</title>"
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
