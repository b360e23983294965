"""The appraisal: each threat's status follows from explicit design facts."""

from __future__ import annotations

import pytest

from nof1.evidence import (
    CATALOGUE,
    BlindingCheck,
    Status,
    StudyDesign,
    appraise,
    find_study,
    load_register,
)

BOLTON_OPEN = [
    "control_group", "blinding", "outcome_measurement", "placebo_response",
    "natural_fluctuation", "concurrent_changes", "regression_to_mean", "generalisation",
]


def nof1_trial(**changes) -> StudyDesign:
    """A completed nof1 trial on the standard template, as trial_design describes it."""
    facts = dict(
        id="nof1-p01", title="n-of-1 trial of participant P01", citation="nof1 trial",
        kind="n-of-1 trial", condition="ME/CFS", intervention="LDN", n_participants=1,
        comparison="placebo", randomised=True, blinded=("participants", "clinicians"),
        crossover_pairs=3, period_days=28, run_in_days=14, washout_days=7,
        washout_kind="analytic", outcome_measure="self-report", daily_measures=True,
        primary_outcome="fatigue", primary_prespecified=True, mcid=2.0, outcome_unit="points",
        n_outcomes=1, completeness=0.95, concurrent_change_log=True, exertion_logged=True,
        exertion_adjusted=False,
    )
    facts.update(changes)
    return StudyDesign(**facts)


def test_bolton_2020_leaves_the_explanations_the_brief_names_open():
    appraisal = appraise(find_study("bolton2020"))
    for threat_id in BOLTON_OPEN:
        assert appraisal.threat(threat_id).status is Status.OPEN, threat_id
    assert "3 people" in appraisal.threat("generalisation").reason
    assert "no control group" in appraisal.threat("control_group").reason
    assert "no blinding" in appraisal.threat("blinding").reason
    assert "no objective outcome" in appraisal.threat("outcome_measurement").reason


def test_a_blinded_randomised_placebo_controlled_nof1_trial_addresses_them():
    appraisal = appraise(nof1_trial())
    for threat_id in BOLTON_OPEN[:-1]:
        assert appraisal.threat(threat_id).status is Status.ADDRESSED, threat_id


def test_a_nof1_trial_says_it_is_one_person_and_relies_on_its_washout():
    appraisal = appraise(nof1_trial())
    general = appraisal.threat("generalisation")
    assert general.status is Status.OPEN and "one person" in general.reason
    carry = appraisal.threat("carryover")
    assert carry.status is Status.PARTLY
    assert "first 7 days of each period were not analysed" in carry.reason
    assert "how long the effect of LDN lasts is not known" in carry.reason


def test_blinding_not_checked_is_open():
    threat = appraise(nof1_trial()).threat("unblinding_side_effects")
    assert threat.status is Status.OPEN and "not checked" in threat.reason


def test_guesses_that_beat_chance_are_open_and_the_index_is_stated():
    checks = (BlindingCheck(arm="ldn", n=12, estimate=0.83, low=0.6, high=1.0,
                            beats_chance=True),)
    threat = appraise(nof1_trial(blinding_index=checks)).threat("unblinding_side_effects")
    assert threat.status is Status.OPEN and "ldn 0.83" in threat.reason


def test_few_guesses_at_chance_are_only_partly_reassuring():
    checks = (BlindingCheck(arm="ldn", n=3, estimate=0.0, low=-1.0, high=1.0,
                            beats_chance=False),)
    threat = appraise(nof1_trial(blinding_index=checks)).threat("unblinding_side_effects")
    assert threat.status is Status.PARTLY
    assert "0.00" in threat.reason and "3 guesses" in threat.reason


def test_many_guesses_at_chance_address_unblinding():
    checks = (BlindingCheck(arm="ldn", n=20, estimate=0.05, low=-0.3, high=0.4,
                            beats_chance=False),)
    threat = appraise(nof1_trial(blinding_index=checks)).threat("unblinding_side_effects")
    assert threat.status is Status.ADDRESSED


def test_designs_without_switching_treatments_cannot_carry_over():
    for study_id in ("bolton2020", "polo2019", "bruun2024", "byambasuren2025"):
        threat = appraise(find_study(study_id)).threat("carryover")
        assert threat.status is Status.ADDRESSED and "Nobody switched" in threat.reason


def test_a_crossover_without_a_reported_washout_leaves_carryover_open():
    threat = appraise(find_study("younger2013")).threat("carryover")
    assert threat.status is Status.OPEN and "not reported" in threat.reason


def test_an_unknown_fact_never_counts_as_addressed_and_says_not_reported():
    appraisal = appraise(nof1_trial(completeness=None, primary_prespecified=None, blinded=None))
    for threat_id in ("missing_data", "multiplicity", "blinding"):
        threat = appraisal.threat(threat_id)
        assert threat.status is Status.OPEN and "not reported" in threat.reason


@pytest.mark.parametrize(("completeness", "status"), [
    (0.95, Status.ADDRESSED), (0.8, Status.PARTLY), (0.5, Status.OPEN),
])
def test_missing_data_follows_completeness(completeness, status):
    threat = appraise(nof1_trial(completeness=completeness)).threat("missing_data")
    assert threat.status is status


def test_logged_exertion_that_the_analysis_adjusts_for_addresses_pem():
    assert appraise(nof1_trial(exertion_adjusted=True)).threat(
        "pem_confounding").status is Status.ADDRESSED
    assert appraise(nof1_trial()).threat("pem_confounding").status is Status.PARTLY
    unlogged = appraise(nof1_trial(exertion_logged=False, randomised=False))
    assert unlogged.threat("pem_confounding").status is Status.OPEN


def test_an_adjustment_that_changed_the_conclusion_only_partly_addresses_pem():
    changed = appraise(nof1_trial(exertion_adjusted=True, exertion_changed_conclusion=True))
    threat = changed.threat("pem_confounding")
    assert threat.status is Status.PARTLY
    assert "changed the conclusion" in threat.reason and "did not" not in threat.reason
    stood = appraise(nof1_trial(exertion_adjusted=True, exertion_changed_conclusion=False))
    assert stood.threat("pem_confounding").status is Status.ADDRESSED


@pytest.mark.parametrize(("facts", "status", "says"), [
    # adjusted, and the conclusion stood (or a study reports only the adjusted analysis)
    ({"exertion_adjusted": True, "exertion_changed_conclusion": False}, Status.ADDRESSED,
     "the analysis allowed for it"),
    ({"exertion_adjusted": True}, Status.ADDRESSED, "the analysis allowed for it"),
    # adjusted, and allowing for exertion changed the conclusion
    ({"exertion_adjusted": True, "exertion_changed_conclusion": True}, Status.PARTLY,
     "allowing for exertion changed the conclusion"),
    # logged, not adjusted
    ({}, Status.PARTLY, "the analysis did not adjust for it"),
    ({"randomised": False}, Status.PARTLY, "the order of treatments was not random"),
    # not logged
    ({"exertion_logged": False}, Status.PARTLY, "activity was not logged"),
    ({"exertion_logged": None}, Status.PARTLY, "activity was not reported"),
    ({"exertion_logged": False, "randomised": False}, Status.OPEN, "Activity was not logged"),
])
def test_the_pem_reason_says_what_happened_to_exertion(facts, status, says):
    threat = appraise(nof1_trial(**facts)).threat("pem_confounding")
    assert threat.status is status and says in threat.reason
    if facts.get("exertion_adjusted"):
        assert "did not adjust" not in threat.reason


def test_without_a_log_random_order_only_partly_covers_other_changes():
    threat = appraise(nof1_trial(concurrent_change_log=None)).threat("concurrent_changes")
    assert threat.status is Status.PARTLY and "not reported" in threat.reason


def test_a_placebo_given_without_blinding_only_partly_covers_placebo_response():
    threat = appraise(nof1_trial(blinded=())).threat("placebo_response")
    assert threat.status is Status.PARTLY


def test_every_threat_is_judged_once_in_catalogue_order_with_a_reason():
    for study in load_register():
        appraisal = appraise(study)
        assert [t.id for t in appraisal.threats] == list(CATALOGUE)
        assert all(t.reason.endswith(".") for t in appraisal.threats)


def test_the_appraisal_is_deterministic_and_serialisable():
    study = find_study("younger2009")
    first, second = appraise(study), appraise(study)
    assert first == second
    data = first.to_dict()
    assert data["study"]["id"] == "younger2009"
    assert {t["status"] for t in data["threats"]} <= {s.value for s in Status}


def test_open_lists_only_open_threats_and_an_unknown_threat_is_a_key_error():
    appraisal = appraise(find_study("younger2013"))
    assert all(t.status is Status.OPEN for t in appraisal.open())
    with pytest.raises(KeyError):
        appraisal.threat("astrology")
