"""What happened in each period of one trial: days, diary completeness, doses taken, harms.

Counted once from the daily table when the report is built; the templates only show these.
`dose_taken` and `side_effects` are the web diary's columns (`nof1.web.diary.table`): the
dose as "yes"/"no"/"unknown" (or 1/0), the side effects as ';'-separated adverse-event ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from nof1.data import PLACEBO, RUN_IN

_YES = {"yes", "y", "1", "1.0", "true"}
_NO = {"no", "n", "0", "0.0", "false"}


@dataclass(frozen=True)
class PeriodFacts:
    """One period (0 = run-in) as the daily table records it."""

    period: int
    pair: int
    arm: str  # as in the table: "run-in", "placebo", "active" or a protocol arm id
    label: str  # what a reader calls it: "Run-in", "Placebo", "LDN 4.5 mg"
    first_day: int
    last_day: int
    days: int  # rows of the table in this period
    dose_mg: float  # the highest daily dose in the period (the target after titration)
    diary_days: int  # days with at least one analysed outcome recorded
    taken: int | None = None  # days the participant said the dose was taken (None: not asked)
    missed: int | None = None
    dose_unknown: int | None = None
    harms: Mapping[str, int] = field(default_factory=dict)  # adverse-event id -> days
    harms_recorded: int | None = None  # days whose side-effects entry was filled in

    @property
    def randomised(self) -> bool:
        return self.period > 0

    @property
    def missing_days(self) -> int:
        return self.days - self.diary_days

    @property
    def adherence(self) -> float | None:
        """Share of the period's days on which the dose was reported taken."""
        if self.taken is None or self.days == 0:
            return None
        return self.taken / self.days


def arm_label(arm: str, dose_mg: float, labels: Mapping[str, str]) -> str:
    """The protocol's label, else words for the table's own arm names."""
    if arm in labels:
        return labels[arm]
    if arm == PLACEBO:
        return "Placebo"
    if arm == RUN_IN:
        return "Run-in"
    if arm == "active" and dose_mg > 0:
        return f"Active ({dose_mg:g} mg)"
    return arm[:1].upper() + arm[1:]


def dose_status(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Masks of days with the dose reported taken, and reported not taken."""
    text = values.astype("string").str.strip().str.lower().fillna("")
    return text.isin(_YES).to_numpy(bool), text.isin(_NO).to_numpy(bool)


def side_effect_days(values: pd.Series, events: Sequence[str]) -> dict[str, np.ndarray]:
    """Per adverse-event id, a mask of the days it was ticked."""
    text = values.astype("string").fillna("").str.strip()
    ticked = [{i.strip() for i in str(cell).split(";") if i.strip()} for cell in text]
    return {event: np.array([event in s for s in ticked], dtype=bool) for event in events}


def event_ids(table: pd.DataFrame) -> list[str]:
    """Adverse-event ids that appear in the `side_effects` column, in order of first use."""
    if "side_effects" not in table.columns:
        return []
    seen: dict[str, None] = {}
    for cell in table["side_effects"].astype("string").fillna(""):
        for item in str(cell).split(";"):
            if item.strip():
                seen.setdefault(item.strip(), None)
    return list(seen)


def period_facts(
    rows: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    events: Sequence[str] = (),
) -> tuple[PeriodFacts, ...]:
    """Every period of one participant's rows, in period order."""
    labels = labels or {}
    rows = rows.sort_values("day", kind="stable")
    present = [o for o in outcomes if o in rows.columns]
    logged = (
        rows[present].notna().any(axis=1).to_numpy(bool)
        if present
        else np.zeros(len(rows), dtype=bool)
    )
    has_dose = "dose_taken" in rows.columns
    taken, missed = dose_status(rows["dose_taken"]) if has_dose else (None, None)
    has_harms = "side_effects" in rows.columns
    if has_harms:
        masks = side_effect_days(rows["side_effects"], events)
        # an empty cell on a day with a diary entry means none were ticked: still recorded
        if "diary" in rows.columns:
            recorded = rows["diary"].astype("string").fillna("missing").ne("missing").to_numpy()
        else:
            recorded = logged
        for mask in masks.values():  # a ticked side effect shows the day was recorded
            recorded = recorded | mask
    period = rows["period"].to_numpy(np.int64)
    day = rows["day"].to_numpy(np.int64)
    dose = rows["dose_mg"].to_numpy(np.float64)
    out = []
    for p in sorted(set(period.tolist())):
        m = period == p
        arm = str(rows["arm"].to_numpy(dtype=object)[m][0])
        top = float(np.nanmax(dose[m])) if np.isfinite(dose[m]).any() else 0.0
        facts = PeriodFacts(
            period=int(p),
            pair=int(rows["pair"].to_numpy(np.int64)[m][0]),
            arm=arm,
            label=arm_label(arm, top, labels),
            first_day=int(day[m].min()),
            last_day=int(day[m].max()),
            days=int(m.sum()),
            dose_mg=top,
            diary_days=int(logged[m].sum()),
        )
        if has_dose and taken is not None and missed is not None and p > 0:
            n_taken, n_missed = int(taken[m].sum()), int(missed[m].sum())
            unknown = int(m.sum()) - n_taken - n_missed
            facts = replace(facts, taken=n_taken, missed=n_missed, dose_unknown=unknown)
        if has_harms:
            facts = replace(
                facts,
                harms={e: int(masks[e][m].sum()) for e in events},
                harms_recorded=int(recorded[m].sum()),
            )
        out.append(facts)
    return tuple(out)

