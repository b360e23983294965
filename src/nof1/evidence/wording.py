"""How cards and reports write numbers, so that a number reads the same everywhere.

Every number in an evidence card goes through these functions; the card tests rebuild each
number with them from the result object and check the card shows nothing else. Reports use
them too (`nof1.report.fmt` re-exports them), so there is one implementation of each.

An effect on the log scale (an outcome analysed as log(value + offset), such as steps) is a
ratio: it is written as a percentage change (`change`, `change_words`, `change_interval`,
`change_interval_words`), never in outcome units.
"""

from __future__ import annotations

import math

__all__ = [
    "amount",
    "change",
    "change_interval",
    "change_interval_words",
    "change_words",
    "interval_words",
    "number",
    "p_value",
    "people",
    "percent",
    "percent_change",
    "share",
    "with_unit",
]


def percent(p: float | None) -> str:
    """A probability as people read it; never "100%" or "0%" for a posterior probability,
    which is never quite certain."""
    if p is None:
        return "-"
    if p > 0.99:
        return "over 99%"
    if p < 0.01:
        return "under 1%"
    return f"{round(100 * p)}%"


def share(x: float) -> str:
    """A proportion that can be exactly whole or nothing (days with a value): "100%", "0%",
    otherwise like `percent`, so 99.6% is not rounded up to all."""
    if x >= 1:
        return "100%"
    if x <= 0:
        return "0%"
    return percent(x)


def number(x: float, digits: int = 1) -> str:
    """A rounded number; never "-0.0"."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def interval_words(low: float, high: float, unit: str, digits: int = 1) -> str:
    """A credible interval of a difference in words: '0.6 to 1.8 points lower', or 'from 0.5
    points lower to 0.9 points higher' when it includes no difference."""
    if high < 0:
        return f"{number(-high, digits)} to {number(-low, digits)} {unit} lower"
    if low > 0:
        return f"{number(low, digits)} to {number(high, digits)} {unit} higher"
    return f"from {number(-low, digits)} {unit} lower to {number(high, digits)} {unit} higher"


def percent_change(log_effect: float) -> str:
    """The size of an effect on the log scale as a whole percentage, without its sign:
    exp(effect) is the ratio active/placebo, so -0.08 reads as 8 (1 - exp(-0.08))."""
    return number(100 * abs(math.expm1(log_effect)), 0)


def change(log_effect: float) -> str:
    """An effect on the log scale as a signed percentage change: '+12%', '-8%'."""
    text = percent_change(log_effect)
    return ("-" if log_effect < 0 and text != "0" else "+") + text + "%"


def change_words(log_effect: float, unit: str = "") -> str:
    """'12% higher', '8% lower' (with `unit`: '12% more steps', '8% fewer steps')."""
    text = percent_change(log_effect) + "%"
    if unit:
        return f"{text} {'more' if log_effect >= 0 else 'fewer'} {unit}"
    return f"{text} {'higher' if log_effect >= 0 else 'lower'}"


def change_interval(low: float, high: float) -> str:
    """A credible interval on the log scale as percentage changes: '-3% to +25%'."""
    return f"{change(low)} to {change(high)}"


def change_interval_words(low: float, high: float, unit: str = "") -> str:
    """A credible interval on the log scale in words, like `interval_words`: '6% to 31%
    higher', or 'from 6% lower to 31% higher' when it includes no change (with `unit`:
    'from 6% fewer steps to 31% more steps')."""
    if high < 0 or low > 0:
        near, far = (high, low) if high < 0 else (low, high)
        return f"{percent_change(near)}% to {change_words(far, unit)}"
    return f"from {change_words(low, unit)} to {change_words(high, unit)}"


def people(n: int) -> str:
    return "one person" if n == 1 else f"{n} people"


def p_value(p: float) -> str:
    """A p-value to three decimals, or "under 0.001"."""
    return "under 0.001" if p < 0.001 else number(p, 3)


def amount(x: float) -> str:
    """A set amount such as an MCID, as written in the protocol: 2 -> "2", 0.5 -> "0.5"."""
    return f"{x:g}"


def with_unit(amount_text: str, unit: str) -> str:
    """'2 points', but '1 point'."""
    if amount_text == "1" and unit.endswith("s"):
        unit = unit[:-1]
    return f"{amount_text} {unit}"
