"""A trial as a REDCap project: data dictionary, records to import, and the way back.

Two instruments: `participant` (only `record_id`, the participant's pseudonym) and `daily`, a
repeating instrument with one instance per participant-day (1, 2, ... in day order; the trial
day itself is the `day` field). The daily fields are the design columns the table has (day,
date, period, pair, and after unblinding arm and dose_mg), then the outcomes as text fields
validated "number" with the scale's min and max, then every other column of the table (numbers
as "number" fields, anything else as text). A field's annotation marks what it is for
`read_redcap` ("nof1 outcome; unit: points; better: lower; frequency: daily"). Enable
"Repeating instruments" for `daily` in the project before importing the records. The records
leave out the form status fields (REDCap then marks forms Incomplete).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from nof1.data import validate
from nof1.exceptions import DataError
from nof1.interop._table import Prepared, _blinded, iso_date, prepare
from nof1.interop.odm import decimal_text
from nof1.protocol.model import Protocol

__all__ = [
    "DICTIONARY_COLUMNS",
    "RedcapOutcome",
    "read_redcap",
    "redcap_dictionary",
    "redcap_files",
    "redcap_records",
    "write_redcap",
]

DICTIONARY_COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)
RECORD_ID, PARTICIPANT_FORM, DAILY_FORM = "record_id", "participant", "daily"
REPEAT_INSTRUMENT, REPEAT_INSTANCE = "redcap_repeat_instrument", "redcap_repeat_instance"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# REDCap refuses these as field names (its Project class), and adds <form>_complete itself.
_RESERVED = frozenset({
    "redcap_event_name", "redcap_csrf_token", "redcap_survey_timestamp",
    "redcap_survey_identifier", "redcap_survey_return_code", "redcap_data_access_group",
    "hidden_edit_flag", "instance", REPEAT_INSTANCE, REPEAT_INSTRUMENT, "submit", "new",
    "return", "continue", "case", "switch", "class", "enum", "catch", "throw", "document",
    "super", "focus", "elements", "action", "event_id", "target", "field_label", RECORD_ID,
    f"{PARTICIPANT_FORM}_complete", f"{DAILY_FORM}_complete",
})
_DESIGN = {  # column -> (label, validation, min)
    "day": ("Trial day (1 = first day)", "integer", "1"),
    "date": ("Date", "date_ymd", ""),
    "period": ("Period (0 = run-in)", "integer", "0"),
    "pair": ("Pair (0 = run-in)", "integer", "0"),
    "arm": ("Arm (known after unblinding)", "", ""),
    "dose_mg": ("Daily dose (mg)", "number", "0"),
}
_OUTCOME_TAG = "nof1 outcome"


@dataclass(frozen=True)
class RedcapOutcome:
    """An outcome as a REDCap dictionary declares it: field name (= outcome id), label, range."""

    id: str
    label: str
    min: float | None
    max: float | None
    unit: str | None = None
    better: str | None = None
    frequency: str | None = None


def _check_name(name: str) -> None:
    if not _NAME.match(name) or len(name) > 100 or "___" in name:
        raise DataError(
            f"{name!r} cannot be a REDCap field name: use lowercase letters, digits and "
            "underscores, starting with a letter, at most 100 characters (26 recommended)",
            column=name,
        )
    if name in _RESERVED:
        raise DataError(f"{name!r} is reserved by REDCap: rename the column", column=name)


def _row(name: str, form: str, label: str, *, field_type: str = "text", note: str = "",
         validation: str = "", low: str = "", high: str = "", annotation: str = "") -> list[str]:
    row = dict.fromkeys(DICTIONARY_COLUMNS, "")
    row.update({
        "Variable / Field Name": name, "Form Name": form, "Field Type": field_type,
        "Field Label": label, "Field Note": note,
        "Text Validation Type OR Show Slider Number": validation,
        "Text Validation Min": low, "Text Validation Max": high, "Field Annotation": annotation,
    })
    return list(row.values())


def _daily_columns(prepared: Prepared) -> list[str]:
    table = prepared.table
    design = [c for c in _DESIGN if c in table.columns]
    outcomes = [o.id for o in prepared.outcomes]
    rest = [str(c) for c in table.columns if c not in (*design, *outcomes, "participant")]
    for name in outcomes + rest:
        _check_name(name)
    return design + outcomes + rest


def _dictionary_rows(prepared: Prepared) -> list[list[str]]:
    rows = [_row(RECORD_ID, PARTICIPANT_FORM, "Participant (pseudonym)")]
    by_id = {o.id: o for o in prepared.outcomes}
    for name in _daily_columns(prepared):
        if name in _DESIGN:
            label, validation, low = _DESIGN[name]
            rows.append(_row(name, DAILY_FORM, label, validation=validation, low=low,
                             annotation="nof1 design"))
        elif (outcome := by_id.get(name)) is not None:
            scale = outcome.scale
            anchors = ", ".join(
                f"{value:g} = {words}" for value, words in
                ((scale.min, scale.min_label), (scale.max, scale.max_label)) if words)
            note = " ".join(part for part in (outcome.question, anchors) if part)
            rows.append(_row(
                name, DAILY_FORM, outcome.label, note=note, validation="number",
                low=decimal_text(scale.min), high=decimal_text(scale.max),
                annotation=f"{_OUTCOME_TAG}; unit: {scale.unit}; better: {outcome.better}; "
                           f"frequency: {outcome.frequency}"))
        else:
            numeric = ptypes.is_numeric_dtype(prepared.table[name]) and not \
                ptypes.is_bool_dtype(prepared.table[name])
            rows.append(_row(name, DAILY_FORM, name.replace("_", " ").capitalize(),
                             validation="number" if numeric else ""))
    return rows


def _csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def redcap_dictionary(
    protocol: Protocol, table: pd.DataFrame, *, outcomes: Sequence[str] | None = None
) -> str:
    """The REDCap data dictionary (CSV text, the 18 standard columns) for this table."""
    return _csv([list(DICTIONARY_COLUMNS), *_dictionary_rows(prepare(protocol, table, outcomes))])


def _cell(value: object, validation: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if validation == "date_ymd":
        return iso_date(value)
    if validation == "integer":
        return str(int(value))  # type: ignore[call-overload]
    if validation == "number":
        return decimal_text(float(value))  # type: ignore[arg-type]
    return str(value)


def redcap_records(
    protocol: Protocol, table: pd.DataFrame, *, outcomes: Sequence[str] | None = None
) -> str:
    """The records CSV (REDCap's "flat" import format with repeating-instrument columns)."""
    prepared = prepare(protocol, table, outcomes)
    return _records(prepared, _dictionary_rows(prepared))


def redcap_files(
    protocol: Protocol, table: pd.DataFrame, *, outcomes: Sequence[str] | None = None
) -> tuple[str, str]:
    """The data dictionary and the records CSV text, from one check of the table."""
    prepared = prepare(protocol, table, outcomes)
    dictionary = _dictionary_rows(prepared)
    return _csv([list(DICTIONARY_COLUMNS), *dictionary]), _records(prepared, dictionary)


def _records(prepared: Prepared, dictionary: list[list[str]]) -> str:
    fields = dictionary[1:]  # the first row is the record id
    names = [f[0] for f in fields]
    validations = [f[7] for f in fields]
    rows: list[list[str]] = [[RECORD_ID, REPEAT_INSTRUMENT, REPEAT_INSTANCE, *names]]
    data = prepared.table
    for participant, days in data.groupby("participant", sort=False):
        rows.append([str(participant), "", "", *([""] * len(names))])
        days = days.sort_values("day", kind="stable")
        for instance, values in enumerate(days[names].itertuples(index=False), start=1):
            cells = [_cell(v, kind) for v, kind in zip(values, validations, strict=True)]
            rows.append([str(participant), DAILY_FORM, str(instance), *cells])
    return _csv(rows)


def write_redcap(
    protocol: Protocol,
    table: pd.DataFrame,
    dictionary_path: str | os.PathLike[str],
    records_path: str | os.PathLike[str],
    *,
    outcomes: Sequence[str] | None = None,
) -> None:
    """Write the data dictionary and the records as two UTF-8 CSV files."""
    dictionary, records = redcap_files(protocol, table, outcomes=outcomes)
    Path(dictionary_path).write_text(dictionary, encoding="utf-8")
    Path(records_path).write_text(records, encoding="utf-8")


def _read(source: str | os.PathLike[str] | IO[str], what: str) -> tuple[list[dict[str, str]],
                                                                         str]:
    if hasattr(source, "read"):
        text, name = source.read(), getattr(source, "name", f"<{what}>")
    else:
        path = Path(source)
        try:
            text, name = path.read_text(encoding="utf-8-sig"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read the {what}: {exc}", source=str(path)) from None
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise DataError(f"the {what} is empty", source=str(name))
    return rows, str(name)


def _annotation(text: str) -> dict[str, str]:
    parts = [p.strip() for p in text.split(";")]
    return {k.strip(): v.strip() for k, _, v in (p.partition(":") for p in parts[1:])}


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def read_redcap(
    dictionary_csv: str | os.PathLike[str] | IO[str],
    records_csv: str | os.PathLike[str] | IO[str],
    *,
    arms: Sequence[str] | None = None,
) -> tuple[list[RedcapOutcome], pd.DataFrame]:
    """Read a REDCap data dictionary and records export back into outcome specs and a daily
    table, validated by `nof1.data.validate` (with `arms` as the allowed arm names; default:
    the arms the records hold). Paths or open text files. Raises `DataError`."""
    fields, dict_name = _read(dictionary_csv, "data dictionary")
    missing = [c for c in DICTIONARY_COLUMNS[:10] if c not in fields[0]]
    if missing:
        raise DataError(f"not a REDCap data dictionary: no column {missing[0]!r}",
                        source=dict_name)
    by_name = {f["Variable / Field Name"].strip(): f for f in fields}
    if "day" not in by_name:
        raise DataError("the data dictionary has no 'day' field", source=dict_name)
    record_id = fields[0]["Variable / Field Name"].strip()
    daily_form = by_name["day"]["Form Name"].strip()
    columns = [n for n, f in by_name.items() if f["Form Name"].strip() == daily_form]
    tagged = [n for n in columns if by_name[n]["Field Annotation"].startswith(_OUTCOME_TAG)]
    if not tagged:  # a dictionary made elsewhere: number fields with a range are outcomes
        tagged = [n for n in columns if n not in _DESIGN and by_name[n][
            "Text Validation Type OR Show Slider Number"] in ("number", "integer")
            and by_name[n]["Text Validation Min"] and by_name[n]["Text Validation Max"]]
    specs = []
    for name in tagged:
        f, notes = by_name[name], _annotation(by_name[name]["Field Annotation"])
        try:
            low, high = _number(f["Text Validation Min"]), _number(f["Text Validation Max"])
        except ValueError:
            raise DataError(f"field {name!r} has a range that is not a number",
                            source=dict_name, column=name) from None
        specs.append(RedcapOutcome(name, f["Field Label"].strip(), low, high, notes.get("unit"),
                                   notes.get("better"), notes.get("frequency")))
    records, rec_name = _read(records_csv, "records")
    if record_id not in records[0]:
        raise DataError(f"the records have no {record_id!r} column", source=rec_name)
    absent = [n for n in columns if n not in records[0]]
    if absent:
        raise DataError(f"the records have no column {absent[0]!r}", source=rec_name,
                        column=absent[0])
    daily = [r for r in records if r.get(REPEAT_INSTRUMENT, daily_form) in (daily_form, "")
             and r["day"].strip()]
    if not daily:
        raise DataError("the records hold no daily rows", source=rec_name)
    table = pd.DataFrame({"participant": [r[record_id] for r in daily]})
    for name in columns:
        kind = by_name[name]["Text Validation Type OR Show Slider Number"].strip()
        blank_is_missing = kind in ("number", "integer")
        table[name] = pd.Series(
            [np.nan if blank_is_missing and not r[name].strip() else r[name].strip()
             for r in daily], dtype=object)
    outcome_ids = [s.id for s in specs]
    if "arm" not in table.columns:
        numbers = [n for n in columns if n not in ("day", "period", "pair") and by_name[n][
            "Text Validation Type OR Show Slider Number"].strip() in ("number", "integer")]
        return specs, _blinded(table, list(dict.fromkeys(outcome_ids + numbers)))
    allowed = arms if arms is not None else sorted(set(table["arm"]) - {"placebo", "run-in", ""})
    try:
        return specs, validate(table, source=rec_name, outcomes=outcome_ids, arms=allowed)
    except DataError as exc:  # rows are the daily rows: say so rather than quote file rows
        raise DataError(f"{exc.message} (counting daily rows only)", source=rec_name,
                        row=exc.row, column=exc.column) from None
