"""Apple Health import: throughput and peak memory on a synthetic export of about 1 GB.

Targets (issue 6): at least 50 MB/s and a peak resident set under 500 MB. The export is
written in a temporary folder, streamed (never held in memory), with the mix of a real
Watch + iPhone export: step records from both devices for the same walks, heart-rate
records (the bulk of a real export, read and ignored), daily resting HR, HRV and sleep
stages, many with a MetadataEntry child. Peak RSS is the process high-water mark from
`resource.getrusage` (kilobytes on Linux), taken in a fresh child process so that the
generator's memory does not count.

Usage: `python benchmarks/bench_wearables.py [--mb 1000]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import check, machine_info, print_targets, progress, write_results

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-11-01 08:00:00 +0000"/>
 <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""
WATCH = ('sourceName="Ann&#8217;s Apple Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice: '
         '0x28{n:07x}&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, '
         'hardware:Watch6,1, software:10.1&gt;"')
PHONE = ('sourceName="Ann&#8217;s iPhone" sourceVersion="17.1" device="&lt;&lt;HKDevice: '
         '0x29{n:07x}&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, '
         'hardware:iPhone14,2, software:17.1&gt;"')


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S %z")


def record(kind: str, who: str, unit: str, start: dt.datetime, end: dt.datetime,
           value: str, meta: str = "") -> str:
    head = (f' <Record type="{kind}" {who} unit="{unit}" creationDate="{_stamp(end)}" '
            f'startDate="{_stamp(start)}" endDate="{_stamp(end)}" value="{value}"')
    if not meta:
        return head + "/>\n"
    return head + f">\n  {meta}\n </Record>\n"


def day_of_records(day: dt.date, n: int) -> list[str]:
    """One day: 96 walks seen by Watch and iPhone, 600 heart rates, RHR, HRV, a night."""
    zone = dt.timezone(dt.timedelta(hours=1))
    base = dt.datetime.combine(day, dt.time(), zone)
    meta = '<MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>'
    out = []
    for i in range(96):
        start = base + dt.timedelta(minutes=15 * i)
        end = start + dt.timedelta(minutes=7)
        out.append(record("HKQuantityTypeIdentifierStepCount", WATCH.format(n=n + i), "count",
                          start, end, "50"))
        out.append(record("HKQuantityTypeIdentifierStepCount", PHONE.format(n=n + i), "count",
                          start, end, "48"))
    for i in range(600):
        start = base + dt.timedelta(seconds=144 * i)
        out.append(record("HKQuantityTypeIdentifierHeartRate", WATCH.format(n=n + i),
                          "count/min", start, start, str(60 + i % 30), meta))
    out.append(record("HKQuantityTypeIdentifierRestingHeartRate", WATCH.format(n=n),
                      "count/min", base, base + dt.timedelta(hours=23, minutes=59), "58"))
    out.append(record("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", WATCH.format(n=n),
                      "ms", base + dt.timedelta(hours=3), base + dt.timedelta(hours=3), "42.5",
                      meta))
    night = base - dt.timedelta(hours=1)
    for stage in ("AsleepCore", "AsleepDeep", "AsleepREM", "AsleepCore"):
        out.append(record("HKCategoryTypeIdentifierSleepAnalysis", WATCH.format(n=n), "",
                          night, night + dt.timedelta(hours=2),
                          f"HKCategoryValueSleepAnalysis{stage}").replace(' unit=""', ""))
        night += dt.timedelta(hours=2)
    return out


def write_export(path: Path, megabytes: float) -> int:
    """Write days until the file reaches `megabytes`; returns the number of days."""
    target = megabytes * 1e6
    day, days = dt.date(2020, 1, 1), 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        while out.tell() < target:
            out.write("".join(day_of_records(day, days * 1000)))
            day += dt.timedelta(days=1)
            days += 1
        out.write("</HealthData>\n")
    return days


CHILD = """
import datetime as dt, json, resource, sys, time
from nof1.wearables import import_apple_health
start = time.perf_counter()
result = import_apple_health(sys.argv[1], imported_at=dt.datetime.now(dt.UTC))
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024,
                  "days": len(result.daily), "records_used": result.provenance.records_used,
                  "steps_first_day": float(result.daily["steps"].iloc[1])}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1000.0, help="size of the export in MB")
    parser.add_argument("--no-write", action="store_true", help="print, do not store results")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nof1-bench-wearables-") as folder:
        path = Path(folder) / "export.xml"
        progress(f"wearables: writing a synthetic export of {args.mb:g} MB")
        start = time.perf_counter()
        days = write_export(path, args.mb)
        size_mb = path.stat().st_size / 1e6
        progress(f"wearables: {size_mb:.0f} MB, {days} days, written in "
                 f"{time.perf_counter() - start:.0f} s; importing")
        run = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                             text=True, env=os.environ.copy())
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return 1
        found = json.loads(run.stdout.splitlines()[-1])
    mb_per_s = size_mb / found["seconds"]
    targets = {
        "apple_import_mb_per_s": check(mb_per_s, 50.0, at_most=False),
        "apple_import_peak_rss_mb": check(found["peak_rss_mb"], 500.0, at_most=True),
    }
    payload = {
        "benchmark": "wearables",
        "machine": machine_info(),
        "call": "nof1.wearables.import_apple_health(export.xml) in a fresh process",
        "export_mb": size_mb,
        "days": days,
        "records_used": found["records_used"],
        "seconds": found["seconds"],
        "mb_per_s": mb_per_s,
        "peak_rss_mb": found["peak_rss_mb"],
        "targets": targets,
    }
    if found["days"] != days or abs(found["steps_first_day"] - 96 * 50) > 1e-6:
        print(f"wrong answer: {found}", file=sys.stderr)
        return 1
    if not args.no_write:
        write_results("wearables", payload)
    print_targets(targets, prefix="wearables ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
