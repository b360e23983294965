"""A minimal FIT encoder for the tests: Garmin monitoring files built byte by byte.

Shared by tests/core (the importer's rules) and tests/web (the upload page). `berlin_week()`
is a watch's monitoring file for Berlin, 28-30 March 2026, across the change to summer time;
`BERLIN` holds the daily steps it must give.
"""

from __future__ import annotations

import datetime as dt
import struct

EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)

# ---- a minimal FIT encoder -------------------------------------------------------------

_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)
_TYPES = {"enum": (0x00, "B"), "uint8": (0x02, "B"), "uint16": (0x84, "H"),
          "uint32": (0x86, "I"), "uint32z": (0x8C, "I")}
WALKING, RUNNING, CYCLING = 6, 1, 2


def fit_crc(data: bytes, crc: int = 0) -> int:
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ _CRC_TABLE[nibble]
    return crc


def fit_time(utc: str) -> int:
    return int((dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC) - EPOCH).total_seconds())


class FitWriter:
    """Writes definition and data messages (little-endian) into one FIT file."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.formats: dict[int, str] = {}

    def define(self, local: int, message: int, fields: list[tuple[int, str]]) -> FitWriter:
        self.body += struct.pack("<BBBHB", 0x40 | local, 0, 0, message, len(fields))
        for number, kind in fields:
            base, fmt = _TYPES[kind]
            self.body += struct.pack("<BBB", number, struct.calcsize(fmt), base)
        self.formats[local] = "<" + "".join(_TYPES[kind][1] for _, kind in fields)
        return self

    def data(self, local: int, *values: int, time_offset: int | None = None) -> FitWriter:
        header = local if time_offset is None else 0x80 | (local << 5) | (time_offset & 0x1F)
        self.body += bytes([header]) + struct.pack(self.formats[local], *values)
        return self

    def file(self) -> bytes:
        head = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        head += struct.pack("<H", fit_crc(head))
        data = head + bytes(self.body)
        return data + struct.pack("<H", fit_crc(data))


def monitoring_file(serial: int = 111, file_type: int = 32) -> FitWriter:
    """file_id, then local messages: 1 monitoring_info, 2 monitoring (time, type, cycles),
    3 monitoring (timestamp_16, heart rate), 4 monitoring (timestamp_16, type, cycles),
    5 monitoring_hr_data (7-day and today's resting heart rate)."""
    return (FitWriter()
            .define(0, 0, [(0, "enum"), (1, "uint16"), (2, "uint16"), (3, "uint32z")])
            .data(0, file_type, 1, 3906, serial)
            .define(1, 103, [(253, "uint32"), (0, "uint32")])
            .define(2, 55, [(253, "uint32"), (5, "enum"), (3, "uint32")])
            .define(3, 55, [(26, "uint16"), (27, "uint8")])
            .define(4, 55, [(26, "uint16"), (5, "enum"), (3, "uint32")])
            .define(5, 211, [(253, "uint32"), (0, "uint8"), (1, "uint8")]))


def info(fit: FitWriter, utc: str, offset_hours: int) -> None:
    fit.data(1, fit_time(utc), fit_time(utc) + offset_hours * 3600)


def steps(fit: FitWriter, utc: str, kind: int, count: int) -> None:
    fit.data(2, fit_time(utc), kind, count)


def berlin_week() -> bytes:
    """Berlin, 28-30 March 2026; clocks go from UTC+1 to UTC+2 at 01:00 UTC on the 29th."""
    fit = monitoring_file()
    info(fit, "2026-03-28 08:00", +1)
    steps(fit, "2026-03-28 10:00", WALKING, 1000)
    steps(fit, "2026-03-28 15:00", WALKING, 3000)
    fit.define(0, 55, [(5, "enum"), (3, "uint32")])  # for a compressed-time header
    fit.data(0, WALKING, 3100, time_offset=(fit_time("2026-03-28 15:00") + 20) & 0x1F)
    fit.data(3, fit_time("2026-03-28 15:05") & 0xFFFF, 72)  # a heart-rate sample
    steps(fit, "2026-03-28 16:00", RUNNING, 500)
    steps(fit, "2026-03-28 16:30", RUNNING, 1500)
    steps(fit, "2026-03-28 17:00", CYCLING, 9000)  # pedal cycles are not steps
    steps(fit, "2026-03-28 23:00", WALKING, 3200)  # 00:00 local: closes the 28th
    steps(fit, "2026-03-28 23:15", WALKING, 40)  # the count restarted at midnight
    info(fit, "2026-03-29 01:00", +2)  # summer time
    fit.data(4, fit_time("2026-03-29 09:00") & 0xFFFF, WALKING, 2000)
    fit.data(5, fit_time("2026-03-29 10:00"), 61, 58)
    steps(fit, "2026-03-29 12:00", WALKING, 300)  # the watch restarted: a new run
    steps(fit, "2026-03-29 18:00", WALKING, 1200)
    fit.data(5, fit_time("2026-03-29 20:00"), 60, 55)  # the day's latest resting rate
    steps(fit, "2026-03-29 22:30", WALKING, 77)  # 00:30 summer time: the 30th
    return fit.file()


BERLIN = {"2026-03-28": 3200 + 1500, "2026-03-29": 2000 + 1200, "2026-03-30": 77}
