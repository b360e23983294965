"""The report plots: SVG a browser and WeasyPrint can read, the same bytes for the same input,
alternative text that carries the facts, and DataError for input that cannot be drawn."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nof1.analysis._mixture import StudentTMixture
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.exceptions import DataError
from nof1.protocol import load_template
from nof1.report import build_trial_report
from nof1.report.plots import (
    Plot,
    Span,
    daily_values,
    dose_response,
    flow_diagram,
    forest,
    harms_by_period,
    posterior,
    timeline,
)
from nof1.report.plots._figure import MAX_HEIGHT, number
from nof1.report.plots.trial import _running_mean, arm_styles

SVG = "{http://www.w3.org/2000/svg}"
ARMS = ("placebo", "ldn-4.5mg", "ldn-4.5mg", "placebo", "placebo", "ldn-4.5mg")


def trial_spans(arms: tuple[str | None, ...] = ARMS, washout: int = 7) -> list[Span]:
    """A 2-week run-in, then 4-week periods in pairs, as in the LDN template."""
    spans = [Span(1, 14, 0, 0, None, "Run-in")]
    for i, arm in enumerate(arms):
        name = "Placebo" if arm == "placebo" else "LDN 4.5 mg"
        label = f"Period {i + 1}: {name}" if arm else f"Period {i + 1} (kit K-{i}F3Q)"
        spans.append(Span(15 + 28 * i, 42 + 28 * i, i + 1, i // 2 + 1, arm, label, washout))
    return spans


def daily(missing: int = 0) -> tuple[list[int], list[float]]:
    rng = np.random.default_rng(7)
    days = list(range(1, 183))
    values = [float(v) for v in np.clip(rng.normal(6, 1, len(days)), 0, 10)]
    for k in range(missing):
        values[40 + 3 * k] = math.nan
    return days, values


def effect_posterior() -> StudentTMixture:
    return StudentTMixture.build(np.array([0.6, 0.4]), np.array([-0.8, -0.7]),
                                 np.array([0.2, 0.25]), 30.0)


DRAWINGS: dict[str, Callable[[], Plot]] = {
    "timeline": lambda: timeline(trial_spans()),
    "blinded timeline": lambda: timeline(trial_spans((None,) * 6)),
    "daily values": lambda: daily_values(*daily(5), trial_spans(), label="Fatigue",
                                         better="lower", y_range=(0, 10)),
    "posterior": lambda: posterior(effect_posterior(), label="Fatigue", mcid=1.0,
                                   better="lower"),
    "forest": lambda: forest(["P01", "P02", "P03"], [-0.5, -1.0, -0.2], [-1.0, -1.6, -0.9],
                             [0.0, -0.4, 0.5], label="Fatigue", better="lower", mcid=1.0,
                             pooled=(-0.6, -1.1, -0.1), predictive=(-0.6, -1.9, 0.7),
                             raw=([-0.4, -1.2, 0.1], [-1.1, -2.0, -0.9], [0.3, -0.4, 1.1])),
    "dose-response": lambda: dose_response([1.5, 3.0, 4.5], [-0.2, -0.5, -0.8],
                                           [-0.7, -1.0, -1.3], [0.3, 0.0, -0.3],
                                           label="Fatigue", better="lower", mcid=1.0),
    "flow diagram": lambda: flow_diagram([("Trials in the data", 40), ("Analysed", 38)],
                                         [("No primary outcome recorded", 2)]),
    "harms": lambda: harms_by_period(["Period 1: Placebo", "Period 2: LDN 4.5 mg"],
                                     {"Vivid dreams": [0, 5], "Headache": [2, 1]}, [28, 27]),
}


def parse(plot: Plot) -> ET.Element:
    return ET.fromstring(plot.svg)


def view_box(plot: Plot) -> tuple[float, float]:
    x, y, width, height = (float(v) for v in parse(plot).attrib["viewBox"].split())
    assert (x, y) == (0, 0)
    return width, height


@pytest.mark.parametrize("name", DRAWINGS)
def test_each_plot_is_a_titled_svg_seven_inches_wide_with_something_drawn(name):
    plot = DRAWINGS[name]()
    root = parse(plot)
    assert root.tag == f"{SVG}svg"
    width, height = view_box(plot)
    assert width == 7 * 72 and 1.5 * 72 <= height <= MAX_HEIGHT * 72
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}desc").text == plot.alt
    assert len(root.findall(f".//{SVG}path")) > 20  # text is drawn as paths, so many
    assert not plot.svg.startswith("<?xml") and "<!DOCTYPE" not in plot.svg


@pytest.mark.parametrize("name", DRAWINGS)
def test_each_plot_is_byte_identical_when_drawn_again(name):
    assert DRAWINGS[name]().svg == DRAWINGS[name]().svg


def test_a_plot_is_byte_identical_in_a_fresh_interpreter():
    code = (f"import hashlib, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            "from test_report_plots import DRAWINGS; "
            "print(hashlib.sha256(DRAWINGS['daily values']().svg.encode()).hexdigest())")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    here = hashlib.sha256(DRAWINGS["daily values"]().svg.encode()).hexdigest()
    assert run.stdout.strip() == here


def test_importing_the_plots_does_not_load_matplotlib():
    code = "import sys, nof1.report.plots; print('matplotlib' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert run.stdout.strip() == "False"


def test_drawing_leaves_matplotlib_settings_alone_and_never_loads_pyplot():
    # rcParams.copy(), not dict(rcParams): reading rcParams["backend"] itself loads pyplot
    code = ("import sys, matplotlib; before = matplotlib.rcParams.copy(); "
            "from nof1.report.plots import timeline, Span; "
            "timeline([Span(1, 14, 0, 0, None, 'Run-in')]); "
            "after = matplotlib.rcParams.copy(); "
            "print(after == before, after['svg.hashsalt'] is None, "
            "'matplotlib.pyplot' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert run.stdout.split() == ["True", "True", "False"]


def test_img_carries_the_svg_as_a_data_uri_and_escapes_the_alt_text():
    plot = Plot(svg='<svg xmlns="http://www.w3.org/2000/svg"></svg>', alt='A "b" <c> & d')
    tag = plot.img()
    assert 'alt="A &quot;b&quot; &lt;c&gt; &amp; d"' in tag
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', tag).group(1)
    assert base64.b64decode(data).decode() == plot.svg
    assert tag.startswith('<img class="plot" ')


def test_posterior_alt_text_gives_the_label_mean_and_credible_interval():
    dist = effect_posterior()
    low, high = dist.interval(0.95)
    alt = posterior(dist, label="Fatigue", mcid=1.0, better="lower").alt
    assert "Fatigue" in alt and "Lower is better" in alt
    assert f"mean {number(dist.mean)} points" in alt
    assert f"{number(low)} to {number(high)}" in alt and "MCID" in alt


def test_posterior_leaves_out_the_mcid_when_there_is_none():
    alt = posterior(effect_posterior(), label="Pain", mcid=None, better="higher").alt
    assert "MCID" not in alt and "Higher is better" in alt


def uses(plot: Plot) -> int:
    """Markers (dots and tick marks) are drawn as <use> references to one shape."""
    return len(parse(plot).findall(f".//{SVG}use"))


def test_daily_values_skip_missing_days():
    spans = trial_spans()
    whole = daily_values(*daily(0), spans, label="Fatigue", better="lower", y_range=(0, 10))
    holes = daily_values(*daily(6), spans, label="Fatigue", better="lower", y_range=(0, 10))
    assert uses(whole) - uses(holes) == 6
    assert "176 of 182 days have a value" in holes.alt


def test_daily_values_with_no_value_yet_still_draw_and_say_so():
    plot = daily_values([1, 2, 3], [math.nan] * 3, [], label="Pain", better="lower")
    assert "none of the 3 days has a value" in plot.alt
    assert view_box(plot)[0] == 504


def test_the_running_mean_needs_four_of_the_last_seven_days():
    by_day = {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0, 12: 9.0}
    days, mean = _running_mean(by_day, 1, 12)
    assert days == list(range(1, 13))
    assert all(math.isnan(m) for m in mean[:3])
    assert mean[3] == mean[6] == pytest.approx(2.5)  # days 4 and 7: days 1-4 in the window
    assert all(math.isnan(m) for m in mean[7:])  # from day 8 the window holds 3 or fewer


def test_arms_keep_their_colour_whatever_the_period_order_and_placebo_is_grey():
    one = arm_styles(trial_spans(("placebo", "ldn-4.5mg", "ldn-1.5mg", "placebo")))
    two = arm_styles(trial_spans(("ldn-4.5mg", "placebo", "placebo", "ldn-1.5mg")))
    assert one == two
    assert one["placebo"] == ("#A6A6A6", "Placebo")
    assert one["ldn-1.5mg"][0] == "#0072B2" and one["ldn-4.5mg"][0] == "#E69F00"


def test_timeline_alt_text_lists_the_periods_and_the_washout():
    alt = DRAWINGS["timeline"]().alt
    assert alt.startswith("Trial timeline, days 1 to 182: a run-in of 14 days, then 6 periods "
                          "in 3 pairs, the first 7 days of each a washout left out of the "
                          "analysis. In order: Run-in, days 1 to 14; ")
    assert "Period 2: LDN 4.5 mg, days 43 to 70" in alt


@pytest.mark.parametrize("n", [2, 300])
def test_forest_draws_two_or_three_hundred_participants_within_one_page(n):
    rng = np.random.default_rng(n)
    mean = rng.normal(-0.7, 0.3, n)
    plot = forest([f"P{i:03d}" for i in range(n)], mean, mean - 0.8, mean + 0.8,
                  label="Fatigue", better="lower", mcid=1.0, pooled=(-0.7, -0.9, -0.5),
                  predictive=(-0.7, -1.5, 0.1))
    width, height = view_box(plot)
    assert width == 504 and height <= MAX_HEIGHT * 72
    assert f"for {n} participants" in plot.alt
    assert "The average effect is -0.70 (-0.90 to -0.50)" in plot.alt
    assert "from -1.50 to 0.10" in plot.alt


def test_forest_grows_with_participants_until_the_page_is_full():
    def height(n: int) -> float:
        zeros = [0.0] * n
        return view_box(forest([str(i) for i in range(n)], zeros, zeros, zeros,
                               label="Pain", better="lower"))[1]

    assert height(2) < height(20) < height(200) == height(300) <= MAX_HEIGHT * 72


def test_flow_diagram_alt_text_gives_every_count_and_exclusion():
    plot = flow_diagram([("Trials in the data", 40), ("Two complete pairs", 39),
                         ("Analysed", 38)],
                        [("No primary outcome", 1), ("Fewer than two pairs", 1)])
    assert ("Trials in the data, 40; then Two complete pairs, 39; then Analysed, 38"
            in plot.alt)
    assert "Excluded, 2: No primary outcome, 1; Fewer than two pairs, 1." in plot.alt


def test_flow_diagram_with_one_stage_and_no_exclusions_is_drawn():
    plot = flow_diagram([("Analysed", 3)])
    assert plot.alt == "Participant flow: Analysed, 3."
    assert view_box(plot)[0] == 504


def test_harms_alt_text_names_the_most_frequent_side_effect_as_a_share():
    alt = DRAWINGS["harms"]().alt
    assert "Vivid dreams, Headache" in alt
    assert "Vivid dreams in Period 2: LDN 4.5 mg, on 5 of 27 recorded days (19%)" in alt


def test_harms_without_any_side_effect_says_none_were_recorded():
    alt = harms_by_period(["Period 1", "Period 2"], {}, [28, 0]).alt
    assert alt.endswith("No side effects were recorded.")


def test_dose_response_alt_text_lists_each_dose_in_order():
    plot = dose_response([4.5, 1.5], [-0.8, -0.2], [-1.3, -0.7], [-0.3, 0.3],
                         label="Fatigue", better="lower")
    assert "1.5 mg: -0.20 (-0.70 to 0.30); 4.5 mg: -0.80 (-1.30 to -0.30)" in plot.alt


class NoCdf:
    mean, sd, median = 0.0, 1.0, 0.0

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        return (-2.0, 2.0)


BAD_INPUT: dict[str, Callable[[], Plot]] = {
    "no spans": lambda: timeline([]),
    "overlapping spans": lambda: timeline([Span(1, 10, 0, 0, None, "Run-in"),
                                           Span(10, 20, 1, 1, None, "Period 1")]),
    "a span ending before it starts": lambda: timeline([Span(5, 1, 1, 1, None, "Period 1")]),
    "a washout longer than its period": lambda: timeline(trial_spans(washout=29)),
    "days and values of different lengths": lambda: daily_values(
        [1, 2, 3], [1.0, 2.0], [], label="Pain", better="lower"),
    "no days": lambda: daily_values([], [], [], label="Pain", better="lower"),
    "a day given twice": lambda: daily_values([1, 1], [1.0, 2.0], [], label="Pain",
                                              better="lower"),
    "a reversed y range": lambda: daily_values([1], [1.0], [], label="Pain", better="lower",
                                               y_range=(10, 0)),
    "an unknown direction": lambda: posterior(effect_posterior(), label="Pain", mcid=1.0,
                                              better="down"),
    "a negative MCID": lambda: posterior(effect_posterior(), label="Pain", mcid=-1.0,
                                         better="lower"),
    "a posterior without a cdf": lambda: posterior(NoCdf(), label="Pain", mcid=None,
                                                   better="lower"),
    "forest columns of different lengths": lambda: forest(
        ["P01", "P02"], [0.0], [0.0, 0.0], [0.0, 0.0], label="Pain", better="lower"),
    "an empty forest": lambda: forest([], [], [], [], label="Pain", better="lower"),
    "a backwards interval": lambda: forest(["P01"], [0.0], [1.0], [-1.0], label="Pain",
                                           better="lower"),
    "a missing effect": lambda: forest(["P01"], [math.nan], [0.0], [0.0], label="Pain",
                                       better="lower"),
    "raw estimates for fewer participants": lambda: forest(
        ["P01", "P02"], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], label="Pain", better="lower",
        raw=([0.0], [0.0], [0.0])),
    "a dose of zero": lambda: dose_response([0.0, 4.5], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0],
                                            label="Pain", better="lower"),
    "no stages": lambda: flow_diagram([]),
    "a negative count": lambda: flow_diagram([("Analysed", -1)]),
    "a fractional count": lambda: flow_diagram([("Analysed", 3)], [("Withdrew", 1.5)]),
    "a count that is not a number": lambda: flow_diagram([("Analysed", "3")]),
    "more event days than recorded days": lambda: harms_by_period(
        ["Period 1"], {"Nausea": [5]}, [4]),
    "event counts for the wrong number of periods": lambda: harms_by_period(
        ["Period 1", "Period 2"], {"Nausea": [1]}, [28, 28]),
    "no periods": lambda: harms_by_period([], {}, []),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_input_that_cannot_be_drawn_is_refused_with_a_data_error(case):
    with pytest.raises(DataError):
        BAD_INPUT[case]()


# -- every label inside the figure -------------------------------------------------------------

LONG_LABEL = "Orthostatic symptoms: LDN 4.5 mg minus placebo"  # as the dose-finding report names it
DOSE_ARMS = ("placebo", "ldn-1.5mg", "ldn-3mg", "ldn-4.5mg", "ldn-3mg", "placebo", "ldn-4.5mg",
             "ldn-1.5mg")
DOSE_NAMES = {"placebo": "Placebo", "ldn-1.5mg": "LDN 1.5 mg", "ldn-3mg": "LDN 3 mg",
              "ldn-4.5mg": "LDN 4.5 mg"}
SIDE_EFFECTS = ("Vivid dreams", "Nausea", "Trouble sleeping (insomnia)", "Headache", "Dizziness",
                "Anything else new or unusual")  # the dose-finding template's, in its order


def normal(mean: float, sd: float) -> StudentTMixture:
    return StudentTMixture.build(np.array([1.0]), np.array([mean]), np.array([sd]), 30.0)


def dose_finding_spans(blinded: bool = False) -> list[Span]:
    """The dose-finding template: a 2-week run-in, then 8 four-week periods in 2 blocks."""
    spans = [Span(1, 14, 0, 0, None, "Run-in")]
    for i, arm in enumerate(DOSE_ARMS):
        name = f" (kit K-{i}F3Q)" if blinded else f": {DOSE_NAMES[arm]}"
        spans.append(Span(15 + 28 * i, 42 + 28 * i, i + 1, i // 4 + 1, None if blinded else arm,
                          f"Period {i + 1}{name}", 7))
    return spans


def wide_forest(effect: float, mcid: float, n: int) -> Plot:
    mean = np.random.default_rng(n).normal(effect, 1.0, n)
    return forest([f"P{i:03d}" for i in range(n)], mean, mean - 0.8, mean + 0.8,
                  label="Orthostatic symptoms", better="lower", mcid=mcid,
                  pooled=(effect, effect - 0.5, effect + 0.5),
                  predictive=(effect, effect - 2.0, effect + 2.0), raw=(mean, mean - 1, mean + 1))


FITTING: dict[str, Callable[[], Plot]] = {
    **DRAWINGS,
    "dose-finding timeline": lambda: timeline(dose_finding_spans()),
    "blinded dose-finding timeline": lambda: timeline(dose_finding_spans(blinded=True)),
    "timeline with a long title": lambda: timeline(
        trial_spans(), title="Trial timeline of participant P-0001 in the LDN dose-finding "
                             "protocol for ME/CFS"),
    "dose-finding harms": lambda: harms_by_period(
        [f"{i + 1}: {DOSE_NAMES[arm]}" for i, arm in enumerate(DOSE_ARMS)],
        {event: [(i * j) % 9 for i in range(8)] for j, event in enumerate(SIDE_EFFECTS)},
        [21] * 8),
    "harms with a long period label and a full bar": lambda: harms_by_period(
        ["1: A long arm label from some protocol, 4.5 mg twice a day", "2: Placebo"],
        {"Vivid dreams": [28, 0], "Free text the diary recorded as a side effect": [27, 3]},
        [28, 28]),
    "dose-finding daily values": lambda: daily_values(
        *daily(), dose_finding_spans()[:7], label="Orthostatic symptoms when upright",
        better="lower", y_range=(0, 10)),
    "forest far left, MCID 3": lambda: wide_forest(-5.0, 3.0, 3),
    "forest far right, MCID 0.5": lambda: wide_forest(5.0, 0.5, 30),
    "forest of 300 around zero, MCID 2": lambda: wide_forest(0.0, 2.0, 300),
    "dose-response far from zero": lambda: dose_response(
        [1.5, 3.0, 4.5], [-1.5, -3.0, -5.0], [-2.0, -3.5, -5.5], [-1.0, -2.5, -4.5],
        label=LONG_LABEL, better="lower", mcid=0.5),
    "dose-response of one dose, MCID 3": lambda: dose_response(
        [4.5], [5.0], [4.5], [5.5], label="Fatigue", better="higher", mcid=3.0),
    "flow diagram with a long title": lambda: flow_diagram(
        [("Trials in the data, with a long description of this stage", 400), ("Analysed", 388)],
        [("No primary outcome recorded in any period of the trial", 2), ("Withdrew", 10)],
        title="Participant flow of the LDN dose-finding series for ME/CFS, all sites, 2027"),
}


@pytest.fixture
def drawn_text(monkeypatch):
    """{id: (text, extent, figure box)} for each text the last figure drawn showed, measured by
    the renderer that drew it. Only the last draw counts: a figure is laid out afresh each time
    it is drawn, and the last draw is the SVG's."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    drawn: dict[int, tuple[str, object, object]] = {}
    draw_figure, draw_text = Figure.draw, Text.draw

    def figure_draw(self, renderer):
        drawn.clear()
        draw_figure(self, renderer)

    def text_draw(self, renderer):
        draw_text(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn[id(self)] = (self.get_text(), self.get_window_extent(renderer).frozen(),
                               self.get_figure(root=True).bbox.frozen())

    monkeypatch.setattr(Figure, "draw", figure_draw)
    monkeypatch.setattr(Text, "draw", text_draw)
    return drawn


def outside(drawn) -> list[str]:
    """The texts drawn (at least partly) outside the figure: clipped in the SVG."""
    return [f"{text!r} spans {extent.extents.round()} in a figure of {box.extents.round()}"
            for text, extent, box in drawn.values()
            if extent.x0 < box.x0 - 0.5 or extent.y0 < box.y0 - 0.5
            or extent.x1 > box.x1 + 0.5 or extent.y1 > box.y1 + 0.5]


@pytest.mark.parametrize("name", FITTING)
def test_every_label_lies_inside_the_figure(name, drawn_text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # constrained layout warns when it gives up
        FITTING[name]()
    assert drawn_text, "the check saw no text: was the figure drawn?"
    assert not outside(drawn_text)


@pytest.mark.parametrize("effect", [-5.0, -2.0, 0.0, 1.0, 5.0])
@pytest.mark.parametrize("mcid", [0.5, 1.0, 2.0, 3.0])
def test_posterior_labels_fit_for_effects_of_five_points_either_way(effect, mcid, drawn_text):
    for sd, label in ((0.2, LONG_LABEL), (1.0, "Fatigue")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            posterior(normal(effect, sd), label=label, mcid=mcid, better="lower")
        assert not outside(drawn_text), (sd, label)


def test_posterior_labels_only_the_mcid_lines_in_view(drawn_text):
    # a narrow posterior around 0: the MCID lines at +/-3 lie off the scale, unlabelled
    posterior(normal(0.0, 0.2), label="Fatigue", mcid=3.0, better="lower")
    assert "MCID" not in {text for text, _, _ in drawn_text.values()}
    posterior(normal(-1.0, 0.3), label="Fatigue", mcid=1.0, better="lower")
    assert [text for text, _, _ in drawn_text.values()].count("MCID") == 2


def test_a_label_too_long_for_the_figure_is_wrapped_not_clipped(drawn_text):
    posterior(normal(-1.0, 0.3), label=LONG_LABEL, mcid=1.0, better="lower")
    xlabel = next(text for text, _, _ in drawn_text.values() if text.startswith("Difference"))
    assert "\n" in xlabel
    assert " ".join(xlabel.split()) == f"Difference in {LONG_LABEL}, active minus placebo (points)"


def dose_finding_table(seed: int = 0) -> pd.DataFrame:
    """One participant on the dose-finding template, no true effect and little noise: narrow
    posteriors whose MCID lines (2 points) lie off the scale."""
    rng = np.random.default_rng(seed)
    table = simulate_table(TrialDesign(4, 28, 14, 7), Assumptions(effect=0.0, sigma=0.5), 1,
                           rng).drop(columns="true_effect")
    doses = {"placebo": 0.0, "ldn-1.5mg": 1.5, "ldn-3mg": 3.0, "ldn-4.5mg": 4.5}
    for period, arm in enumerate(DOSE_ARMS, start=1):
        table.loc[table["period"] == period, ["arm", "dose_mg"]] = [arm, doses[arm]]
    table["pair"] = (table["period"] + 3) // 4  # the template's blocks of four
    events = np.array(["vivid_dreams", "nausea", "insomnia", "headache", "dizziness", "other", ""])
    table["side_effects"] = rng.choice(events, len(table), p=[0.1, 0.05, 0.05, 0.05, 0.05,
                                                             0.05, 0.65])
    table.loc[table["period"] == 0, "side_effects"] = ""
    return table


def test_a_dose_finding_trial_report_draws_without_layout_warnings():
    table = dose_finding_table()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        report = build_trial_report(table, protocol=load_template("ldn-mecfs-dose-finding"),
                                    unblinded_on="2027-06-30")
    assert {"timeline", "harms"} <= set(report.plots)
    assert sum(arm.posterior_plot is not None for o in report.outcomes for arm in o.arms) == 3
