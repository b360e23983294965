"""The randomisation test of one n-of-1 trial: exact p-values, washout, directions, fallbacks."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.permutation import RandomizationResult, RandomizationTest
from nof1.exceptions import InsufficientDataError, ProtocolError

DOSE = {"placebo": 0.0, "active": 4.5, "1.5mg": 1.5, "3mg": 3.0, "4.5mg": 4.5}


def daily_table(blocks, participant="P01", run_in=None):
    """Build a canonical daily table from blocks of periods, each period (arm, daily outcomes)."""
    rows, day, period = [], 1, 1
    for value in run_in or []:
        rows.append(
            dict(
                participant=participant,
                day=day,
                period=0,
                pair=0,
                arm="run-in",
                dose_mg=0.0,
                fatigue=value,
            )
        )
        day += 1
    for pair, block in enumerate(blocks, start=1):
        for arm, values in block:
            for value in values:
                rows.append(
                    dict(
                        participant=participant,
                        day=day,
                        period=period,
                        pair=pair,
                        arm=arm,
                        dose_mg=DOSE[arm],
                        fatigue=value,
                    )
                )
                day += 1
            period += 1
    return pd.DataFrame(rows)


def three_pairs():
    """Active lowers fatigue by 1, 2 and 1.5 points in pairs AB, BA, AB."""
    return daily_table(
        [
            [("active", [4.0, 4.0, 4.0]), ("placebo", [5.0, 5.0, 5.0])],
            [("placebo", [6.0, 6.0, 6.0]), ("active", [3.0, 4.0, 5.0])],
            [("active", [2.0, 3.0, 3.5]), ("placebo", [4.0, 4.5, 4.5])],
        ]
    )


def test_three_crossover_pairs_with_a_clear_effect_give_p_one_eighth():
    result = RandomizationTest("fatigue").fit(three_pairs()).result_
    by_hand = ((4 - 5) + (4 - 6) + (2.8333333333333335 - 4.333333333333333)) / 3
    assert result.p_value == 0.125
    assert result.p_two_sided == 0.25
    assert result.n_orders == 8 and result.exact and result.seed is None
    assert result.statistic == pytest.approx(by_hand, rel=1e-12)
    assert (result.arm, result.participant, result.better) == ("active", "P01", "lower")


def test_the_null_distribution_is_symmetric_for_pairs():
    rng = np.random.default_rng(20240611)
    table = daily_table(
        [[("active", rng.normal(size=5)), ("placebo", rng.normal(size=5))] for _ in range(5)]
    )
    null = RandomizationTest("fatigue").fit(table).null_distribution_
    assert len(null) == 2**5
    np.testing.assert_allclose(np.sort(null), -np.sort(null)[::-1], rtol=1e-12, atol=1e-14)


def test_the_washout_drops_the_first_days_of_each_period_as_computed_by_hand():
    # Active takes two days to work; the run-in shifts day numbers so washout must be per period.
    table = daily_table(
        [
            [("active", [5.0, 5.0, 3.0, 3.0]), ("placebo", [5.0, 5.0, 5.0, 5.0])],
            [("placebo", [4.0, 6.0, 5.0, np.nan]), ("active", [np.nan, 5.0, 2.0, 4.0])],
        ],
        run_in=[9.0, 9.0, 9.0],
    )
    unwashed = RandomizationTest("fatigue").fit(table).result_.statistic
    washed = RandomizationTest("fatigue", washout_days=2).fit(table).result_.statistic
    assert unwashed == pytest.approx(((4.0 - 5.0) + (11 / 3 - 5.0)) / 2)
    assert washed == pytest.approx(((3.0 - 5.0) + (3.0 - 5.0)) / 2)


def test_higher_is_better_mirrors_lower_is_better():
    table = three_pairs()
    lower = RandomizationTest("fatigue").fit(table).result_
    flipped = table.assign(fatigue=-table["fatigue"])
    higher = RandomizationTest("fatigue", better="higher").fit(flipped).result_
    assert higher.statistic == pytest.approx(-lower.statistic)
    assert (higher.p_value, higher.p_two_sided) == (lower.p_value, lower.p_two_sided)
    assert higher.better == "higher"
    # The same data judged in the other direction are the least favourable order.
    assert RandomizationTest("fatigue", better="higher").fit(table).result_.p_value == 1.0


def test_a_dose_finding_design_with_four_arms_in_two_blocks_has_576_orders():
    arms = ["placebo", "1.5mg", "3mg", "4.5mg"]
    effect = {"placebo": 0.0, "1.5mg": -0.5, "3mg": -1.0, "4.5mg": -2.0}
    table = daily_table(
        [[(arm, [6.0 + effect[arm]] * 3) for arm in order] for order in (arms, arms[::-1])]
    )
    fitted = RandomizationTest("fatigue", arm="4.5mg").fit(table)
    assert fitted.result_.n_orders == 24**2 and fitted.result_.exact
    assert fitted.result_.statistic == pytest.approx(-2.0)
    # 4.5mg and placebo land on the two extreme periods of both blocks in 2 x 2 of 576 orders.
    assert fitted.result_.p_value == pytest.approx(4 / 576)


def test_repeated_arms_in_a_block_count_distinct_orders_and_are_averaged_first():
    table = daily_table(
        [
            [("active", [3.0]), ("placebo", [5.0]), ("active", [4.0]), ("placebo", [6.0])],
            [("placebo", [5.0]), ("active", [4.0]), ("placebo", [7.0]), ("active", [2.0])],
        ]
    )
    result = RandomizationTest("fatigue").fit(table).result_
    assert result.n_orders == 6**2
    assert result.statistic == pytest.approx(((3.5 - 5.5) + (3.0 - 6.0)) / 2)


def test_run_in_days_are_ignored():
    plain = RandomizationTest("fatigue").fit(three_pairs()).result_
    with_run_in = daily_table(
        [
            [("active", [4.0] * 3), ("placebo", [5.0] * 3)],
            [("placebo", [6.0] * 3), ("active", [3.0, 4.0, 5.0])],
            [("active", [2.0, 3.0, 3.5]), ("placebo", [4.0, 4.5, 4.5])],
        ],
        run_in=[0.0, 10.0],
    )
    assert RandomizationTest("fatigue").fit(with_run_in).result_ == plain


def test_the_monte_carlo_fallback_is_reproducible_from_its_recorded_seed_and_close_to_exact():
    rng = np.random.default_rng(7)
    table = daily_table(
        [[("active", rng.normal(-0.6, 1, 4)), ("placebo", rng.normal(0, 1, 4))] for _ in range(8)]
    )
    exact = RandomizationTest("fatigue").fit(table).result_
    drawn = RandomizationTest("fatigue", max_exact=100, n_resamples=4000).fit(table).result_
    assert not drawn.exact and drawn.n_orders == 4001 and isinstance(drawn.seed, int)
    again = (
        RandomizationTest(
            "fatigue", max_exact=100, n_resamples=4000, rng=np.random.default_rng(drawn.seed)
        )
        .fit(table)
        .result_
    )
    assert again.p_value == drawn.p_value and again.p_two_sided == drawn.p_two_sided
    assert again.seed is None  # the caller's generator: the caller keeps its seed
    assert exact.n_orders == 256
    seeded = (
        RandomizationTest("fatigue", max_exact=100, n_resamples=4000, rng=np.random.default_rng(3))
        .fit(table)
        .result_
    )
    assert seeded.p_value == pytest.approx(exact.p_value, abs=0.02)
    assert seeded.p_two_sided == pytest.approx(exact.p_two_sided, abs=0.02)
    assert drawn.statistic == exact.statistic


def test_p_values_are_roughly_uniform_when_the_arm_makes_no_difference():
    rng = np.random.default_rng(11)
    orders = [("active", "placebo"), ("placebo", "active")]
    table = daily_table([[(arm, [0.0] * 7) for arm in orders[rng.integers(2)]] for _ in range(6)])
    p_values = [
        RandomizationTest("fatigue")
        .fit(table.assign(fatigue=rng.normal(size=len(table))))
        .result_.p_value
        for _ in range(500)
    ]
    assert 0.05 <= np.mean(np.array(p_values) <= 0.1) <= 0.16
    assert 0.4 <= np.mean(p_values) <= 0.6


def test_the_result_is_json_serialisable_and_summarised():
    result = RandomizationTest("fatigue", max_exact=2, n_resamples=50).fit(three_pairs()).result_
    assert isinstance(result, RandomizationResult)
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()
    text = result.summary()
    assert "fatigue" in text and "P01" in text and "active minus placebo" in text
    assert str(result.seed) in text and len(text.splitlines()) >= 4
    with pytest.raises(AttributeError):
        result.p_value = 0.5  # type: ignore[misc]


def test_it_needs_a_participant_when_the_table_holds_several():
    table = pd.concat([three_pairs(), three_pairs().assign(participant="P02")])
    with pytest.raises(ProtocolError, match="participant="):
        RandomizationTest("fatigue").fit(table)
    two = table.assign(fatigue=np.where(table["participant"] == "P02", 0.0, table["fatigue"]))
    chosen = RandomizationTest("fatigue").fit(two, participant="P01").result_
    assert chosen == RandomizationTest("fatigue").fit(three_pairs()).result_
    with pytest.raises(InsufficientDataError, match="P07"):
        RandomizationTest("fatigue").fit(table, participant="P07")


def test_it_asks_which_arm_when_there_are_several():
    arms = ["placebo", "1.5mg", "4.5mg"]
    table = daily_table([[(arm, [1.0, 2.0]) for arm in arms]] * 2)
    with pytest.raises(ProtocolError, match=r"1\.5mg.*4\.5mg.*arm="):
        RandomizationTest("fatigue").fit(table)
    with pytest.raises(ProtocolError, match="9mg"):
        RandomizationTest("fatigue", arm="9mg").fit(table)


@pytest.mark.parametrize("outcome", ["pain", "sleep"])
def test_it_refuses_a_missing_or_empty_outcome(outcome):
    table = three_pairs().assign(sleep=np.nan)
    with pytest.raises(InsufficientDataError, match=outcome):
        RandomizationTest(outcome).fit(table)


def test_it_refuses_when_no_pair_has_both_arms_with_data():
    table = three_pairs()
    no_active = table.assign(fatigue=table["fatigue"].where(table["arm"] == "placebo"))
    with pytest.raises(InsufficientDataError, match="no pair"):
        RandomizationTest("fatigue").fit(no_active)
    with pytest.raises(InsufficientDataError, match="washout"):
        RandomizationTest("fatigue", washout_days=3).fit(table)


def test_it_refuses_a_period_with_two_arms():
    table = three_pairs()
    table.loc[0, "arm"] = "placebo"
    with pytest.raises(ProtocolError, match="period 1"):
        RandomizationTest("fatigue").fit(table)


@pytest.mark.parametrize(
    "options",
    [
        {"better": "smaller"},
        {"washout_days": -1},
        {"max_exact": 0},
        {"n_resamples": 2.5},
        {"arm": "placebo"},
    ],
)
def test_it_refuses_bad_options_when_constructed(options):
    with pytest.raises(ValueError):
        RandomizationTest("fatigue", **options)


def test_it_refuses_a_seed_where_a_generator_is_expected():
    with pytest.raises(TypeError, match="default_rng"):
        RandomizationTest("fatigue", rng=42)  # type: ignore[arg-type]


def test_every_order_of_a_block_is_enumerated_once():
    from nof1.analysis.permutation import _distinct_orders

    labels = np.array([0, 1, 1, 2, 2])
    expected = {tuple(o) for o in itertools.permutations(labels.tolist())}
    got = [tuple(row) for row in _distinct_orders(labels).tolist()]
    assert len(got) == len(set(got)) == len(expected) == 30
    assert set(got) == expected
