"""Did the participant know which periods were active? Bang's blinding index, per arm.

At the end of each period the participant guesses its arm: "active", "placebo" or
"dont_know"; with several active arms a guess may also name an arm id ("ldn-4.5mg"), while
"active" means any active arm. Vivid dreams, a known effect of naltrexone, can unblind a
participant, so the guesses are summarised and reported with the results.

Bang H, Ni L, Davis CE. Assessment of blinding in clinical trials. Controlled Clinical Trials
2004;25:143-156 (doi 10.1016/j.cct.2003.10.016), section 2, the 2x3 table (guesses active /
placebo / don't know, by true arm). For the periods that truly had arm j, with c correct, w
incorrect and d "don't know" guesses, n = c + w + d:

    BI_j = (2 c / (c + w) - 1) * (c + w) / n          (= (c - w) / n; 0 when every guess is
                                                        "don't know")
    Var(BI_j) = [p_c (1 - p_c) + p_w (1 - p_w) + 2 p_c p_w] / n,   p_c = c / n, p_w = w / n
    95% interval: BI_j +/- 1.96 * SE (normal approximation), clipped to [-1, 1], the range
    of the index.

These are the formulas of the R package BI (`BI::BI`, Mercaldo and Schwartz), which
reproduces the paper; `tests/core/test_blinding_index.py` checks its published example.
BI is 1 when every guess is right, -1 when every guess is wrong, 0 for random guessing or
all "don't know". Rule used here: guesses beat chance when the interval's lower bound is
above 0 AND an exact one-sided binomial test of the correct among the decided guesses (c of
c + w, chance 1/2) gives p < 0.05; they lean to the wrong arm (opposite guessing) when the
upper bound is below 0. The exact test is what keeps a single trial honest: the Wald
interval alone would flag 3 right guesses out of 3, which a coin achieves one time in eight.

A guess counts as correct when it names the true arm, or its class: "active" for any active
arm, "placebo" for the placebo arm. Naming another active arm, or the other class, is
incorrect. Periods without a guess (None) are left out.

Limits: a trial has only a few periods per arm (3 in a 3-pair design), and the normal
approximation is poor for so few: with 3 of 3 right the SE is 0 and the interval is [1, 1].
The exact test above guards the flag; interpretations say so below 10 periods, and pooled
guesses from a series are where the index has power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt
from typing import Any

from scipy.stats import binomtest

from nof1.exceptions import DataError, InsufficientDataError

__all__ = ["ACTIVE", "DONT_KNOW", "PLACEBO", "BlindingIndex", "bang_index"]

ACTIVE = "active"
PLACEBO = "placebo"
DONT_KNOW = "dont_know"
Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
FEW_PERIODS = 10


@dataclass(frozen=True)
class BlindingIndex:
    """Bang's blinding index for the periods of one arm."""

    arm: str
    n: int  # periods of this arm with a guess
    correct: int
    incorrect: int
    dont_know: int
    estimate: float
    se: float
    ci95: tuple[float, float]
    beats_chance: bool  # lower 95% bound above 0 and exact binomial p < 0.05
    interpretation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "arm": self.arm,
            "n": self.n,
            "correct": self.correct,
            "incorrect": self.incorrect,
            "dont_know": self.dont_know,
            "estimate": self.estimate,
            "se": self.se,
            "ci95": list(self.ci95),
            "beats_chance": self.beats_chance,
            "interpretation": self.interpretation,
        }


def bang_index(
    guesses: Sequence[str | None], truth: Sequence[str], *, placebo: str = PLACEBO
) -> dict[str, BlindingIndex]:
    """Bang's blinding index for each arm, keyed by arm id in order of first period.

    `guesses[i]` is the guess for period i + 1 (None when not asked), `truth[i]` its arm (e.g.
    `Allocation.arm_by_period`), `placebo` the placebo arm's id. Arms without any guess are
    left out; `InsufficientDataError` when no period has one.
    """
    if isinstance(guesses, str) or isinstance(truth, str):
        raise DataError("guesses and arms must be lists with one entry per period")
    if len(guesses) != len(truth):
        raise DataError(f"{len(guesses)} guesses for {len(truth)} periods; give one per period")
    arms = list(dict.fromkeys(truth))
    allowed = {ACTIVE, PLACEBO, DONT_KNOW, placebo, *arms}
    counts = {arm: [0, 0, 0] for arm in arms}  # correct, incorrect, don't know
    for period, (guess, arm) in enumerate(zip(guesses, truth, strict=True), start=1):
        if guess is None:
            continue
        if guess not in allowed:
            raise DataError(
                f"period {period}: the guess {guess!r} is not one of {', '.join(sorted(allowed))}",
                column="blinding_guess",
            )
        counts[arm][_classify(guess, arm, placebo)] += 1
    results = {
        arm: _index(arm, *cells, is_placebo=arm == placebo)
        for arm, cells in counts.items()
        if sum(cells)
    }
    if not results:
        raise InsufficientDataError("no period has a blinding guess")
    return results


def _classify(guess: str, arm: str, placebo: str) -> int:
    if guess == DONT_KNOW:
        return 2
    guessed_placebo = guess in (PLACEBO, placebo)
    if arm == placebo:
        return 0 if guessed_placebo else 1
    return 0 if guess in (arm, ACTIVE) else 1


def _index(arm: str, c: int, w: int, d: int, *, is_placebo: bool) -> BlindingIndex:
    n = c + w + d
    estimate = (2 * c / (c + w) - 1) * (c + w) / n if c + w else 0.0
    p_c, p_w = c / n, w / n
    se = sqrt((p_c * (1 - p_c) + p_w * (1 - p_w) + 2 * p_c * p_w) / n)
    low = max(-1.0, estimate - Z95 * se)
    high = min(1.0, estimate + Z95 * se)
    decided = c + w
    exact_p = binomtest(c, decided, 0.5, alternative="greater").pvalue if decided else 1.0
    beats = low > 0 and exact_p < 0.05
    if d == n:
        text = "every guess was 'don't know': no sign of unblinding"
    elif beats:
        clue = "the lack of side effects" if is_placebo else "vivid dreams or other side effects"
        text = f"more correct than chance: possible unblinding, e.g. by {clue}"
    elif high < 0:
        text = "more wrong than chance: guesses lean to the other arm (opposite guessing)"
    elif low > 0:
        text = (
            f"{c} of {decided} decided guesses right, which chance alone gives with "
            f"probability {exact_p:.2g}: too few periods to call it unblinding"
        )
    else:
        text = "consistent with random guessing"
    if n < FEW_PERIODS:
        text += f"; only {n} periods, so the interval is a rough approximation"
    return BlindingIndex(arm, n, c, w, d, estimate, se, (low, high), beats, text)
