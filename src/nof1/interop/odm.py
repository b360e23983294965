"""A trial as CDISC ODM 1.3.2 XML: the diary's metadata, every participant-day and its audit.

Layout (OIDs in brackets): one repeating study event, "Daily diary" [SE.DAILY], whose repeat
key is the trial day; one form [F.DAILY]; two item groups, the day's design [IG.DESIGN: period,
pair, and after unblinding arm and dose; the date when the table has one] and its outcomes
[IG.OUTCOMES: one float item per outcome, IT.<OUTCOME_ID>, with hard range checks from the
protocol's scale]. Columns that are neither design nor protocol outcomes are not exported.

Audit: pass `audit`, a mapping (participant, day, item) -> list of entries, each a mapping with
`user`, `time` (timezone-aware datetime or ISO text) and optionally `reason` and `location`
(default "nof1"); `item` is an outcome id or a design column name. ODM allows one AuditRecord
per ItemData in a snapshot: the latest entry becomes the AuditRecord (UserRef, LocationRef,
DateTimeStamp, ReasonForChange), and the earlier ones are kept, oldest first, as Annotation
comments on the same ItemData. Users and locations are declared in AdminData. An audited item
whose value is blank now is written as an ItemData with IsNull="Yes".
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from nof1.exceptions import DataError
from nof1.interop._table import Prepared, StudyMetadata, iso_date, prepare
from nof1.protocol.model import Protocol

__all__ = ["ODM_NAMESPACE", "AuditKey", "odm_xml"]

ODM_NAMESPACE = "http://www.cdisc.org/ns/odm/v1.3"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EVENT, FORM, DESIGN_GROUP, OUTCOME_GROUP = "SE.DAILY", "F.DAILY", "IG.DESIGN", "IG.OUTCOMES"
AuditKey = tuple[str, int, str]  # (participant, day, item)
ET.register_namespace("", ODM_NAMESPACE)  # write the ODM namespace as the default one


def _tag(name: str) -> str:
    return f"{{{ODM_NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, _tag(name), attrs)
    if text is not None:
        child.text = text
    return child


def _translated(parent: ET.Element, name: str, text: str) -> None:
    _add(_add(parent, name), "TranslatedText", text, **{_XML_LANG: "en"})


def _oid(prefix: str, text: str) -> str:
    return f"{prefix}.{re.sub(r'[^A-Za-z0-9_.-]', '_', text).upper()}"


def decimal_text(value: float) -> str:
    """An ODM float (xs:decimal): never exponent notation, shortest exact digits."""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Items:
    """The ItemDefs of the export: (column, OID, data type, label) in group order."""

    def __init__(self, prepared: Prepared) -> None:
        design = [("period", "integer", "Period (0 = run-in)"),
                  ("pair", "integer", "Pair (0 = run-in)")]
        if prepared.unblinded:
            design += [("arm", "text", "Arm"), ("dose_mg", "float", "Daily dose (mg)")]
        if prepared.has_date:
            design.insert(0, ("date", "date", "Date"))
        columns = prepared.table.columns
        self.design = [(c, _oid("IT", c), kind, label) for c, kind, label in design
                       if c in columns]
        self.outcomes = [(o.id, _oid("IT", o.id), "float", o.label) for o in prepared.outcomes]
        self.oid_of = {c: oid for c, oid, _, _ in self.design + self.outcomes}


def _metadata(study: ET.Element, protocol: Protocol, prepared: Prepared, items: _Items,
              mdv_oid: str) -> None:
    units = {o.scale.unit for o in prepared.outcomes}
    if any(c == "dose_mg" for c, *_ in items.design):
        units.add("mg")
    basic = _add(study, "BasicDefinitions")
    for unit in sorted(units):
        mu = _add(basic, "MeasurementUnit", OID=_oid("MU", unit), Name=unit)
        _translated(mu, "Symbol", unit)
    mdv = _add(study, "MetaDataVersion", OID=mdv_oid,
               Name=f"{protocol.title}, protocol version {protocol.version}")
    _add(_add(mdv, "Protocol"), "StudyEventRef", StudyEventOID=EVENT, OrderNumber="1",
         Mandatory="Yes")
    event = _add(mdv, "StudyEventDef", OID=EVENT, Name="Daily diary", Repeating="Yes",
                 Type="Common")
    _add(event, "FormRef", FormOID=FORM, OrderNumber="1", Mandatory="Yes")
    form = _add(mdv, "FormDef", OID=FORM, Name="Daily diary", Repeating="No")
    groups = [(DESIGN_GROUP, "Trial day design", items.design),
              (OUTCOME_GROUP, "Outcomes", items.outcomes)]
    groups = [g for g in groups if g[2]]
    for n, (oid, _, _) in enumerate(groups, start=1):
        _add(form, "ItemGroupRef", ItemGroupOID=oid, OrderNumber=str(n), Mandatory="Yes")
    for oid, name, members in groups:
        group = _add(mdv, "ItemGroupDef", OID=oid, Name=name, Repeating="No")
        for n, (_, item_oid, _, _) in enumerate(members, start=1):
            _add(group, "ItemRef", ItemOID=item_oid, OrderNumber=str(n), Mandatory="No")
    for column, oid, kind, label in items.design:
        item = _add(mdv, "ItemDef", OID=oid, Name=column, DataType=kind)
        _translated(item, "Question", label)
        if column == "dose_mg":
            _add(item, "MeasurementUnitRef", MeasurementUnitOID=_oid("MU", "mg"))
    for outcome in prepared.outcomes:
        item = _add(mdv, "ItemDef", OID=items.oid_of[outcome.id], Name=outcome.id,
                    DataType="float")
        _translated(item, "Description", outcome.label)
        _translated(item, "Question", outcome.question or outcome.label)
        _add(item, "MeasurementUnitRef", MeasurementUnitOID=_oid("MU", outcome.scale.unit))
        for comparator, bound in (("GE", outcome.scale.min), ("LE", outcome.scale.max)):
            check = _add(item, "RangeCheck", Comparator=comparator, SoftHard="Hard")
            _add(check, "CheckValue", decimal_text(bound))
            _translated(check, "ErrorMessage", f"{outcome.label} must be "
                        f"{'at least' if comparator == 'GE' else 'at most'} {bound:g}")


def _when(value: Any, key: AuditKey) -> str:
    try:
        stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise DataError(f"audit entry for {key}: time must be a date and time, got {value!r}")\
            from None
    if stamp.tzinfo is None:
        raise DataError(f"audit entry for {key}: time {value!r} needs a time zone")
    return stamp.isoformat()


def _entries(audit: Mapping[AuditKey, Sequence[Mapping[str, Any]]] | None, prepared: Prepared,
             items: _Items) -> dict[AuditKey, list[dict[str, str]]]:
    if not audit:
        return {}
    rows = set(zip(prepared.table["participant"], prepared.table["day"].astype(int),
                   strict=True))
    out: dict[AuditKey, list[dict[str, str]]] = {}
    for key, entries in audit.items():
        participant, day, item = key
        if (participant, int(day)) not in rows:
            raise DataError(f"audit entry for {key}: the table has no day {day} for "
                            f"participant {participant!r}")
        if item not in items.oid_of:
            raise DataError(f"audit entry for {key}: {item!r} is not an exported item; items "
                            f"are {', '.join(items.oid_of)}")
        clean = []
        for entry in entries:
            if not entry.get("user"):
                raise DataError(f"audit entry for {key}: who made the change ('user') is missing")
            clean.append({"user": str(entry["user"]), "time": _when(entry.get("time"), key),
                          "reason": str(entry.get("reason") or ""),
                          "location": str(entry.get("location") or "nof1")})
        if clean:
            out[(participant, int(day), item)] = sorted(
                clean, key=lambda e: dt.datetime.fromisoformat(e["time"]))
    return out


def _admin(root: ET.Element, study_oid: str, mdv_oid: str, created: dt.datetime,
           audit: dict[AuditKey, list[dict[str, str]]]) -> None:
    entries = [e for history in audit.values() for e in history]
    admin = _add(root, "AdminData", StudyOID=study_oid)
    for user in sorted({e["user"] for e in entries}):
        _add(_add(admin, "User", OID=_oid("USR", user)), "LoginName", user)
    for location in sorted({e["location"] for e in entries}):
        place = _add(admin, "Location", OID=_oid("LOC", location), Name=location)
        _add(place, "MetaDataVersionRef", StudyOID=study_oid, MetaDataVersionOID=mdv_oid,
             EffectiveDate=created.date().isoformat())


def _item_data(group: ET.Element, oid: str, value: str | None,
               history: list[dict[str, str]] | None) -> None:
    item = _add(group, "ItemData", ItemOID=oid, **({"Value": value} if value is not None
                                                  else {"IsNull": "Yes"}))
    if not history:
        return
    latest = history[-1]
    record = _add(item, "AuditRecord")
    _add(record, "UserRef", UserOID=_oid("USR", latest["user"]))
    _add(record, "LocationRef", LocationOID=_oid("LOC", latest["location"]))
    _add(record, "DateTimeStamp", latest["time"])
    if latest["reason"]:
        _add(record, "ReasonForChange", latest["reason"])
    for n, earlier in enumerate(history[:-1], start=1):
        note = f"{earlier['time']} {earlier['user']} at {earlier['location']}"
        note += f": {earlier['reason']}" if earlier["reason"] else ""
        _add(_add(item, "Annotation", SeqNum=str(n)), "Comment", note)


def _value(column: str, kind: str, value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if kind == "date":
        return iso_date(value)
    if kind == "integer":
        return str(int(value))
    if kind == "float":
        return decimal_text(value)
    return str(value)


def _clinical(root: ET.Element, study_oid: str, mdv_oid: str, prepared: Prepared,
              items: _Items, audit: dict[AuditKey, list[dict[str, str]]]) -> None:
    clinical = _add(root, "ClinicalData", StudyOID=study_oid, MetaDataVersionOID=mdv_oid)
    subject = None
    current = None
    names = [str(c) for c in prepared.table.columns]
    for row in prepared.table.itertuples(index=False, name=None):
        values: dict[str, Any] = dict(zip(names, row, strict=True))
        participant, day = str(values["participant"]), int(values["day"])
        if participant != current:
            subject, current = _add(clinical, "SubjectData", SubjectKey=participant), participant
        assert subject is not None
        event = _add(subject, "StudyEventData", StudyEventOID=EVENT,
                     StudyEventRepeatKey=str(day))
        form = _add(event, "FormData", FormOID=FORM)
        for group_oid, members in ((DESIGN_GROUP, items.design),
                                   (OUTCOME_GROUP, items.outcomes)):
            written = []
            for column, oid, kind, _ in members:
                value = _value(column, kind, values.get(column))
                history = audit.get((participant, day, column))
                if value is not None or history:
                    written.append((oid, value, history))
            if written:
                group = _add(form, "ItemGroupData", ItemGroupOID=group_oid)
                for oid, value, history in written:
                    _item_data(group, oid, value, history)


def odm_xml(
    protocol: Protocol,
    table: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    study: StudyMetadata | None = None,
    audit: Mapping[AuditKey, Sequence[Mapping[str, Any]]] | None = None,
) -> bytes:
    """An ODM 1.3.2 snapshot file (UTF-8 bytes) holding the study's metadata and the table.

    `outcomes` picks protocol outcomes (default: those that are columns of the table); see the
    module docstring for `audit`. Raises `DataError` on a bad table, an unknown outcome or an
    audit entry that does not match the table."""
    prepared = prepare(protocol, table, outcomes)
    if not prepared.table["participant"].is_monotonic_increasing:
        prepared = Prepared(prepared.table.sort_values(["participant", "day"], kind="stable"),
                            prepared.outcomes, prepared.unblinded, prepared.has_date)
    meta = study or StudyMetadata()
    meta = meta.resolved(protocol)
    assert meta.study_id and meta.created and meta.name and meta.description
    items = _Items(prepared)
    entries = _entries(audit, prepared, items)
    study_oid = _oid("ST", meta.study_id)
    mdv_oid = _oid("MDV", f"{protocol.id}.{protocol.version}")
    root = ET.Element(_tag("ODM"), {
        "FileType": "Snapshot",
        "FileOID": _oid("F", f"{meta.study_id}.{meta.created:%Y%m%d%H%M%S}"),
        "CreationDateTime": meta.created.isoformat(), "ODMVersion": "1.3.2",
        "Originator": "nof1", "SourceSystem": "nof1",
    })
    study_el = _add(root, "Study", OID=study_oid)
    globals_ = _add(study_el, "GlobalVariables")
    _add(globals_, "StudyName", meta.name)
    _add(globals_, "StudyDescription", meta.description)
    _add(globals_, "ProtocolName", f"{protocol.id} version {protocol.version}")
    _metadata(study_el, protocol, prepared, items, mdv_oid)
    if entries:
        _admin(root, study_oid, mdv_oid, meta.created, entries)
    _clinical(root, study_oid, mdv_oid, prepared, items, entries)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
