"""Exertion adjustment: lagged columns in calendar days, the adjusted single-patient model
against dense GLS, and by simulation: bias removed when exertion confounds, no change when it
does not."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.exertion import (
    AdjustedComparison,
    ExertionAdjustment,
    default_source,
    exertion_lags,
)
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.analysis.single import SingleTrial
from nof1.exceptions import DataError

GAMMA = (0.3, 0.2, 0.1)  # worsening per exertion point, 1, 2 and 3 days later


def daily(days: list[int], participant: str = "P01", **columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"participant": participant, "day": days, **columns})


def confounded_trial(
    seed: int,
    *,
    effect: float = -1.0,
    gamma: tuple[float, ...] = GAMMA,
    imbalance: float = 2.0,
    rho: float = 0.4,
) -> tuple[pd.DataFrame, np.ndarray]:
    """A trial whose fatigue worsens 1-3 days after exertion, and whose participant exerts
    `imbalance` points more on active days (by chance, say a holiday in those periods). Returns
    the table (with `exertion_yesterday` as the diary records it) and exertion on days -2..n."""
    rng = np.random.default_rng(seed)
    table = simulate_table(
        TrialDesign(3, 28, 14, 0), Assumptions(effect=effect, rho=rho, missing_rate=0.0), 1, rng
    ).drop(columns="true_effect")
    active = np.concatenate([np.zeros(3), (table["arm"] == "active").to_numpy(float)])
    exertion = 4.0 + imbalance * active + rng.normal(0, 1.5, len(active))  # days -2 .. n
    n = len(table)
    lagged = sum(g * exertion[3 - k : 3 - k + n] for k, g in enumerate(gamma, start=1))
    table["fatigue"] = table["fatigue"] + lagged
    table["exertion_yesterday"] = exertion[2 : 2 + n]  # recorded on day t about day t-1
    return table, exertion


def test_diary_exertion_is_already_one_day_behind():
    table = daily([1, 2, 3, 4, 5], exertion_yesterday=[1.0, 2.0, 3.0, 4.0, 5.0])
    out = exertion_lags(table, "exertion_yesterday", lags=(1, 2, 3))
    assert out["exertion_lag1"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(out["exertion_lag2"], [np.nan, 1, 2, 3, 4])
    np.testing.assert_array_equal(out["exertion_lag3"], [np.nan, np.nan, 1, 2, 3])
    assert "exertion_lag1" not in table.columns  # the input is not changed


def test_steps_are_same_day_activity_in_thousands():
    table = daily([1, 2, 3], steps=[1000.0, 2500.0, 4000.0])
    out = exertion_lags(table, "steps", lags=(1, 2))
    np.testing.assert_array_equal(out["exertion_lag1"], [np.nan, 1.0, 2.5])
    np.testing.assert_array_equal(out["exertion_lag2"], [np.nan, np.nan, 1.0])


def test_a_missing_day_gives_a_missing_lag_not_the_row_before():
    table = daily([1, 2, 4, 5], steps=[1000.0, 2000.0, 4000.0, 5000.0])  # day 3 has no row
    out = exertion_lags(table, "steps", lags=(1, 2))
    np.testing.assert_array_equal(out["exertion_lag1"], [np.nan, 1.0, np.nan, 4.0])
    np.testing.assert_array_equal(out["exertion_lag2"], [np.nan, np.nan, 2.0, np.nan])
    blank = daily([1, 2, 3], steps=[1000.0, np.nan, 3000.0])  # a row without a value
    np.testing.assert_array_equal(
        exertion_lags(blank, "steps", lags=(1,))["exertion_lag1"], [np.nan, 1.0, np.nan]
    )


def test_lags_never_cross_from_one_participant_to_another_and_ignore_row_order():
    table = pd.concat(
        [daily([1, 2], "P01", steps=[1000.0, 2000.0]), daily([1, 2], "P02", steps=[7000.0, 8000.0])]
    ).iloc[::-1]
    out = exertion_lags(table, "steps", lags=(1,))
    keys = zip(out["participant"], out["day"], strict=True)
    by_key = dict(zip(keys, out["exertion_lag1"], strict=True))
    assert by_key[("P01", 2)] == 1.0 and by_key[("P02", 2)] == 7.0
    assert np.isnan(by_key[("P02", 1)]) and np.isnan(by_key[("P01", 1)])


def test_it_refuses_bad_sources_lags_and_tables():
    table = daily([1, 2], exertion_yesterday=[1.0, 2.0])
    with pytest.raises(ValueError, match="unknown exertion source"):
        exertion_lags(table, "heart_rate")
    with pytest.raises(DataError, match="no exertion column"):
        exertion_lags(table, "steps")
    for bad in ((), (0,), (1, 1), (1.5,), (15,)):
        with pytest.raises(ValueError, match="lags"):
            exertion_lags(table, lags=bad)
    with pytest.raises(DataError, match="already has a column"):
        exertion_lags(table.assign(exertion_lag1=0.0))
    with pytest.raises(DataError, match="same day"):
        exertion_lags(daily([1, 1], exertion_yesterday=[1.0, 2.0]))


def test_the_default_source_is_the_diary_then_steps_never_the_outcome():
    both = daily([1], exertion_yesterday=[2.0], steps=[3000.0])
    assert default_source(both) == "exertion_yesterday"
    assert default_source(both.assign(exertion_yesterday=np.nan)) == "steps"
    assert default_source(both[["participant", "day", "steps"]], outcome="steps") is None
    assert default_source(daily([1])) is None


def test_the_model_refuses_its_own_outcome_as_exertion_before_reading_data():
    with pytest.raises(ValueError, match="its own earlier days"):
        ExertionAdjustment(SingleTrial("steps", log_offset=1.0), source="steps")
    with pytest.raises(ValueError, match="lags"):
        ExertionAdjustment(SingleTrial("fatigue"), lags=(0, 1))


def test_at_fixed_rho_the_adjusted_coefficients_are_gls_on_the_lagged_columns():
    """Reference: numpy's lstsq on data prewhitened with the dense AR(1) correlation matrix
    (Cholesky of rho^|d_s - d_t|), at the posterior mode of rho; tolerance 1e-8 relative. The
    design is rebuilt here from the simulated exertion series, not from nof1's lag columns."""
    table, exertion = confounded_trial(3)
    table.loc[table.index[[40, 41, 90]], "fatigue"] = np.nan  # gaps, handled exactly
    table.loc[table.index[60], "exertion_yesterday"] = np.nan  # drops days 61, 62, 63
    adj = ExertionAdjustment(SingleTrial("fatigue")).fit(table)
    post = adj.adjusted_model_.posterior_
    node = int(np.argmax(post.weight[0]))
    rho = post.rho[node]

    randomised = table[table["period"] > 0]
    day = randomised["day"].to_numpy()
    lag = np.column_stack([exertion[day + 2 - k] for k in (1, 2, 3)])  # exertion[i] = day i-2
    lost = np.isin(day, [61, 62, 63])
    keep = randomised["fatigue"].notna().to_numpy() & ~lost
    day, lag = day[keep], lag[keep]
    y = randomised["fatigue"].to_numpy()[keep]
    trend = (day - (day.min() + day.max()) / 2) / (day.max() - day.min())
    active = (randomised["arm"] == "active").to_numpy(float)[keep]
    x = np.column_stack([np.ones(len(y)), active, trend, lag])
    chol = np.linalg.cholesky(rho ** np.abs(day[:, None] - day[None, :]))
    gls, *_ = np.linalg.lstsq(np.linalg.solve(chol, x), np.linalg.solve(chol, y), rcond=None)

    assert adj.adjusted_model_.design_.columns[-3:] == ("exertion_lag1", "exertion_lag2",
                                                       "exertion_lag3")
    assert adj.result_.adjusted.n_days == len(y)
    np.testing.assert_allclose(post.beta[0, node], gls, rtol=1e-8, atol=1e-10)


def run(seeds, **kw):
    truth = kw.get("effect", -1.0)
    rows = []
    for seed in seeds:
        table, _ = confounded_trial(seed, **kw)
        comparison = ExertionAdjustment(SingleTrial("fatigue")).fit(table).result_
        row = {}
        for name, result in (("raw", comparison.unadjusted), ("adj", comparison.adjusted)):
            post = result.effect().posterior
            lo, hi = post.interval(0.95)
            row[name] = post.mean
            row[f"{name}_covers"] = lo <= truth <= hi
            row[f"{name}_sd"] = post.sd
        row["shift_sd"] = comparison.arm().shift_sd
        row["changed"] = comparison.changed
        row.update(comparison.coefficients)
        rows.append(row)
    return pd.DataFrame(rows)


def test_when_exertion_confounds_the_unadjusted_effect_is_biased_and_the_adjusted_covers():
    # 2 points more exertion on active days x (0.3 + 0.2 + 0.1) per point: up to 1.2 worse
    # (less at the switches between periods, which the AR(1) model weighs most)
    sims = run(range(120))
    assert sims["raw"].mean() - (-1.0) > 0.7
    assert sims["raw_covers"].mean() < 0.3
    assert abs(sims["adj"].mean() - (-1.0)) < 0.06
    assert 0.88 <= sims["adj_covers"].mean() <= 0.99
    for k, g in enumerate(GAMMA, start=1):
        assert sims[f"exertion_lag{k}"].mean() == pytest.approx(g, abs=0.02)


def test_when_exertion_is_unrelated_the_adjustment_barely_moves_the_effect():
    sims = run(range(120), gamma=(0.0, 0.0, 0.0), imbalance=0.0)
    assert sims["shift_sd"].abs().mean() < 0.15  # a small share of a posterior SD
    assert sims["shift_sd"].abs().max() < 0.5
    assert (sims["adj_sd"] / sims["raw_sd"]).mean() == pytest.approx(1.0, abs=0.03)
    assert sims["changed"].mean() < 0.1
    assert 0.88 <= sims["adj_covers"].mean() <= 0.99


def test_the_comparison_says_when_the_conclusion_changed_and_is_plain_json():
    table, _ = confounded_trial(5, effect=-1.5)
    model = SingleTrial("fatigue", mcid=0.5)
    before = model.fit(table).result_
    comparison = ExertionAdjustment(model).fit(table, unadjusted=before).result_
    assert comparison.unadjusted is before
    moved = comparison.arm()
    assert (moved.unadjusted, moved.adjusted) == ("unclear", "meaningful") and comparison.changed
    assert moved.shift == pytest.approx(
        comparison.adjusted.effect().posterior.mean - before.effect().posterior.mean
    )
    assert "changed" in comparison.summary() and "<pre" in comparison.to_html()
    out = json.loads(json.dumps(comparison.to_dict()))
    assert out["source"] == "exertion_yesterday" and out["lags"] == [1, 2, 3]
    assert out["conclusion"] == {"unadjusted": "unclear", "adjusted": "meaningful",
                                 "changed": True}
    assert set(out["coefficients"]) == {"exertion_lag1", "exertion_lag2", "exertion_lag3"}
    assert out["n_days"] == comparison.adjusted.n_days == before.n_days


def test_missing_exertion_days_are_counted_as_left_out():
    table, _ = confounded_trial(6)
    table.loc[table["day"].isin([30, 80]), "exertion_yesterday"] = np.nan
    comparison = ExertionAdjustment(SingleTrial("fatigue")).fit(table).result_
    assert comparison.days_left_out == 6  # each blank rating removes its day and the next two


def test_results_of_different_outcomes_cannot_be_compared():
    table, _ = confounded_trial(7)
    table["pain"] = table["fatigue"] + 1
    a = SingleTrial("fatigue").fit(table).result_
    b = SingleTrial("pain").fit(table).result_
    with pytest.raises(ValueError, match="same outcome"):
        AdjustedComparison.of(a, b, "exertion_yesterday", (1,))
