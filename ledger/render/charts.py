"""Charts as inline SVG: readable without JavaScript, in print and by screen readers.

Each chart is a :class:`Chart`: the SVG (``role="img"`` named by its title and summary) plus the
same figures as a table, which the page shows under the chart as its text alternative.
Colours come from CSS classes (``templates/assets/kam.css``), so print and dark themes adapt.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    svg: Markup
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def _svg(chart_id: str, title: str, summary: str, body: list[str], height: int = HEIGHT) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(summary)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "middle") -> str:
    css = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{css}>{escape(text)}</text>'


def _y_axis(ticks: list[float], scale: Callable[[float], float], fmt: Callable[[float], str]):
    for tick in ticks:
        y = scale(tick)
        yield f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        yield _text(LEFT - 6, y + 4, fmt(tick), "tick", "end")


def _x_labels(labels: Sequence[str], x_of: Callable[[int], float], bottom: float):
    step = max(1, math.ceil(len(labels) / 8))  # at most eight labels fit side by side
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % step == 0:  # always label the latest bar
            yield _text(x_of(i), bottom + 16, label, "tick")


def bar_chart(
    chart_id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    axis: Callable[[float], str],
    cell: Callable[[float], str],
    head: tuple[str, ...],
) -> Chart:
    """Vertical bars per label; several series stack (class ``s0``, ``s1``…) with a legend."""
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    ticks = nice_ticks(max(totals, default=0))
    bottom = HEIGHT - BOTTOM
    span = bottom - TOP

    def y_of(v: float) -> float:
        return bottom - span * v / ticks[-1]

    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    body = list(_y_axis(ticks, y_of, axis))
    for i, label in enumerate(labels):
        base = 0.0
        for s, (name, values) in enumerate(series):
            v = values[i]
            if v <= 0:
                continue
            top = y_of(base + v)
            height = y_of(base) - top
            body.append(
                f'<rect class="bar s{s}" x="{x_of(i) - slot * 0.35:.1f}" y="{top:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}">'
                f"<title>{escape(label)}: {escape(name + ' ' if name else '')}"
                f"{escape(cell(v))}</title></rect>"
            )
            base += v
    body.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/>'
    )
    body.extend(_x_labels(labels, x_of, bottom))
    if len(series) > 1:
        body.extend(_legend([name for name, _ in series]))
    rows = tuple(
        (label, *(cell(values[i]) for _, values in series)) for i, label in enumerate(labels)
    )
    return Chart(chart_id, title, summary, _svg(chart_id, title, summary, body), head, rows)


def _legend(names: Sequence[str]):
    x = LEFT
    for s, name in enumerate(names):
        yield f'<rect class="bar s{s}" x="{x}" y="{HEIGHT - 14}" width="10" height="10"/>'
        yield _text(x + 14, HEIGHT - 5, name, "legend", "start")
        x += 24 + 9 * len(name) + 8 * sum(1 for ch in name if ord(ch) > 0x2E80)


def hbar_chart(
    chart_id: str,
    title: str,
    summary: str,
    items: Sequence[tuple[str, float]],
    cell: Callable[[float], str],
    head: tuple[str, ...],
) -> Chart:
    """Horizontal bars, one per item, labelled with name and value (categories, tier mix)."""
    row_h = 26
    height = TOP + row_h * max(len(items), 1) + 8
    top_value = max((v for _, v in items), default=0) or 1
    label_w = 190
    span = WIDTH - label_w - 110
    body = []
    for i, (name, value) in enumerate(items):
        y = TOP + i * row_h
        w = span * value / top_value
        body.append(_text(label_w - 8, y + 15, name, "tick", "end"))
        body.append(
            f'<rect class="bar s0" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}"/>'
        )
        body.append(_text(label_w + w + 6, y + 15, cell(value), "value", "start"))
    rows = tuple((name, cell(value)) for name, value in items)
    return Chart(chart_id, title, summary, _svg(chart_id, title, summary, body, height), head, rows)


def pareto_chart(
    chart_id: str,
    title: str,
    summary: str,
    ranked: Sequence[tuple[str, float, float]],
    cutoffs: Sequence[tuple[str, float]],
    percent: Callable[[float], str],
    head: tuple[str, ...],
    limit: int = 40,
) -> Chart:
    """Bars of each account's share, the cumulative share as a line, and the tier cut-offs.

    Beyond ``limit`` accounts the rest are drawn as one bar ("others" is the last label).
    """
    shown = list(ranked[:limit])
    if len(ranked) > limit:
        rest = ranked[limit:]
        shown.append((f"+{len(rest)}", sum(r[1] for r in rest), rest[-1][2]))
    bottom = HEIGHT - BOTTOM
    span = bottom - TOP

    def y_of(v: float) -> float:
        return bottom - span * v

    slot = (WIDTH - LEFT - RIGHT) / max(len(shown), 1)

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    body = list(_y_axis([0, 0.25, 0.5, 0.75, 1.0], y_of, lambda v: percent(v)))
    body.extend(_cutoff_lines(cutoffs, y_of, percent))
    points = []
    for i, (label, share, cumulative) in enumerate(shown):
        top = y_of(share)
        body.append(
            f'<rect class="bar s0" x="{x_of(i) - slot * 0.35:.1f}" y="{top:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bottom - top:.1f}">'
            f"<title>{escape(label)}: {escape(percent(share))} / {escape(percent(cumulative))}"
            "</title></rect>"
        )
        points.append(f"{x_of(i):.1f},{y_of(cumulative):.1f}")
    if points:
        body.append(f'<polyline class="line" points="{" ".join(points)}"/>')
        body.extend(
            f'<circle class="dot" cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5"/>'
            for p in points
        )
    body.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/>'
    )
    ticks = [str(i + 1) for i in range(min(len(ranked), limit))]
    if len(ranked) > limit:
        ticks.append(shown[-1][0])  # the "+N others" bar
    body.extend(_x_labels(ticks, x_of, bottom))
    rows = tuple((label, percent(share), percent(cum)) for label, share, cum in ranked)
    return Chart(chart_id, title, summary, _svg(chart_id, title, summary, body), head, rows)


def _cutoff_lines(
    cutoffs: Sequence[tuple[str, float]],
    y_of: Callable[[float], float],
    percent: Callable[[float], str],
):
    """A line across the chart at each tier's cut-off, labelled at its right end."""
    for name, cut in cutoffs:
        y = y_of(cut)
        yield f'<line class="cutoff" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        yield _text(WIDTH - RIGHT - 2, y - 4, f"{name} {percent(cut)}", "cutoff-label", "end")
