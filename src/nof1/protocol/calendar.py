"""Reminders for the participant's own calendar app, as an iCalendar (.ics) file.

Built from a `Schedule` only, never from the allocation, so the file can be shared with
blinded people: it says when to start a kit, how many capsules to take and when the diary
and questionnaires are due, and nothing about arms or doses. Every text is checked against
the protocol's blinding rules before the file is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from nof1.exceptions import ProtocolError
from nof1.protocol.model import Protocol
from nof1.protocol.schedule import Schedule

__all__ = ["calendar_bytes", "write_calendar"]

# Design choice: an evening diary reminder, so the day's ratings cover the whole day.
DEFAULT_REMINDER = time(19, 0)


@dataclass(frozen=True)
class _Entry:
    key: str  # stable part of the UID
    summary: str
    description: str
    day: date


def calendar_bytes(
    schedule: Schedule,
    protocol: Protocol,
    *,
    participant: str | None = None,
    reminder: time = DEFAULT_REMINDER,
    stamp: datetime | None = None,
) -> bytes:
    """The schedule's reminders as iCalendar bytes: one recurring daily diary reminder, a
    kit-start event on each period's first day (and each change of capsules or pack), weekly
    questionnaire reminders and an end-of-period reminder to record the blinding guess.

    `protocol` is used only to check that no text reveals an arm; `stamp` (DTSTAMP, default
    now) is fixed in tests so the output is reproducible."""
    stamp = stamp or datetime.now(UTC)
    uid = _uid_prefix(participant)
    cal = Calendar()
    cal.add("prodid", "-//nof1//trial schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _name(schedule, participant))

    diary = Event()
    items = ", ".join(label for _, label in schedule.daily_items)
    diary.add("uid", f"{uid}-diary@nof1")
    diary.add("dtstamp", stamp)
    diary.add("dtstart", datetime.combine(schedule.start, reminder))  # floating: local time
    diary.add("duration", timedelta(minutes=10))
    diary.add("rrule", {"freq": "daily", "count": len(schedule)})
    diary.add("summary", "Daily diary")
    diary.add("description", f"Rate today in your diary: {items}. It takes under a minute.")
    diary.add_component(_alarm("Daily diary"))
    cal.add_component(diary)

    for entry in _entries(schedule):
        event = Event()
        event.add("uid", f"{uid}-{entry.key}@nof1")
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy appointment
        event.add_component(_alarm(entry.summary, at=reminder))
        cal.add_component(event)

    data: bytes = cal.to_ical()
    # Long lines are folded ("\r\n "); unfold so no word escapes the check by being split.
    leaks = protocol.blinding_leaks(data.replace(b"\r\n ", b"").decode("utf-8"))
    if leaks:  # only reachable through a participant id or kit code that names an arm
        raise ProtocolError(f"the calendar would reveal the allocation ({', '.join(leaks)})")
    return data


def write_calendar(
    path: str | Path,
    schedule: Schedule,
    protocol: Protocol,
    *,
    participant: str | None = None,
    reminder: time = DEFAULT_REMINDER,
    stamp: datetime | None = None,
) -> Path:
    """Write `calendar_bytes(...)` to `path` (conventionally ending in .ics)."""
    path = Path(path)
    data = calendar_bytes(
        schedule, protocol, participant=participant, reminder=reminder, stamp=stamp
    )
    path.write_bytes(data)
    return path


def _entries(schedule: Schedule) -> list[_Entry]:
    entries: list[_Entry] = []
    when = f" {schedule.timing}" if schedule.timing else ""
    for step in schedule.steps:
        count = _capsules(step.capsules)
        pack = f", pack {step.step}" if schedule.packs_by_step else ""
        if step.step == 1:
            summary = f"Start kit {step.kit}"
            text = (
                f"Period {step.period} starts today. From kit {step.kit}{pack}, take {count}{when}."
            )
        else:
            summary = f"Kit {step.kit}: " + (
                f"start pack {step.step}" if schedule.packs_by_step else f"{count} from today"
            )
            text = f"From today take {count}{when} from kit {step.kit}{pack}."
        entries.append(_Entry(f"kit-{step.period}-{step.step}", summary, text, step.first))
    if schedule.weekly_items:
        labels = ", ".join(label for _, label in schedule.weekly_items)
        for day in schedule.days:
            if any(item in day.due for item, _ in schedule.weekly_items):
                text = f"Fill in this week's questionnaire in your diary: {labels}."
                entries.append(_Entry(f"weekly-{day.day}", "Weekly questionnaire", text, day.date))
    extra = ", ".join(label for _, label in schedule.period_items)
    for span in schedule.periods:
        text = (
            f"Period {span.period} ends today. In your diary, record your guess about what "
            f"kit {span.kit} held." + (f" Also fill in: {extra}." if extra else "")
        )
        summary = f"Period {span.period} ends: record your guess"
        entries.append(_Entry(f"period-end-{span.period}", summary, text, span.last))
    return entries


def _capsules(n: int) -> str:
    return f"{n} capsule a day" if n == 1 else f"{n} capsules a day"


def _alarm(text: str, at: time | None = None) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    # All-day events start at midnight; the alarm fires at the reminder time that day.
    offset = timedelta(hours=at.hour, minutes=at.minute) if at is not None else timedelta(0)
    alarm.add("trigger", offset)
    return alarm


def _uid_prefix(participant: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", participant or "trial").strip("-") or "trial"


def _name(schedule: Schedule, participant: str | None) -> str:
    return f"{schedule.title} ({participant})" if participant else schedule.title
