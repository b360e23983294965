"""Pharmacist, participant and clinician sheets; nothing blinded people see names an arm."""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from nof1.blinding import new_kit_codes
from nof1.exceptions import ProtocolError
from nof1.protocol import Protocol, build_schedule, load_template, template_names
from nof1.protocol.calendar import calendar_bytes
from nof1.protocol.sheets import (
    arms_by_period,
    clinician_csv,
    clinician_html,
    clinician_rows,
    participant_csv,
    participant_html,
    participant_rows,
    pharmacist_csv,
    pharmacist_html,
    pharmacist_rows,
)
from nof1.randomization import allocate

START = date(2025, 3, 3)
WHO = "P01"


def kits_for(protocol: Protocol) -> list[str]:
    # Fixed, readable codes; real ones come from nof1.blinding.new_kit_codes.
    return [f"K-{n:02d}TQA" for n in range(1, protocol.period_count + 1)]


def allocation_for(protocol: Protocol) -> dict[int, str]:
    """Every arm once per block, the order reversed in even blocks."""
    arms = list(protocol.arm_ids)
    periods: dict[int, str] = {}
    for block in range(protocol.design.block_count):
        order = arms if block % 2 == 0 else arms[::-1]
        for i, arm in enumerate(order):
            periods[block * len(arms) + i + 1] = arm
    return periods


@dataclass(frozen=True)
class FakePeriod:
    period: int
    block: int
    arm: str


@dataclass(frozen=True)
class FakeAllocation:
    seed: int
    periods: tuple[FakePeriod, ...]


def forbidden_terms(protocol: Protocol) -> list[str]:
    """Every way an output could reveal the allocation."""
    terms = ["placebo", "mg"]
    for arm in protocol.arms:
        terms += [arm.id, arm.label]
    doses = {arm.dose_mg for arm in protocol.arms}
    doses |= {s.dose_mg for t in protocol.titration for s in t.steps}
    doses |= {s.content_mg for t in protocol.titration for s in t.steps}
    for dose in doses - {0}:
        terms += [f"{dose:g} mg", f"{dose:g}mg"]
        if dose != int(dose):
            terms += [f"{dose:g}", f"{dose}"]
    return terms


def found_terms(text: str, protocol: Protocol) -> list[str]:
    text = text.replace("\r\n ", "")  # unfold iCalendar lines
    found = []
    for term in forbidden_terms(protocol):
        if term == "mg":  # the unit as a word, not letters inside a kit code like K-3MG4Q
            if re.search(r"(?<![a-z0-9])(?:\d+(?:\.\d+)?\s*)?mg(?![a-z0-9])", text.lower()):
                found.append(term)
        elif term.lower() in text.lower():
            found.append(term)
    return found


def blinded_outputs(protocol: Protocol, kits: list[str]) -> dict[str, str]:
    schedule = build_schedule(protocol, START, kits)
    stamp = datetime(2025, 3, 1, tzinfo=UTC)
    return {
        "schedule rows": repr([day.to_dict() for day in schedule]),
        "participant csv": participant_csv(protocol, kits, START, participant=WHO),
        "participant html": participant_html(protocol, kits, START, participant=WHO),
        "clinician csv": clinician_csv(protocol, kits, START, participant=WHO),
        "clinician html": clinician_html(protocol, kits, START, participant=WHO),
        "calendar": calendar_bytes(schedule, protocol, participant=WHO, stamp=stamp).decode(),
    }


@pytest.mark.parametrize("name", template_names())
def test_nothing_the_participant_or_clinician_sees_names_an_arm_a_dose_or_placebo(
    name: str,
) -> None:
    protocol = load_template(name)
    leaks = {
        what: found
        for what, text in blinded_outputs(protocol, kits_for(protocol)).items()
        if (found := found_terms(text, protocol))
    }
    assert leaks == {}


@pytest.mark.parametrize("seed", range(5))
def test_real_allocations_and_kit_codes_stay_blinded_end_to_end(seed: int) -> None:
    protocol = load_template("ldn-mecfs-dose-finding")
    allocation = allocate(protocol.arm_ids, protocol.design.block_count, seed)
    kits = new_kit_codes(protocol.period_count, random.Random(seed))
    pharmacy = pharmacist_rows(protocol, allocation, kits, START, participant=WHO)
    assert [r["arm"] for r in pharmacy if r["days_of_period"].startswith("1-")] == list(
        allocation.arm_by_period
    )
    for what, text in blinded_outputs(protocol, kits).items():
        assert found_terms(text, protocol) == [], what


@pytest.mark.parametrize("name", template_names())
def test_the_pharmacist_sheet_does_name_the_arms_and_doses(name: str) -> None:
    protocol = load_template(name)
    allocation = allocation_for(protocol)
    kits = kits_for(protocol)
    for text in (
        pharmacist_csv(protocol, allocation, kits, START, participant=WHO),
        pharmacist_html(protocol, allocation, kits, START, participant=WHO),
    ):
        found = found_terms(text, protocol)
        assert "placebo" in found and "mg" in found
        for arm in protocol.arms:
            assert arm.label in found


@pytest.mark.parametrize("name", template_names())
def test_the_pharmacist_sheet_says_what_goes_on_a_label(name: str) -> None:
    protocol = load_template(name)
    html = pharmacist_html(protocol, allocation_for(protocol), kits_for(protocol), START,
                           participant=WHO)
    text = " ".join(html.split())
    assert "with its code, the participant's id and its dates only: never an arm, a dose" in text
    assert ("Label each kit and pack" in text) == protocol.packs_by_step


def test_the_pharmacist_sheet_maps_each_kit_to_its_period_arm_and_capsules() -> None:
    protocol = load_template("ldn-mecfs-standard")
    allocation = {
        1: "ldn-4.5mg",
        2: "placebo",
        3: "placebo",
        4: "ldn-4.5mg",
        5: "ldn-4.5mg",
        6: "placebo",
    }
    kits = kits_for(protocol)
    rows = pharmacist_rows(protocol, allocation, kits, START, participant=WHO)
    assert len(rows) == 6 * 3
    by_kit = {row["kit"]: row for row in rows if row["days_of_period"] == "15-28"}
    assert by_kit[kits[0]]["arm"] == "ldn-4.5mg" and by_kit[kits[1]]["arm"] == "placebo"
    active = [row for row in rows if row["kit"] == kits[0]]
    assert [r["daily_dose_mg"] for r in active] == ["1.5", "3", "4.5"]
    assert [r["capsule_content_mg"] for r in active] == ["1.5"] * 3
    assert [r["capsules_to_fill"] for r in active] == ["7", "14", "42"]
    assert active[0]["first_date"] == "2025-03-17" and active[-1]["last_date"] == "2025-04-13"
    assert active[0]["contents"] == "1.5 mg naltrexone (low dose) in cellulose"
    placebo = [row for row in rows if row["kit"] == kits[1]]
    assert [r["capsules_to_fill"] for r in placebo] == ["7", "14", "42"]
    assert placebo[0]["contents"] == "placebo: cellulose only"


def test_slow_titration_packs_say_what_each_weeks_capsule_holds() -> None:
    protocol = load_template("ldn-mecfs-slow-titration")
    allocation = allocation_for(protocol)
    rows = pharmacist_rows(protocol, allocation, kits_for(protocol), START, participant=WHO)
    first_kit = [row for row in rows if row["period"] == "2" and row["arm"] != "placebo"]
    assert [r["pack"] for r in first_kit] == ["1", "2", "3", "4", "5", "6"]
    assert [r["capsule_content_mg"] for r in first_kit] == ["0.5", "1", "1.5", "2", "2.5", "3"]


def test_the_pharmacist_sheet_accepts_an_allocation_object_and_shows_its_seed() -> None:
    protocol = load_template("ldn-mecfs-standard")
    mapping = allocation_for(protocol)
    allocation = FakeAllocation(
        seed=123456789,
        periods=tuple(FakePeriod(p, (p - 1) // 2 + 1, arm) for p, arm in mapping.items()),
    )
    assert arms_by_period(protocol, allocation) == mapping
    html = pharmacist_html(protocol, allocation, kits_for(protocol), START, participant=WHO)
    assert "123456789" in html and "UNBLINDED" in html


def test_an_allocation_that_breaks_a_pair_is_refused() -> None:
    protocol = load_template("ldn-mecfs-standard")
    allocation = allocation_for(protocol)
    allocation[2] = allocation[1]
    with pytest.raises(ProtocolError, match="pair 1 of the allocation"):
        pharmacist_rows(protocol, allocation, kits_for(protocol), START, participant=WHO)


def test_an_allocation_with_unknown_arms_or_missing_periods_is_refused() -> None:
    protocol = load_template("ldn-mecfs-standard")
    with pytest.raises(ProtocolError, match="unknown arms: ldn-9mg"):
        arms_by_period(protocol, {**allocation_for(protocol), 1: "ldn-9mg"})
    with pytest.raises(ProtocolError, match="covers periods"):
        arms_by_period(protocol, {1: "placebo", 2: "ldn-4.5mg"})


def test_the_participant_csv_is_the_day_by_day_schedule() -> None:
    protocol = load_template("ldn-mecfs-standard")
    kits = kits_for(protocol)
    rows = list(
        csv.DictReader(io.StringIO(participant_csv(protocol, kits, START, participant=WHO)))
    )
    assert rows == participant_rows(protocol, kits, START, participant=WHO)
    assert len(rows) == protocol.total_days
    assert rows[14]["kit"] == kits[0] and rows[14]["capsules"] == "1"
    assert rows[13]["kit"] == "" and rows[13]["capsules"] == "0"


def test_the_clinician_csv_gives_kits_dates_and_capsule_counts() -> None:
    protocol = load_template("ldn-mecfs-standard")
    kits = kits_for(protocol)
    rows = clinician_rows(protocol, kits, START, participant=WHO)
    assert list(rows[0]) == [
        "participant",
        "period",
        "pair",
        "kit",
        "pack",
        "days_of_period",
        "first_date",
        "last_date",
        "capsules_per_day",
    ]
    assert [r["capsules_per_day"] for r in rows[:3]] == ["1", "2", "3"]
    assert clinician_csv(protocol, kits, START, participant=WHO).count("\n") == 1 + 18


def test_printable_sheets_carry_the_title_and_participant_and_print_on_a4() -> None:
    protocol = load_template("ldn-mecfs-standard")
    kits = kits_for(protocol)
    for html in (
        participant_html(protocol, kits, START, participant=WHO),
        clinician_html(protocol, kits, START, participant=WHO),
        pharmacist_html(protocol, allocation_for(protocol), kits, START, participant=WHO),
    ):
        assert protocol.title in html and f"<strong>{WHO}</strong>" in html
        assert "size: A4" in html


def test_sheets_escape_what_they_are_given() -> None:
    protocol = load_template("ldn-mecfs-standard")
    html = participant_html(protocol, kits_for(protocol), START, participant="<b>P&1</b>")
    assert "&lt;b&gt;P&amp;1&lt;/b&gt;" in html and "<b>P&1</b>" not in html


def test_blinded_sheets_refuse_a_participant_id_that_names_an_arm() -> None:
    protocol = load_template("ldn-mecfs-standard")
    with pytest.raises(ProtocolError, match="would reveal the allocation"):
        participant_csv(protocol, kits_for(protocol), START, participant="LDN 4.5 mg group")
    with pytest.raises(ProtocolError, match="would reveal the allocation"):
        clinician_html(protocol, kits_for(protocol), START, participant="placebo-3")
