"""Effects of active against placebo: one posterior, and the average effect at each dose.

Effects are active minus placebo in outcome units, so which side is benefit depends on
`better`: with lower-is-better outcomes (fatigue, pain) a negative effect is a benefit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nof1.exceptions import DataError
from nof1.report.plots._figure import (
    ACTIVE_COLOURS,
    FAINT,
    INK,
    MCID_COLOUR,
    Plot,
    better_words,
    check_better,
    check_lengths,
    check_mcid,
    draw,
    finite,
    intervals,
    number,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GRID_POINTS = 1201  # density resolution: smooth at 7 inches, cheap for any mixture's cdf


EDGE = 0.06  # of the axes width: an MCID label this near an edge ends at its line instead


def reference_lines(axes: Axes, mcid: float | None, *, vertical: bool = True) -> None:
    """The zero line (no difference) and, when given, dashed lines at +/-MCID."""
    line = axes.axvline if vertical else axes.axhline
    line(0.0, color=INK, linewidth=1.2)
    if mcid is None:
        return
    for at in (-mcid, mcid):
        line(at, color=MCID_COLOUR, linewidth=1.2, linestyle=(0, (5, 3)))


def mcid_labels(axes: Axes, mcid: float | None, *, vertical: bool = True) -> None:
    """"MCID" above each vertical MCID line, or right of each horizontal one, that is in view.

    Called once the limits are final: matplotlib draws a label whose line is out of view
    anyway, outside the axes, where it is clipped or squeezes the axes away; and a label
    centred on a line near an edge would overhang the figure."""
    if mcid is None:
        return
    low, high = sorted(axes.get_xlim() if vertical else axes.get_ylim())
    for at in (-mcid, mcid):
        if not low <= at <= high:
            continue
        if vertical:
            share = (at - low) / (high - low)
            ha = "right" if share > 1 - EDGE else "left" if share < EDGE else "center"
            axes.annotate("MCID", (at, 1.0), xycoords=("data", "axes fraction"),
                          xytext=(0, 3), textcoords="offset points", ha=ha, va="bottom",
                          color=MCID_COLOUR, fontsize=11)
        else:
            axes.annotate("MCID", (1.0, at), xycoords=("axes fraction", "data"),
                          xytext=(3, 0), textcoords="offset points", ha="left",
                          va="center", color=MCID_COLOUR, fontsize=11)


def _view(lo: float, hi: float, mcid: float | None) -> tuple[float, float]:
    """The x range: the posterior's 99.9% interval and zero, and the MCID lines when they lie
    near enough that showing them does not squash the curve."""
    left, right = min(lo, 0.0), max(hi, 0.0)
    if mcid is not None:
        width = right - left
        for at in (-mcid, mcid):
            if left - width / 2 <= at <= right + width / 2:
                left, right = min(left, at), max(right, at)
    pad = 0.06 * (right - left)
    return left - pad, right + pad


def posterior(
    dist: Any, *, label: str, mcid: float | None, better: str, unit: str = "points"
) -> Plot:
    """The density of (active - placebo): the derivative of dist.cdf on a fine grid, the 95%
    credible interval shaded, zero and +/-MCID lines, and which side is benefit."""
    import numpy as np

    check_better(better)
    mcid = check_mcid(mcid)
    if not callable(getattr(dist, "cdf", None)):
        raise DataError(f"the posterior must have a cdf; got {type(dist).__name__}")
    lo, hi = (float(x) for x in dist.interval(0.999))
    c_lo, c_hi = (float(x) for x in dist.interval(0.95))
    finite("the posterior's interval", [lo, hi, c_lo, c_hi])
    if not lo < hi:
        raise DataError("the posterior has no spread: its 99.9% interval is a single point")
    left, right = _view(lo, hi, mcid)
    grid = np.linspace(left, right, GRID_POINTS)
    density = np.clip(np.gradient(np.asarray(dist.cdf(grid), dtype=float), grid), 0.0, None)
    if not np.all(np.isfinite(density)):
        raise DataError("the posterior's cdf gave values that are not finite")
    benefit_left = better == "lower"

    def paint(figure: Figure) -> None:
        figure.set_layout_engine("constrained")
        axes = figure.add_subplot()
        inside = (grid >= c_lo) & (grid <= c_hi)
        axes.fill_between(grid, density, where=inside, color=ACTIVE_COLOURS[0], alpha=0.35,
                          linewidth=0, label="95% credible interval")
        axes.plot(grid, density, color=INK, linewidth=1.8)
        reference_lines(axes, mcid)
        axes.set_xlim(left, right)
        mcid_labels(axes, mcid)
        axes.set_ylim(0, float(density.max()) * 1.3)
        axes.set_yticks([])
        axes.spines["left"].set_visible(False)
        axes.set_ylabel("How likely")
        axes.set_xlabel(f"Difference in {label}, active minus placebo ({unit})")
        # arrows point away from zero, towards the side each word names
        for word, at_left, weight in (("Benefit", benefit_left, "bold"),
                                      ("Harm", not benefit_left, "normal")):
            text = f"\u2190 {word}" if at_left else f"{word} \u2192"
            axes.text(0.01 if at_left else 0.99, 0.97, text, transform=axes.transAxes,
                      va="top", ha="left" if at_left else "right", fontweight=weight)
        # the title sits above the MCID labels
        axes.set_title(f"Effect on {label}. {better_words(better)}", loc="left", pad=20)
        axes.legend(loc="upper center")

    alt = (f"Likely size of the effect on {label}, active minus placebo: mean "
           f"{number(float(dist.mean))} {unit}, 95% credible interval {number(c_lo)} to "
           f"{number(c_hi)}. {better_words(better)}")
    if mcid is not None:
        alt += f" Dashed lines mark the MCID of plus and minus {number(mcid)} {unit}."
    return draw(3.8, f"Effect on {label}", alt, paint)


def dose_response(
    doses: Sequence[float],
    mean: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    *,
    label: str,
    better: str,
    mcid: float | None = None,
    unit: str = "points",
) -> Plot:
    """The average effect against placebo at each dose (mg) with its 95% interval."""
    check_better(better)
    mcid = check_mcid(mcid)
    check_lengths("dose-response", doses=doses, mean=mean, low=low, high=high)
    mg = finite("doses", doses)
    if any(d <= 0 for d in mg) or len(set(mg)) != len(mg):
        raise DataError(f"doses must be distinct and above 0 mg, got {mg}")
    m, lo, hi = intervals("dose-response", mean, low, high)
    rows = sorted(zip(mg, m, lo, hi, strict=True))

    def paint(figure: Figure) -> None:
        figure.set_layout_engine("constrained")
        axes = figure.add_subplot()
        reference_lines(axes, mcid, vertical=False)
        xs = [r[0] for r in rows]
        axes.plot(xs, [r[1] for r in rows], color=FAINT, linewidth=1.0, zorder=2)
        axes.errorbar(xs, [r[1] for r in rows],
                      yerr=[[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]],
                      fmt="o", color=ACTIVE_COLOURS[0], markersize=8, capsize=6,
                      elinewidth=2, capthick=2, zorder=3)
        span = xs[-1] - xs[0] or xs[0]
        axes.set_xlim(xs[0] - 0.2 * span, xs[-1] + 0.2 * span)
        axes.set_xticks(xs, [f"{x:g} mg" for x in xs])
        axes.set_xlabel("Daily dose")
        axes.set_ylabel(f"Effect on {label} ({unit})\nactive minus placebo")
        axes.set_title(f"Average effect on {label} at each dose. {better_words(better)}",
                       loc="left")
        mcid_labels(axes, mcid, vertical=False)

    listed = "; ".join(f"{x:g} mg: {number(a)} ({number(b)} to {number(c)})"
                       for x, a, b, c in rows)
    alt = (f"Average effect on {label} against placebo at each dose, in {unit} with 95% "
           f"intervals: {listed}. {better_words(better)}")
    return draw(3.8, f"Effect on {label} by dose", alt, paint)
