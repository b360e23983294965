"""The series report: the pooled model run once, covariates, a dose-response when the table
holds two doses, the CENT flow counts, and every number on the page rebuilt from results."""

from __future__ import annotations

import html as htmllib
import re

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.series import SeriesAnalysis
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.report import build_series_report, fmt, render_html, text

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\.?\w)")
# CENT item numbers, the 95% level, AR(1), and the exponent-free model lines
FIXED = "CENT 12a 13a 17 18 20 95% AR(1)"


def numbers_in(*texts: object) -> set[str]:
    return {n for t in texts for n in NUMBER.findall(str(t))}


def visible_text(page: str, card_html: str) -> str:
    assert card_html in page
    page = re.sub(r"<(style|title)>.*?</\1>", " ", page.replace(card_html, " "), flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def series_table(n: int = 12, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    table = simulate_table(TrialDesign(2, 21, 7, 5),
                           Assumptions(effect=-0.8, tau=0.6, sigma=1.2), n, rng)
    return table.drop(columns="true_effect")


@pytest.fixture(scope="module")
def with_covariates():
    table = series_table()
    ids = sorted(table["participant"].unique())
    covariates = pd.DataFrame({
        "participant": ids,
        "age": np.linspace(25, 60, len(ids)).round(),
        "definition": ["CCC" if i % 2 else "ICC" for i in range(len(ids))],
    })
    # one participant never had an active period: in the data, but not analysable
    extra = table[table["participant"] == ids[0]].assign(participant="X99")
    extra.loc[extra["arm"] == "active", ["arm", "dose_mg"]] = ["placebo", 0.0]
    table = pd.concat([table, extra], ignore_index=True)
    covariates = pd.concat([covariates, pd.DataFrame(
        {"participant": ["X99"], "age": [40.0], "definition": ["CCC"]})])
    report = build_series_report(table, outcome="fatigue", mcid=1.0, washout_days=5,
                                 covariates=covariates)
    return table, covariates, report


def test_the_series_report_keeps_the_pooled_result_and_the_flow(with_covariates):
    table, covariates, report = with_covariates
    again = SeriesAnalysis("fatigue", mcid=1.0, washout_days=5).fit(table, covariates).result_
    assert report.result.mu.mean == pytest.approx(again.mu.mean)
    assert report.n_in_data == 13 and report.analysed == 12
    assert report.exclusions == (("no usable days on 'active'", 1),)
    assert set(report.result.coefficients) == {"age", "definition[ICC]"}
    assert [name for name, _ in report.coefficients] == list(report.result.coefficients)
    assert report.covariates == ("age", "definition")
    assert report.doses == () and {"forest", "flow"} <= set(report.plots)
    assert [s.key for s in report.card.sections][0] == "summary"


def expected_numbers(report) -> set[str]:
    r = report.result
    parts: list[object] = [FIXED, report.title, report.n_in_data, report.analysed]
    parts += [f"{r.citation} {r.link}" for r in text.REFERENCES]
    parts += [f"{reason} {count}" for reason, count in report.exclusions]
    parts += [report.washout_days, fmt.number(report.tau_scale, 1), fmt.number(report.mcid, 1)]
    for dist, show in ((r.mu, fmt.signed), (r.tau, fmt.effect), (r.predictive, fmt.signed)):
        parts += [show(dist.mean), fmt.interval(*dist.interval(0.95))]
    for p in (r.prob_new_patient_benefit, r.prob_new_patient_benefit_mcid):
        parts += [fmt.percent(p), fmt.prob(p)]
    parts += [fmt.percent(r.responder_fraction)]
    for i, pid in enumerate(r.participants):
        parts += [pid, fmt.signed(r.stage1_mean[i]), fmt.signed(r.effect_mean[i])]
        parts += [fmt.interval(*r.effect_ci95[i]), fmt.prob(r.prob_benefit_mcid[i])]
    for name, dist in r.coefficients.items():
        parts += [name, fmt.signed(dist.mean), fmt.interval(*dist.interval(0.95))]
    for d in report.doses:
        parts += [d.label, d.participants, fmt.signed(d.result.mu.mean)]
        parts += [fmt.interval(*d.result.mu.interval(0.95))]
    parts += [f"{t.name} {t.reason}" for t in report.card.appraisal.threats]
    return numbers_in(*parts)


def test_every_number_in_the_series_report_comes_from_the_result(with_covariates):
    _, _, report = with_covariates
    page = render_html(report)
    shown = visible_text(page, report.card.to_html())
    stray = sorted(numbers_in(shown) - expected_numbers(report))
    assert not stray, f"numbers on the page that the result does not give: {stray}"
    assert fmt.signed(report.result.mu.mean) in shown
    for heading in ("Participant flow", "Statistical methods", "Average effect and spread",
                    "Who responds", "Dose-response", "Limitations", "References"):
        assert re.search(rf"<h2[^>]*>{heading}", page), heading
    assert render_html(report) == page


@pytest.fixture(scope="module")
def two_doses():
    table = series_table(n=16, seed=9)
    ids = sorted(table["participant"].unique())
    high = table["participant"].isin(ids[::2]) & (table["arm"] == "active")
    low = ~table["participant"].isin(ids[::2]) & (table["arm"] == "active")
    table.loc[high, ["arm", "dose_mg"]] = ["4.5mg", 4.5]
    table.loc[low, ["arm", "dose_mg"]] = ["3mg", 3.0]
    return table, build_series_report(table, outcome="fatigue", mcid=1.0)


def test_two_doses_give_a_dose_response_and_the_main_analysis_pools_both(two_doses):
    table, report = two_doses
    assert report.pooled_arms == ("3mg", "4.5mg")
    assert report.analysed == 16  # every participant, whichever dose
    assert [(d.label, d.dose_mg, d.participants) for d in report.doses] == [
        ("3 mg", 3.0, 8), ("4.5 mg", 4.5, 8)]
    high = SeriesAnalysis("fatigue", mcid=1.0, arm="4.5mg").fit(table).result_
    assert report.doses[1].mu.mean == pytest.approx(high.mu.mean)
    assert "dose" in report.plots
    shown = visible_text(render_html(report), report.card.to_html())
    assert not numbers_in(shown) - expected_numbers(report)


def test_one_arm_at_two_doses_across_participants_also_gives_a_dose_response():
    table = series_table(n=12, seed=2)
    ids = sorted(table["participant"].unique())
    table.loc[table["participant"].isin(ids[:6]) & (table["arm"] == "active"), "dose_mg"] = 3.0
    report = build_series_report(table, outcome="fatigue", plots=False)
    assert [(d.label, d.participants) for d in report.doses] == [("3 mg", 6), ("4.5 mg", 6)]
    assert all(d.mu is not None for d in report.doses) and not report.plots
