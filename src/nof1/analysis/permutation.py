"""Exact randomisation test of one n-of-1 trial, model-free.

Under the sharp null hypothesis (the arm makes no difference on any day) every period's mean
outcome is fixed, whichever order the randomisation had produced. The p-value is the share of
the orders the design could have produced - each pair or block re-ordered independently - whose
active-minus-placebo statistic is at least as favourable as the one observed (Edgington &
Onghena, *Randomization Tests*, 4th ed., 2007).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from nof1.exceptions import InsufficientDataError, ProtocolError

PLACEBO = "placebo"
RUN_IN = "run-in"
_TIE_TOLERANCE = 1e-12  # relative: sums taken in another order differ in the last bits
_PLACEBO, _ACTIVE = 0, 1  # arm codes within a block; other arms get 2, 3, ...


@dataclass(frozen=True)
class RandomizationResult:
    """The randomisation test of one outcome for one participant.

    ``statistic`` is the mean over pairs (blocks) of active minus placebo, in outcome units.
    ``n_orders`` counts the orders the p-value is taken over: all of them when ``exact``,
    otherwise the random orders drawn plus the observed one. ``seed`` reproduces the random
    orders when nof1 created the generator; it is None when the test was exact or the caller
    passed in their own generator.
    """

    outcome: str
    participant: str | None
    arm: str
    statistic: float
    p_value: float
    p_two_sided: float
    n_orders: int
    exact: bool
    seed: int | None
    better: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        who = f", participant {self.participant}" if self.participant is not None else ""
        if self.exact:
            orders = f"{self.n_orders:,} (every order the design allows)"
        else:
            seed = f"; seed {self.seed}" if self.seed is not None else ""
            orders = f"{self.n_orders:,} (random orders plus the observed one{seed})"
        return "\n".join(
            [
                f"Randomisation test: {self.outcome}{who}",
                f"Effect ({self.arm} minus placebo): {self.statistic:+.4g}",
                f"One-sided p ({self.better} is better): {self.p_value:.4g}",
                f"Two-sided p: {self.p_two_sided:.4g}",
                f"Orders: {orders}",
            ]
        )


@dataclass(frozen=True)
class _Block:
    labels: np.ndarray  # arm code of each period in the pair/block
    means: np.ndarray  # mean outcome of each period after washout, NaN if none


class RandomizationTest:
    """Randomisation test of ``arm`` against placebo for one outcome.

    ``washout_days`` drops the first days of every period before its mean is taken. Orders are
    enumerated when there are at most ``max_exact`` of them, otherwise ``n_resamples`` are drawn
    from ``rng`` (a new generator whose seed is recorded in the result when none is given).

    Fitted: ``result_`` (a :class:`RandomizationResult`) and ``null_distribution_``, the
    statistic under every enumerated order (or every drawn order, the observed one not added).
    """

    def __init__(
        self,
        outcome: str,
        *,
        better: Literal["lower", "higher"] = "lower",
        washout_days: int = 0,
        arm: str | None = None,
        max_exact: int = 200_000,
        n_resamples: int = 20_000,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(outcome, str) or not outcome:
            raise ValueError("outcome must be the name of an outcome column")
        if better not in ("lower", "higher"):
            raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")
        for name, value, least in [
            ("washout_days", washout_days, 0),
            ("max_exact", max_exact, 1),
            ("n_resamples", n_resamples, 1),
        ]:
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, not {value!r}")
        if arm in (PLACEBO, RUN_IN):
            raise ValueError(f"arm must be an active arm to compare with placebo, not {arm!r}")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator, e.g. numpy.random.default_rng()")
        self.outcome = outcome
        self.better = better
        self.washout_days = int(washout_days)
        self.arm = arm
        self.max_exact = int(max_exact)
        self.n_resamples = int(n_resamples)
        self.rng = rng

    def fit(self, table: pd.DataFrame, participant: str | None = None) -> RandomizationTest:
        rows, who = _participant_rows(table, participant)
        if self.outcome not in rows.columns:
            raise InsufficientDataError(f"the table has no outcome column {self.outcome!r}")
        rows = rows[(rows["arm"] != RUN_IN) & (rows["pair"] != 0)]
        y = rows[self.outcome].to_numpy(dtype=float)
        if not np.isfinite(y).any():
            raise InsufficientDataError(
                f"outcome {self.outcome!r} has no recorded values in the randomised periods"
                + (f" of participant {who}" if who is not None else "")
            )
        arm = self._choose_arm(rows["arm"].to_numpy(dtype=object))
        blocks = self._blocks(rows, y, arm)
        observed, ok = _statistics([b.labels[None, :] for b in blocks], blocks, crossed=False)
        if not ok[0]:
            raise InsufficientDataError(
                f"no pair has both {arm!r} and placebo periods with {self.outcome!r} data"
                f" after the {self.washout_days}-day washout; record more days or lower"
                " washout_days"
            )
        stat = float(observed[0])
        n_exact = math.prod(_n_distinct(b.labels) for b in blocks)
        seed: int | None = None
        if n_exact <= self.max_exact:
            stats, _ = _statistics(
                [_distinct_orders(b.labels) for b in blocks], blocks, crossed=True
            )
            n_orders, extra = n_exact, 0
        else:
            rng = self.rng
            if rng is None:
                seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
                rng = np.random.default_rng(seed)
            draws = [rng.permuted(np.tile(b.labels, (self.n_resamples, 1)), axis=1) for b in blocks]
            stats, _ = _statistics(draws, blocks, crossed=False)
            n_orders, extra = self.n_resamples + 1, 1  # the observed order counts too
        scale = max(abs(stat), float(np.nanmax([np.nanmax(np.abs(b.means)) for b in blocks])))
        tol = _TIE_TOLERANCE * scale
        if self.better == "lower":
            as_good = int(np.count_nonzero(stats <= stat + tol))
        else:
            as_good = int(np.count_nonzero(stats >= stat - tol))
        as_far = int(np.count_nonzero(np.abs(stats) >= abs(stat) - tol))
        self.null_distribution_ = stats
        self.result_ = RandomizationResult(
            outcome=self.outcome,
            participant=who,
            arm=arm,
            statistic=stat,
            p_value=(as_good + extra) / n_orders,
            p_two_sided=(as_far + extra) / n_orders,
            n_orders=int(n_orders),
            exact=extra == 0,
            seed=seed,
            better=self.better,
        )
        return self

    def _choose_arm(self, arms: np.ndarray) -> str:
        names = sorted({str(a) for a in arms})
        active = [a for a in names if a != PLACEBO]
        if PLACEBO not in names:
            raise ProtocolError(f"the randomised periods have no placebo arm; arms: {names}")
        if self.arm is not None:
            if self.arm not in active:
                raise ProtocolError(f"arm {self.arm!r} is not in the table; active arms: {active}")
            return self.arm
        if len(active) != 1:
            raise ProtocolError(
                f"the table has {len(active)} active arms {active}; choose one with arm="
            )
        return active[0]

    def _blocks(self, rows: pd.DataFrame, y: np.ndarray, arm: str) -> list[_Block]:
        """Each pair's arm codes and period means, keeping only pairs that can inform the test."""
        arms = rows["arm"].to_numpy(dtype=object)
        # Other arms keep codes of their own so that orders count as the design made them.
        others = sorted({str(a) for a in arms} - {PLACEBO, arm})
        code = np.full(len(arms), _PLACEBO)
        code[arms == arm] = _ACTIVE
        for number, other in enumerate(others, start=_ACTIVE + 1):
            code[arms == other] = number
        day = rows["day"].to_numpy(dtype=float)
        pair = rows["pair"].to_numpy()
        periods, first_row, pidx = np.unique(
            rows["period"].to_numpy(), return_index=True, return_inverse=True
        )
        for name, values in [("arm", code), ("pair", pair)]:
            mixed = values != values[first_row][pidx]
            if mixed.any():
                bad = periods[pidx[np.argmax(mixed)]]
                raise ProtocolError(f"period {bad} has more than one {name}")
        first_day = np.full(len(periods), np.inf)
        np.minimum.at(first_day, pidx, day)
        keep = (day - first_day[pidx] >= self.washout_days) & np.isfinite(y)
        total = np.bincount(pidx[keep], weights=y[keep], minlength=len(periods))
        count = np.bincount(pidx[keep], minlength=len(periods))
        means = np.divide(total, count, out=np.full(len(periods), np.nan), where=count > 0)
        labels, period_pair = code[first_row], pair[first_row]
        blocks = []
        for p in np.unique(period_pair):
            b = _Block(labels[period_pair == p], means[period_pair == p])
            # Other pairs give the same statistic in every order: they change nothing but the count.
            informative = np.isfinite(b.means).sum() >= 2
            if informative and _PLACEBO in b.labels and _ACTIVE in b.labels:
                blocks.append(b)
        if not blocks:
            raise InsufficientDataError(
                f"no pair has both {arm!r} and placebo periods with {self.outcome!r} data"
                f" after the {self.washout_days}-day washout; record more days or lower"
                " washout_days"
            )
        return blocks


def _participant_rows(table: pd.DataFrame, participant: str | None) -> tuple[pd.DataFrame, Any]:
    present = list(pd.unique(table["participant"]))
    if participant is None:
        if len(present) > 1:
            raise ProtocolError(
                f"the table holds {len(present)} participants; choose one with participant="
            )
        return table, (str(present[0]) if present else None)
    rows = table[table["participant"].astype(str) == str(participant)]
    if rows.empty:
        raise InsufficientDataError(f"participant {participant!r} is not in the table")
    return rows, str(participant)


def _n_distinct(labels: np.ndarray) -> int:
    """How many distinct orders of this block's labels there are (a multinomial coefficient)."""
    _, counts = np.unique(labels, return_counts=True)
    return math.factorial(len(labels)) // math.prod(math.factorial(int(c)) for c in counts)


def _distinct_orders(labels: np.ndarray) -> np.ndarray:
    """Every distinct order of ``labels``, one per row, built label by label from free slots."""
    values, counts = np.unique(labels, return_counts=True)
    orders = np.full((1, len(labels)), -1, dtype=labels.dtype)
    for value, count in zip(values, counts, strict=True):
        free = np.nonzero(orders == -1)[1].reshape(len(orders), -1)
        choices = np.array(list(itertools.combinations(range(free.shape[1]), int(count))))
        grown = np.repeat(orders, len(choices), axis=0)
        slots = free[:, choices].reshape(len(grown), -1)
        np.put_along_axis(grown, slots, value, axis=1)
        orders = grown
    return orders


def _statistics(
    orders: list[np.ndarray], blocks: list[_Block], *, crossed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The statistic for given orders (rows) of each block.

    ``crossed``: every combination of the blocks' orders (exact enumeration, block-major);
    otherwise row i of every block makes trial order i (random draws). An order that leaves no
    pair with both arms observed gets statistic 0 - no evidence either way - and ``ok`` False.
    """
    total, count = np.zeros(1), np.zeros(1, dtype=np.int64)
    for block_orders, block in zip(orders, blocks, strict=True):
        has = np.isfinite(block.means)
        means = np.where(has, block.means, 0.0)
        on_active = (block_orders == _ACTIVE) & has
        on_placebo = (block_orders == _PLACEBO) & has
        n_a, n_p = on_active.sum(axis=1), on_placebo.sum(axis=1)
        valid = (n_a > 0) & (n_p > 0)
        diff = np.where(
            valid,
            (on_active @ means) / np.maximum(n_a, 1) - (on_placebo @ means) / np.maximum(n_p, 1),
            0.0,
        )
        if crossed:
            total = (total[:, None] + diff[None, :]).ravel()
            count = (count[:, None] + valid[None, :]).ravel()
        else:
            total, count = total + diff, count + valid
    ok = count > 0
    return np.divide(total, count, out=np.zeros(len(total)), where=ok), ok
