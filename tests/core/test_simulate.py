"""Simulated trials and operating characteristics."""

import numpy as np
import pytest

from nof1 import data as dataio
from nof1.analysis.simulate import Assumptions, TrialDesign, evaluate, plan, simulate_table
from nof1.analysis.single import SingleTrial


def test_a_simulated_table_is_a_valid_canonical_daily_table():
    design = TrialDesign(pairs=3, period_days=28, run_in_days=14, washout_days=7)
    table = simulate_table(design, Assumptions(), 3, np.random.default_rng(1))
    valid = dataio.validate(table, outcomes=["fatigue"])
    assert len(valid) == 3 * (14 + 168)
    assert set(valid["arm"]) == {"run-in", "active", "placebo"}
    one = valid[valid["participant"] == valid["participant"].iloc[0]]
    per_pair = one[one["pair"] > 0].groupby("pair")["arm"].agg(lambda a: sorted(set(a)))
    assert all(arms == ["active", "placebo"] for arms in per_pair)


def test_the_same_seed_gives_the_same_operating_characteristics():
    kw = {"mcid": 0.5}
    a = evaluate(TrialDesign(), Assumptions(), 600, np.random.default_rng(7), batch=250, **kw)
    b = evaluate(TrialDesign(), Assumptions(), 600, np.random.default_rng(7), batch=250, **kw)
    assert a.to_dict() == b.to_dict()


def test_batched_analysis_agrees_with_the_single_patient_model():
    """The batch path (effect read off the Cholesky factor, 80-node grid) against
    SingleTrial on the same simulated table, with a matching grid."""
    design, assume = TrialDesign(washout_days=5), Assumptions(effect=-0.5, rho=0.6)
    rng = np.random.default_rng(3)
    table = simulate_table(design, assume, 5, rng)
    from nof1.analysis.series import SeriesAnalysis

    batched = SeriesAnalysis("fatigue", washout_days=5, rho_grid_size=80).fit(table)
    model = SingleTrial("fatigue", washout_days=5, rho_grid_size=80)
    for i, pid in enumerate(batched.result_.participants):
        assert batched.stage1_mean_[i] == pytest.approx(
            model.fit(table, participant=pid).result_.effect().posterior.mean, abs=1e-9
        )


def test_batched_intervals_cover_the_truth_95_percent_of_the_time():
    """4,000 trials with between-patient spread: coverage within 93.5-96.5% (3 binomial SDs)."""
    oc = evaluate(
        TrialDesign(pairs=2, period_days=21),
        Assumptions(effect=-1.0, tau=0.7, sigma=1.3, rho=0.6, trend_per_day=0.01, missing_rate=0.2),
        4000,
        np.random.default_rng(11),
    )
    assert 0.935 <= oc.coverage95 <= 0.965
    assert abs(oc.bias) < 0.03


def test_more_pairs_decide_more_often_and_false_positives_stay_rare():
    rows = plan(
        Assumptions(effect=-1.5, sigma=1.5, rho=0.5),
        pairs=(1, 4),
        period_days=(14,),
        run_in_days=0,
        washout_days=3,
        n_trials=800,
        mcid=1.0,
        seed=5,
    )
    one, four = rows
    assert four["decision_rate"] > one["decision_rate"]
    assert four["false_positive_rate"] < 0.05
    assert one["seed"] == four["seed"] == 5


def test_higher_is_better_mirrors_lower():
    """Mirrored effects give the same decision rate up to simulation noise (4 binomial SDs)."""
    kw = {"n_trials": 2000, "mcid": 0.5}
    low = evaluate(TrialDesign(), Assumptions(effect=-0.8), rng=np.random.default_rng(2), **kw)
    high = evaluate(
        TrialDesign(), Assumptions(effect=0.8), rng=np.random.default_rng(2), better="higher", **kw
    )
    assert high.decision_rate == pytest.approx(low.decision_rate, abs=0.065)
    assert high.bias == pytest.approx(-low.bias, abs=0.03)


def test_it_refuses_impossible_designs_and_assumptions():
    for bad in ({"pairs": 0}, {"period_days": 1}, {"washout_days": 27}, {"run_in_days": -1}):
        with pytest.raises(ValueError):
            TrialDesign(**bad)
    for bad in ({"rho": 1.0}, {"sigma": 0.0}, {"tau": -1.0}, {"missing_rate": 0.95}):
        with pytest.raises(ValueError):
            Assumptions(**bad)
    with pytest.raises(ValueError):
        evaluate(TrialDesign(), Assumptions(), 0, np.random.default_rng(0))
