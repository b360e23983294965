"""The design of a nof1 trial (and of a series) read from the trial itself."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.exertion import AdjustedComparison, ArmShift
from nof1.analysis.series import SeriesAnalysis
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.analysis.single import SingleTrial
from nof1.blinding_index import bang_index
from nof1.evidence import Status, appraise, series_card, series_design, trial_design
from nof1.evidence.from_trial import OBJECTIVE, WEARABLE_METRICS
from nof1.protocol import load_template

STANDARD = TrialDesign(pairs=3, period_days=28, run_in_days=14, washout_days=7)


@pytest.fixture(scope="module")
def protocol():
    return load_template("ldn-mecfs-standard")


def trial_table(seed: int = 1, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    table = simulate_table(STANDARD, Assumptions(effect=-2.0, missing_rate=missing), 1, rng)
    table["exertion_yesterday"] = 2.0
    table["concurrent_change"] = 0
    return table


def fit(table: pd.DataFrame, outcome: str = "fatigue", **options):
    return SingleTrial(outcome, mcid=2, washout_days=7, **options).fit(table).result_


def test_the_standard_template_trial_addresses_what_bolton_left_open(protocol):
    table = trial_table()
    design = trial_design(protocol, table, [fit(table)])
    appraisal = appraise(design)
    for threat_id in ("control_group", "blinding", "outcome_measurement", "placebo_response",
                      "natural_fluctuation", "concurrent_changes", "regression_to_mean"):
        assert appraisal.threat(threat_id).status is Status.ADDRESSED, threat_id
    assert appraisal.threat("generalisation").status is Status.OPEN
    assert appraisal.threat("carryover").status is Status.PARTLY
    assert appraisal.threat("unblinding_side_effects").status is Status.OPEN


def test_the_trial_design_reads_its_facts_from_protocol_table_and_result(protocol):
    table = trial_table()
    design = trial_design(protocol, table, [fit(table)], case_definition="ICC 2011")
    assert (design.kind, design.n_participants, design.comparison) == (
        "n-of-1 trial", 1, "placebo")
    assert design.randomised is True
    assert design.blinded == ("participants", "clinicians")
    assert (design.crossover_pairs, design.run_in_days, design.washout_days) == (3, 14, 7)
    assert design.washout_kind == "analytic"
    assert design.follow_up_days == 14 + 6 * 28
    assert design.primary_outcome == "fatigue" and design.primary_prespecified is True
    assert design.mcid == 2 and design.outcome_unit == "points"
    assert design.condition == "ME/CFS" and design.intervention == "LDN"
    assert design.case_definition == "ICC 2011"
    assert design.completeness == 1.0


def test_completeness_is_the_share_of_planned_analysed_days_with_a_value(protocol):
    table = trial_table(missing=0.0)
    analysed = (table["period"] > 0) & ((table["day"] - 15) % 28 >= 7)
    drop = table.index[analysed][::4]  # every fourth analysed day goes missing
    table.loc[drop, "fatigue"] = np.nan
    design = trial_design(protocol, table, [fit(table)])
    planned = 6 * (28 - 7)
    assert design.completeness == pytest.approx((planned - len(drop)) / planned)
    # without a protocol the planned days are the days each period spans in the table
    bare = trial_design(None, table, [fit(table)])
    assert bare.completeness == pytest.approx(design.completeness)


def test_exertion_counts_as_logged_only_with_values(protocol):
    table = trial_table()
    assert trial_design(protocol, table, [fit(table)]).exertion_logged is True
    table["exertion_yesterday"] = np.nan
    assert trial_design(protocol, table, [fit(table)]).exertion_logged is False


def exertion_check(result, *, changed: bool) -> AdjustedComparison:
    """The primary outcome's exertion check; `changed`: the adjusted verdict differs."""
    stood = AdjustedComparison.of(result, result, "exertion_yesterday", (1, 2, 3))
    if not changed:
        return stood
    arm = next(iter(result.effects))
    return replace(stood, arms={arm: ArmShift(arm, "unclear", "small", -0.6, -1.2)})


def test_an_exertion_check_whose_conclusion_stood_addresses_pem(protocol):
    table = trial_table().drop(columns="exertion_yesterday")
    table["steps"] = 3500.0
    result = fit(table)
    design = trial_design(protocol, table, [result], exertion=exertion_check(result,
                                                                               changed=False))
    assert (design.exertion_logged, design.exertion_adjusted) == (True, True)
    assert design.exertion_changed_conclusion is False
    threat = appraise(design).threat("pem_confounding")
    assert threat.status is Status.ADDRESSED and "allowed for it" in threat.reason


def test_an_exertion_check_that_changed_the_conclusion_leaves_pem_partly_addressed(protocol):
    table = trial_table()
    result = fit(table)
    design = trial_design(protocol, table, [result], exertion=exertion_check(result,
                                                                               changed=True))
    assert design.exertion_adjusted is True and design.exertion_changed_conclusion is True
    threat = appraise(design).threat("pem_confounding")
    assert threat.status is Status.PARTLY
    assert "allowing for exertion changed the conclusion" in threat.reason
    assert "did not adjust" not in threat.reason
    # without a check, whether the conclusion changed is not reported
    assert trial_design(protocol, table, [result]).exertion_changed_conclusion is None


def test_the_exertion_check_must_be_of_the_primary_outcome(protocol):
    table = trial_table()
    table["pain"] = table["fatigue"] + 1
    pain = fit(table, "pain")
    with pytest.raises(ValueError, match="primary outcome 'fatigue'"):
        trial_design(protocol, table, [fit(table), pain],
                     exertion=exertion_check(pain, changed=False))


def test_an_analysis_adjusting_for_exertion_addresses_pem(protocol):
    table = trial_table()
    table["exertion_lag1"] = np.random.default_rng(2).normal(size=len(table))
    design = trial_design(protocol, table, [fit(table, covariates=["exertion_lag1"])])
    assert design.exertion_adjusted is True
    assert appraise(design).threat("pem_confounding").status is Status.ADDRESSED


def test_the_change_log_comes_from_the_table_or_the_nof1_diary(protocol):
    table = trial_table().drop(columns=["concurrent_change"])
    assert trial_design(protocol, table, [fit(table)]).concurrent_change_log is True
    assert trial_design(None, table, [fit(table)]).concurrent_change_log is None
    table["infection"] = ""
    assert trial_design(None, table, [fit(table)]).concurrent_change_log is True


def test_without_a_protocol_the_main_outcome_is_not_known_to_be_prespecified():
    table = trial_table()
    design = trial_design(None, table, [fit(table)])
    assert design.primary_prespecified is None
    assert design.run_in_days == 14 and design.crossover_pairs == 3
    assert appraise(design).threat("multiplicity").status is Status.OPEN


def test_a_secondary_outcome_named_first_is_not_the_prespecified_one(protocol):
    table = trial_table()
    table["pain"] = table["fatigue"]
    design = trial_design(protocol, table, [fit(table, "pain")])
    assert design.primary_prespecified is False


def test_the_blinding_index_is_carried_into_the_design(protocol):
    table = trial_table()
    truth = [table.loc[table["period"] == p, "arm"].iloc[0] for p in range(1, 7)]
    index = bang_index(truth, truth)  # every guess right
    design = trial_design(protocol, table, [fit(table)], blinding=index)
    assert design.blinding_index is not None
    assert {c.arm for c in design.blinding_index} == set(index)
    assert all(c.estimate == index[c.arm].estimate for c in design.blinding_index)


@pytest.mark.parametrize("column", WEARABLE_METRICS)
def test_a_wearable_outcome_is_objective(column):
    table = trial_table()
    table[column] = 40 + table["fatigue"]
    result = SingleTrial(column, better="higher", washout_days=7).fit(table).result_
    assert trial_design(None, table, [result]).outcome_measure == "objective"
    assert trial_design(None, table, [fit(table)]).outcome_measure == "self-report"


def test_a_pair_with_one_arm_is_not_counted_as_randomised(protocol):
    table = trial_table()
    result = fit(table)
    table.loc[table["pair"] == 1, "arm"] = "placebo"
    assert trial_design(protocol, table, [result]).randomised is False


def test_trial_design_needs_a_result():
    with pytest.raises(ValueError):
        trial_design(None, trial_table(), [])


def test_a_series_design_counts_participants_and_takes_washout_from_the_protocol(protocol):
    rng = np.random.default_rng(5)
    table = simulate_table(STANDARD, Assumptions(effect=-1.0, tau=0.5), 8, rng)
    table["case_definition"] = "CCC 2003"
    result = SeriesAnalysis("fatigue", mcid=1, washout_days=7).fit(table).result_
    design = series_design(table, result, protocol)
    assert (design.kind, design.n_participants) == ("n-of-1 series", 8)
    assert design.washout_days == 7 and design.case_definition == "CCC 2003"
    assert design.randomised is True and design.crossover_pairs == 3
    assert 0.8 < design.completeness <= 1.0
    appraisal = appraise(design)
    assert appraisal.threat("generalisation").status is Status.OPEN  # 8 people
    assert appraisal.threat("selection").status is Status.ADDRESSED
    bare = series_design(table, replace(result))
    assert bare.washout_days is None
    assert appraise(bare).threat("carryover").status is Status.OPEN


def series_fit(washout_days: int = 7):
    rng = np.random.default_rng(5)
    table = simulate_table(STANDARD, Assumptions(effect=-1.0, tau=0.5), 6, rng)
    return table, SeriesAnalysis("fatigue", mcid=1, washout_days=washout_days).fit(table).result_


def test_a_series_analysed_with_a_washout_but_no_protocol_reports_that_washout():
    # nof1 report --series DATA --washout-days 7, with no protocol
    table, result = series_fit()
    design = series_design(table, result, washout_days=7)
    assert (design.washout_days, design.washout_kind) == (7, "analytic")
    assert appraise(design).threat("carryover").status is Status.PARTLY
    assert "first 7 days of each period were not analysed" in series_card(design, result).text()
    bare = series_design(table, result)  # nothing said: not reported
    assert bare.washout_days is None
    assert "washout is not reported" in series_card(bare, result).text()


def test_the_washout_given_overrides_the_protocols(protocol):
    table, result = series_fit(washout_days=3)
    design = series_design(table, result, protocol, washout_days=3)
    assert (design.washout_days, design.washout_kind) == (3, "analytic")
    assert series_design(table, result, protocol).washout_days == 7  # the template's
    none = series_design(table, result, protocol, washout_days=0)
    assert (none.washout_days, none.washout_kind) == (0, None)
    assert appraise(none).threat("carryover").status is Status.OPEN


def test_a_negative_washout_is_refused():
    table, result = series_fit()
    with pytest.raises(ValueError, match="washout_days"):
        series_design(table, result, washout_days=-1)


def test_the_wearable_columns_are_those_the_importers_write():
    from nof1.wearables import METRICS

    assert WEARABLE_METRICS == METRICS and set(METRICS) == OBJECTIVE
    assert "hrv" not in OBJECTIVE  # no such column: the HRV columns name their measure


def test_steps_alone_count_as_logged_exertion(protocol):
    table = simulate_table(STANDARD, Assumptions(effect=-1.0), 1, np.random.default_rng(2))
    table["steps"] = 4000.0
    result = SingleTrial("fatigue", washout_days=7).fit(table).result_
    assert trial_design(protocol, table, [result]).exertion_logged is True
    assert trial_design(protocol, table.drop(columns="steps"), [result]).exertion_logged is False
    table["steps"] = np.nan  # a column without values records nothing
    design = trial_design(protocol, table, [result])
    assert design.exertion_logged is False and design.exertion_adjusted is False
