"""Daily-value plots for the clinician's pages, written as small inline SVG by hand.

Two functions, one per moment of the trial:

    blinded_trend(days, values, ...)          monitoring: trial day against value, nothing else
    unblinded_trend(days, values, shades=...) results: the same, shaded by each period's arm

`blinded_trend` takes no period, arm or date argument at all, so the monitoring plot cannot
show where a period begins or which arm it had, whatever the caller passes.

Why not matplotlib: its SVG carries fractional coordinates and line widths (1.5, 0.5, ...)
that read as doses to the blinding checks run over every page a clinician can reach, and a
PNG's base64 text can spell "mg". Here every coordinate and width is a whole number, colours
are hex, and the only words are the outcome's label and axis titles. It also draws in the
site's dark colours and costs no import time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 20, 52
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
AVERAGE_DAYS = 7  # the smoothed line: mean of the last 7 days ...
AVERAGE_MIN = 4  # ... drawn only where at least 4 of them were rated

TEXT, GRID, DOT, LINE = "#b3ada2", "#3a3f46", "#a9c8e8", "#f2d98a"
SHADE_COLOURS = ("#2b3036", "#23413a", "#463a22", "#22344a", "#3f2a3c")  # placebo first


@dataclass(frozen=True)
class Shade:
    """One period's band on the results plot: trial days `first`..`last`, coloured by arm."""

    first: int
    last: int
    label: str
    colour: int  # index into SHADE_COLOURS


def blinded_trend(
    days: Sequence[int],
    values: Sequence[float | None],
    *,
    label: str,
    scale_min: float,
    scale_max: float,
    better: str,
    last_day: int | None = None,
) -> str:
    """Trial day against value: dots, and the 7-day average as a line. No periods."""
    return _chart(days, values, label, scale_min, scale_max, better, last_day, shades=())


def unblinded_trend(
    days: Sequence[int],
    values: Sequence[float | None],
    *,
    label: str,
    scale_min: float,
    scale_max: float,
    better: str,
    shades: Sequence[Shade],
    last_day: int | None = None,
) -> str:
    """The same plot with each period shaded by its arm (only after unblinding)."""
    return _chart(days, values, label, scale_min, scale_max, better, last_day, shades=shades)


def legend(shades: Sequence[Shade]) -> list[tuple[str, str]]:
    """(label, colour) once per arm, in first-appearance order, for the page's key."""
    seen: dict[str, str] = {}
    for shade in shades:
        seen.setdefault(shade.label, SHADE_COLOURS[shade.colour % len(SHADE_COLOURS)])
    return list(seen.items())


# -- drawing -----------------------------------------------------------------------------------


def _nice_step(span: float, most: int) -> int:
    """A whole-number tick step from 1, 2, 5, 10, 20, 50, ... giving at most `most` ticks."""
    for magnitude in (1, 10, 100, 1000, 10000):
        for base in (1, 2, 5):
            if span / (base * magnitude) <= most:
                return base * magnitude
    return 100000


def _average(values: Sequence[float | None]) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(values)):
        window = [v for v in values[max(0, i - AVERAGE_DAYS + 1) : i + 1] if v is not None]
        out.append(sum(window) / len(window) if len(window) >= AVERAGE_MIN else None)
    return out


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _chart(
    days: Sequence[int],
    values: Sequence[float | None],
    label: str,
    scale_min: float,
    scale_max: float,
    better: str,
    last_day: int | None,
    shades: Sequence[Shade],
) -> str:
    ys = [_clean(v) for v in values]
    first = 1
    last = max([last_day or 0, *days, first + 1])
    low, high = float(scale_min), float(scale_max)
    if high <= low:
        high = low + 1

    def x(day: float) -> int:
        return round(LEFT + (day - first) / (last - first) * PLOT_W)

    def y(value: float) -> int:
        clipped = min(max(value, low), high)
        return round(TOP + (high - clipped) / (high - low) * PLOT_H)

    rated = [(d, v) for d, v in zip(days, ys, strict=True) if v is not None]
    title = f"{label} by trial day"
    if rated:
        desc = (
            f"{len(rated)} rated days between day {rated[0][0]} and day {rated[-1][0]}; "
            f"{better} is better. Dots are daily ratings; the line is the "
            f"{AVERAGE_DAYS}-day average."
        )
    else:
        desc = "No ratings yet."
    parts = [
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="plot-title plot-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="14">',
        f'<title id="plot-title">{escape(title)}</title>',
        f'<desc id="plot-desc">{escape(desc)}</desc>',
    ]
    for shade in shades:  # behind everything else
        left, right = x(shade.first - 0.5), x(shade.last + 0.5)
        colour = SHADE_COLOURS[shade.colour % len(SHADE_COLOURS)]
        parts.append(
            f'<rect x="{left}" y="{TOP}" width="{max(right - left, 1)}" height="{PLOT_H}" '
            f'fill="{colour}"><title>{escape(shade.label)}: days {shade.first} to '
            f"{shade.last}</title></rect>"
        )
        if 7 * len(shade.label) < right - left:
            parts.append(
                f'<text x="{(left + right) // 2}" y="{TOP + 16}" text-anchor="middle" '
                f'font-size="12" fill="{TEXT}">{escape(shade.label)}</text>'
            )
    step = _nice_step(high - low, 6)
    tick = math.ceil(low / step) * step
    while tick <= high:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick)}" y2="{y(tick)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y(tick) + 5}" text-anchor="end" fill="{TEXT}">'
            f"{tick:g}</text>"
        )
        tick += step
    day_step = _nice_step(last - first, 8)
    for day in [first, *range(day_step, last + 1, day_step)]:
        if day != first and x(day) - x(first) < 24:
            continue
        parts.append(
            f'<line x1="{x(day)}" x2="{x(day)}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H + 6}" '
            f'stroke="{TEXT}" stroke-width="1"/>'
            f'<text x="{x(day)}" y="{TOP + PLOT_H + 22}" text-anchor="middle" fill="{TEXT}">'
            f"{day}</text>"
        )
    parts.append(
        f'<text x="{LEFT + PLOT_W // 2}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'fill="{TEXT}">Trial day</text>'
        f'<text x="16" y="{TOP + PLOT_H // 2}" text-anchor="middle" fill="{TEXT}" '
        f'transform="rotate(-90 16 {TOP + PLOT_H // 2})">{escape(label)}</text>'
    )
    for day, value in rated:
        parts.append(f'<circle cx="{x(day)}" cy="{y(value)}" r="3" fill="{DOT}"/>')
    run: list[str] = []
    for day, value in [*zip(days, _average(ys), strict=True), (None, None)]:
        if value is None or day is None:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{LINE}" '
                    f'stroke-width="3" stroke-linejoin="round"/>'
                )
            run = []
        else:
            run.append(f"{x(day)},{y(value)}")
    parts.append("</svg>")
    return "".join(parts)
