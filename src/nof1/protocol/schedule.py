"""The participant's trial, day by day: dates, kits, capsules and what the diary asks for.

A `Schedule` is what blinded people (participant, clinician) may see, so it is built without
the allocation and holds no arm, dose or the word placebo: only kit codes, dates, capsule
counts (the same in every arm by the protocol's own rules) and the diary items due.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from nof1.exceptions import ProtocolError
from nof1.protocol.model import Protocol

__all__ = ["BLINDING_GUESS", "KitStep", "PeriodSpan", "Schedule", "ScheduleDay", "build_schedule"]

# The diary item on each period's last day: the participant's guess of what the period was.
BLINDING_GUESS = "blinding_guess"
WEEK = 7

Phase = Literal["run-in", "period"]


@dataclass(frozen=True)
class ScheduleDay:
    date: date
    day: int  # 1 = first day of the trial (first run-in day)
    phase: Phase
    period: int | None  # 1-based; None in the run-in
    block: int | None  # the pair (two arms) or block the period belongs to
    day_of_period: int | None
    kit: str | None
    pack: int | None  # which pack of the kit, when kits are packed one pack per step
    capsules: int  # capsules to take today (0 in the run-in)
    due: tuple[str, ...]  # outcome ids due today, and BLINDING_GUESS on a period's last day

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "date": self.date.isoformat(),
            "day": self.day,
            "phase": self.phase,
            "period": self.period,
            "block": self.block,
            "day_of_period": self.day_of_period,
            "kit": self.kit,
            "pack": self.pack,
            "capsules": self.capsules,
            "due": " ".join(self.due),
        }


@dataclass(frozen=True)
class PeriodSpan:
    period: int
    block: int
    kit: str
    first: date
    last: date
    analysed_from: date  # first day after the analytic washout


@dataclass(frozen=True)
class KitStep:
    """A stretch of a period with one capsule count (and one pack, if packed by step)."""

    period: int
    block: int
    kit: str
    step: int  # 1-based titration step; the pack number when kits are packed by step
    first_day: int  # day of period
    last_day: int
    first: date
    last: date
    capsules: int  # per day

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1


@dataclass(frozen=True)
class Schedule:
    """Every day of one participant's trial, plus what the calendar and sheets need to say."""

    title: str
    start: date
    days: tuple[ScheduleDay, ...]
    periods: tuple[PeriodSpan, ...]
    steps: tuple[KitStep, ...]
    block_word: str  # "pair" or "block"
    packs_by_step: bool
    timing: str  # when in the day to take the capsules, e.g. "at bedtime"
    daily_items: tuple[tuple[str, str], ...]  # (outcome id, label)
    weekly_items: tuple[tuple[str, str], ...]
    period_items: tuple[tuple[str, str], ...]
    run_in_days: int

    def __iter__(self) -> Iterator[ScheduleDay]:
        return iter(self.days)

    def __len__(self) -> int:
        return len(self.days)

    @property
    def end(self) -> date:
        return self.days[-1].date

    @property
    def kits(self) -> tuple[str, ...]:
        return tuple(span.kit for span in self.periods)

    def on(self, when: date) -> ScheduleDay:
        """The schedule for one calendar date."""
        index = (when - self.start).days
        if not 0 <= index < len(self.days):
            raise KeyError(f"{when.isoformat()} is outside the trial ({self.start} to {self.end})")
        return self.days[index]


def build_schedule(protocol: Protocol, start: date, kit_codes: Sequence[str]) -> Schedule:
    """The day-by-day schedule from the first run-in day `start`, with `kit_codes` in period
    order (kit_codes[0] is taken in period 1)."""
    kits = _checked_kits(protocol, kit_codes)
    design = protocol.design
    arms = len(protocol.arms)
    daily = tuple(o.id for o in protocol.outcomes_by_frequency("daily"))
    weekly = tuple(o.id for o in protocol.outcomes_by_frequency("weekly"))
    per_period = tuple(o.id for o in protocol.outcomes_by_frequency("per-period"))
    days: list[ScheduleDay] = []
    for day in range(1, protocol.total_days + 1):
        when = start + timedelta(days=day - 1)
        due = daily + (weekly if day % WEEK == 0 else ())
        if day <= design.run_in_days:
            days.append(ScheduleDay(when, day, "run-in", None, None, None, None, None, 0, due))
            continue
        offset = day - design.run_in_days - 1
        period, day_of_period = offset // design.period_days + 1, offset % design.period_days + 1
        if day_of_period == design.period_days:
            due += (*per_period, BLINDING_GUESS)
        step = protocol.step_index(day_of_period)
        days.append(
            ScheduleDay(
                date=when,
                day=day,
                phase="period",
                period=period,
                block=(period - 1) // arms + 1,
                day_of_period=day_of_period,
                kit=kits[period - 1],
                pack=step + 1 if protocol.packs_by_step else None,
                capsules=protocol.capsules_on(day_of_period),
                due=due,
            )
        )
    return Schedule(
        title=protocol.title,
        start=start,
        days=tuple(days),
        periods=_periods(protocol, start, kits),
        steps=_steps(protocol, start, kits),
        block_word=protocol.block_word,
        packs_by_step=protocol.packs_by_step,
        timing=protocol.drug.timing,
        daily_items=tuple((o.id, o.label) for o in protocol.outcomes_by_frequency("daily")),
        weekly_items=tuple((o.id, o.label) for o in protocol.outcomes_by_frequency("weekly")),
        period_items=tuple((o.id, o.label) for o in protocol.outcomes_by_frequency("per-period")),
        run_in_days=design.run_in_days,
    )


def _period_start(protocol: Protocol, start: date, period: int) -> date:
    offset = protocol.design.run_in_days + (period - 1) * protocol.design.period_days
    return start + timedelta(days=offset)


def _periods(protocol: Protocol, start: date, kits: Sequence[str]) -> tuple[PeriodSpan, ...]:
    design, arms = protocol.design, len(protocol.arms)
    spans = []
    for period, kit in enumerate(kits, start=1):
        first = _period_start(protocol, start, period)
        spans.append(
            PeriodSpan(
                period=period,
                block=(period - 1) // arms + 1,
                kit=kit,
                first=first,
                last=first + timedelta(days=design.period_days - 1),
                analysed_from=first + timedelta(days=design.washout_days),
            )
        )
    return tuple(spans)


def _steps(protocol: Protocol, start: date, kits: Sequence[str]) -> tuple[KitStep, ...]:
    arms = len(protocol.arms)
    steps = []
    for period, kit in enumerate(kits, start=1):
        first = _period_start(protocol, start, period)
        for index, (_, capsules) in enumerate(protocol.capsule_schedule):
            first_day, last_day = protocol.step_days(index)
            steps.append(
                KitStep(
                    period=period,
                    block=(period - 1) // arms + 1,
                    kit=kit,
                    step=index + 1,
                    first_day=first_day,
                    last_day=last_day,
                    first=first + timedelta(days=first_day - 1),
                    last=first + timedelta(days=last_day - 1),
                    capsules=capsules,
                )
            )
    return tuple(steps)


def _checked_kits(protocol: Protocol, kit_codes: Sequence[str]) -> tuple[str, ...]:
    if isinstance(kit_codes, str):
        raise ProtocolError("kit codes must be a list with one code per period, not one string")
    kits = tuple(str(code).strip() for code in kit_codes)
    if len(kits) != protocol.period_count:
        raise ProtocolError(
            f"the protocol has {protocol.period_count} periods but {len(kits)} kit codes were "
            "given; give one kit code per period, in period order"
        )
    if any(not code for code in kits):
        raise ProtocolError("a kit code is empty")
    repeated = sorted({code for code in kits if kits.count(code) > 1})
    if repeated:
        raise ProtocolError(
            f"kit codes must differ between periods; repeated: {', '.join(repeated)}"
        )
    for code in kits:
        if protocol.blinding_leaks(code):
            raise ProtocolError(f"kit code {code!r} names an arm or a dose; use random kit codes")
    return kits
