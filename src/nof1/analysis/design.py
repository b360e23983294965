"""From one participant's daily rows to the regression the single-patient model fits.

Columns of X, in order: intercept, one indicator per active arm (placebo is the reference),
trend terms, covariates. Rows that cannot enter the likelihood are dropped here and nowhere
else: run-in days, analytic-washout days, days with a missing outcome or covariate. The AR(1)
gap formula then treats dropped days exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from nof1.exceptions import DataError, InsufficientDataError

PLACEBO = "placebo"
RUN_IN = "run-in"
Trend = Literal["none", "linear", "spline"]


@dataclass(frozen=True)
class Design:
    """The fitted rows: outcome y, matrix X, calendar day, and names of X's columns."""

    y: NDArray[np.float64]
    x: NDArray[np.float64]
    day: NDArray[np.int64]
    columns: tuple[str, ...]
    arms: tuple[str, ...]  # active arms, in the order of their columns (1..len(arms))
    n_rows: int  # randomised-period rows before dropping missing/washout days


def check_options(better: str, mcid: float | None, washout_days: int) -> None:
    """Options every estimator shares, checked before any data are read."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")
    if mcid is not None and not (np.isfinite(mcid) and mcid > 0):
        raise ValueError(f"the MCID must be a positive number, got {mcid!r}")
    if int(washout_days) != washout_days or washout_days < 0:
        raise ValueError(f"washout days must be a whole number >= 0, got {washout_days!r}")


def active_arms(arm: Sequence[str] | NDArray[np.str_] | pd.Series) -> list[str]:
    """Active arms in a stable (alphabetical) order."""
    return sorted({str(a) for a in np.unique(np.asarray(arm, dtype=str))} - {PLACEBO, RUN_IN})


def natural_spline_basis(t: NDArray[np.float64], df: int) -> NDArray[np.float64]:
    """Natural cubic spline basis without intercept: `df` columns spanning the same space as
    R's splines::ns(t, df) (boundary knots at the range, df-1 interior knots at quantiles).
    Truncated-power form (Hastie, Tibshirani & Friedman, ESL eq. 5.4-5.5) on t scaled to [0, 1]."""
    if df < 1:
        raise ValueError("spline df must be at least 1")
    lo, hi = float(t.min()), float(t.max())
    s = (t - lo) / (hi - lo) if hi > lo else np.zeros_like(t)
    if df == 1:
        return s[:, None]
    inner = np.quantile(s, np.linspace(0, 1, df + 1)[1:-1])
    knots = np.concatenate(([0.0], inner, [1.0]))
    last = knots[-1]

    def d(k: int) -> NDArray[np.float64]:
        return (np.maximum(s - knots[k], 0) ** 3 - np.maximum(s - last, 0) ** 3) / (last - knots[k])

    cols = [s] + [d(k) - d(len(knots) - 2) for k in range(len(knots) - 2)]
    return np.column_stack(cols)


def build_design(
    rows: pd.DataFrame,
    outcome: str,
    *,
    arms: Sequence[str] | None = None,
    washout_days: int = 0,
    trend: Trend = "linear",
    spline_df: int = 3,
    covariates: Sequence[str] = (),
    log_offset: float | None = None,
) -> Design:
    """Build the design for one participant's rows (canonical daily table, any row order)."""
    for col in (outcome, *covariates):
        if col not in rows.columns:
            raise DataError(f"no column named '{col}'", column=col)
    # numpy from here on: pandas indexing costs more than the whole exact fit
    order = np.argsort(rows["day"].to_numpy(np.int64), kind="stable")
    day = rows["day"].to_numpy(np.int64)[order]
    period = rows["period"].to_numpy(np.int64)[order]
    arm_of_day = rows["arm"].astype(str).to_numpy()[order]
    y = rows[outcome].to_numpy(np.float64)[order]
    cov = rows[list(covariates)].to_numpy(np.float64)[order] if covariates else None
    randomised = (arm_of_day != RUN_IN) & (period > 0)
    day, period, arm_of_day, y = (
        day[randomised],
        period[randomised],
        arm_of_day[randomised],
        y[randomised],
    )
    cov = cov[randomised] if cov is not None else np.empty((len(y), 0))
    if len(y) == 0:
        raise InsufficientDataError("no days in randomised periods (only run-in or nothing at all)")
    if PLACEBO not in set(arm_of_day):
        raise InsufficientDataError("no placebo period: the effect needs a placebo comparison")
    arms = tuple(arms) if arms is not None else tuple(active_arms(arm_of_day))
    if not arms:
        raise InsufficientDataError("no active period: the effect needs an active comparison")
    n_rows = len(y)

    keep = np.ones(n_rows, dtype=bool)
    if washout_days > 0:
        for p in np.unique(period):
            in_period = period == p
            keep &= ~in_period | (day - day[in_period].min() >= washout_days)
    if log_offset is not None:
        if np.any(y[~np.isnan(y)] + log_offset <= 0):
            raise DataError(
                f"a log scale needs every value + {log_offset} > 0; found smaller values",
                column=outcome,
            )
        y = np.log(y + log_offset)
    keep &= ~np.isnan(y)
    keep &= ~np.isnan(cov).any(axis=1)

    day, y, cov, arm_of_day = day[keep], y[keep], cov[keep], arm_of_day[keep]
    if len(y) == 0:
        raise InsufficientDataError(
            f"no randomised day has a value for '{outcome}' (after washout and missing days)"
        )
    unexpected = sorted(set(arm_of_day) - set(arms) - {PLACEBO})
    if unexpected:
        raise InsufficientDataError(f"arms {unexpected} are neither placebo nor among {list(arms)}")

    columns = ["intercept"] + [f"arm[{a}]" for a in arms]
    parts = [np.ones((len(y), 1))] + [(arm_of_day == a).astype(np.float64)[:, None] for a in arms]
    if trend == "linear":
        centre, span = (day.min() + day.max()) / 2.0, max(day.max() - day.min(), 1)
        parts.append(((day - centre) / span)[:, None])
        columns.append("trend")
    elif trend == "spline":
        basis = natural_spline_basis(day.astype(np.float64), spline_df)
        parts.append(basis - basis.mean(axis=0))
        columns += [f"trend[{j + 1}]" for j in range(basis.shape[1])]
    elif trend != "none":
        raise ValueError(f"trend must be 'none', 'linear' or 'spline', got {trend!r}")
    parts.append(cov)
    columns += list(covariates)
    x = np.column_stack(parts)

    for j, a in enumerate(arms, start=1):
        if x[:, j].sum() == 0:
            raise InsufficientDataError(
                f"no usable days on arm '{a}' after washout and missing days"
            )
    if (x[:, 1 : 1 + len(arms)].sum(axis=1) == 0).sum() == 0:
        raise InsufficientDataError("no usable placebo days after washout and missing days")
    if len(y) <= x.shape[1] + 1:
        raise InsufficientDataError(
            f"{len(y)} usable days for {x.shape[1]} coefficients: too few to estimate the effect"
        )
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InsufficientDataError(
            "the arms, trend and covariates cannot be told apart in these days "
            "(collinear design); use fewer trend terms or covariates"
        )
    return Design(y=y, x=x, day=day, columns=tuple(columns), arms=arms, n_rows=n_rows)


@dataclass(frozen=True)
class LongDesign:
    """Many participants' fitted rows, sorted by (participant, day); the effect is X's last
    column, so that batched fits can read it off one Cholesky factor."""

    y: NDArray[np.float64]
    columns: tuple[NDArray[Any] | float, ...]  # X's columns: intercept, [day], active
    day: NDArray[np.int64]
    series: NDArray[np.int64]
    participants: tuple[str, ...]
    arm: str
    excluded: dict[str, str]  # participant -> why they could not be analysed


def build_long_design(
    table: pd.DataFrame,
    outcome: str,
    *,
    arm: str | None = None,
    washout_days: int = 0,
    trend: Trend = "linear",
) -> LongDesign:
    """Vectorised design for every participant at once (intercept, trend, arm indicator)."""
    if outcome not in table.columns:
        raise DataError(f"no column named '{outcome}'", column=outcome)
    if trend not in ("none", "linear"):
        raise ValueError("a series analysis supports trend 'none' or 'linear'")
    arm_codes, arm_names = pd.factorize(table["arm"].astype(str))
    arms_present = sorted(set(arm_names) - {PLACEBO, RUN_IN})
    if arm is None:
        if len(arms_present) != 1:
            raise InsufficientDataError(
                f"the table holds active arms {arms_present}: name the one to pool with arm="
            )
        arm = arms_present[0]
    # integer codes for participant and arm: string work on millions of rows is what costs
    codes, ids = pd.factorize(table["participant"].astype(str))
    names = list(arm_names)
    is_active = arm_codes == (names.index(arm) if arm in names else -2)
    is_placebo = arm_codes == (names.index(PLACEBO) if PLACEBO in names else -2)
    day = table["day"].to_numpy(np.int64)
    period = table["period"].to_numpy(np.int64)
    y = table[outcome].to_numpy(np.float64)
    keep = (period > 0) & (is_active | is_placebo) & ~np.isnan(y)
    if washout_days > 0:
        key = codes.astype(np.int64) * (int(period.max()) + 1) + period
        start = pd.Series(day).groupby(key).transform("min").to_numpy()
        keep &= (day - start) >= washout_days
    codes, day, y, active = codes[keep], day[keep], y[keep], is_active[keep]
    d_code, d_day = np.diff(codes), np.diff(day)
    if not np.all((d_code > 0) | ((d_code == 0) & (d_day > 0))):
        order = np.lexsort((day, codes))
        codes, day, y, active = codes[order], day[order], y[order], active[order]
        d_code, d_day = np.diff(codes), np.diff(day)
    if np.any((d_code == 0) & (d_day == 0)):
        raise DataError("a participant has two rows for the same day", column="day")

    p = 3 if trend == "linear" else 2
    n_obs = np.bincount(codes, minlength=len(ids))
    n_act = np.bincount(codes[active], minlength=len(ids))
    reasons = np.where(
        n_obs == 0,
        "no usable days",
        np.where(
            n_act == 0,
            f"no usable days on '{arm}'",
            np.where(
                n_act == n_obs,
                "no usable placebo days",
                np.where(n_obs <= p + 1, "too few days", ""),
            ),
        ),
    )
    bad = reasons != ""
    excluded = {str(ids[i]): str(reasons[i]) for i in np.nonzero(bad)[0].tolist()}
    if bad.any():
        renumber = np.cumsum(~bad) - 1
        rows_ok = ~bad[codes]
        codes, day, y, active = renumber[codes[rows_ok]], day[rows_ok], y[rows_ok], active[rows_ok]
        ids = ids[~bad]
    if len(ids) == 0:
        raise InsufficientDataError("no participant has usable active and placebo days")
    # with an intercept, the raw day spans the same linear trend as any rescaling of it
    columns: list[NDArray[Any] | float] = [1.0, day] if trend == "linear" else [1.0]
    columns.append(active)
    return LongDesign(
        y=y,
        columns=tuple(columns),
        day=day,
        series=codes.astype(np.int64),
        participants=tuple(str(i) for i in ids),
        arm=arm,
        excluded=excluded,
    )
