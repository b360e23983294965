"""The single-patient model: invariances, options, and interval coverage by simulation."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.analysis.single import SingleTrial
from nof1.exceptions import ApproximationWarning, DataError, InsufficientDataError


def trial(seed=1, effect=-1.0, rho=0.5, missing=0.1, design=None, **kw):
    assume = Assumptions(effect=effect, rho=rho, missing_rate=missing, **kw)
    return simulate_table(design or TrialDesign(), assume, 1, np.random.default_rng(seed))


def fit(table, **options):
    return SingleTrial("fatigue", **options).fit(table).result_


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), shift=st.floats(-50, 50))
def test_adding_a_constant_to_the_outcome_moves_only_the_intercept(seed, shift):
    table = trial(seed)
    moved = table.assign(fatigue=table["fatigue"] + shift)
    a, b = fit(table), fit(moved)
    assert b.effect().posterior.mean == pytest.approx(a.effect().posterior.mean, abs=1e-8)
    assert b.effect().posterior.sd == pytest.approx(a.effect().posterior.sd, rel=1e-6)
    assert b.rho.mean == pytest.approx(a.rho.mean, abs=1e-8)
    assert b.sigma.mean == pytest.approx(a.sigma.mean, rel=1e-6)
    assert b.coefficients["intercept"] == pytest.approx(
        a.coefficients["intercept"] + shift, abs=1e-6
    )
    assert b.coefficients["trend"] == pytest.approx(a.coefficients["trend"], abs=1e-6)


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000))
def test_swapping_the_arm_labels_flips_the_effect(seed):
    table = trial(seed)
    swapped = table.assign(
        arm=table["arm"].map({"active": "placebo", "placebo": "active", "run-in": "run-in"})
    )
    a, b = fit(table, mcid=1.0), fit(swapped, mcid=1.0)
    assert b.effect().posterior.mean == pytest.approx(-a.effect().posterior.mean, abs=1e-8)
    assert b.effect().posterior.sd == pytest.approx(a.effect().posterior.sd, rel=1e-6)
    assert b.effect().prob_benefit == pytest.approx(1 - a.effect().prob_benefit, abs=1e-9)
    assert b.effect().prob_benefit_mcid == pytest.approx(a.effect().prob_harm_mcid, abs=1e-9)


def test_higher_is_better_mirrors_lower_is_better():
    table = trial(3)
    low, high = fit(table, mcid=0.5), fit(table, better="higher", mcid=0.5)
    assert high.effect().prob_benefit == pytest.approx(1 - low.effect().prob_benefit, abs=1e-12)
    assert high.effect().prob_benefit_mcid == pytest.approx(low.effect().prob_harm_mcid, abs=1e-12)
    assert high.effect().prob_harm_mcid == pytest.approx(low.effect().prob_benefit_mcid, abs=1e-12)


def test_the_interval_at_any_level_brackets_the_median_and_matches_the_cdf():
    post = fit(trial(4)).effect().posterior
    for level in (0.5, 0.8, 0.95, 0.99):
        lo, hi = post.interval(level)
        assert lo < post.median < hi
        assert float(post.cdf(hi)) - float(post.cdf(lo)) == pytest.approx(level, abs=1e-9)


def test_the_contract_dictionary_is_plain_json():
    result = fit(trial(5), mcid=1.0)
    out = json.loads(json.dumps(result.to_dict()))
    assert set(out) == {
        "participant",
        "outcome",
        "n_days",
        "effect",
        "prob_benefit",
        "prob_benefit_mcid",
        "prob_harm_mcid",
        "rho",
        "sigma",
        "randomization_p",
    }
    assert set(out["effect"]) == {"mean", "sd", "median", "ci95"}
    assert out["n_days"] == result.n_days == len(result.fitted)


def test_fitted_values_and_residuals_add_up_to_the_outcome():
    model = SingleTrial("fatigue").fit(trial(6))
    r = model.result_
    np.testing.assert_allclose(r.fitted + r.residuals, model.design_.y)
    assert abs(r.residuals.mean()) < 0.2


def test_the_analytic_washout_drops_the_first_days_of_each_period():
    table = trial(7, missing=0.0)
    full, washed = fit(table), fit(table, washout_days=7)
    assert full.n_days == 168
    assert washed.n_days == 168 - 6 * 7


def test_run_in_days_are_not_analysed():
    table = trial(8, missing=0.0, design=TrialDesign(run_in_days=14))
    assert fit(table).n_days == 168


def test_several_active_arms_are_each_compared_with_placebo():
    rng = np.random.default_rng(9)
    day = np.arange(1, 25 * 8 + 1)
    period = (day - 1) // 25 + 1
    block = (period + 3) // 4
    orders = [rng.permutation(["placebo", "1.5mg", "3mg", "4.5mg"]) for _ in range(2)]
    arm = np.array([orders[b - 1][(p - 1) % 4] for p, b in zip(period, block, strict=True)])
    truth = {"placebo": 0.0, "1.5mg": -0.3, "3mg": -0.8, "4.5mg": -1.5}
    y = 5 + np.array([truth[a] for a in arm]) + 0.3 * rng.standard_normal(len(day))
    table = pd.DataFrame(
        {
            "participant": "D1",
            "day": day,
            "period": period,
            "pair": block,
            "arm": arm,
            "dose_mg": 0.0,
            "fatigue": y,
        }
    )
    result = fit(table)
    assert set(result.effects) == {"1.5mg", "3mg", "4.5mg"}
    for name, eff in result.effects.items():
        lo, hi = eff.posterior.interval(0.999)
        assert lo < truth[name] < hi
    out = result.to_dict()
    assert [a["arm"] for a in out["arms"]] == list(result.effects)
    assert result.to_dict(arm="3mg")["effect"]["mean"] == result.effects["3mg"].posterior.mean


def test_a_spline_trend_absorbs_a_curved_drift_that_a_line_cannot():
    table = trial(10, missing=0.0, sigma=0.5)
    bend = np.sin(table["day"].to_numpy() / 168 * np.pi) * 3
    table = table.assign(fatigue=table["fatigue"] + bend)
    with pytest.warns(ApproximationWarning, match="random walk"):
        line = fit(table)
    spline = fit(table, trend="spline", spline_df=4)
    assert spline.sigma.mean < line.sigma.mean
    assert [c for c in spline.coefficients if c.startswith("trend")] == [
        "trend[1]",
        "trend[2]",
        "trend[3]",
        "trend[4]",
    ]


def test_a_covariate_enters_the_model_and_its_missing_days_are_dropped():
    table = trial(11, missing=0.0)
    rng = np.random.default_rng(0)
    exertion = rng.integers(0, 10, len(table)).astype(float)
    exertion[5] = np.nan
    table = table.assign(exertion_lag1=exertion, fatigue=table["fatigue"] + 0.3 * exertion)
    result = fit(table, covariates=["exertion_lag1"])
    assert result.coefficients["exertion_lag1"] == pytest.approx(0.3, abs=0.08)
    assert result.n_days == 167


def test_the_log_scale_reports_a_ratio_for_skewed_counts():
    table = trial(12, missing=0.0, effect=0.0)
    rng = np.random.default_rng(1)
    steps = np.exp(8 + 0.2 * (table["arm"] == "active") + 0.3 * rng.standard_normal(len(table)))
    table = table.assign(steps=steps)
    result = SingleTrial("steps", better="higher", log_offset=1.0).fit(table).result_
    assert result.log_scale
    assert np.exp(result.effect().posterior.mean) == pytest.approx(np.exp(0.2), rel=0.1)
    with pytest.raises(DataError, match="log"):
        SingleTrial("fatigue", log_offset=0.0).fit(table.assign(fatigue=-1.0))


def test_it_refuses_bad_options_before_reading_any_data():
    for bad in (
        {"better": "sideways"},
        {"mcid": -1},
        {"washout_days": -2},
        {"trend": "cubic"},
        {"spline_df": 0},
        {"log_offset": -1.0},
        {"rho_grid_size": 5},
    ):
        with pytest.raises(ValueError):
            SingleTrial("fatigue", **bad)


def test_it_refuses_a_table_without_placebo_or_with_too_few_days():
    table = trial(13)
    with pytest.raises(InsufficientDataError, match="placebo"):
        fit(table[table["arm"] != "placebo"])
    with pytest.raises(InsufficientDataError, match="too few"):
        fit(table[table["day"].isin([1, 2, 30])])
    with pytest.raises(InsufficientDataError, match="participants"):
        fit(pd.concat([table, table.assign(participant="S2")]))


def test_it_warns_when_the_autocorrelation_runs_into_the_edge():
    table = trial(14, missing=0.0)
    walk = np.cumsum(np.random.default_rng(5).standard_normal(len(table)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(table.assign(fatigue=walk * 3), trend="none")
    assert any(issubclass(w.category, ApproximationWarning) for w in caught)


def test_95_percent_intervals_cover_the_true_effect_in_92_to_98_percent_of_200_trials():
    """Simulation coverage of the exact posterior (not the batched path): 200 trials with
    rho 0.6, 10% missing days, linear drift; seed fixed so the check is reproducible."""
    assume = Assumptions(
        effect=-0.7, tau=0.5, sigma=1.2, rho=0.6, trend_per_day=0.004, missing_rate=0.1
    )
    table = simulate_table(TrialDesign(), assume, 200, np.random.default_rng(20261125))
    truth = table.groupby("participant", sort=False)["true_effect"].first()
    covered = 0
    model = SingleTrial("fatigue", rho_grid_size=100)
    for pid, rows in table.groupby("participant", sort=False):
        lo, hi = model.fit(rows).result_.effect().posterior.interval(0.95)
        covered += lo < truth[pid] < hi
    assert 0.92 <= covered / 200 <= 0.98


def test_an_outcome_that_is_never_recorded_is_refused_by_name():
    table = trial(15).assign(fatigue=np.nan)
    with pytest.raises(InsufficientDataError, match="no randomised day has a value for 'fatigue'"):
        fit(table)
