"""Small wearable exports made in the test, for the wearable pages' tests (no tests here).

    apple_zip()            # an Apple Health export.zip: 28 and 29 March 2026, and a day in 2025
    uploaded(name, data)   # as Django hands an upload to a view or service
    LAUGHS, bomb_zip()     # an entity-expansion XML and a zip bomb, both refused by the core

Built like tests/core/test_wearables_apple.py builds its exports.
"""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

WATCH = ('sourceName="Ann&#8217;s Apple Watch" device="&lt;&lt;HKDevice: 0x1&gt;, '
         'name:Apple Watch, manufacturer:Apple Inc., model:Watch&gt;"')
STEPS = "HKQuantityTypeIdentifierStepCount"
RHR = "HKQuantityTypeIdentifierRestingHeartRate"
SDNN = "HKQuantityTypeIdentifierHeartRateVariabilitySDNN"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-04-01 08:00:00 +0100"/>
"""


def rec(kind: str, start: str, end: str, value: object, unit: str | None = None) -> str:
    if unit is None:
        unit = {STEPS: "count", RHR: "count/min", SDNN: "ms"}.get(kind, "")
    unit_attr = f' unit="{unit}"' if unit else ""
    return (f' <Record type="{kind}" {WATCH}{unit_attr} creationDate="{end}" '
            f'startDate="{start}" endDate="{end}" value="{value}"/>')


RECORDS = [
    rec(STEPS, "2025-12-01 10:00:00 +0000", "2025-12-01 10:10:00 +0000", 800),  # before the trial
    rec(STEPS, "2026-03-28 10:00:00 +0000", "2026-03-28 10:10:00 +0000", 1000),
    rec(STEPS, "2026-03-29 10:00:00 +0100", "2026-03-29 10:05:00 +0100", 500),
    rec(STEPS, "2026-03-29 11:00:00 +0100", "2026-03-29 11:05:00 +0100", 9, unit="km"),  # skipped
    rec(RHR, "2026-03-28 00:00:00 +0000", "2026-03-28 23:59:00 +0000", 55),
    rec(RHR, "2026-03-28 00:00:00 +0000", "2026-03-28 23:59:00 +0000", 57),
    rec(SDNN, "2026-03-28 03:00:00 +0000", "2026-03-28 03:01:00 +0000", 45),
    rec(SLEEP, "2026-03-28 23:00:00 +0000", "2026-03-29 07:00:00 +0100",
        "HKCategoryValueSleepAnalysisAsleepCore"),
]
STEP = ('<Record type="HKQuantityTypeIdentifierStepCount" sourceName="Watch" unit="count" '
        'startDate="2026-03-28 10:00:00 +0000" endDate="2026-03-28 10:10:00 +0000" '
        'value="{value}"/>')
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<HealthData>""" + STEP.format(value="&lol3;") + "</HealthData>\n"


def apple_xml(records: list[str] = RECORDS) -> bytes:
    return (HEADER + "\n".join(records) + "\n</HealthData>\n").encode()


def zipped(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def apple_zip(records: list[str] = RECORDS) -> bytes:
    return zipped({"apple_health_export/export.xml": apple_xml(records),
                   "apple_health_export/export_cda.xml": "<ClinicalDocument/>"})


def bomb_zip() -> bytes:
    """20 MB of spaces in a genuine-looking export: it compresses about 1000 times."""
    good = f'<?xml version="1.0"?>\n<HealthData>{STEP.format(value=1000)}</HealthData>\n'
    bomb = good.replace("</HealthData>", "<!--" + " " * 20_000_000 + "--></HealthData>")
    return zipped({"apple_health_export/export.xml": bomb})


def uploaded(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
