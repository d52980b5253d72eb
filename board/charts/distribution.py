"""A round's valid lap times as a histogram: bins of a round width, the bin of the best
lap in green, the median as a dashed line, and laps slower than 1.5 × the median in one
grey "slower" bar at the right (their times would stretch the axis)."""

from __future__ import annotations

import statistics

from lapgate.board.charts.figures import (
    Distribution,
    empty,
    lap_text,
    seconds_label,
    start,
    title,
    y_axis,
)
from lapgate.board.charts.geometry import (
    Frame,
    Scale,
    frame,
    histogram,
    label_every,
    max_ticks_for,
    nice_ticks,
    outlier_cap,
)
from lapgate.board.charts.style import Size, Theme
from lapgate.board.charts.svg import num
from lapgate.board.charts.words import _, ngettext

# ---- a round's lap-time distribution ---------------------------------------------------


def distribution_svg(chart: Distribution, size: Size, theme: Theme) -> str:
    """A round's valid lap times as a histogram (see the module docstring)."""
    svg = start(size, theme, _("Lap-time distribution: %(title)s", title=chart.title))
    font = size.font_px
    values = sorted(chart.valid_ms)
    summary = ngettext("%(num)s valid lap", "%(num)s valid laps", len(values))
    if chart.invalid_count:
        summary += " · " + ngettext(
            "%(num)s invalid not shown", "%(num)s invalid not shown", chart.invalid_count
        )
    extra = title(svg, size, theme, chart.title, summary)
    if not values:
        return empty(svg, size, theme, _("No valid laps yet"))
    cap = outlier_cap(values, 1.5)
    shown = [v for v in values if cap is None or v <= cap]
    slower = len(values) - len(shown)
    box = frame(size.width, size.height, font)
    # a row above the plot names the green bin and the dashed line
    key_y = box.top + extra + font * 0.3
    box = Frame(
        box.width, box.height, box.left, box.right, box.top + extra + font * 1.3, box.bottom
    )
    by_width = max_ticks_for(box.plot_width, font * 1.6)
    bins = histogram(shown, max(3, min(by_width, 24, 2 * int(len(shown) ** 0.5) + 2)))
    columns = len(bins) + (1 if slower else 0)
    most = max([b.count for b in bins] + [slower])
    ticks = [
        t for t in nice_ticks(0, most, max_ticks_for(box.plot_height, font * 1.6)) if t == int(t)
    ]
    y = Scale(0, ticks[-1], box.bottom, box.top)
    y_axis(svg, box, ticks, y, size, theme, lambda t: f"{t:g}")
    width = box.plot_width / columns
    gap = max(1.0, width * 0.12)
    best = values[0]
    for index, b in enumerate(bins):
        left = box.left + index * width
        holds_best = b.low <= best < b.high or (index == len(bins) - 1 and best >= b.low)
        colour = theme.best if holds_best else theme.valid
        if b.count:
            svg.add(
                "rect",
                x=left + gap / 2,
                y=y(b.count),
                width=width - gap,
                height=box.bottom - y(b.count),
                fill=colour,
                class_="bin best" if holds_best else "bin",
            )
    every = label_every(len(bins) + 1, box.plot_width, font * 2.6)
    step = bins[0].high - bins[0].low
    edges = [b.low for b in bins] + [bins[-1].high]
    for index, edge in enumerate(edges):
        if index % every == 0:
            svg.text(
                box.left + index * width,
                box.bottom + font * 1.25,
                seconds_label(edge, step),
                font * 0.85,
                theme.muted,
                anchor="middle",
                mono=True,
            )
    if slower:
        left = box.left + len(bins) * width
        svg.add(
            "rect",
            x=left + gap / 2,
            y=y(slower),
            width=width - gap,
            height=box.bottom - y(slower),
            fill=theme.muted,
            class_="bin slower",
        )
        svg.text(
            left + width / 2,
            y(slower) - font * 0.3,
            _("slower"),
            font * 0.75,
            theme.muted,
            anchor="middle",
        )
    x_of = Scale(bins[0].low, bins[-1].high, box.left, box.left + len(bins) * width)
    median = statistics.median(values)
    if median <= bins[-1].high:
        mx = x_of(median)
        svg.add(
            "line",
            x1=mx,
            x2=mx,
            y1=box.top,
            y2=box.bottom,
            stroke=theme.ink,
            stroke_width=size.stroke / 1.5,
            stroke_dasharray=f"{num(size.stroke * 2)} {num(size.stroke * 2)}",
        )
    mark = font * 0.7
    svg.add("rect", x=box.left, y=key_y - mark, width=mark, height=mark, fill=theme.best)
    svg.text(
        box.left + mark * 1.5,
        key_y,
        _("best %(time)s", time=lap_text(best)),
        font * 0.9,
        theme.best,
        weight=700,
    )
    svg.add(
        "line",
        x1=box.right - mark * 0.5,
        x2=box.right - mark * 0.5,
        y1=key_y - mark * 1.1,
        y2=key_y + mark * 0.2,
        stroke=theme.ink,
        stroke_width=size.stroke / 1.5,
        stroke_dasharray=f"{num(size.stroke)} {num(size.stroke)}",
    )
    svg.text(
        box.right - mark * 1.3,
        key_y,
        _("median %(time)s", time=lap_text(median)),
        font * 0.9,
        theme.ink,
        anchor="end",
    )
    return svg.render()
