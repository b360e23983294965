"""Imported wearable days into a participant's canonical daily table, matched by date.

The canonical table (architecture.md) has one row per trial day; a wearable export covers
whatever days the device saw. Only the trial's own days are taken: a day the table does not
have is counted and left out, never added as a trial day. The merge rules are those of
`merge_daily`: the same value again changes nothing (so importing a file twice is harmless), a
different value for a day that already has one is refused unless `replace` is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nof1.exceptions import DataError
from nof1.wearables._daily import METRICS, WearableImport, merge_daily


@dataclass(frozen=True)
class TableMerge:
    """The table with the wearable columns filled in, and what the import changed."""

    table: pd.DataFrame
    days_matched: int  # imported days that are days of this participant's trial
    days_outside: int  # imported days before or after the trial, left out
    values_added: int  # cells that were blank and now hold a value
    values_replaced: int  # cells whose value changed (only with replace=True)


def add_to_daily_table(
    table: pd.DataFrame, participant: str, imported: WearableImport, *, replace: bool = False
) -> TableMerge:
    """`table` (any participants) with `participant`'s rows given the imported values."""
    for column in ("participant", "date"):
        if column not in table.columns:
            raise DataError(
                f"the daily table has no '{column}' column; wearable days are matched to "
                "trial days by date",
                column=column,
            )
    mine = table["participant"].astype(str) == participant
    if not mine.any():
        raise DataError(f"the daily table has no rows for participant {participant!r}")
    dates = pd.to_datetime(table.loc[mine, "date"]).astype("datetime64[us]")
    daily = imported.daily
    inside = daily["date"].isin(set(dates))
    metrics = [m for m in METRICS if m in daily.columns and daily[m].notna().any()]
    current = pd.DataFrame({"date": dates.to_numpy()})
    for name in metrics:
        current[name] = (
            pd.to_numeric(table.loc[mine, name], errors="coerce").to_numpy()
            if name in table.columns
            else float("nan")
        )
    merged = merge_daily(current, daily.loc[inside, ["date", *metrics]], replace=replace)
    merged = merged.set_index("date").reindex(current["date"])
    out = table.copy()
    added = replaced = 0
    for name in metrics:
        before = current[name].to_numpy("float64", na_value=float("nan"))
        after = merged[name].to_numpy("float64", na_value=float("nan"))
        added += int((pd.isna(before) & ~pd.isna(after)).sum())
        replaced += int((~pd.isna(before) & ~pd.isna(after) & (before != after)).sum())
        if name not in out.columns:
            out[name] = float("nan")
        out.loc[mine, name] = after
    return TableMerge(out, int(inside.sum()), int((~inside).sum()), added, replaced)
