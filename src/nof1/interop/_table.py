"""What every exporter needs first: a checked daily table and the protocol outcomes it holds.

A table with an `arm` column is the unblinded canonical table and goes through
`nof1.data.validate`, so an export obeys the same rules as an analysis. A table without one is
the blinded monitoring table (no arm, no dose): it is checked here, lightly, for what an export
relies on (participant, day or date, whole periods and pairs, numbers in outcome columns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nof1.data import is_dose_label, validate
from nof1.exceptions import DataError
from nof1.protocol.model import Outcome, Protocol

__all__ = ["Prepared", "StudyMetadata", "prepare"]


@dataclass(frozen=True)
class StudyMetadata:
    """What a file says about the study beyond the protocol; every field has a default.

    `study_id` defaults to the protocol id, `name` to its title, `description` to its
    description. `created` stamps files that need a creation time (ODM); left out, the
    current time (UTC) is used, so pass it to make exports byte-for-byte reproducible.
    """

    study_id: str | None = None
    name: str | None = None
    description: str | None = None
    created: dt.datetime | None = None

    def resolved(self, protocol: Protocol) -> StudyMetadata:
        created = self.created or dt.datetime.now(dt.UTC).replace(microsecond=0)
        if created.tzinfo is None:
            raise DataError("the study's creation time needs a time zone, e.g. UTC")
        return StudyMetadata(
            study_id=self.study_id or protocol.id,
            name=self.name or protocol.title,
            description=self.description or protocol.description.strip() or protocol.title,
            created=created,
        )


@dataclass(frozen=True)
class Prepared:
    """A checked table (rows in their order, `day` always present) and what it holds."""

    table: pd.DataFrame
    outcomes: tuple[Outcome, ...]
    unblinded: bool  # the table has arms: it is post-unblinding data
    has_date: bool


def _columns(table: pd.DataFrame) -> str:
    return ", ".join(repr(str(name)) for name in table.columns)


def _select(protocol: Protocol, table: pd.DataFrame, names: Sequence[str] | None) -> tuple[
    Outcome, ...
]:
    by_id = {outcome.id: outcome for outcome in protocol.outcomes}
    known = ", ".join(by_id)
    if names is None:
        chosen = tuple(o for o in protocol.outcomes if o.id in table.columns)
        if not chosen:
            raise DataError(
                f"the table has none of the outcomes of protocol {protocol.id!r} ({known}); "
                f"its columns are {_columns(table)}"
            )
        return chosen
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise DataError("no outcomes were asked for: name at least one")
    for name in names:
        if name not in by_id:
            raise DataError(
                f"unknown outcome {name!r}: protocol {protocol.id!r} has outcomes {known}",
                column=name,
            )
        if name not in table.columns:
            raise DataError(
                f"outcome {name!r} is not a column of the table; its columns are "
                f"{_columns(table)}",
                column=name,
            )
    return tuple(by_id[name] for name in dict.fromkeys(names))


def _numbers(table: pd.DataFrame, name: str) -> pd.Series:
    col = table[name]
    text = col.astype("string").str.strip()
    blank = text.isna() | text.isin(["", "NA", "NaN", "nan"])
    values = pd.to_numeric(text.mask(blank), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{name} must be a number, got {str(col.iloc[pos])!r}", row=pos + 1, column=name
        )
    return values.astype("float64")


def _blinded(table: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """The monitoring table has no arm: check what exports need, as `validate` would."""
    out = table.reset_index(drop=True).copy()
    if "participant" not in out.columns:
        raise DataError(f"missing required column 'participant'; the columns are "
                        f"{_columns(out)}", column="participant")
    who = out["participant"].astype("string").str.strip()
    if (blank := who.isna() | (who == "")).any():
        raise DataError("participant is blank", row=int(np.flatnonzero(blank)[0]) + 1,
                        column="participant")
    out["participant"] = who.astype(object)
    if "day" not in out.columns and "date" not in out.columns:
        raise DataError(f"missing required column 'day' (or 'date'); the columns are "
                        f"{_columns(out)}", column="day")
    if "date" in out.columns:
        stamps = pd.to_datetime(out["date"].astype("string").str.strip(), format="%Y-%m-%d",
                                errors="coerce")
        if (bad := stamps.isna()).any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(f"date must be an ISO date such as 2024-03-01, got "
                            f"{str(out['date'].iloc[pos])!r}", row=pos + 1, column="date")
        out["date"] = stamps.astype("datetime64[us]")
        if "day" not in out.columns:
            first = out.groupby("participant", sort=False)["date"].transform("min")
            out.insert(list(out.columns).index("date"), "day", (out["date"] - first).dt.days + 1)
    for name, minimum in (("day", 1), ("period", 0), ("pair", 0)):
        if name in out.columns:
            values = _numbers(out, name)
            bad = values.isna() | (values != np.floor(values)) | (values < minimum)
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"{name} must be a whole number of at least {minimum}, got "
                                f"{str(out[name].iloc[pos])!r}", row=pos + 1, column=name)
            out[name] = values.astype(np.int64)
    dup = out.duplicated(["participant", "day"])
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"participant {out['participant'].iloc[pos]!r} has day "
                        f"{out['day'].iloc[pos]} twice", row=pos + 1, column="day")
    for name in outcomes:
        out[name] = _numbers(out, name)
    return out


def prepare(
    protocol: Protocol, table: pd.DataFrame, outcomes: Sequence[str] | None = None
) -> Prepared:
    """Check `table` against `protocol`; `outcomes` picks protocol outcomes (default: all the
    protocol's outcomes that are columns of the table). Raises `DataError` on bad input."""
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"expected a daily table (a pandas DataFrame), got {type(table).__name__}")
    if table.shape[1] == 0 or len(table) == 0:
        raise DataError("the table is empty: there is nothing to export")
    chosen = _select(protocol, table, outcomes)
    ids = [o.id for o in chosen]
    if "arm" in table.columns:
        arms = set(protocol.arm_ids) | {"active"}
        arms |= {str(a) for a in table["arm"].dropna().unique() if is_dose_label(str(a).strip())}
        checked = validate(table, outcomes=ids, arms=sorted(arms))
    else:
        checked = _blinded(table, ids)
    return Prepared(checked, chosen, "arm" in checked.columns, "date" in checked.columns)


def iso_date(value: object) -> str:
    """A table date as YYYY-MM-DD."""
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]
