"""Bang's blinding index from per-period guesses, against hand-worked and published values."""

from __future__ import annotations

from math import sqrt

import pytest

from nof1.blinding_index import Z95, bang_index
from nof1.exceptions import DataError, InsufficientDataError

TRUTH = ("ldn", "placebo", "placebo", "ldn", "ldn", "placebo")


def test_all_dont_know_gives_zero_and_no_sign_of_unblinding():
    result = bang_index(["dont_know"] * 6, TRUTH)
    for arm in ("ldn", "placebo"):
        index = result[arm]
        assert (index.estimate, index.se, index.ci95) == (0.0, 0.0, (0.0, 0.0))
        assert not index.beats_chance
        assert index.interpretation.startswith("every guess was 'don't know'")


def test_all_correct_gives_one_and_all_wrong_gives_minus_one():
    right = ["active" if arm == "ldn" else "placebo" for arm in TRUTH]
    wrong = ["placebo" if arm == "ldn" else "active" for arm in TRUTH]
    for arm in ("ldn", "placebo"):
        assert bang_index(right, TRUTH)[arm].estimate == 1.0
        # 3 of 3 right: a coin does that 1 time in 8, so it is not flagged as unblinding
        assert not bang_index(right, TRUTH)[arm].beats_chance
        assert "too few periods" in bang_index(right, TRUTH)[arm].interpretation
        assert bang_index(wrong, TRUTH)[arm].estimate == -1.0
        assert "opposite guessing" in bang_index(wrong, TRUTH)[arm].interpretation


def test_a_mixed_table_matches_the_hand_worked_values():
    # ldn periods (1, 4, 5): active, active, don't know -> c=2, w=0, d=1, n=3
    #   BI = (2*2/2 - 1) * 2/3 = 2/3; Var = (2/3 * 1/3 + 0 + 0) / 3 = 2/27
    # placebo periods (2, 3, 6): active, placebo, don't know -> c=1, w=1, d=1
    #   BI = (2*1/2 - 1) * 2/3 = 0;   Var = (1/3*2/3 + 1/3*2/3 + 2*1/3*1/3) / 3 = 2/9
    guesses = ["active", "active", "placebo", "active", "dont_know", "dont_know"]
    result = bang_index(guesses, TRUTH)
    ldn, placebo = result["ldn"], result["placebo"]
    assert (ldn.n, ldn.correct, ldn.incorrect, ldn.dont_know) == (3, 2, 0, 1)
    assert ldn.estimate == pytest.approx(2 / 3)
    assert ldn.se == pytest.approx(sqrt(2 / 27))
    assert ldn.ci95 == pytest.approx((2 / 3 - Z95 * sqrt(2 / 27), 1.0))  # upper bound clipped
    assert not ldn.beats_chance  # 2 of 2 decided guesses right: exact p = 0.25
    assert "too few periods" in ldn.interpretation
    assert "only 3 periods" in ldn.interpretation
    assert (placebo.correct, placebo.incorrect, placebo.dont_know) == (1, 1, 1)
    assert placebo.estimate == pytest.approx(0.0)
    assert placebo.se == pytest.approx(sqrt(2 / 9))
    assert not placebo.beats_chance
    assert placebo.interpretation.startswith("consistent with random guessing")


def test_it_reproduces_the_published_example_of_the_r_package_bi():
    # R: BI::BI(matrix(c(48, 22, 4, 30, 330, 319), nrow = 3, byrow = TRUE))$BangBI
    #   Treatment 0.115 (SE 0.018, 0.080 to 0.150); Placebo 0.022 (SE 0.019, -0.016 to 0.060)
    # (BI package README by Mercaldo and Schwartz; the same table and values in the Julia
    # port's tests). Tolerance: the published values are rounded to 3 decimals.
    cells = {"ldn": (48, 4, 330), "placebo": (30, 22, 319)}  # correct, incorrect, don't know
    truth, guesses = [], []
    for arm, (correct, incorrect, dont_know) in cells.items():
        other = "placebo" if arm == "ldn" else "active"
        right = "active" if arm == "ldn" else "placebo"
        truth += [arm] * (correct + incorrect + dont_know)
        guesses += [right] * correct + [other] * incorrect + ["dont_know"] * dont_know
    result = bang_index(guesses, truth)
    expected = {"ldn": (0.115, 0.018, 0.080, 0.150), "placebo": (0.022, 0.019, -0.016, 0.060)}
    for arm, (estimate, se, low, high) in expected.items():
        got = result[arm]
        assert got.estimate == pytest.approx(estimate, abs=5e-4)
        assert got.se == pytest.approx(se, abs=5e-4)
        assert got.ci95 == pytest.approx((low, high), abs=5e-4)
    assert result["ldn"].beats_chance and not result["placebo"].beats_chance
    assert "only" not in result["ldn"].interpretation


def test_with_several_active_arms_a_guess_may_name_the_arm_or_just_active():
    truth = ["ldn-1.5mg", "ldn-4.5mg", "placebo", "ldn-4.5mg"]
    guesses = ["active", "ldn-1.5mg", "ldn-4.5mg", "ldn-4.5mg"]
    result = bang_index(guesses, truth)
    assert (result["ldn-1.5mg"].correct, result["ldn-1.5mg"].incorrect) == (1, 0)
    assert (result["ldn-4.5mg"].correct, result["ldn-4.5mg"].incorrect) == (1, 1)
    assert (result["placebo"].correct, result["placebo"].incorrect) == (0, 1)


def test_a_placebo_arm_with_another_id_is_guessed_as_placebo():
    result = bang_index(["placebo", "pbo", "active"], ["pbo", "pbo", "ldn"], placebo="pbo")
    assert result["pbo"].correct == 2
    assert result["ldn"].correct == 1


def test_periods_without_a_guess_are_left_out_and_so_are_arms_with_none():
    result = bang_index([None, "placebo", None, None, None, "placebo"], TRUTH)
    assert set(result) == {"placebo"}
    assert result["placebo"].n == 2
    with pytest.raises(InsufficientDataError):
        bang_index([None] * 6, TRUTH)


def test_it_refuses_unknown_guesses_and_mismatched_lengths():
    with pytest.raises(DataError, match="period 2: the guess 'maybe'"):
        bang_index(["active", "maybe", "active", "active", "active", "active"], TRUTH)
    with pytest.raises(DataError, match="5 guesses for 6 periods"):
        bang_index(["active"] * 5, TRUTH)


def test_to_dict_is_plain_data():
    index = bang_index(["dont_know"] * 6, TRUTH)["ldn"]
    assert index.to_dict()["ci95"] == [0.0, 0.0]
    assert index.to_dict()["arm"] == "ldn"


def test_nine_right_out_of_ten_periods_beat_chance_and_name_vivid_dreams():
    truth = ["ldn", "placebo"] * 10
    guesses = ["active", "placebo"] * 10
    guesses[0] = "placebo"  # one wrong guess among the active periods
    ldn = bang_index(guesses, truth)["ldn"]
    assert (ldn.correct, ldn.incorrect) == (9, 1)
    assert ldn.beats_chance  # exact p = 11/1024
    assert "vivid dreams" in ldn.interpretation
