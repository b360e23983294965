"""Garmin FIT monitoring files (the watch's all-day "wellness" files) to daily steps and
resting heart rate, read with fitdecode.

Which files: a FIT file whose `file_id.type` is monitoring_a (15), monitoring_daily (28) or
monitoring_b (32). Other FIT files (activities, settings, sleep) are counted as skipped and
not read further. Every FIT file is checked whole (header, records and both CRCs), and a
truncated or damaged one is refused with a DataError naming it.

Which day. FIT times are UTC seconds since 1989-12-31 00:00 UTC. The local offset is
`monitoring_info.local_timestamp - timestamp` (rounded to 15 minutes), taken from the latest
`monitoring_info` before each message in the file, so a file spanning a DST change or travel
follows the watch's clock. A message before any `monitoring_info` has no local time and is
skipped. Monitoring times mark the end of what they describe, so a value is dated by the
local date of the second before its time: a count stamped 00:00:00 closes the day before.
`timestamp_16` (the low 16 bits of the time) is resolved against the file's latest full time.

Steps. Monitoring `cycles` are steps for the walking and running activity types (the FIT
profile's `steps` subfield; cycling and swimming cycles are not steps). They are cumulative
per activity type and restart at local midnight. For each device, local day and activity
type the counts are taken in time order; a count below the one before (the watch restarted)
starts a new run, and the day's count is the sum of each run's highest count. A device's
daily steps are the sum over walking and running. Where several devices (serial numbers) have
steps on the same day, the one that counted more is taken and the others are counted as
skipped (`fit_other_device`): two devices worn together count the same steps. Steps given
only as 16-bit `cycles_16` (some older trackers) are not read and are counted as skipped.

Resting heart rate: `monitoring_hr_data.current_day_resting_heart_rate` (Garmin's resting
heart rate for that day), the latest of the day. Its `resting_heart_rate` is a 7-day rolling
average, a different measure, and is not used. Nothing is derived from heart-rate samples.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from nof1.exceptions import DataError

FIT_EPOCH = dt.datetime(1989, 12, 31)  # UTC; FIT times are seconds since then
_MIN_CLOCK = 0x10000000  # smaller times count from device power-on, not a real clock
_MAX_OFFSET = 15 * 3600
_MONITORING_FILES = {15: "monitoring_a", 28: "monitoring_daily", 32: "monitoring_b"}
_STEP_TYPES = {1, 6}  # running, walking: the activity types whose cycles are steps
_FILE_ID, _MONITORING, _MONITORING_INFO, _MONITORING_HR = 0, 55, 103, 211


def is_fit(data: bytes) -> bool:
    """A FIT file starts with a header of 12 or 14 bytes holding ".FIT" at bytes 8-11."""
    return len(data) >= 12 and data[8:12] == b".FIT"


@dataclass
class FitMonitoring:
    """Monitoring samples gathered over any number of FIT files; `daily()` sums them up."""

    # (device, local day, activity type) -> [(UTC time, order read, cumulative steps)]
    steps: dict[tuple[str, str, int], list[tuple[int, int, int]]] = field(
        default_factory=lambda: defaultdict(list))
    # local day -> [(UTC time, order read, bpm)]
    resting_hr: dict[str, list[tuple[int, int, int]]] = field(
        default_factory=lambda: defaultdict(list))
    devices: set[str] = field(default_factory=set)
    files_used: int = 0
    records_used: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    _order: int = 0

    def read(self, data: bytes, where: str) -> None:
        """Adds one FIT file's monitoring samples. Refuses a truncated or damaged file whole:
        nothing of it is added then."""
        import fitdecode

        found = FitMonitoring()
        found._order = self._order
        try:
            with fitdecode.FitReader(io.BytesIO(data), processor=None,
                                     check_crc=fitdecode.CrcCheck.RAISE,
                                     error_handling=fitdecode.ErrorHandling.RAISE) as fit:
                headers = found._read_frames(fit)
        except (fitdecode.FitError, struct.error, ValueError, KeyError, IndexError,
                TypeError, AssertionError) as exc:
            raise DataError(
                f"not a readable FIT file ({type(exc).__name__}: {exc}); it may be truncated "
                "or damaged: copy it from the device or export again",
                source=where) from None
        if not headers:
            raise DataError("not a readable FIT file: it is empty", source=where)
        for key, samples in found.steps.items():
            self.steps[key].extend(samples)
        for day, readings in found.resting_hr.items():
            self.resting_hr[day].extend(readings)
        self.devices |= found.devices
        self.files_used += found.files_used
        self.records_used += found.records_used
        self.skipped.update(found.skipped)
        self._order = found._order

    def _read_frames(self, fit: Any) -> int:
        import fitdecode

        headers = 0
        device = "unknown device"
        offset: int | None = None
        last_time: int | None = None
        monitoring = False
        for frame in fit:
            if isinstance(frame, fitdecode.FitHeader):
                headers += 1  # chained FIT files: each starts with a file_id again
                offset, last_time, monitoring = None, None, False
                continue
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            number = frame.global_mesg_num
            time = _value(frame, 253)
            if isinstance(time, int) and time >= _MIN_CLOCK:
                last_time = time
            if number == _FILE_ID:
                kind = _value(frame, 0)
                if kind not in _MONITORING_FILES:
                    self.skipped["fit_not_monitoring"] += 1
                    return max(headers, 1)  # activities and others are not read further
                monitoring = True
                self.files_used += 1
                device = _device(frame)
                self.devices.add(device)
                continue
            if not monitoring:
                continue
            if number == _MONITORING_INFO:
                local = _value(frame, 0)
                offset = None
                if isinstance(time, int) and isinstance(local, int):
                    offset = round((local - time) / 900) * 900
                    if abs(offset) > _MAX_OFFSET:
                        offset = None
                continue
            if number == _MONITORING:
                if time is None:  # timestamp_16: the low 16 bits of the time
                    short = _value(frame, 26)
                    if isinstance(short, int) and last_time is not None:
                        time = last_time = last_time + ((short - last_time) & 0xFFFF)
                kind, count = _value(frame, 5), _value(frame, 3)
                if kind in _STEP_TYPES and count is None and _value(frame, 9) is not None:
                    self.skipped["fit_cycles_16"] += 1  # 16-bit counts: not read
                if kind not in _STEP_TYPES or not isinstance(count, int):
                    continue  # heart-rate samples, intensity, other activity types
            elif number == _MONITORING_HR:
                kind, count = None, _value(frame, 1)
                if not isinstance(count, int) or count <= 0:
                    continue
            else:
                continue
            if not isinstance(time, int) or time < _MIN_CLOCK:
                self.skipped["fit_no_clock"] += 1
                continue
            if offset is None:
                self.skipped["fit_no_local_time"] += 1
                continue
            day = local_day(time, offset)
            self._order += 1
            if kind is None:
                self.resting_hr[day].append((time, self._order, count))
            else:
                self.steps[(device, day, int(kind))].append((time, self._order, count))
            self.records_used += 1
        return headers

    def daily(self) -> tuple[dict[str, float], dict[str, float], int]:
        """Steps and resting heart rate per local day, and how many device-days of steps
        were left out because another device counted more that day."""
        per_device: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (device, day, _kind), samples in self.steps.items():
            per_device[day][device] += day_count(samples)
        steps: dict[str, float] = {}
        others = 0
        for day, counts in per_device.items():
            best = max(sorted(counts), key=lambda device: counts[device])
            steps[day] = float(counts[best])
            others += len(counts) - 1
        resting = {day: float(max(readings)[2]) for day, readings in self.resting_hr.items()}
        return steps, resting, others


def local_day(time: int, offset: int) -> str:
    """The local date of the second before `time` (FIT seconds, UTC) at `offset` seconds."""
    return (FIT_EPOCH + dt.timedelta(seconds=time + offset - 1)).date().isoformat()


def day_count(samples: list[tuple[int, int, int]]) -> int:
    """Cumulative counts of one day and activity type: the sum of each run's highest count,
    a run ending where the count falls (the counter restarted)."""
    total, previous, peak = 0, -1, 0
    for _time, _order, count in sorted(samples):
        if count < previous:
            total += peak
            peak = 0
        peak = max(peak, count)
        previous = count
    return total + peak


def _value(message: Any, number: int) -> Any:
    """A field's raw value by its number (None when absent or invalid); fitdecode renders
    enums to names, so raw values are used throughout."""
    for found in message.fields:
        if found.def_num == number and not getattr(found.field_def, "is_dev", False):
            return found.raw_value
    return None


def _device(message: Any) -> str:
    serial = _value(message, 3)
    product = None
    for found in message.fields:
        if found.def_num == 2 and found.value is not None:
            product = found.value
    name = f"Garmin {product}" if product is not None else "Garmin device"
    return f"{name} (serial {serial})" if serial is not None else name
