"""The series model: stage 1 equals the single-patient fits, stage 2 shrinks and covers."""

import json

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.series import SeriesAnalysis
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.analysis.single import SingleTrial
from nof1.exceptions import DataError, InsufficientDataError


def series_table(n=30, seed=1, **assume):
    params = {"effect": -0.8, "tau": 0.6, "sigma": 1.2, "rho": 0.5, "missing_rate": 0.1}
    params.update(assume)
    return simulate_table(TrialDesign(), Assumptions(**params), n, np.random.default_rng(seed))


def test_stage_one_equals_each_participants_own_exact_fit():
    table = series_table(n=6, seed=2)
    model = SeriesAnalysis("fatigue", washout_days=3, rho_grid_size=80).fit(table)
    single = SingleTrial("fatigue", washout_days=3, rho_grid_size=80)
    for i, pid in enumerate(model.result_.participants):
        post = single.fit(table, participant=pid).result_.effect().posterior
        assert model.stage1_mean_[i] == pytest.approx(post.mean, abs=1e-9)
        assert model.stage1_sd_[i] == pytest.approx(post.sd, rel=1e-7)


def test_the_contract_dictionary_has_exactly_the_contract_keys():
    out = json.loads(
        json.dumps(SeriesAnalysis("fatigue", mcid=1.0).fit(series_table()).result_.to_dict())
    )
    assert set(out) == {
        "outcome",
        "n_participants",
        "mu",
        "tau",
        "coefficients",
        "prob_new_patient_benefit_mcid",
        "participants",
    }
    assert set(out["mu"]) == set(out["tau"]) == {"mean", "sd", "ci95"}
    assert set(out["participants"][0]) == {"participant", "effect", "prob_benefit_mcid"}
    assert out["n_participants"] == 30


def brute_force(bhat, s, scale=1.0):
    """p(mu, tau | bhat) on a fine 2-D grid, with a half-normal(scale) prior on tau."""
    mu = np.linspace(bhat.mean() - 2.0, bhat.mean() + 2.0, 801)
    tau = np.linspace(0.0005, 3.0, 1200)
    var = s[None, None, :] ** 2 + tau[None, :, None] ** 2
    loglik = -0.5 * (np.log(var) + (bhat - mu[:, None, None]) ** 2 / var).sum(axis=2)
    logp = loglik - 0.5 * (tau[None, :] / scale) ** 2
    p = np.exp(logp - logp.max())
    p /= p.sum()
    mu_m = (p.sum(1) * mu).sum()
    tau_m = (p.sum(0) * tau).sum()
    return (
        mu_m,
        np.sqrt((p.sum(1) * (mu - mu_m) ** 2).sum()),
        tau_m,
        np.sqrt((p.sum(0) * (tau - tau_m) ** 2).sum()),
    )


def test_stage_two_equals_a_brute_force_integration_over_mu_and_tau():
    model = SeriesAnalysis("fatigue", mcid=1.0).fit(series_table(n=25, seed=3))
    mu, mu_sd, tau, tau_sd = brute_force(model.stage1_mean_, model.stage1_sd_)
    r = model.result_
    assert r.mu.mean == pytest.approx(mu, abs=2e-3 * mu_sd)
    assert r.mu.sd == pytest.approx(mu_sd, rel=2e-3)
    assert r.tau.mean == pytest.approx(tau, abs=5e-3 * tau_sd)
    assert r.tau.sd == pytest.approx(tau_sd, rel=5e-3)


def test_shrunken_effects_lie_between_each_estimate_and_the_average():
    r = (model := SeriesAnalysis("fatigue").fit(series_table(seed=4))).result_
    raw, shrunk = model.stage1_mean_, r.effect_mean
    towards = np.sign(r.mu.mean - raw) == np.sign(shrunk - raw)
    assert towards.mean() > 0.95
    assert np.var(shrunk) < np.var(raw)
    assert np.all(r.effect_sd < model.stage1_sd_)
    assert np.all((r.effect_ci95[:, 0] < r.effect_median) & (r.effect_median < r.effect_ci95[:, 1]))


def test_mu_and_tau_intervals_cover_the_truth_across_simulated_series():
    """120 simulated series of 20 participants (tau 0.5): the 95% intervals of mu and tau
    cover the truth in 88-100% of series (binomial SD 2 points at 95%)."""
    rng = np.random.default_rng(20261125)
    hits_mu = hits_tau = 0
    reps = 120
    for _ in range(reps):
        table = simulate_table(
            TrialDesign(pairs=2, period_days=21),
            Assumptions(effect=-0.7, tau=0.5, sigma=1.0, rho=0.4, missing_rate=0.1),
            20,
            rng,
        )
        r = SeriesAnalysis("fatigue", rho_grid_size=40).fit(table).result_
        lo, hi = r.mu.interval(0.95)
        hits_mu += lo < -0.7 < hi
        lo, hi = r.tau.interval(0.95)
        hits_tau += lo < 0.5 < hi
    assert 0.88 <= hits_mu / reps <= 1.0
    assert 0.88 <= hits_tau / reps <= 1.0


def test_a_covariate_coefficient_is_recovered_and_mu_is_the_effect_at_its_mean():
    rng = np.random.default_rng(5)
    n = 60
    table = series_table(n=n, seed=5, tau=0.0, effect=0.0)
    ids = table["participant"].unique()
    age = rng.uniform(20, 70, n)
    b = -0.8 + 0.04 * (age - age.mean()) + 0.2 * rng.standard_normal(n)
    per_row = pd.Series(b, index=ids).reindex(table["participant"]).to_numpy()
    table = table.assign(fatigue=table["fatigue"] + per_row * (table["arm"] == "active"))
    cov = pd.DataFrame(
        {
            "participant": ids,
            "age": age,
            "definition": np.where(np.arange(n) % 2 == 0, "CCC", "ICC"),
        }
    )
    r = SeriesAnalysis("fatigue", mcid=1.0).fit(table, cov).result_
    assert set(r.coefficients) == {"age", "definition[ICC]"}
    lo, hi = r.coefficients["age"].interval(0.99)
    assert lo < 0.04 < hi
    lo, hi = r.mu.interval(0.99)
    assert lo < -0.8 < hi


def test_it_refuses_covariates_that_miss_participants_or_mix_types():
    table = series_table(n=5, seed=6)
    ids = table["participant"].unique()
    with pytest.raises(DataError, match="no covariates"):
        SeriesAnalysis("fatigue").fit(table, pd.DataFrame({"participant": ids[:3], "age": 1.0}))
    with pytest.raises(DataError, match="mixes"):
        SeriesAnalysis("fatigue").fit(
            table, pd.DataFrame({"participant": ids, "age": ["1", "x", "3", "4", "5"]})
        )
    with pytest.raises(DataError, match="twice"):
        SeriesAnalysis("fatigue").fit(
            table, pd.DataFrame({"participant": [ids[0], *ids[:4]], "age": 1.0})
        )


def test_participants_without_both_arms_are_excluded_and_named():
    table = series_table(n=6, seed=7)
    lone = table["participant"] == table["participant"].iloc[0]
    table = table[~(lone & (table["arm"] == "placebo"))]
    r = SeriesAnalysis("fatigue").fit(table).result_
    assert len(r.participants) == 5
    assert list(r.excluded.values()) == ["no usable placebo days"]
    assert "excluded" in r.summary()


def test_it_needs_at_least_two_participants_and_a_named_arm_when_there_are_several():
    table = series_table(n=1, seed=8)
    with pytest.raises(InsufficientDataError, match="at least 2"):
        SeriesAnalysis("fatigue").fit(table)
    two = series_table(n=2, seed=8)
    two.loc[two["participant"] == two["participant"].iloc[0], "arm"] = two["arm"].replace(
        {"active": "3mg"}
    )
    with pytest.raises(InsufficientDataError, match="arm="):
        SeriesAnalysis("fatigue").fit(two)


def test_the_new_patient_probability_follows_mu_and_tau():
    strong = SeriesAnalysis("fatigue", mcid=0.5).fit(series_table(effect=-2.0, tau=0.2)).result_
    none = SeriesAnalysis("fatigue", mcid=0.5).fit(series_table(effect=0.0, tau=0.2)).result_
    assert strong.prob_new_patient_benefit_mcid > 0.95
    assert none.prob_new_patient_benefit_mcid < 0.2
    assert 0.0 <= none.responder_fraction <= 1.0
