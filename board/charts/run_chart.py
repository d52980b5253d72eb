"""One run's laps, in order.

Valid laps are filled dots, invalid laps hollow crossed dots; the best lap is a large green
dot with its time; the best window (the format's averaging window) a shaded band with a
dashed line at its average; resets are counted above their lap (↺2). A lap slower than
1.6 × the run's median is drawn at the top edge as an arrow with its time, so one crash
lap does not flatten the others. A legend names the marks present.
"""

from __future__ import annotations

from lapgate.board.charts.figures import (
    LapPoint,
    RunChart,
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
    band_positions,
    frame,
    label_every,
    max_ticks_for,
    nice_ticks,
    outlier_cap,
)
from lapgate.board.charts.style import Size, Theme
from lapgate.board.charts.svg import Svg, num
from lapgate.board.charts.words import _

# ---- a run's laps ---------------------------------------------------------------------


def run_laps_svg(chart: RunChart, size: Size, theme: Theme) -> str:
    """One run's laps, in order (see the module docstring for the marks)."""
    svg = start(size, theme, _("Lap times: %(title)s", title=chart.title))
    font = size.font_px
    summary = []
    valid = [lap for lap in chart.laps if lap.valid]
    best = next((lap for lap in chart.laps if lap.number == chart.best_lap_number), None)
    if best is not None:
        summary.append(_("best %(time)s", time=lap_text(best.duration_ms)))
    if chart.window_ms is not None:
        summary.append(
            _("avg%(laps)s %(time)s", laps=chart.window_laps, time=lap_text(chart.window_ms))
        )
    extra = title(svg, size, theme, chart.title, " · ".join(summary))
    if not chart.laps:
        return empty(svg, size, theme, _("No laps yet"))
    base = frame(size.width, size.height, font)
    box = Frame(
        base.width,
        base.height,
        base.left,
        base.right,
        base.top + extra + font * 1.1,
        base.bottom - font * 1.5,
    )
    durations = [lap.duration_ms for lap in chart.laps]
    cap = outlier_cap(durations)
    high = cap if cap is not None else max(durations)
    ticks = nice_ticks(min(durations), high, max_ticks_for(box.plot_height, font * 1.6))
    y = Scale(ticks[0], ticks[-1], box.bottom, box.top)
    y_axis(svg, box, ticks, y, size, theme, lambda t: seconds_label(t, ticks[1] - ticks[0]))
    xs = band_positions(len(chart.laps), box.left, box.right)
    x_of = {lap.number: x for lap, x in zip(chart.laps, xs, strict=True)}
    band = (box.right - box.left) / len(chart.laps)
    _window(svg, chart, x_of, band, y, box, size, theme)
    points = " ".join(
        f"{num(x)},{num(y.clamp(lap.duration_ms))}" for lap, x in zip(chart.laps, xs, strict=True)
    )
    svg.add(
        "polyline",
        points=points,
        fill="none",
        stroke=theme.muted,
        stroke_width=size.stroke / 2,
        stroke_linejoin="round",
    )
    every = label_every(len(chart.laps), box.plot_width, font * 2.2)
    for index, (lap, x) in enumerate(zip(chart.laps, xs, strict=True)):
        if index % every == 0 or index == len(chart.laps) - 1:
            svg.text(
                x,
                box.bottom + font * 1.25,
                str(lap.number),
                font * 0.9,
                theme.muted,
                anchor="middle",
                mono=True,
            )
        if lap.resets:
            svg.text(
                x,
                box.top - font * 0.35,
                f"↺{lap.resets}",
                font * 0.9,
                theme.reset,
                anchor="middle",
                weight=700,
                class_="reset",
            )
        _lap_mark(svg, lap, x, y, cap, lap is best, size, theme)
    _legend(svg, size, theme, chart, bool(valid), any(not lap.valid for lap in chart.laps))
    return svg.render()


def _window(
    svg: Svg,
    chart: RunChart,
    x_of: dict[int, float],
    band: float,
    y: Scale,
    box: Frame,
    size: Size,
    theme: Theme,
) -> None:
    """The best window's laps shaded, with a line at its average."""
    numbers = [n for n in chart.window_lap_numbers if n in x_of]
    if not numbers or chart.window_ms is None:
        return
    left = min(x_of[n] for n in numbers) - band / 2
    right = max(x_of[n] for n in numbers) + band / 2
    svg.add(
        "rect",
        x=left,
        y=box.top,
        width=right - left,
        height=box.plot_height,
        fill=theme.window,
        fill_opacity="0.22",
        class_="window",
    )
    at = y.clamp(chart.window_ms)
    svg.add(
        "line",
        x1=left,
        x2=right,
        y1=at,
        y2=at,
        stroke=theme.window,
        stroke_width=size.stroke,
        stroke_dasharray=f"{num(size.stroke * 2)} {num(size.stroke * 1.5)}",
    )


def _lap_mark(
    svg: Svg,
    lap: LapPoint,
    x: float,
    y: Scale,
    cap: float | None,
    is_best: bool,
    size: Size,
    theme: Theme,
) -> None:
    font = size.font_px
    r = size.dot
    clipped = cap is not None and lap.duration_ms > cap
    cy = y.clamp(lap.duration_ms)
    css = "lap valid" if lap.valid else "lap invalid"
    if clipped:  # an arrow at the top edge, with the time it stands for
        colour = theme.valid if lap.valid else theme.invalid
        svg.add(
            "path",
            d=f"M{num(x - r)},{num(cy + r)} L{num(x)},{num(cy - r)} L{num(x + r)},{num(cy + r)} Z",
            fill=colour,
            class_=css + " clipped",
        )
        svg.text(
            x + r * 1.3, cy + font * 0.9, lap_text(lap.duration_ms), font * 0.8, colour, mono=True
        )
        return
    if is_best:
        svg.add(
            "circle",
            cx=x,
            cy=cy,
            r=r * 1.6,
            fill=theme.best,
            stroke=theme.background,
            stroke_width=size.stroke / 2,
            class_="lap valid best",
        )
        anchor = "end" if x > (svg.width * 0.75) else "start" if x < svg.width * 0.25 else "middle"
        # above the dot in the plot's lower half (clear of the lap numbers), else below
        lower = cy > (y.range_low + y.range_high) / 2
        label_y = cy - r * 1.6 - font * 0.35 if lower else cy + r * 1.6 + font
        svg.text(
            x,
            label_y,
            lap_text(lap.duration_ms),
            font * 0.95,
            theme.best,
            anchor=anchor,
            weight=700,
            mono=True,
        )
    elif lap.valid:
        svg.add("circle", cx=x, cy=cy, r=r, fill=theme.valid, class_=css)
    else:
        svg.add(
            "circle",
            cx=x,
            cy=cy,
            r=r,
            fill=theme.background,
            stroke=theme.invalid,
            stroke_width=size.stroke / 1.5,
            class_=css,
        )
        d = r * 0.6
        svg.add(
            "path",
            d=(
                f"M{num(x - d)},{num(cy - d)} L{num(x + d)},{num(cy + d)} "
                f"M{num(x - d)},{num(cy + d)} L{num(x + d)},{num(cy - d)}"
            ),
            stroke=theme.invalid,
            stroke_width=size.stroke / 2,
        )


def _legend(
    svg: Svg, size: Size, theme: Theme, chart: RunChart, has_valid: bool, has_invalid: bool
) -> None:
    """One line under the chart naming the marks that are in it."""
    font = size.font_px * 0.85
    y = size.height - font * 0.7
    x = size.font_px * 0.8
    items: list[tuple[str, str, str]] = []  # (kind, colour, text)
    if has_valid:
        items.append(("dot", theme.valid, _("valid")))
    if has_invalid:
        items.append(("ring", theme.invalid, _("invalid")))
    if chart.best_lap_number is not None:
        items.append(("dot", theme.best, _("best")))
    if chart.window_ms is not None:
        items.append(("band", theme.window, _("best avg %(laps)s", laps=chart.window_laps)))
    if any(lap.resets for lap in chart.laps):
        items.append(("text", theme.reset, _("↺ resets")))
    for kind, colour, text in items:
        r = font * 0.38
        if kind == "dot":
            svg.add("circle", cx=x + r, cy=y - r, r=r, fill=colour)
        elif kind == "ring":
            svg.add(
                "circle",
                cx=x + r,
                cy=y - r,
                r=r,
                fill="none",
                stroke=colour,
                stroke_width=max(1.5, size.stroke / 2),
            )
        elif kind == "band":
            svg.add(
                "rect", x=x, y=y - r * 2, width=r * 2, height=r * 2, fill=colour, fill_opacity="0.5"
            )
        if kind != "text":
            x += r * 2 + font * 0.3
        svg.text(x, y, text, font, colour if kind == "text" else theme.muted)
        x += (len(text) * 0.55 + 1.1) * font
