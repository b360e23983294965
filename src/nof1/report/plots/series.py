"""A series of trials: the forest plot of shrunken effects and the CENT flow diagram."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nof1.exceptions import DataError
from nof1.report.plots._figure import (
    ACTIVE_COLOURS,
    INK,
    MAX_HEIGHT,
    WIDTH,
    Plot,
    better_words,
    check_better,
    check_lengths,
    check_mcid,
    counts,
    draw,
    intervals,
    number,
    wrap,
)
from nof1.report.plots.effects import mcid_labels, reference_lines

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ROW_INCHES = 0.3  # one participant's row while there is room for it ...
LABEL_POINTS = 16  # ... and the least height one readable 11 pt label needs
SUMMARY_INCHES = 0.45  # the average's and the new patient's rows, however many participants
FRAME_INCHES = 1.6  # axis, its label, the MCID labels and the legend
POOLED_COLOUR, PREDICTIVE_COLOUR, RAW_COLOUR = INK, "#D55E00", ACTIVE_COLOURS[1]


def _triple(what: str, value: tuple[float, float, float] | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    m, lo, hi = intervals(what, [value[0]], [value[1]], [value[2]])
    return m[0], lo[0], hi[0]


def forest(
    labels: Sequence[str],
    mean: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    *,
    label: str,
    better: str,
    mcid: float | None = None,
    pooled: tuple[float, float, float] | None = None,
    predictive: tuple[float, float, float] | None = None,
    raw: tuple[Sequence[float], Sequence[float], Sequence[float]] | None = None,
) -> Plot:
    """Shrunken per-participant effects with 95% intervals, in the order given; the average
    (mu) as a diamond; the predictive interval for a new patient as a bar; each participant's
    own-trial (stage-1) estimate as a hollow marker when `raw` is given."""
    check_better(better)
    mcid = check_mcid(mcid)
    n = check_lengths("forest plot", labels=labels, mean=mean, low=low, high=high)
    m, lo, hi = intervals("forest plot", mean, low, high)
    raw_mean = None
    if raw is not None:
        check_lengths("forest plot", labels=labels, raw_mean=raw[0], raw_low=raw[1],
                      raw_high=raw[2])
        raw_mean, _, _ = intervals("forest plot (own-trial estimates)", *raw)
    pool, pred = _triple("average effect", pooled), _triple("predictive interval", predictive)
    summary = [(name, v) for name, v in (("Average", pool), ("A new patient", pred)) if v]
    # participants get ROW_INCHES each until the page is full; the average and the new
    # patient keep a fixed height below, so they stay legible beside 300 crowded rows
    summary_h = SUMMARY_INCHES * len(summary)
    rows_h = min(max(ROW_INCHES * n, 0.9), MAX_HEIGHT - FRAME_INCHES - summary_h)
    room = max(int(rows_h * 72 / LABEL_POINTS), 2)  # labels that fit without overlapping
    step = max(1, math.ceil(n / room))
    size = min(7.0, max(2.0, 7.0 - n / 25))  # markers and lines thin as rows crowd
    width = min(2.0, max(0.6, 2.0 - n / 100))

    def paint(figure: Figure) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Polygon

        figure.set_layout_engine("constrained")
        if summary:
            axes, below = figure.subplots(2, 1, sharex=True,
                                          height_ratios=[rows_h, summary_h])
        else:
            axes, below = figure.add_subplot(), None
        ys = list(range(n))
        axes.hlines(ys, lo, hi, color=ACTIVE_COLOURS[0], linewidth=width)
        axes.plot(m, ys, linestyle="none", marker="o", markersize=size, color=ACTIVE_COLOURS[0])
        handles: list[Any] = [Line2D([], [], color=ACTIVE_COLOURS[0], marker="o",
                                     linewidth=2, label="Each participant (95% interval)")]
        if raw_mean is not None:
            axes.plot(raw_mean, ys, linestyle="none", marker="o", markersize=size,
                      markerfacecolor="none", markeredgecolor=RAW_COLOUR, markeredgewidth=1.2)
            handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="none",
                                  markeredgecolor=RAW_COLOUR, label="Own trial alone"))
        reference_lines(axes, mcid)
        axes.set_yticks(ys[::step], [labels[i] for i in ys[::step]])
        axes.set_ylim(n - 0.5, -0.5)  # first participant on top
        if step > 1:
            axes.set_ylabel(f"{n} participants (1 in {step} labelled)")
        bottom = axes
        if below is not None:
            bottom = below
            axes.tick_params(axis="x", bottom=False)
            axes.spines["bottom"].set_visible(False)
            for y, (name, (c, a, b)) in enumerate(summary):
                if name == "Average":
                    below.add_patch(Polygon([(a, y), (c, y - 0.3), (b, y), (c, y + 0.3)],
                                            closed=True, color=POOLED_COLOUR))
                    handles.append(Line2D([], [], linestyle="none", marker="D", color=INK,
                                          label="Average (95% interval)"))
                else:
                    below.hlines(y, a, b, color=PREDICTIVE_COLOUR, linewidth=6)
                    below.plot([c], [y], marker="|", markersize=14, color=INK)
                    handles.append(Line2D([], [], color=PREDICTIVE_COLOUR, linewidth=6,
                                          label="A new patient (95% prediction)"))
            reference_lines(below, mcid)
            below.set_yticks(range(len(summary)), [name for name, _ in summary])
            below.set_ylim(len(summary) - 0.4, -0.6)
        for each in (axes, below):
            if each is not None:
                each.tick_params(axis="y", length=0)
                each.spines["left"].set_visible(False)
        bottom.set_xlabel(f"Effect on {label}, active minus placebo. {better_words(better)}")
        mcid_labels(axes, mcid)
        figure.legend(handles=handles, loc="outside lower center", ncols=2)

    alt = (f"Forest plot of the effect on {label} for {n} participants, each with a 95% "
           f"interval. {better_words(better)}")
    if pool is not None:
        alt += (f" The average effect is {number(pool[0])} ({number(pool[1])} to "
                f"{number(pool[2])}).")
    if pred is not None:
        alt += f" For a new patient it would likely lie from {number(pred[1])} to "
        alt += f"{number(pred[2])}."
    height = FRAME_INCHES + rows_h + summary_h
    return draw(height, f"Effect on {label} for each participant", alt, paint)


# -- flow diagram: laid out in inches, since boxes must fit their text, not the data ------------

MAIN_X, MAIN_W, SIDE_X, SIDE_W = 0.35, 3.6, 4.35, 2.5
LINE_H, PAD, GAP = 0.22, 0.16, 0.5  # inches: one 12 pt text line, box padding, arrow length
TITLE_LINE_H = 0.25  # inches: one line of the 13 pt title


def _box_lines(text: str, count: int, width: int) -> list[str]:
    return [*textwrap.wrap(text, width), f"n = {count}"]


def flow_diagram(
    stages: Sequence[tuple[str, int]],
    exclusions: Sequence[tuple[str, int]] = (),
    *,
    title: str = "Participant flow",
) -> Plot:
    """The CENT 2015 series flow diagram: one box per stage, top to bottom, each with its
    count and an arrow to the next; exclusions in a side box between the first two boxes."""
    if not stages:
        raise DataError("the flow diagram needs at least one stage")
    counts("stage counts", [c for _, c in stages])
    counts("exclusion counts", [c for _, c in exclusions])
    boxes = [_box_lines(text, c, 34) for text, c in stages]
    excluded = sum(c for _, c in exclusions)
    side = [f"Excluded, n = {excluded}"] + [
        line for reason, c in exclusions
        for line in textwrap.wrap(f"\u2022 {reason} (n = {c})", 26, subsequent_indent="  ")
    ]
    side_h = LINE_H * len(side) + 2 * PAD if exclusions else 0.0
    heights = [LINE_H * len(lines) + 2 * PAD for lines in boxes]
    gaps = [max(GAP, side_h + 0.3) if i == 0 and exclusions else GAP for i in range(len(boxes))]
    # the title wraps (13 pt bold is about as wide as 14 pt regular) and pushes the boxes down
    heading = wrap(title, 14, WIDTH - 2 * MAIN_X)
    top = 0.75 + TITLE_LINE_H * heading.count("\n")
    total = top + sum(heights) + sum(gaps[:-1]) + (gaps[0] if len(boxes) == 1 and exclusions
                                                    else 0.0) + 0.3

    def paint(figure: Figure) -> None:
        from matplotlib.patches import FancyArrowPatch, Rectangle

        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        axes.set_xlim(0, WIDTH)
        axes.set_ylim(total, 0)  # y grows downwards, as the diagram is read
        axes.text(MAIN_X, (top - 0.05) / 2, heading, fontsize=13, fontweight="bold",
                  va="center")

        def box(x: float, y: float, w: float, lines: list[str], bold_first: bool) -> float:
            h = LINE_H * len(lines) + 2 * PAD
            axes.add_patch(Rectangle((x, y), w, h, facecolor="white", edgecolor=INK,
                                     linewidth=1.2))
            for i, text in enumerate(lines):
                centred = not bold_first
                axes.text(x + (w / 2 if centred else PAD), y + PAD + LINE_H * (i + 0.5), text,
                          ha="center" if centred else "left", va="center",
                          fontweight="bold" if bold_first and i == 0 else "normal")
            return y + h

        def arrow(start: tuple[float, float], end: tuple[float, float]) -> None:
            axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                           color=INK, linewidth=1.2, shrinkA=0, shrinkB=0))

        y, middle = top, MAIN_X + MAIN_W / 2
        for i, lines in enumerate(boxes):
            bottom = box(MAIN_X, y, MAIN_W, lines, bold_first=False)
            has_next = i + 1 < len(boxes)
            if i == 0 and exclusions:
                branch = bottom + gaps[0] / 2
                box(SIDE_X, branch - side_h / 2, SIDE_W, side, bold_first=True)
                arrow((middle, branch), (SIDE_X, branch))
                if not has_next:
                    axes.plot([middle, middle], [bottom, branch], color=INK, linewidth=1.2)
            if has_next:
                arrow((middle, bottom), (middle, bottom + gaps[i]))
            y = bottom + gaps[i]

    alt = f"{title}: " + "; then ".join(f"{text}, {c}" for text, c in stages) + "."
    if exclusions:
        listed = "; ".join(f"{reason}, {c}" for reason, c in exclusions)
        alt += f" Excluded, {excluded}: {listed}."
    return draw(total, title, alt, paint)
