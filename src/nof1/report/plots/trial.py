"""One trial over time: its design (the timeline) and its daily values shaded by period.

Both take the trial as a list of Spans, so the two plots of one report colour each arm alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nof1.exceptions import DataError
from nof1.report.plots._figure import (
    ACTIVE_COLOURS,
    FAINT,
    INK,
    PLACEBO,
    RUN_IN,
    UNKNOWN,
    WASHOUT_HATCH,
    Plot,
    better_words,
    check_better,
    check_lengths,
    draw,
    legend_columns,
    number,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

AVERAGE_DAYS = 7  # the line is the mean of the last 7 days, as on the clinician's web page ...
AVERAGE_MIN = 4  # ... drawn only where at least 4 of them have a value
LABEL_INCHES = 2.5  # a span's label wraps beyond this, leaving the bars most of the width
BAND_ALPHA = 0.35  # period shading light enough for black dots to stand out on every arm


@dataclass(frozen=True)
class Span:
    """One stretch of the trial on the timeline: the run-in or one period."""

    first_day: int  # trial days, inclusive (day 1 = first run-in day)
    last_day: int
    period: int  # 0 = run-in
    pair: int  # 0 = run-in
    arm: str | None  # arm id; None while blinded, and for the run-in
    label: str  # e.g. "Run-in", "Period 3: LDN 4.5 mg", "Period 3 (kit K-7F3Q)"
    washout_days: int = 0  # analytic washout: first days of the period left out of the analysis


def _check_spans(spans: Sequence[Span]) -> list[Span]:
    if not spans:
        raise DataError("the trial has no periods to draw (spans is empty)")
    ordered = sorted(spans, key=lambda s: s.first_day)
    for span in ordered:
        if span.last_day < span.first_day:
            raise DataError(f"{span.label}: last day {span.last_day} is before first day "
                            f"{span.first_day}")
        if not 0 <= span.washout_days <= span.last_day - span.first_day + 1:
            raise DataError(f"{span.label}: washout of {span.washout_days} days does not fit "
                            f"in days {span.first_day} to {span.last_day}")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.first_day <= before.last_day:
            raise DataError(f"{before.label} and {after.label} overlap "
                            f"(day {after.first_day})")
    return ordered


def _is_placebo(arm: str | None) -> bool:
    return arm is not None and arm.casefold() == "placebo"


def _dose_order(arm: str) -> list[Any]:
    # "ldn-1.5mg" < "ldn-3mg" < "ldn-4.5mg": numbers compare as numbers, so every participant's
    # plots give each arm the same colour whatever order the periods were randomised in.
    parts = re.split(r"(\d+(?:\.\d+)?)", arm)
    return [(0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts)]


def arm_styles(spans: Sequence[Span]) -> dict[str | None, tuple[str, str]]:
    """{arm: (colour, legend name)} for each arm in `spans`; None stands for unknown arms."""
    names: dict[str, str] = {}
    for span in spans:
        if span.arm is not None and span.period > 0:
            # "Period 3: LDN 4.5 mg" names its arm after the colon; otherwise use the id
            _, colon, after = span.label.partition(":")
            names.setdefault(span.arm, after.strip() if colon and after.strip() else span.arm)
    styles: dict[str | None, tuple[str, str]] = {}
    actives = sorted((a for a in names if not _is_placebo(a)), key=_dose_order)
    for arm in names:
        if _is_placebo(arm):
            styles[arm] = (PLACEBO, names[arm])
    for i, arm in enumerate(actives):
        styles[arm] = (ACTIVE_COLOURS[i % len(ACTIVE_COLOURS)], names[arm])
    if any(s.arm is None and s.period > 0 for s in spans):
        styles[None] = (UNKNOWN, "Arm not known (blinded)")
    return styles


def _colour(span: Span, styles: dict[str | None, tuple[str, str]]) -> str:
    return RUN_IN if span.period == 0 else styles[span.arm][0]


def _legend(figure: Figure, styles: dict[str | None, tuple[str, str]], spans: Sequence[Span],
            extra: Sequence[Any] = (), alpha: float = 1.0) -> None:
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if any(s.period == 0 for s in spans):
        handles.append(Patch(facecolor=RUN_IN, edgecolor=FAINT, label="Run-in"))
    handles += [Patch(facecolor=c, edgecolor=FAINT, alpha=alpha if c != UNKNOWN else 1.0,
                      label=name) for c, name in styles.values()]
    if any(s.washout_days for s in spans):
        handles.append(Patch(facecolor="white", edgecolor=FAINT, hatch=WASHOUT_HATCH,
                             label="Washout (not analysed)"))
    handles += list(extra)
    columns = legend_columns([h.get_label() for h in handles])
    figure.legend(handles=handles, loc="outside lower center", ncols=columns)


def _day_axis(axes: Axes, first: int, last: int) -> None:
    from matplotlib.ticker import MaxNLocator

    pad = 0.5 + 0.005 * (last - first)  # so the first and last bars' outlines are not clipped
    axes.set_xlim(first - pad, last + pad)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    axes.set_xlabel("Trial day")


def timeline(spans: Sequence[Span], *, title: str = "Trial timeline") -> Plot:
    """The design: one bar per span on a day axis, pairs marked above, washout days hatched,
    arms coloured when known."""
    ordered = _check_spans(spans)
    styles = arm_styles(ordered)
    first, last = ordered[0].first_day, ordered[-1].last_day
    pairs = sorted({s.pair for s in ordered if s.pair > 0})

    def paint(figure: Figure) -> None:
        figure.set_layout_engine("constrained")
        axes = figure.add_subplot()
        for row, span in enumerate(ordered):
            left, width = span.first_day - 0.5, span.last_day - span.first_day + 1
            axes.barh(row, width, left=left, height=0.6, color=_colour(span, styles),
                      edgecolor=INK, linewidth=0.8)
            if span.washout_days:
                axes.barh(row, span.washout_days, left=left, height=0.6, color="none",
                          edgecolor=INK, hatchcolor=INK, hatch=WASHOUT_HATCH, linewidth=0)
        axes.set_yticks(range(len(ordered)), [wrap(s.label, 11, LABEL_INCHES) for s in ordered])
        axes.set_ylim(len(ordered) - 0.4, -0.6)  # first span on top: read top to bottom
        axes.tick_params(axis="y", length=0)
        axes.spines["left"].set_visible(False)
        _day_axis(axes, first, last)
        centres, names = [], []
        for pair in pairs:
            days = [d for s in ordered if s.pair == pair for d in (s.first_day, s.last_day)]
            centres.append((min(days) + max(days)) / 2)
            names.append(f"Pair {pair}")
            axes.axvline(min(days) - 0.5, color=FAINT, linewidth=0.8, linestyle=(0, (4, 3)))
        top = axes.secondary_xaxis("top")
        top.set_xticks(centres, names)
        top.tick_params(length=0)
        top.spines["top"].set_visible(False)
        axes.set_title(title, loc="left")
        _legend(figure, styles, ordered)

    return draw(1.9 + 0.42 * len(ordered), title, _timeline_alt(ordered, pairs, title), paint)


def _timeline_alt(spans: list[Span], pairs: list[int], title: str) -> str:
    periods = [s for s in spans if s.period > 0]
    run_in = sum(s.last_day - s.first_day + 1 for s in spans if s.period == 0)
    head = f"{title}, days {spans[0].first_day} to {spans[-1].last_day}: "
    head += f"a run-in of {run_in} days, then " if run_in else ""
    head += f"{len(periods)} periods in {len(pairs)} pairs"
    washout = sorted({s.washout_days for s in periods if s.washout_days})
    if washout:
        lengths = " or ".join(str(w) for w in washout)
        head += f", the first {lengths} days of each a washout left out of the analysis"
    order = "; ".join(f"{s.label}, days {s.first_day} to {s.last_day}" for s in spans)
    return f"{head}. In order: {order}."


def _running_mean(by_day: dict[int, float], first: int, last: int) -> tuple[list[int],
                                                                             list[float]]:
    """Mean of the last AVERAGE_DAYS calendar days, NaN where fewer than AVERAGE_MIN exist."""
    days = list(range(first, last + 1))
    out = []
    for day in days:
        window = [by_day[d] for d in range(day - AVERAGE_DAYS + 1, day + 1) if d in by_day]
        out.append(sum(window) / len(window) if len(window) >= AVERAGE_MIN else math.nan)
    return days, out


def daily_values(
    days: Sequence[int],
    values: Sequence[float],
    spans: Sequence[Span],
    *,
    label: str,
    better: str,
    y_range: tuple[float, float] | None = None,
    unit: str = "points",
) -> Plot:
    """Each day's value as a dot (NaN = missing, skipped), the 7-day average as a line, each
    period shaded by its arm and washout days hatched."""
    check_better(better)
    check_lengths("daily values", days=days, values=values)
    if len(set(days)) != len(days):
        raise DataError("daily values: a trial day appears twice")
    if y_range is not None and not y_range[0] < y_range[1]:
        raise DataError(f"y_range must run from low to high, got {y_range}")
    ordered = _check_spans(spans) if spans else []
    styles = arm_styles(ordered)
    by_day = {int(d): float(v) for d, v in zip(days, values, strict=True)
              if v is not None and math.isfinite(float(v))}
    first = min([*days, *(s.first_day for s in ordered)])
    last = max([*days, *(s.last_day for s in ordered)])
    line_days, line = _running_mean(by_day, first, last)

    def paint(figure: Figure) -> None:
        from matplotlib.lines import Line2D

        figure.set_layout_engine("constrained")
        axes = figure.add_subplot()
        for span in ordered:
            left, right = span.first_day - 0.5, span.last_day + 0.5
            colour = _colour(span, styles)
            axes.axvspan(left, right, color=colour, linewidth=0,
                         alpha=BAND_ALPHA if span.period > 0 else 1.0)
            if span.washout_days:
                axes.axvspan(left, left + span.washout_days, facecolor="none", linewidth=0,
                             hatch=WASHOUT_HATCH, hatchcolor=FAINT)
        xs = sorted(by_day)
        axes.plot(xs, [by_day[d] for d in xs], linestyle="none", marker="o", markersize=3.5,
                  color=INK, alpha=0.75)
        axes.plot(line_days, line, color=INK, linewidth=2.2)
        if y_range is not None:
            axes.set_ylim(*y_range)
        _day_axis(axes, first, last)
        axes.set_ylabel(f"{label} ({unit})")
        axes.set_title(f"{label} each day. {better_words(better)}", loc="left")
        dot = Line2D([], [], linestyle="none", marker="o", markersize=5, color=INK,
                     label="Daily value")
        mean = Line2D([], [], color=INK, linewidth=2.2, label=f"{AVERAGE_DAYS}-day average")
        _legend(figure, styles, ordered, extra=(dot, mean), alpha=BAND_ALPHA)

    return draw(4.4, f"{label} each day", _daily_alt(by_day, len(days), styles, label, better,
                                                     unit, first, last), paint)


def _daily_alt(by_day: dict[int, float], n: int, styles: dict[str | None, tuple[str, str]],
               label: str, better: str, unit: str, first: int, last: int) -> str:
    arms = [name for arm, (_, name) in styles.items() if arm is not None]
    shading = f", shaded by period: {', '.join(arms)}" if arms else ""
    if by_day:
        values = list(by_day.values())
        seen = (f"{len(by_day)} of {n} days have a value, from {number(min(values), 1)} to "
                f"{number(max(values), 1)} {unit}")
    else:
        seen = f"none of the {n} days has a value"
    return (f"Daily {label} from day {first} to day {last}{shading}; {seen}. Dots are daily "
            f"values and the line is the average of the last {AVERAGE_DAYS} days; {better} is "
            f"better.")
