"""Inline SVG charts drawn in Python.

Inline SVG uses the page's own fonts (so Chinese labels render with the installed CJK
fonts), needs no script and nothing from outside, scales on a phone and prints. Every text
in a chart is escaped. Colours come from CSS classes (templates/assets/site.css) so the
print stylesheet can adjust them.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

W, H = 640, 264
# room for labels set about twice as large on a phone (site.css), where the chart is half as wide
PAD_L, PAD_R, PAD_T, PAD_B = 52, 60, 38, 68


@dataclass
class Series:
    name: str
    values: list[float | None]
    css: str  # class suffix: a, b, c, d


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _nice_max(value: float) -> float:
    if value <= 4:
        return 4  # counts: whole-number ticks 0–4, never 0.2 or 0.8 of a report
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4 if step * 4 >= value else value
    return value


def _frame(title: str, labels: list[str], ymax: float, right_axis: str | None = None) -> list[str]:
    plot_w = W - PAD_L - PAD_R
    plot_h = H - PAD_T - PAD_B
    out = [
        f'<svg class="sb-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<text class="sb-chart-title" x="{PAD_L}" y="22">{escape(title)}</text>',
    ]
    for i in range(5):
        y = PAD_T + plot_h - plot_h * i / 4
        out.append(f'<line class="sb-grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="sb-axis" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(ymax * i / 4)}</text>')
        if right_axis:
            out.append(
                f'<text class="sb-axis" x="{W - PAD_R + 6}" y="{y + 4:.1f}">{i * 25}%</text>'
            )
    n = max(len(labels), 1)
    every = max(1, (n + 11) // 12)
    for i, text in enumerate(labels):
        if i % every:
            continue
        x = PAD_L + plot_w * (i + 0.5) / n
        # on a phone every other label is hidden (sb-x--odd), counted from the newest
        odd = " sb-x--odd" if n > 6 and (len(labels) - 1 - i) // every % 2 else ""
        out.append(f'<text class="sb-axis sb-x{odd}" x="{x:.1f}" y="{H - PAD_B + 8}" text-anchor="middle">'
                   f"{escape(text)}</text>")
    return out


def _legend(series: list[Series], extra: list[tuple[str, str]] = ()) -> str:
    items = [(s.name, s.css) for s in series] + list(extra)
    x = PAD_L
    parts = []
    for name, css in items:
        parts.append(f'<rect class="sb-fill-{css}" x="{x}" y="{H - 20}" width="14" height="14"/>')
        parts.append(f'<text class="sb-legend" x="{x + 20}" y="{H - 7}">{escape(name)}</text>')
        x += 44 + 24 * len(name)
    return "".join(parts)


def bars(title: str, labels: list[str], series: list[Series], line: Series | None = None) -> str:
    """Grouped or stacked bars (stacked when several series), with an optional 0–100 % line."""
    stacked = len(series) > 1
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))] if labels else []
    ymax = _nice_max(max(totals or [0]))
    out = _frame(title, labels, ymax, right_axis="%" if line else None)
    plot_w = W - PAD_L - PAD_R
    plot_h = H - PAD_T - PAD_B
    n = max(len(labels), 1)
    bw = plot_w / n * 0.6
    for i, label in enumerate(labels):
        x = PAD_L + plot_w * (i + 0.5) / n - bw / 2
        base = 0.0
        tip = []
        for s in series:
            v = s.values[i] or 0
            if v <= 0:
                continue
            h = plot_h * v / ymax
            y = PAD_T + plot_h - plot_h * base / ymax - h
            out.append(
                f'<rect class="sb-fill-{s.css}" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}">'
                f"<title>{escape(label)} {escape(s.name)}：{_fmt(v)}</title></rect>"
            )
            base += v
            tip.append(v)
        if base > 0 and not stacked:
            y = PAD_T + plot_h - plot_h * base / ymax
            out.append(f'<text class="sb-value" x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{_fmt(base)}</text>')
        elif base > 0:
            y = PAD_T + plot_h - plot_h * base / ymax
            out.append(f'<text class="sb-value" x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{_fmt(base)}</text>')
    if line is not None:
        points = []
        for i, v in enumerate(line.values):
            if v is None:
                continue
            x = PAD_L + plot_w * (i + 0.5) / n
            y = PAD_T + plot_h - plot_h * max(0.0, min(1.0, v))
            points.append((x, y, v, labels[i]))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            out.append(f'<polyline class="sb-line-{line.css}" points="{path}"/>')
        for x, y, v, label in points:
            out.append(
                f'<circle class="sb-dot-{line.css}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                f"<title>{escape(label)} {escape(line.name)}：{v * 100:.0f}%</title></circle>"
            )
    out.append(_legend(series, [(line.name, line.css)] if line else []))
    out.append("</svg>")
    return "".join(out)
