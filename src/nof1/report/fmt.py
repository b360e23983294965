"""How reports write numbers and probabilities: the templates call only these.

The report tests rebuild every number on the page with these same functions from the result
objects, and check that the page shows nothing else. Evidence cards use the same wording
helpers (`nof1.evidence.wording`), so a number reads the same in the card and the report.
"""

from __future__ import annotations

from nof1.evidence.card_trial import LIKELY
from nof1.evidence.wording import (
    amount,
    change,
    change_interval,
    change_words,
    interval_words,
    number,
    percent,
    share,
)

__all__ = [
    "CONCLUSIONS",
    "LIKELIHOOD",
    "LIKELY",
    "amount",
    "change",
    "change_interval",
    "change_words",
    "conclusion",
    "effect",
    "exertion_source",
    "interval",
    "interval_words",
    "likelihood",
    "number",
    "p_value",
    "percent",
    "prob",
    "share",
    "signed",
]

# Words for probabilities, from the top: the first row whose bound the probability reaches.
# A fixed scale, stated in the report's methods, so the words always mean the same numbers.
LIKELIHOOD: tuple[tuple[float, str], ...] = (
    (0.99, "almost certain"),
    (0.9, "very likely"),
    (0.66, "likely"),
    (0.33, "about as likely as not"),
    (0.1, "unlikely"),
    (0.01, "very unlikely"),
    (0.0, "almost ruled out"),
)

EFFECT_DIGITS = 2  # effects and intervals: two decimals, as `nof1 analyze` prints them


def likelihood(p: float | None) -> str:
    """A probability in words on the fixed scale above."""
    if p is None:
        return "not estimated"
    for bound, words in LIKELIHOOD:
        if p >= bound:
            return words
    return LIKELIHOOD[-1][1]


def prob(p: float | None) -> str:
    """A probability as a decimal, three places: the number beside the words."""
    if p is None:
        return "-"
    # like `percent`: a posterior probability is never quite 0 or 1
    if p > 0.999:
        return "over 0.999"
    if p < 0.001:
        return "under 0.001"
    return f"{p:.3f}"


def effect(x: float) -> str:
    return number(x, EFFECT_DIGITS)


def signed(x: float) -> str:
    """An effect with its sign always shown: '+0.40', '-1.21'."""
    text = number(x, EFFECT_DIGITS)
    return text if text.startswith("-") else "+" + text


def interval(low: float, high: float) -> str:
    return f"{number(low, EFFECT_DIGITS)} to {number(high, EFFECT_DIGITS)}"


def p_value(p: float | None) -> str:
    """A randomisation p-value: three significant digits, as `nof1 analyze` reports it."""
    return "-" if p is None else f"{p:.3g}"


# The evidence card's verdict classes (nof1.evidence.card_trial.verdict) in a report's words.
CONCLUSIONS = {
    "meaningful": "a benefit that matters",
    "benefit": "a benefit",
    "small": "a benefit that may be too small to matter",
    "harm": "a harm",
    "unclear": "no clear difference",
}


def conclusion(verdict: str) -> str:
    return CONCLUSIONS[verdict]


EXERTION_SOURCES = {
    "exertion_yesterday": "the diary's daily rating of the previous day's exertion (0–10)",
    "steps": "the wearable's daily step count",
}


def exertion_source(column: str) -> str:
    """Where exertion was read from, in words."""
    return EXERTION_SOURCES.get(column, f"the column {column}")
