"""Evidence cards: six plain-language sections, numbers only from the result objects."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from nof1.analysis.permutation import RandomizationTest
from nof1.analysis.series import SeriesAnalysis
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.analysis.single import SingleTrial
from nof1.blinding_index import bang_index
from nof1.evidence import (
    Status,
    find_study,
    load_register,
    series_card,
    series_design,
    study_card,
    trial_card,
    trial_design,
)
from nof1.evidence.card_trial import LEVEL
from nof1.evidence.wording import (
    amount,
    change_interval_words,
    change_words,
    interval_words,
    number,
    p_value,
    percent,
    share,
)
from nof1.protocol import load_template

KEYS = ["summary", "why", "observed", "conclude", "questions", "not_proven"]
STANDARD = TrialDesign(pairs=3, period_days=28, run_in_days=14, washout_days=7)
PROTOCOL = load_template("ldn-mecfs-standard")
# effect of the active arm on fatigue (lower is better), 0-10 points
SCENARIOS = {"null": 0.0, "benefit": -3.0, "harm": 2.5, "small": -1.0}


def tokens(text: str) -> list[str]:
    """Every number written in `text` ('n-of-1' is a name, not a number)."""
    return re.findall(r"\d+(?:\.\d+)?", text.replace("n-of-1", ""))


def trial(scenario: str, seed: int = 11):
    rng = np.random.default_rng(seed)
    assume = Assumptions(effect=SCENARIOS[scenario], sigma=1.0, rho=0.4, missing_rate=0.05)
    table = simulate_table(STANDARD, assume, 1, rng)
    table["pain"] = table["fatigue"] + rng.normal(0, 1, len(table))
    table["exertion_yesterday"] = 1.0
    results = []
    for outcome in ("fatigue", "pain"):
        result = SingleTrial(outcome, mcid=2, washout_days=7).fit(table).result_
        p = RandomizationTest(outcome, washout_days=7).fit(table).result_.p_value
        results.append(replace(result, randomization_p=p))
    truth = [table.loc[table["period"] == k, "arm"].iloc[0] for k in range(1, 7)]
    guesses = ["active", "placebo", "dont_know", "placebo", "active", "placebo"]
    blinding = bang_index(guesses, truth)
    design = trial_design(PROTOCOL, table, results, blinding=blinding)
    labels = {"fatigue": "fatigue", "pain": "pain"}
    return design, results, blinding, trial_card(design, results, labels=labels)


def log_trial(seed: int = 11, lift: float = 0.12):
    """Steps (primary) and HRV analysed on the log scale, fatigue on its own scale."""
    rng = np.random.default_rng(seed)
    assume = Assumptions(effect=-1.0, sigma=1.0, rho=0.4, missing_rate=0.05)
    table = simulate_table(STANDARD, assume, 1, rng)
    active = (table["arm"] != "placebo") & (table["period"] > 0)
    noise = rng.standard_normal((2, len(table)))
    table["steps"] = np.round(np.exp(8.3 + lift * active + 0.4 * noise[0]))
    table["hrv_rmssd_ms"] = np.round(np.exp(3.5 - 0.05 * active + 0.2 * noise[1]), 1)
    results = []
    for outcome in ("steps", "hrv_rmssd_ms"):
        result = SingleTrial(outcome, better="higher", washout_days=7, log_offset=1.0)
        p = RandomizationTest(outcome, better="higher", washout_days=7).fit(table).result_
        results.append(replace(result.fit(table).result_, randomization_p=p.p_value))
    results.append(SingleTrial("fatigue", mcid=2, washout_days=7).fit(table).result_)
    design = trial_design(PROTOCOL, table, results)
    labels = {"steps": "steps", "hrv_rmssd_ms": "heart-rate variability", "fatigue": "fatigue"}
    return design, results, trial_card(design, results, labels=labels)


def series(n: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    table = simulate_table(STANDARD, Assumptions(effect=-0.8, tau=0.6), n, rng)
    result = SeriesAnalysis("fatigue", mcid=1, washout_days=7).fit(table).result_
    design = series_design(table, result, PROTOCOL)
    return design, result, series_card(design, result)


def design_numbers(card) -> list[str]:
    """The design facts and appraisal counts a card may show, written as the card writes them."""
    d, a = card.appraisal.study, card.appraisal
    facts = [d.n_participants, d.n_studies, d.crossover_pairs, d.run_in_days, d.washout_days,
             len(a.threats), len(a.addressed()), len(a.partly()), len(a.open())]
    out = [str(f) for f in facts if f is not None]
    out += [amount(d.mcid)] if d.mcid is not None else []
    out += [share(d.completeness)] if d.completeness is not None else []
    out += [f"{number(c.estimate, 2)} {c.arm} {c.n}" for c in d.blinding_index or ()]
    out += [d.intervention or "", d.condition or "", d.primary_outcome or ""]
    return out


def result_numbers(results, blinding) -> list[str]:
    """The numbers a trial card may show, rebuilt from the result objects: on the log scale
    the effect and its interval as percentage changes, and no MCID."""
    out = [percent(LEVEL)]
    for r in results:
        out += [str(r.n_days)]
        out += [p_value(r.randomization_p)] if r.randomization_p is not None else []
        out += [amount(r.mcid)] if r.mcid is not None and not r.log_scale else []
        for arm, effect in r.effects.items():
            mean = effect.posterior.mean
            lo, hi = effect.posterior.interval(0.95)
            out += [arm, percent(effect.prob_benefit)]
            if r.log_scale:
                out += [change_words(mean), change_interval_words(lo, hi)]
                continue
            out += [number(abs(mean)), interval_words(lo, hi, "points")]
            out += [percent(effect.prob_benefit_mcid), percent(effect.prob_harm_mcid)]
    out += [f"{number(b.estimate, 2)} {arm}" for arm, b in (blinding or {}).items()]
    return out


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_number_in_a_trial_card_comes_from_the_results_or_the_design(scenario):
    design, results, blinding, card = trial(scenario)
    allowed = set(tokens(" ".join(result_numbers(results, blinding) + design_numbers(card))))
    shown = set(tokens(card.text()))
    assert shown <= allowed, f"numbers not from the objects: {sorted(shown - allowed)}"
    primary = results[0].effect()
    assert number(abs(primary.posterior.mean)) in card.text()
    assert percent(primary.prob_benefit_mcid) in card.text()
    assert p_value(results[0].randomization_p) in card.text()


@pytest.mark.parametrize("lift", [0.0, 0.12, 0.4])
def test_every_number_in_a_log_scale_card_comes_from_the_results_or_the_design(lift):
    design, results, card = log_trial(lift=lift)
    assert results[0].log_scale and results[1].log_scale and not results[2].log_scale
    allowed = set(tokens(" ".join(result_numbers(results, None) + design_numbers(card))))
    shown = set(tokens(card.text()))
    assert shown <= allowed, f"numbers not from the objects: {sorted(shown - allowed)}"
    observed = card.section("observed").paragraphs
    for r, paragraph in zip(results[:2], observed, strict=False):
        effect = r.effect()
        lo, hi = effect.posterior.interval(LEVEL)
        assert f"about {change_words(effect.posterior.mean)}" in paragraph
        assert change_interval_words(lo, hi) in paragraph
        assert "units" not in paragraph and number(abs(effect.posterior.mean)) + " " not in (
            paragraph)
    assert "smallest change that matters" not in observed[0]  # no MCID on the log scale
    assert observed[2].startswith("Fatigue was ") and " points lower with LDN" in observed[2]


def test_a_log_scale_card_reads_at_grade_8_or_below():
    assert log_trial()[2].reading_grade() <= 8


def test_the_card_and_the_report_write_a_percentage_change_with_one_implementation():
    from nof1.evidence import wording
    from nof1.report import fmt

    for name in ("change", "change_words", "change_interval"):
        assert getattr(fmt, name) is getattr(wording, name)
    assert wording.change_words(0.1) == "11% higher"
    assert wording.change_words(-0.08, "steps") == "8% fewer steps"
    assert wording.change_interval_words(0.05, 0.27) == "5% to 31% higher"
    assert wording.change_interval_words(-0.4, -0.1) == "10% to 33% lower"
    assert wording.change_interval_words(-0.06, 0.27, "steps") == (
        "from 6% fewer steps to 31% more steps")


@pytest.mark.parametrize("n", [4, 25])
def test_every_number_in_a_series_card_comes_from_the_result_or_the_design(n):
    design, result, card = series(n)
    lo, hi = result.mu.interval(0.95)
    expected = [percent(LEVEL), str(len(result.participants)), str(len(result.excluded)),
                number(abs(result.mu.mean)), interval_words(lo, hi, "points"),
                number(result.tau.mean), percent(result.prob_new_patient_benefit),
                percent(result.prob_new_patient_benefit_mcid),
                percent(result.responder_fraction), amount(result.mcid)]
    allowed = set(tokens(" ".join(expected + design_numbers(card))))
    shown = set(tokens(card.text()))
    assert shown <= allowed, f"numbers not from the objects: {sorted(shown - allowed)}"
    assert number(result.tau.mean) in card.text()
    assert percent(result.prob_new_patient_benefit_mcid) in card.text()


@pytest.mark.parametrize("study", load_register(), ids=lambda s: s.id)
def test_every_number_in_a_register_card_comes_from_its_design(study):
    card = study_card(study)
    written = [f.text for f in study.findings] + [study.citation]
    allowed = set(tokens(" ".join(written + design_numbers(card))))
    assert set(tokens(card.text())) <= allowed


@pytest.mark.parametrize("study", load_register(), ids=lambda s: s.id)
def test_register_cards_read_at_grade_8_or_below(study):
    assert study_card(study).reading_grade() <= 8


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_trial_cards_read_at_grade_8_or_below(scenario):
    assert trial(scenario)[3].reading_grade() <= 8


@pytest.mark.parametrize("n", [4, 25])
def test_series_cards_read_at_grade_8_or_below(n):
    assert series(n)[2].reading_grade() <= 8


def test_a_card_has_the_six_sections_in_order():
    card = study_card(find_study("bolton2020"))
    assert [s.key for s in card.sections] == KEYS
    assert [s.title for s in card.sections] == [
        "Quick summary", "Why it matters", "What we observed", "What we can conclude",
        "Remaining questions", "What this result does not prove"]
    assert all(s.paragraphs for s in card.sections)
    for section in card.sections:
        assert section.title in card.text()


def test_questions_and_caveats_follow_the_unresolved_threats():
    for card in (study_card(find_study("bolton2020")), trial("benefit")[3]):
        questions = card.section("questions").paragraphs
        caveats = " ".join(card.section("not_proven").paragraphs)
        for threat in card.appraisal.threats:
            unresolved = threat.status is not Status.ADDRESSED
            assert (threat.info.question in questions) == unresolved, threat.id
            assert (threat.reason in caveats) == unresolved, threat.id


def test_the_trial_card_states_what_stays_open_for_one_person():
    _, _, blinding, card = trial("benefit")
    caveats = " ".join(card.section("not_proven").paragraphs)
    assert "one person" in caveats
    assert "first 7 days of each period were not analysed" in caveats
    for arm, index in blinding.items():
        assert f"{arm} {number(index.estimate, 2)}" in caveats


def test_a_null_result_says_we_cannot_tell():
    card = trial("null")[3]
    assert "cannot tell" in " ".join(card.section("summary").paragraphs)
    assert "includes no change" in " ".join(card.section("observed").paragraphs)


def test_a_clear_benefit_is_called_likely_and_a_harm_is_called_worse():
    benefit = " ".join(trial("benefit")[3].section("summary").paragraphs)
    assert "likely helped fatigue" in benefit and "cannot tell" not in benefit
    harm = " ".join(trial("harm")[3].section("summary").paragraphs)
    assert "very likely worse" in harm


def test_the_primary_outcome_comes_first_with_its_probabilities():
    design, results, _, card = trial("benefit")
    observed = card.section("observed").paragraphs
    assert observed[0].startswith("The main outcome was fatigue")
    assert "smallest change that matters" in observed[0]
    assert observed[1].startswith("Pain")


def test_a_small_series_leaves_generalisation_open():
    card = series(4)[2]
    assert card.appraisal.threat("generalisation").status is Status.OPEN
    assert "Only 4 people took part." in " ".join(card.section("not_proven").paragraphs)


def test_html_is_one_escaped_section_and_dict_round_trips_the_text():
    study = find_study("bolton2020").model_copy(update={"title": "<b>Bolton</b> & co"})
    card = study_card(study)
    page = card.to_html()
    assert page.startswith('<section class="evidence-card"') and page.endswith("</section>")
    assert "<b>" not in page and "&lt;b&gt;Bolton&lt;/b&gt; &amp; co" in page
    assert "doi 10.1136/bcr-2019-232502" in page
    data = card.to_dict()
    assert [s["key"] for s in data["sections"]] == KEYS
    assert data["appraisal"]["threats"][0]["id"] == "control_group"


def test_wording_never_writes_certainty_or_minus_zero():
    assert percent(0.999) == "over 99%" and percent(0.001) == "under 1%"
    assert percent(0.37) == "37%" and percent(None) == "-"
    assert number(-0.04) == "0.0" and number(-1.26) == "-1.3"
    assert share(1.0) == "100%" and share(0.996) == "over 99%"
    assert interval_words(-0.5, 0.9, "points") == "from 0.5 points lower to 0.9 points higher"
