"""Plots for reports after unblinding, drawn with matplotlib and returned as SVG.

Each function returns a Plot: `svg` (text, no XML declaration, with <title> and <desc>) and
`alt` (plain sentences for screen readers); `Plot.img()` gives an <img> for HTML and PDF.
The same input always gives byte-identical SVG. matplotlib is imported only when a plot is
drawn.

    timeline(spans)                        the design: periods, pairs, washout, arms
    daily_values(days, values, spans, ...) each day's value, shaded by period
    posterior(dist, ...)                   the effect's posterior with MCID lines
    harms_by_period(labels, events, days)  side effects as a share of days, per period
    forest(labels, mean, low, high, ...)   a series' shrunken effects, average, prediction
    dose_response(doses, mean, low, high)  average effect at each dose
    flow_diagram(stages, exclusions)       the CENT series flow diagram
"""

from nof1.report.plots._figure import Plot
from nof1.report.plots.effects import dose_response, posterior
from nof1.report.plots.harms import harms_by_period
from nof1.report.plots.series import flow_diagram, forest
from nof1.report.plots.trial import Span, daily_values, timeline

__all__ = [
    "Plot",
    "Span",
    "daily_values",
    "dose_response",
    "flow_diagram",
    "forest",
    "harms_by_period",
    "posterior",
    "timeline",
]
