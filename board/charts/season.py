"""A racer's season, race by race: the points total after each race (a line), each race a
dot (hollow when the racer set no ranking time there) with its rank above it."""

from __future__ import annotations

from lapgate.board.charts.figures import (
    Progression,
    chars_for,
    empty,
    points_label,
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
    truncate,
)
from lapgate.board.charts.style import Size, Theme
from lapgate.board.charts.svg import num
from lapgate.board.charts.words import _, ngettext

# ---- a racer's season ---------------------------------------------------------------------


def progression_svg(
    chart: Progression, size: Size, theme: Theme, points_name: str = "points"
) -> str:
    """The racer's points total after each race of the season, rank of each race on top."""
    svg = start(size, theme, _("Season progression: %(title)s", title=chart.title))
    font = size.font_px
    races = list(chart.races)
    totals: list[float] = []
    running = 0.0
    for race in races:
        running += race.points
        totals.append(running)
    right = ""
    if races:
        right = ngettext(
            "%(points)s %(name)s in %(num)s race",
            "%(points)s %(name)s in %(num)s races",
            len(races),
            points=points_label(totals[-1]),
            name=points_name,
        )
    extra = title(svg, size, theme, chart.title, right)
    if not races:
        return empty(svg, size, theme, _("No races this season"))
    box = frame(size.width, size.height, font)
    box = Frame(box.width, box.height, box.left, box.right, box.top + extra + font, box.bottom)
    low, high = min([*totals, 0.0]), max([*totals, 0.0])
    ticks = nice_ticks(low, high, max_ticks_for(box.plot_height, font * 1.6))
    y = Scale(ticks[0], ticks[-1], box.bottom, box.top)
    y_axis(svg, box, ticks, y, size, theme, points_label)
    xs = band_positions(len(races), box.left, box.right)
    points = " ".join(f"{num(x)},{num(y(t))}" for x, t in zip(xs, totals, strict=True))
    svg.add(
        "polyline",
        points=points,
        fill="none",
        stroke=theme.valid,
        stroke_width=size.stroke,
        stroke_linejoin="round",
    )
    every = label_every(len(races), box.plot_width, font * 2.4)
    label_chars = max(3, chars_for(box.plot_width / len(races) * every, font * 0.85) - 1)
    for index, (race, x, total) in enumerate(zip(races, xs, totals, strict=True)):
        ranked = race.rank is not None
        svg.add(
            "circle",
            cx=x,
            cy=y(total),
            r=size.dot,
            fill=theme.valid if ranked else theme.background,
            stroke=theme.valid,
            stroke_width=size.stroke / 2,
            class_="race",
        )
        if index % every == 0:
            if ranked:
                svg.text(
                    x,
                    y(total) - size.dot - font * 0.3,
                    f"#{race.rank}",
                    font * 0.85,
                    theme.ink,
                    anchor="middle",
                    weight=700,
                )
            svg.text(
                x,
                box.bottom + font * 1.25,
                truncate(race.label, label_chars),
                font * 0.8,
                theme.muted,
                anchor="middle",
            )
    return svg.render()
