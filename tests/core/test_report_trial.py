"""The trial report: built once from a daily table, every CENT item shown, and every number on
the page rebuilt here from the result objects and the design - nothing else may appear."""

from __future__ import annotations

import html as htmllib
import re

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.permutation import RandomizationTest
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.analysis.single import SingleTrial
from nof1.exceptions import Nof1Error
from nof1.protocol import load_template
from nof1.report import build_trial_report, fmt, render_html, text, write_report
from nof1.report.trial import WEARABLE

GUESSES = ["active", "placebo", "dont_know", "active", "placebo", "placebo"]
CENT_HEADINGS = (
    "Background and rationale",
    "Trial design",
    "Participant and diagnosis",
    "Interventions and adherence",
    "Outcomes and minimal important differences",
    "Randomisation and allocation concealment",
    "Blinding and the blinding index",
    "Statistical methods",
    "Results",
    "Harms",
    "Limitations",
    "Interpretation",
)
# Numbers the report's fixed sentences use: CENT item numbers, the 95% level, AR(1), the
# prior on rho, the blinding index's range, the 0-10 scale and Farrar's "2 points or 30%".
# The exertion check's methods add post-exertional malaise's "12 to 48 hours".
FIXED = ("CENT 2a 2b 3a 4a 5 6a 8 10 11a 11b 12a 16 17 19 20 21 22 95% AR(1) 0.995 1 0 10 2 30% "
         "12 48")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\.?\w)")


def numbers_in(*texts: object) -> set[str]:
    return {n for t in texts for n in NUMBER.findall(str(t))}


def visible_text(page: str, card_html: str) -> str:
    """The words a reader sees, without the evidence card (whose numbers its own tests check)
    and without the plots' data URIs, which sit inside tags."""
    assert card_html in page, "the report must show the card exactly as the card renders it"
    page = page.replace(card_html, " ")
    page = re.sub(r"<(style|title)>.*?</\1>", " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def simulated_table(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    table = simulate_table(
        TrialDesign(3, 28, 14, 7), Assumptions(effect=-1.3, sigma=1.2), 1, rng
    ).drop(columns="true_effect")
    table["arm"] = table["arm"].replace({"active": "ldn-4.5mg"})
    table["pain"] = np.round(0.4 * table["fatigue"] + rng.normal(2, 1, len(table)), 1)
    table["dose_taken"] = np.where(rng.random(len(table)) < 0.9, "yes", "no")
    table.loc[table["period"] == 0, "dose_taken"] = ""
    dreams = (rng.random(len(table)) < 0.25) & (table["arm"] == "ldn-4.5mg")
    table["side_effects"] = np.where(dreams, "vivid_dreams", "")
    table.loc[rng.random(len(table)) < 0.05, "side_effects"] = "headache;nausea"
    return table


def with_activity(table: pd.DataFrame, seed: int = 11, *, confounded: float = 0.0) -> pd.DataFrame:
    """The diary's exertion rating (0-10, about yesterday; one day blank) and a wearable's steps;
    fatigue worsens 0.3 points per point of yesterday's exertion. With `confounded`, the
    participant exerts that many points more on active days."""
    rng = np.random.default_rng(seed)
    active = (table["arm"] != "placebo") & (table["period"] > 0)
    exertion = np.clip(np.round(4 + confounded * active.shift(1, fill_value=False)
                                + rng.normal(0, 1.5, len(table))), 0, 10)
    out = table.assign(exertion_yesterday=exertion, fatigue=table["fatigue"] + 0.3 * exertion)
    out.loc[out.index[50], "exertion_yesterday"] = np.nan
    out["steps"] = np.round(np.exp(8.3 + 0.15 * active + 0.4 * rng.standard_normal(len(table))))
    return out


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return with_activity(simulated_table())


@pytest.fixture(scope="module")
def report(table):
    return build_trial_report(
        table, protocol=load_template("ldn-mecfs-standard"), guesses=GUESSES,
        unblinded_on="2027-06-30",
    )


@pytest.fixture(scope="module")
def html_page(report) -> str:
    return render_html(report)


def test_the_builder_runs_each_estimator_once_and_keeps_its_result(report, table):
    # primary first; the wearable's steps beside the protocol's outcomes
    assert [o.spec.id for o in report.outcomes] == ["fatigue", "pain", "steps"]
    assert report.outcomes[2].spec.better == "higher" and report.outcomes[2].spec.log_offset
    fatigue = report.outcomes[0]
    again = SingleTrial("fatigue", better="lower", mcid=2, washout_days=7).fit(table).result_
    assert fatigue.result.effect().posterior.mean == pytest.approx(again.effect().posterior.mean)
    test = RandomizationTest("fatigue", washout_days=7, arm="ldn-4.5mg").fit(table).result_
    assert fatigue.arms[0].randomization.p_value == test.p_value
    assert fatigue.result.randomization_p == test.p_value
    assert report.shape.washout_days == 7 and report.shape.periods == 6
    assert set(report.blinding) == {"placebo", "ldn-4.5mg"}
    assert report.card.sections[0].key == "summary"


def test_periods_count_adherence_harms_and_missing_days_from_the_table(report, table):
    for facts in report.randomised_periods:
        rows = table[table["period"] == facts.period]
        assert facts.days == len(rows)
        assert facts.taken == int((rows["dose_taken"] == "yes").sum())
        assert facts.harms["vivid_dreams"] == int(rows["side_effects"].eq("vivid_dreams").sum())
        assert facts.harms["headache"] == int(rows["side_effects"].str.contains("headache").sum())
        assert facts.diary_days == int(rows[["fatigue", "pain"]].notna().any(axis=1).sum())
    assert report.periods[0].period == 0 and report.periods[0].taken is None


def test_a_table_without_a_protocol_reads_the_design_from_the_table():
    table = simulated_table(3).drop(columns=["dose_taken", "side_effects", "pain"])
    table["arm"] = table["arm"].replace({"ldn-4.5mg": "active"})
    report = build_trial_report(table, mcid=1.0, washout_days=7, plots=False)
    assert report.protocol is None and report.outcomes[0].spec.mcid == 1.0
    assert report.shape.arms == ("placebo", "active") and report.shape.block_word == "pair"
    assert report.arm_labels["active"] == "Active (4.5 mg)"
    assert "n-of-1" in report.title and not report.has_harms and report.blinding is None


def test_the_report_is_titled_as_an_n_of_1_trial_and_has_every_cent_item(html_page, report):
    assert "n-of-1" in report.title.lower()
    for heading in CENT_HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}\b", html_page), heading
    assert html_page.index('class="evidence-card"') < html_page.index("Background and rationale")
    assert html_page.count('<img class="plot"') >= 6  # timeline, 2 x (daily, posterior), harms


def expected_numbers(report, table: pd.DataFrame) -> set[str]:
    """Every number the report may show, rebuilt from result objects and design facts."""
    p, s = report.protocol, report.shape
    events = [e for e, _ in report.events]
    parts: list[object] = [FIXED, report.unblinded_on, report.participant]
    parts += [s.run_in_days, s.periods, s.blocks, *s.period_days, s.washout_days, s.total_days]
    parts += [f"{r.citation} {r.link}" for r in text.REFERENCES]
    parts += [name for name, _ in text.CASE_DEFINITIONS]
    parts += [fmt.percent(b) for b, _ in fmt.LIKELIHOOD] + ["99%"]
    parts += [report.arm_labels[a] for a in s.arms]  # labels such as "Active (4.5 mg)"
    if p is not None:
        parts += [f"{src.citation} {src.doi} {src.url}" for src in p.sources]
        parts += [p.eligibility.opioid_free_days,
                  fmt.number(p.eligibility.alt_ast_max_iu_per_l, 0)]
        for t in p.titration:
            for i, step in enumerate(t.steps):
                parts += [*p.step_days(i), fmt.number(step.dose_mg, 1), step.capsules]
        for o in p.outcomes:
            parts += [fmt.number(o.scale.min, 0), fmt.number(o.scale.max, 0)]
            parts += [fmt.number(o.mcid, 1)]
    outcomes = [o.spec.id for o in report.outcomes if o.spec.id not in WEARABLE]  # rated days
    for o in report.outcomes:
        parts += [fmt.number(o.spec.mcid, 1)] if o.spec.mcid is not None else []
        parts += [fmt.amount(o.spec.log_offset)] if o.spec.log_scale else []
    if report.exertion_sources:
        parts += [*report.exertion_lags, fmt.percent(fmt.LIKELY)]
        parts += [fmt.exertion_source(c) for c in report.exertion_sources]
    for period, rows in table.groupby("period"):
        taken = int((rows["dose_taken"] == "yes").sum())
        parts += [period, rows["pair"].iloc[0], rows["day"].min(), rows["day"].max(), len(rows)]
        parts += [fmt.number(rows["dose_mg"].max(), 1), taken, fmt.share(taken / len(rows))]
        parts += [int(rows[outcomes].notna().any(axis=1).sum())]
        ticked = rows["side_effects"].str.split(";")
        parts += [int(ticked.map(lambda items, e=e: e in items).sum()) for e in events]
        logged = rows[outcomes].notna().any(axis=1)
        parts += [int((logged | (rows["side_effects"] != "")).sum())]
    for b in (report.blinding or {}).values():
        parts += [b.n, b.correct, b.incorrect, b.dont_know, fmt.effect(b.estimate)]
        parts += [fmt.interval(*b.ci95), b.interpretation]
    for o in report.outcomes:
        res = o.result
        randomised = table[table["period"] > 0]
        parts += [res.n_days, int(randomised[o.spec.id].notna().sum())]
        for arm in o.arms:
            eff = res.effects[arm.arm]
            lo, hi = eff.posterior.interval(0.95)
            probs = (eff.prob_benefit, eff.prob_benefit_mcid, eff.prob_harm_mcid)
            parts += effect_numbers(eff.posterior.mean, lo, hi, o.spec)
            parts += [fmt.percent(q) for q in probs] + [fmt.prob(q) for q in probs]
            test = arm.randomization
            parts += [fmt.p_value(test.p_value), test.n_orders, fmt.signed(test.statistic)]
            if o.exertion is not None:  # the exertion check, from its own result object
                adjusted = o.exertion.adjusted.effects[arm.arm].posterior
                parts += effect_numbers(adjusted.mean, *adjusted.interval(0.95), o.spec)
        if o.exertion is not None:
            parts += [o.exertion.adjusted.n_days, o.exertion.days_left_out]
        for dist in (res.rho, res.sigma):
            parts += [fmt.effect(dist.mean), fmt.interval(*dist.interval(0.95))]
    parts += [f"{t.name} {t.reason}" for t in report.card.appraisal.threats]
    return numbers_in(*parts)


def effect_numbers(mean: float, lo: float, hi: float, spec) -> list[str]:
    """An effect as the page writes it: in outcome units, or as a % change on the log scale."""
    if spec.log_scale:
        return [fmt.change(mean), fmt.change_words(mean, spec.unit), fmt.change_interval(lo, hi)]
    return [fmt.effect(abs(mean)), fmt.signed(mean), fmt.interval_words(lo, hi, spec.unit, 2),
            fmt.interval(lo, hi)]


def test_every_number_in_the_report_comes_from_a_result_or_the_design(html_page, report, table):
    shown = visible_text(html_page, report.card.to_html())
    allowed = expected_numbers(report, table)
    stray = sorted(numbers_in(shown) - allowed)
    assert not stray, f"numbers on the page that no result or design fact gives: {stray}"
    primary = report.outcomes[0].arms[0]
    for must in (fmt.signed(primary.effect.posterior.mean), fmt.interval(primary.low, primary.high),
                 fmt.prob(primary.effect.prob_benefit_mcid)):
        assert must in shown


def test_the_html_is_the_same_for_the_same_report_and_is_self_contained(html_page, report, table):
    assert render_html(report) == html_page
    again = build_trial_report(
        table, protocol=load_template("ldn-mecfs-standard"), guesses=GUESSES,
        unblinded_on="2027-06-30",
    )
    assert render_html(again) == html_page
    assert "<link" not in html_page and "<script" not in html_page
    # the stylesheet is inline and intact: A4 pages with numbered footers
    assert "size: A4" in html_page and 'content: "Page " counter(page)' in html_page
    sources = re.findall(r'<img [^>]*src="([^"]{0,19})', html_page)
    assert sources and sources == ["data:image/svg+xml;"] * html_page.count("<img ")
    assert "written on 2027-07-01" in render_html(report, generated_on="2027-07-01")


def test_values_are_escaped(table):
    odd = build_trial_report(table, protocol=load_template("ldn-mecfs-standard"),
                             title="n-of-1 <script>alert(1)</script>", plots=False)
    page = render_html(odd)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_write_report_refuses_other_suffixes(report, tmp_path):
    with pytest.raises(Nof1Error, match=r"\.html or \.pdf"):
        write_report(tmp_path / "report.docx", report)
    written = write_report(tmp_path / "report.html", report)
    assert written.read_text(encoding="utf-8") == render_html(report)


def test_a_participant_must_be_named_when_the_table_holds_several(table):
    two = pd.concat([table, table.assign(participant="P02")])
    with pytest.raises(Nof1Error, match="name one"):
        build_trial_report(two, plots=False)
    report = build_trial_report(two, participant="P02", outcomes=["pain"], plots=False)
    assert report.participant == "P02" and [o.spec.id for o in report.outcomes] == ["pain"]


def test_each_outcome_is_checked_against_exertion_on_the_days_before(report, html_page):
    for o in report.outcomes:
        assert o.exertion_source == "exertion_yesterday" and o.exertion is not None
        assert o.exertion.unadjusted is o.result  # the main result, not a second fit
        assert o.exertion.lags == (1, 2, 3)
        assert o.arms[0].adjusted.moved is o.exertion.arm()
        assert o.exertion.days_left_out == 3  # one blank rating: that day and the next two
    assert html_page.count("<h4>Adjusting for exertion</h4>") == len(report.outcomes)
    assert html_page.count("did not change the conclusion") == sum(
        not o.exertion.changed for o in report.outcomes)
    # the conclusion stands once exertion is allowed for, so the appraisal counts it
    assert report.card.appraisal.threat("pem_confounding").status.value == "addressed"


def test_the_report_says_when_allowing_for_exertion_changed_the_conclusion():
    # exertion 2 points higher the day after active days, so active days look worse
    confounded = with_activity(simulated_table(7), confounded=2.0)
    report = build_trial_report(confounded, protocol=load_template("ldn-mecfs-standard"),
                                plots=False)
    moved = report.primary.exertion.arm()
    assert moved.changed and (moved.unadjusted, moved.adjusted) == ("unclear", "small")
    assert moved.shift < -0.4  # the benefit was hidden by the extra exertion
    page = htmllib.unescape(render_html(report))
    assert "The adjustment changed the conclusion" in page
    assert ("changed this conclusion, from no clear difference to a benefit that may be too "
            "small to matter") in re.sub(r"\s+", " ", page)
    pem = report.card.appraisal.threat("pem_confounding")
    assert pem.status.value == "partly addressed"
    assert "allowing for exertion changed the conclusion" in pem.reason
    assert "did not adjust" not in pem.reason


def test_without_exertion_records_or_when_asked_there_is_no_exertion_check(table):
    for report in (
        build_trial_report(table.drop(columns=["exertion_yesterday", "steps"]), plots=False),
        build_trial_report(table, exertion=None, plots=False),
    ):
        assert all(o.exertion is None and o.exertion_source is None for o in report.outcomes)
        page = render_html(report)
        assert "Adjusting for exertion" not in page and "Crashes after exertion (" not in page
    with pytest.raises(Nof1Error, match="exertion column 'heart_rate'"):
        build_trial_report(table, exertion="heart_rate", plots=False)
    # steps alone count as logged activity, even when no check was asked for
    steps_only = build_trial_report(table.drop(columns="exertion_yesterday"), exertion=None,
                                    plots=False)
    pem = steps_only.card.appraisal.threat("pem_confounding")
    assert pem.status.value == "partly addressed" and "did not adjust" in pem.reason
    assert steps_only.card.appraisal.study.exertion_logged is True


def test_steps_are_analysed_on_the_log_scale_and_read_as_a_percentage_change(table):
    bare = table.drop(columns=["pain"]).assign(arm=table["arm"].replace({"ldn-4.5mg": "active"}))
    report = build_trial_report(bare, mcid=1.0, washout_days=7, outcomes=["fatigue", "steps"],
                                plots=False)
    steps = report.outcomes[1]
    assert steps.spec.log_scale and steps.result.log_scale
    assert steps.spec.better == "higher" and steps.spec.unit == "steps"
    assert steps.spec.mcid is None  # an MCID in points means nothing on the log scale
    again = SingleTrial("steps", better="higher", washout_days=7, log_offset=1.0).fit(bare)
    assert steps.result.effect().posterior.mean == pytest.approx(
        again.result_.effect().posterior.mean)
    # steps are checked against the diary's exertion, never against their own earlier days
    assert steps.exertion_source == "exertion_yesterday"
    only_steps = build_trial_report(bare.drop(columns="exertion_yesterday"), outcomes=["steps"],
                                    plots=False)
    assert only_steps.primary.exertion_source is None

    page = render_html(report)
    shown = visible_text(page, report.card.to_html())
    stray = sorted(numbers_in(shown) - expected_numbers(report, bare))
    assert not stray, f"numbers on the page that no result or design fact gives: {stray}"
    mean = steps.result.effect().posterior.mean
    assert fmt.change_words(mean, "steps") in shown and "log(value + 1)" in shown
    assert fmt.change_interval(steps.arms[0].low, steps.arms[0].high) in shown
