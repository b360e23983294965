"""How cards and reports write numbers, so that a number reads the same everywhere.

Every number in an evidence card goes through these functions; the card tests rebuild each
number with them from the result object and check the card shows nothing else.
"""

from __future__ import annotations

__all__ = ["amount", "interval_words", "number", "p_value", "percent", "share", "with_unit"]


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
