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
FIXED = "CENT 2a 2b 3a 4a 5 6a 8 10 11a 11b 12a 16 17 19 20 21 22 95% AR(1) 0.995 1 0 10 2 30%"
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


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return simulated_table()


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
    assert [o.spec.id for o in report.outcomes] == ["fatigue", "pain"]  # primary first
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
    events = [e.id for e in p.adverse_events]
    parts: list[object] = [FIXED, report.unblinded_on, report.participant]
    parts += [s.run_in_days, s.periods, s.blocks, *s.period_days, s.washout_days, s.total_days]
    parts += [f"{r.citation} {r.link}" for r in text.REFERENCES]
    parts += [name for name, _ in text.CASE_DEFINITIONS]
    parts += [fmt.percent(b) for b, _ in fmt.LIKELIHOOD] + ["99%"]
    parts += [f"{src.citation} {src.doi} {src.url}" for src in p.sources]
    parts += [p.eligibility.opioid_free_days, fmt.number(p.eligibility.alt_ast_max_iu_per_l, 0)]
    for t in p.titration:
        for i, step in enumerate(t.steps):
            parts += [*p.step_days(i), fmt.number(step.dose_mg, 1), step.capsules]
    for o in p.outcomes:
        parts += [fmt.number(o.scale.min, 0), fmt.number(o.scale.max, 0), fmt.number(o.mcid, 1)]
    for period, rows in table.groupby("period"):
        taken = int((rows["dose_taken"] == "yes").sum())
        parts += [period, rows["pair"].iloc[0], rows["day"].min(), rows["day"].max(), len(rows)]
        parts += [fmt.number(rows["dose_mg"].max(), 1), taken, fmt.share(taken / len(rows))]
        parts += [int(rows[["fatigue", "pain"]].notna().any(axis=1).sum())]
        ticked = rows["side_effects"].str.split(";")
        parts += [int(ticked.map(lambda items, e=e: e in items).sum()) for e in events]
        logged = rows[["fatigue", "pain"]].notna().any(axis=1)
        parts += [int((logged | (rows["side_effects"] != "")).sum())]
    for b in report.blinding.values():
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
            parts += [fmt.effect(abs(eff.posterior.mean)), fmt.signed(eff.posterior.mean)]
            parts += [fmt.interval_words(lo, hi, o.spec.unit, 2), fmt.interval(lo, hi)]
            parts += [fmt.percent(q) for q in probs] + [fmt.prob(q) for q in probs]
            test = arm.randomization
            parts += [fmt.p_value(test.p_value), test.n_orders, fmt.signed(test.statistic)]
        for dist in (res.rho, res.sigma):
            parts += [fmt.effect(dist.mean), fmt.interval(*dist.interval(0.95))]
    parts += [f"{t.name} {t.reason}" for t in report.card.appraisal.threats]
    return numbers_in(*parts)


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
