"""CDISC ODM 1.3.2 export: valid against the standard's schema (when it is installed) and
against a structural check of our own (always), and holding exactly the table's values.

The ODM 1.3.2 XSD ships in the PyPI package `defineutils` (MIT); validating with it needs lxml.
"""

import datetime as dt
import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.exceptions import DataError
from nof1.interop import StudyMetadata, odm_xml
from nof1.interop.odm import decimal_text
from nof1.protocol import load_template

PROTOCOL = load_template("ldn-mecfs-standard")
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
CREATED = StudyMetadata(created=dt.datetime(2024, 9, 1, 12, 0, tzinfo=dt.UTC))
OUTCOMES = ["fatigue", "pain", "promis_fatigue"]


def trial_table(participants=2, seed=3, *, dates=False, blinded=False):
    design = TrialDesign(pairs=1, period_days=7, run_in_days=3)
    rng = np.random.default_rng(seed)
    table = simulate_table(design, Assumptions(missing_rate=0.2), participants, rng)
    table["arm"] = table["arm"].replace({"active": "ldn-4.5mg"})
    table["pain"] = simulate_table(design, Assumptions(), participants, rng, outcome="pain")["pain"]
    table["promis_fatigue"] = np.where(table["day"] % 7 == 0, 50.5, np.nan)
    if dates:
        table.insert(2, "date", [f"2024-03-{d:02d}" for d in table["day"]])
    if blinded:
        table = table.drop(columns=["arm", "dose_mg"])
    return table


def schema():
    """The official ODM 1.3.2 schema, or None when lxml or defineutils is not installed."""
    if importlib.util.find_spec("lxml") is None:
        return None
    spec = importlib.util.find_spec("defineutils")  # found, not imported: it needs xmlschema
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0], "validate/schema/cdisc-odm-1.3.2/ODM1-3-2.xsd")
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(path)))


def q(name):
    return f"{{{NS['odm']}}}{name}"


# Required attributes (ODM 1.3.2 specification) of every element nof1 writes.
REQUIRED = {
    "ODM": {"FileType", "FileOID", "CreationDateTime", "ODMVersion"}, "Study": {"OID"},
    "MeasurementUnit": {"OID", "Name"}, "MetaDataVersion": {"OID", "Name"},
    "StudyEventRef": {"StudyEventOID", "Mandatory"}, "StudyEventDef": {"OID", "Name",
                                                                       "Repeating", "Type"},
    "FormRef": {"FormOID", "Mandatory"}, "FormDef": {"OID", "Name", "Repeating"},
    "ItemGroupRef": {"ItemGroupOID", "Mandatory"}, "ItemGroupDef": {"OID", "Name", "Repeating"},
    "ItemRef": {"ItemOID", "Mandatory"}, "ItemDef": {"OID", "Name", "DataType"},
    "RangeCheck": {"Comparator", "SoftHard"}, "MeasurementUnitRef": {"MeasurementUnitOID"},
    "ClinicalData": {"StudyOID", "MetaDataVersionOID"}, "SubjectData": {"SubjectKey"},
    "StudyEventData": {"StudyEventOID"}, "FormData": {"FormOID"},
    "ItemGroupData": {"ItemGroupOID"}, "ItemData": {"ItemOID"}, "AdminData": {"StudyOID"},
    "User": {"OID"}, "Location": {"OID", "Name"}, "UserRef": {"UserOID"},
    "LocationRef": {"LocationOID"}, "Annotation": {"SeqNum"},
    "MetaDataVersionRef": {"StudyOID", "MetaDataVersionOID", "EffectiveDate"},
}
# Child order the schema's sequences demand, for the elements that have several kinds.
ORDER = {
    "Study": ["GlobalVariables", "BasicDefinitions", "MetaDataVersion"],
    "GlobalVariables": ["StudyName", "StudyDescription", "ProtocolName"],
    "MetaDataVersion": ["Protocol", "StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef"],
    "ItemDef": ["Description", "Question", "MeasurementUnitRef", "RangeCheck"],
    "AuditRecord": ["UserRef", "LocationRef", "DateTimeStamp", "ReasonForChange"],
    "ItemData": ["AuditRecord", "Annotation"],
    "ODM": ["Study", "AdminData", "ClinicalData"],
}
# Which definition each reference must point at.
REFERENCES = {
    ("StudyEventRef", "StudyEventOID"): "StudyEventDef", ("FormRef", "FormOID"): "FormDef",
    ("ItemGroupRef", "ItemGroupOID"): "ItemGroupDef", ("ItemRef", "ItemOID"): "ItemDef",
    ("MeasurementUnitRef", "MeasurementUnitOID"): "MeasurementUnit",
    ("StudyEventData", "StudyEventOID"): "StudyEventDef", ("FormData", "FormOID"): "FormDef",
    ("ItemGroupData", "ItemGroupOID"): "ItemGroupDef", ("ItemData", "ItemOID"): "ItemDef",
    ("UserRef", "UserOID"): "User", ("LocationRef", "LocationOID"): "Location",
    ("ClinicalData", "StudyOID"): "Study", ("ClinicalData", "MetaDataVersionOID"):
        "MetaDataVersion", ("AdminData", "StudyOID"): "Study",
}
VALUE = {"float": r"[+-]?(\d+(\.\d*)?|\.\d+)", "integer": r"[+-]?\d+",
         "date": r"\d{4}-\d{2}-\d{2}", "text": r".*"}


def structural_problems(xml: bytes) -> list[str]:
    """What breaks the ODM 1.3.2 rules that nof1's files touch; [] when nothing does."""
    root = ET.fromstring(xml)
    problems = []
    if root.tag != q("ODM") or root.get("ODMVersion") != "1.3.2":
        problems.append("the root is not an ODM 1.3.2 element")
    local = {el: el.tag.split("}")[1] for el in root.iter()}
    oids: dict[str, set[str]] = {}
    for el, name in local.items():
        if not el.tag.startswith(f"{{{NS['odm']}}}"):
            problems.append(f"{name} is outside the ODM namespace")
        missing = REQUIRED.get(name, set()) - set(el.attrib)
        if missing:
            problems.append(f"{name} lacks {sorted(missing)}")
        if "OID" in el.attrib:
            if el.get("OID") in oids.setdefault(name, set()):
                problems.append(f"{name} OID {el.get('OID')} is defined twice")
            oids[name].add(el.get("OID"))
        if name in ORDER:
            seen = [local[c] for c in el if local[c] in ORDER[name]]
            if seen != sorted(seen, key=ORDER[name].index):
                problems.append(f"{name} children out of order: {seen}")
    for el, name in local.items():
        for (ref, attr), target in REFERENCES.items():
            if name == ref and el.get(attr) not in oids.get(target, set()):
                problems.append(f"{ref} {attr}={el.get(attr)} does not resolve to a {target}")
    types = {el.get("OID"): el.get("DataType") for el in root.iter(q("ItemDef"))}
    for el in root.iter(q("ItemData")):
        value = el.get("Value")
        if value is None and el.get("IsNull") != "Yes":
            problems.append(f"ItemData {el.get('ItemOID')} has neither Value nor IsNull")
        elif value is not None and not re.fullmatch(VALUE[types[el.get("ItemOID")]], value):
            problems.append(f"ItemData {el.get('ItemOID')} value {value!r} is not "
                            f"{types[el.get('ItemOID')]}")
    return problems


def read_back(xml: bytes) -> pd.DataFrame:
    """The table that ClinicalData holds, one row per StudyEventData."""
    root = ET.fromstring(xml)
    names = {el.get("OID"): el.get("Name") for el in root.iter(q("ItemDef"))}
    rows = []
    for subject in root.iter(q("SubjectData")):
        for event in subject.iter(q("StudyEventData")):
            row = {"participant": subject.get("SubjectKey"),
                   "day": int(event.get("StudyEventRepeatKey"))}
            for item in event.iter(q("ItemData")):
                row[names[item.get("ItemOID")]] = item.get("Value")
            rows.append(row)
    return pd.DataFrame(rows)


def test_it_validates_against_the_odm_1_3_2_schema():
    xsd = schema()
    if xsd is None:
        pytest.skip("the ODM 1.3.2 schema needs lxml and defineutils installed")
    from lxml import etree

    audit = {("S00001", 4, "fatigue"): [{"user": "p01", "time": "2024-03-04T21:00:00+00:00"}]}
    for table in (trial_table(dates=True), trial_table(blinded=True)):
        doc = etree.fromstring(odm_xml(PROTOCOL, table, study=CREATED, audit=audit))
        assert xsd.validate(doc), xsd.error_log


def test_it_passes_the_structural_check():
    audit = {("S00002", 5, "pain"): [{"user": "dr-lee", "time": "2024-03-05T09:00:00+01:00",
                                       "reason": "typo"}]}
    for table in (trial_table(), trial_table(dates=True), trial_table(blinded=True)):
        assert structural_problems(odm_xml(PROTOCOL, table, study=CREATED, audit=audit)) == []


def test_the_structural_check_finds_a_dangling_reference():
    xml = odm_xml(PROTOCOL, trial_table(), study=CREATED).replace(
        b'ItemOID="IT.PAIN" OrderNumber', b'ItemOID="IT.PAINS" OrderNumber')
    assert "ItemRef ItemOID=IT.PAINS does not resolve to a ItemDef" in structural_problems(xml)


def test_the_metadata_has_one_float_item_per_outcome_with_the_scales_range():
    root = ET.fromstring(odm_xml(PROTOCOL, trial_table(), study=CREATED))
    event = root.find(".//odm:StudyEventDef", NS)
    assert (event.get("Name"), event.get("Repeating")) == ("Daily diary", "Yes")
    items = {el.get("Name"): el for el in root.iter(q("ItemDef"))}
    assert list(items) == ["period", "pair", "arm", "dose_mg", *OUTCOMES]
    for outcome in PROTOCOL.outcomes:
        if outcome.id not in OUTCOMES:
            continue
        item = items[outcome.id]
        assert item.get("DataType") == "float"
        checks = {c.get("Comparator"): float(c.find("odm:CheckValue", NS).text)
                  for c in item.findall("odm:RangeCheck", NS)}
        assert checks == {"GE": outcome.scale.min, "LE": outcome.scale.max}


def test_clinical_data_holds_the_tables_values():
    table = trial_table(dates=True)
    back = read_back(odm_xml(PROTOCOL, table, study=CREATED))
    assert list(back["participant"]) == list(table["participant"])
    assert list(back["day"]) == list(table["day"])
    assert list(back["date"]) == list(table["date"])
    assert list(back["arm"]) == list(table["arm"])
    for name in OUTCOMES:
        expected = table[name].to_numpy()
        got = pd.to_numeric(back[name]).to_numpy()
        np.testing.assert_array_equal(got, expected)  # exact: shortest decimal digits


def test_a_blinded_table_exports_no_arm_or_dose():
    xml = odm_xml(PROTOCOL, trial_table(blinded=True), study=CREATED)
    assert b"IT.ARM" not in xml and b"IT.DOSE_MG" not in xml


def test_audit_entries_become_audit_records_and_earlier_ones_annotations():
    table = trial_table()
    day = int(table.loc[table["fatigue"].isna() & (table["participant"] == "S00001"),
                        "day"].iloc[0])
    audit = {
        ("S00001", 2, "fatigue"): [
            {"user": "dr-lee", "time": "2024-03-09T10:00:00+00:00", "reason": "typed 7, meant 4",
             "location": "clinic"},
            {"user": "p01", "time": dt.datetime(2024, 3, 2, 21, 0, tzinfo=dt.UTC)},
        ],
        ("S00001", day, "fatigue"): [{"user": "p01", "time": "2024-03-03T08:00:00+00:00",
                                      "reason": "entered in error"}],
    }
    xml = odm_xml(PROTOCOL, table, study=CREATED, audit=audit)
    assert structural_problems(xml) == []
    root = ET.fromstring(xml)
    assert sorted(u.get("OID") for u in root.iter(q("User"))) == ["USR.DR-LEE", "USR.P01"]
    assert sorted(u.get("OID") for u in root.iter(q("Location"))) == ["LOC.CLINIC", "LOC.NOF1"]
    event = root.find(".//odm:SubjectData[@SubjectKey='S00001']/"
                      "odm:StudyEventData[@StudyEventRepeatKey='2']", NS)
    item = event.find(".//odm:ItemData[@ItemOID='IT.FATIGUE']", NS)
    record = item.find("odm:AuditRecord", NS)
    assert record.find("odm:UserRef", NS).get("UserOID") == "USR.DR-LEE"  # the latest
    assert record.find("odm:LocationRef", NS).get("LocationOID") == "LOC.CLINIC"
    assert record.find("odm:DateTimeStamp", NS).text == "2024-03-09T10:00:00+00:00"
    assert record.find("odm:ReasonForChange", NS).text == "typed 7, meant 4"
    (note,) = item.findall("odm:Annotation/odm:Comment", NS)
    assert note.text == "2024-03-02T21:00:00+00:00 p01 at nof1"
    deleted = root.find(f".//odm:SubjectData[@SubjectKey='S00001']/odm:StudyEventData"
                        f"[@StudyEventRepeatKey='{day}']//odm:ItemData[@ItemOID='IT.FATIGUE']", NS)
    assert deleted.get("IsNull") == "Yes" and deleted.get("Value") is None


@pytest.mark.parametrize(("audit", "message"), [
    ({("S00001", 2, "fatigue"): [{"user": "p01", "time": "2024-03-02T21:00:00"}]},
     "needs a time zone"),
    ({("S00001", 2, "mood"): [{"user": "p01", "time": "2024-03-02T21:00:00Z"}]},
     "'mood' is not an exported item"),
    ({("S00009", 2, "fatigue"): [{"user": "p01", "time": "2024-03-02T21:00:00Z"}]},
     "no day 2 for participant 'S00009'"),
    ({("S00001", 2, "fatigue"): [{"time": "2024-03-02T21:00:00Z"}]},
     r"\('user'\) is missing"),
])
def test_it_refuses_audit_entries_that_do_not_fit(audit, message):
    with pytest.raises(DataError, match=message):
        odm_xml(PROTOCOL, trial_table(), study=CREATED, audit=audit)


def test_floats_are_written_as_decimals_without_exponents():
    assert decimal_text(1e-7) == "0.0000001"
    assert decimal_text(2.0) == "2"
    assert decimal_text(-1234567.25) == "-1234567.25"


def test_it_refuses_an_unknown_outcome_and_an_empty_table():
    with pytest.raises(DataError, match="unknown outcome 'energy'"):
        odm_xml(PROTOCOL, trial_table(), outcomes=["energy"])
    with pytest.raises(DataError, match="empty"):
        odm_xml(PROTOCOL, trial_table().iloc[0:0])


def test_it_refuses_a_creation_time_without_a_time_zone():
    with pytest.raises(DataError, match="time zone"):
        odm_xml(PROTOCOL, trial_table(), study=StudyMetadata(created=dt.datetime(2024, 1, 1)))
