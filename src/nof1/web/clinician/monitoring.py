"""What the monitoring dashboard shows, computed from the blinded daily table and the diary.

Nothing here knows the allocation: the table comes from `daily_table(...,
after_unblinding=False)` (no arm, no dose) and the diary rows hold what the participant
entered. Safety alerts come from the core's stopping rules (`nof1.safety`) wherever the diary
records an event they understand; everything else is listed for the clinician to read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from nof1.protocol import Protocol
from nof1.safety import Action, Event, evaluate_stopping_rules, lookup_medicine
from nof1.web.diary.models import DiaryEntry, DoseTaken, EntryStatus

GAP_ALERT_DAYS = 3  # this many days in a row without any entry is worth a call
NOTES_SHOWN = 30


@dataclass(frozen=True)
class Completion:
    """Diary days so far. Today counts only once it is logged: it is not missed yet."""

    due: int
    logged: int
    too_unwell: int
    missing_days: tuple[dt.date, ...]
    logged_today: bool
    gap: int  # days in a row, up to yesterday, with no entry at all

    @property
    def missing(self) -> int:
        return len(self.missing_days)

    @property
    def percent(self) -> int | None:
        return None if self.due == 0 else round(100 * self.logged / self.due)


@dataclass(frozen=True)
class Adherence:
    """Answers to "did you take today's capsules?" on entered days of the periods."""

    yes: int
    no: int
    unsure: int

    @property
    def answered(self) -> int:
        return self.yes + self.no + self.unsure


@dataclass(frozen=True)
class SideEffectCount:
    id: str
    label: str
    days: int
    last: dt.date | None


@dataclass(frozen=True)
class MedicineFlag:
    """A medicine in the diary's "other medicines" note that the medicines table knows."""

    day: dt.date
    typed: str
    message: str
    rule: str
    source: str


@dataclass(frozen=True)
class Monitoring:
    completion: Completion
    adherence: Adherence
    side_effects: tuple[SideEffectCount, ...]
    crash_days: int
    alerts: tuple[Action, ...]
    medicines: tuple[MedicineFlag, ...]
    notes: tuple[DiaryEntry, ...]  # entries with an "anything new" note, newest first
    notes_total: int


def completion(table: pd.DataFrame, today: dt.date) -> Completion:
    dates = [d.date() for d in pd.to_datetime(table["date"])]
    status = list(table["diary"])
    due = logged = unwell = 0
    missing: list[dt.date] = []
    logged_today = False
    for day, state in zip(dates, status, strict=True):
        if day > today:
            break
        if day == today:
            logged_today = state != "missing"
            if not logged_today:
                continue
        due += 1
        if state == EntryStatus.COMPLETE:
            logged += 1
        elif state == EntryStatus.TOO_UNWELL:
            unwell += 1
        else:
            missing.append(day)
    gap = 0
    yesterday = today - dt.timedelta(days=1)
    while yesterday - dt.timedelta(days=gap) in missing:
        gap += 1
    return Completion(due, logged, unwell, tuple(missing), logged_today, gap)


def adherence(entries: Iterable[DiaryEntry], period_days: set[dt.date]) -> Adherence:
    counts = Counter(e.dose_taken for e in entries if e.day in period_days)
    return Adherence(counts[DoseTaken.YES], counts[DoseTaken.NO], counts[DoseTaken.UNKNOWN])


def side_effects(protocol: Protocol, entries: Iterable[DiaryEntry]) -> tuple[SideEffectCount, ...]:
    days: Counter[str] = Counter()
    last: dict[str, dt.date] = {}
    for entry in entries:
        for item in entry.side_effects:
            days[item] += 1
            last[item] = max(last.get(item, entry.day), entry.day)
    return tuple(
        SideEffectCount(event.id, event.label, days[event.id], last.get(event.id))
        for event in protocol.adverse_events
    )


def medicine_events(entries: Iterable[DiaryEntry]) -> tuple[list[Event], list[MedicineFlag]]:
    """Opioid use the diary records (as stopping-rule events) and every known medicine named.

    Only what the medicines table recognises becomes an event: a "current-opioid" match is an
    opioid taken. Names it does not know are left in the notes for the clinician to read.
    """
    events: list[Event] = []
    flags: list[MedicineFlag] = []
    for entry in entries:
        note = entry.other_medicines.strip()
        if not note:
            continue
        matches = lookup_medicine(note)
        for match in matches:
            flags.append(MedicineFlag(entry.day, note, match.message, match.rule.id, match.source))
        if any(match.rule.id == "current-opioid" for match in matches):
            events.append(Event(kind="opioid-use", date=entry.day, details=f"diary: {note}"[:200]))
    return events, flags


def monitor(
    protocol: Protocol, table: pd.DataFrame, entries: list[DiaryEntry], today: dt.date
) -> Monitoring:
    """Everything the dashboard lists, from the blinded table and the diary entries."""
    dates = [d.date() for d in pd.to_datetime(table["date"])]
    in_periods = {day for day, p in zip(dates, table["period"], strict=True) if int(p) > 0}
    events, flags = medicine_events(entries)
    alerts = evaluate_stopping_rules(events, rules=protocol.eligibility)
    with_notes = [e for e in entries if e.other_medicines or e.infection or e.menstrual_period]
    with_notes.sort(key=lambda e: e.day, reverse=True)
    return Monitoring(
        completion=completion(table, today),
        adherence=adherence(entries, in_periods),
        side_effects=side_effects(protocol, entries),
        crash_days=sum(1 for e in entries if e.crash_today),
        alerts=tuple(reversed(alerts)),  # newest first
        medicines=tuple(sorted(flags, key=lambda f: f.day, reverse=True)),
        notes=tuple(with_notes[:NOTES_SHOWN]),
        notes_total=len(with_notes),
    )
