"""Harms by period: how often each side effect was reported, as a share of recorded days.

A share, not a count, because periods lose different numbers of days to missing diaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from nof1.exceptions import DataError
from nof1.report.plots._figure import (
    ACTIVE_COLOURS,
    FAINT,
    INK,
    PLACEBO,
    WIDTH,
    Plot,
    check_lengths,
    counts,
    draw,
    legend_columns,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Side effects are not arms: they take Okabe-Ito colours in the order given, with hatches
# once the colours run out, and grey is left out so nothing reads as placebo.
EVENT_COLOURS = (*ACTIVE_COLOURS, "#F0E442", INK)
HATCHES = ("", "..", "xx", "\\\\")
LABEL_INCHES = 2.5  # a period's label wraps beyond this, leaving the bars most of the width
MAX_VALUE_LABELS = 40  # beyond this many bars, written percentages would crowd the bars


def harms_by_period(
    period_labels: Sequence[str],
    days_with_event: Mapping[str, Sequence[int]],
    days_recorded: Sequence[int],
) -> Plot:
    """For each period, the share of its recorded days with each side effect (grouped
    horizontal bars, %). `days_with_event` maps each side effect, as named, to its number of
    days in each period; `days_recorded` gives each period's recorded days."""
    n = check_lengths("harms by period", period_labels=period_labels,
                      days_recorded=days_recorded)
    counts("days recorded", days_recorded)
    for event, days in days_with_event.items():
        if len(days) != n:
            raise DataError(f"harms by period: '{event}' has {len(days)} counts for {n} periods")
        counts(f"days with '{event}'", days)
        for label, k, total in zip(period_labels, days, days_recorded, strict=True):
            if k > total:
                raise DataError(f"harms by period: '{event}' on {k} days in {label}, which "
                                f"has only {total} recorded days")
    events = list(days_with_event)
    share = {e: [100.0 * k / t if t else 0.0 for k, t in zip(days_with_event[e], days_recorded,
                                                            strict=True)] for e in events}
    slots = max(len(events), 1)
    group = 0.8  # of each period's row; the rest separates periods
    bar = group / slots
    largest = max((v for values in share.values() for v in values), default=0.0)
    right = min(100.0, max(10.0, 10.0 * -(-largest * 1.2 // 10)))
    write_values = n * len(events) <= MAX_VALUE_LABELS
    # a side effect's name as the diary spelled it can be long: wrap it within half the width
    names = [wrap(event, 11, WIDTH / 2 - 0.6) for event in events]
    columns = legend_columns(names)
    legend_lines = -(-len(names) // columns) + sum(name.count("\n") for name in names)

    def paint(figure: Figure) -> None:
        figure.set_layout_engine("constrained")
        axes = figure.add_subplot()
        for j, event in enumerate(events):
            offsets = [i - group / 2 + bar * (j + 0.5) for i in range(n)]
            bars = axes.barh(offsets, share[event], height=bar * 0.9,
                             color=EVENT_COLOURS[j % len(EVENT_COLOURS)],
                             hatch=HATCHES[(j // len(EVENT_COLOURS)) % len(HATCHES)],
                             edgecolor="white", linewidth=0.5, label=names[j])
            if write_values:
                axes.bar_label(bars, [f"{v:.0f}%" if v else "" for v in share[event]],
                               padding=3, fontsize=11)
        for i, total in enumerate(days_recorded):
            if not total:
                axes.text(1, i, "no days recorded", va="center", color=FAINT)
        if not events:
            axes.text(0.5, 0.5, "No side effects were recorded.", transform=axes.transAxes,
                      ha="center", va="center", fontsize=13)
        axes.set_yticks(range(n), [wrap(label, 11, LABEL_INCHES) for label in period_labels])
        axes.set_ylim(n - 0.5, -0.5)  # first period on top
        axes.tick_params(axis="y", length=0)
        axes.set_xlim(0, right)
        axes.set_xlabel("Share of recorded days with the side effect (%)")
        axes.grid(axis="x", color=PLACEBO, linewidth=0.5, alpha=0.6)
        axes.set_axisbelow(True)
        axes.set_title("Side effects in each period", loc="left")
        if events:
            figure.legend(loc="outside lower center", ncols=columns)

    height = 1.9 + n * (0.25 + 0.22 * len(events)) + 0.25 * legend_lines
    return draw(height, "Side effects in each period",
                _alt(period_labels, events, days_with_event, days_recorded, share), paint)


def _alt(labels: Sequence[str], events: list[str], days: Mapping[str, Sequence[int]],
         recorded: Sequence[int], share: dict[str, list[float]]) -> str:
    head = (f"Share of recorded days with each side effect in {len(labels)} periods"
            + (f": {', '.join(events)}." if events else "."))
    found = [(share[e][i], e, i) for e in events for i in range(len(labels)) if days[e][i]]
    if not found:
        return f"{head} No side effects were recorded."
    value, event, i = max(found, key=lambda t: (t[0], -events.index(t[1]), -t[2]))
    return (f"{head} The most frequent was {event} in {labels[i]}, on {days[event][i]} of "
            f"{recorded[i]} recorded days ({value:.0f}%).")
