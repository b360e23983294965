"""Printed and spreadsheet sheets for the three roles, as CSV text and printable HTML.

- pharmacist: unblinded. Kit -> period -> dates -> what each capsule holds and how many to fill.
- participant: the day-by-day schedule: dates, kit codes, capsule counts, diary items.
- clinician: kits, dates and capsule counts per period.

Only the pharmacist sheet is built from the allocation. The participant and clinician sheets
are built from the `Schedule` alone, and each is checked against the protocol's blinding rules
before it is returned: a sheet that would name an arm, a dose or placebo is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any
from typing import Protocol as TypingProtocol

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from nof1.exceptions import ProtocolError
from nof1.protocol.model import Protocol, format_mg
from nof1.protocol.schedule import BLINDING_GUESS, build_schedule

__all__ = [
    "arms_by_period",
    "clinician_csv",
    "clinician_html",
    "clinician_rows",
    "participant_csv",
    "participant_html",
    "participant_rows",
    "pharmacist_csv",
    "pharmacist_html",
    "pharmacist_rows",
]

Row = dict[str, str]


class _PeriodLike(TypingProtocol):
    @property
    def period(self) -> int: ...
    @property
    def arm(self) -> str: ...


class AllocationLike(TypingProtocol):
    """What the sheets need of `nof1.randomization.Allocation`."""

    @property
    def periods(self) -> Sequence[_PeriodLike]: ...


# -- allocation ----------------------------------------------------------------------------------


def arms_by_period(
    protocol: Protocol, allocation: AllocationLike | Mapping[int, str]
) -> dict[int, str]:
    """Period (1-based) -> arm id, checked against the protocol: every period present, every
    arm known, and every pair/block giving each arm exactly once."""
    if isinstance(allocation, Mapping):
        mapping = {int(period): str(arm) for period, arm in allocation.items()}
    else:
        mapping = {int(p.period): str(p.arm) for p in allocation.periods}
    expected = set(range(1, protocol.period_count + 1))
    if set(mapping) != expected:
        raise ProtocolError(
            f"the allocation covers periods {sorted(mapping)}, but the protocol has periods "
            f"1 to {protocol.period_count}"
        )
    unknown = sorted({arm for arm in mapping.values() if arm not in protocol.arm_ids})
    if unknown:
        raise ProtocolError(
            f"the allocation names unknown arms: {', '.join(unknown)}; protocol arms: "
            f"{', '.join(protocol.arm_ids)}"
        )
    size = len(protocol.arms)
    for block in range(1, protocol.design.block_count + 1):
        arms = sorted(mapping[p] for p in range((block - 1) * size + 1, block * size + 1))
        if arms != sorted(protocol.arm_ids):
            raise ProtocolError(
                f"{protocol.block_word} {block} of the allocation holds {', '.join(arms)}; "
                f"each {protocol.block_word} must give every arm exactly once"
            )
    return mapping


# -- pharmacist (unblinded) ----------------------------------------------------------------------


def pharmacist_rows(
    protocol: Protocol,
    allocation: AllocationLike | Mapping[int, str],
    kit_codes: Sequence[str],
    start: date,
    *,
    participant: str,
) -> list[Row]:
    """One row per kit and titration step: what the pharmacist fills, and for which dates."""
    arms = arms_by_period(protocol, allocation)
    schedule = build_schedule(protocol, start, kit_codes)
    rows = []
    for kit_step in schedule.steps:
        arm = protocol.arm(arms[kit_step.period])
        step = protocol.titration_for(arm.id).steps[kit_step.step - 1]
        rows.append(
            {
                "participant": participant,
                "kit": kit_step.kit,
                "period": str(kit_step.period),
                protocol.block_word: str(kit_step.block),
                "pack": str(kit_step.step) if schedule.packs_by_step else "",
                "days_of_period": f"{kit_step.first_day}-{kit_step.last_day}",
                "first_date": kit_step.first.isoformat(),
                "last_date": kit_step.last.isoformat(),
                "arm": arm.id,
                "arm_label": arm.label,
                "capsule_content_mg": f"{step.content_mg:g}",
                "capsules_per_day": str(step.capsules),
                "daily_dose_mg": f"{step.dose_mg:g}",
                "capsules_to_fill": str(step.capsules * kit_step.days),
                "contents": _contents(protocol, step.content_mg),
            }
        )
    return rows


def pharmacist_csv(
    protocol: Protocol,
    allocation: AllocationLike | Mapping[int, str],
    kit_codes: Sequence[str],
    start: date,
    *,
    participant: str,
) -> str:
    return _csv(pharmacist_rows(protocol, allocation, kit_codes, start, participant=participant))


def pharmacist_html(
    protocol: Protocol,
    allocation: AllocationLike | Mapping[int, str],
    kit_codes: Sequence[str],
    start: date,
    *,
    participant: str,
) -> str:
    rows = pharmacist_rows(protocol, allocation, kit_codes, start, participant=participant)
    seed = getattr(allocation, "seed", None)
    kits: dict[str, dict[str, str | int]] = {}
    for row in rows:  # one summary line per kit, for labelling
        kit = kits.setdefault(row["kit"], {**row, "capsules": 0})
        kit["last_date"] = row["last_date"]
        kit["capsules"] = int(kit["capsules"]) + int(row["capsules_to_fill"])
    return _render(
        "sheet_pharmacist.html",
        protocol,
        participant,
        sheet="Pharmacist sheet (unblinded)",
        rows=rows,
        block_word=protocol.block_word,
        packs_by_step=protocol.packs_by_step,
        seed=seed,
        kits=list(kits.values()),
        drug=protocol.drug,
        arms=[(arm.label, format_mg(arm.dose_mg)) for arm in protocol.arms],
    )


def _contents(protocol: Protocol, content_mg: float) -> str:
    drug = protocol.drug
    if content_mg == 0:
        return f"placebo: {drug.filler} only"
    return f"{format_mg(content_mg)} {drug.name} in {drug.filler}"


# -- participant (blinded) -----------------------------------------------------------------------


def participant_rows(
    protocol: Protocol, kit_codes: Sequence[str], start: date, *, participant: str
) -> list[Row]:
    """One row per day of the trial: the participant's own calendar."""
    schedule = build_schedule(protocol, start, kit_codes)
    rows = [
        {
            "participant": participant,
            "date": day.date.isoformat(),
            "day": str(day.day),
            "phase": day.phase,
            "period": _blank(day.period),
            schedule.block_word: _blank(day.block),
            "day_of_period": _blank(day.day_of_period),
            "kit": day.kit or "",
            "pack": _blank(day.pack),
            "capsules": str(day.capsules),
            "diary": " ".join(day.due),
        }
        for day in schedule
    ]
    _refuse_leaks(protocol, _csv(rows), "participant sheet")
    return rows


def participant_csv(
    protocol: Protocol, kit_codes: Sequence[str], start: date, *, participant: str
) -> str:
    return _csv(participant_rows(protocol, kit_codes, start, participant=participant))


def participant_html(
    protocol: Protocol, kit_codes: Sequence[str], start: date, *, participant: str
) -> str:
    schedule = build_schedule(protocol, start, kit_codes)
    weekly_ids = {item for item, _ in schedule.weekly_items}
    html = _render(
        "sheet_participant.html",
        protocol,
        participant,
        sheet="Your trial calendar",
        schedule=schedule,
        weekly_dates=[d.date for d in schedule if weekly_ids & set(d.due)],
        safety=[rule.description for rule in protocol.stopping_rules],
        run_in_end=schedule.days[schedule.run_in_days - 1].date if schedule.run_in_days else None,
    )
    _refuse_leaks(protocol, html, "participant sheet")
    return html


# -- clinician (blinded) -------------------------------------------------------------------------


def clinician_rows(
    protocol: Protocol, kit_codes: Sequence[str], start: date, *, participant: str
) -> list[Row]:
    """One row per kit and capsule-count step: kits, dates and capsule counts only."""
    schedule = build_schedule(protocol, start, kit_codes)
    rows = [
        {
            "participant": participant,
            "period": str(step.period),
            schedule.block_word: str(step.block),
            "kit": step.kit,
            "pack": str(step.step) if schedule.packs_by_step else "",
            "days_of_period": f"{step.first_day}-{step.last_day}",
            "first_date": step.first.isoformat(),
            "last_date": step.last.isoformat(),
            "capsules_per_day": str(step.capsules),
        }
        for step in schedule.steps
    ]
    _refuse_leaks(protocol, _csv(rows), "clinician sheet")
    return rows


def clinician_csv(
    protocol: Protocol, kit_codes: Sequence[str], start: date, *, participant: str
) -> str:
    return _csv(clinician_rows(protocol, kit_codes, start, participant=participant))


def clinician_html(
    protocol: Protocol, kit_codes: Sequence[str], start: date, *, participant: str
) -> str:
    schedule = build_schedule(protocol, start, kit_codes)
    html = _render(
        "sheet_clinician.html",
        protocol,
        participant,
        sheet="Clinician sheet (blinded)",
        schedule=schedule,
        washout_days=protocol.design.washout_days,
        period_days=protocol.design.period_days,
    )
    _refuse_leaks(protocol, html, "clinician sheet")
    return html


# -- shared --------------------------------------------------------------------------------------


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _csv(rows: list[Row]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _refuse_leaks(protocol: Protocol, text: str, what: str) -> None:
    leaks = protocol.blinding_leaks(text)
    if leaks:  # only reachable through a participant id or kit code that names an arm
        raise ProtocolError(f"the {what} would reveal the allocation ({', '.join(leaks)})")


def _long_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("nof1", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = _long_date
    env.filters["short_date"] = _short_date
    return env


def _render(template: str, protocol: Protocol, participant: str, **context: Any) -> str:
    return (
        _environment()
        .get_template(template)
        .render(
            title=protocol.title,
            protocol_id=protocol.id,
            version=protocol.version,
            participant=participant,
            blinding_guess=BLINDING_GUESS,
            **context,
        )
    )
