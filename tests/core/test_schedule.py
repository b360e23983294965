"""The participant's day-by-day schedule and its iCalendar reminders."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from nof1.exceptions import ProtocolError
from nof1.protocol import (
    BLINDING_GUESS,
    Schedule,
    build_schedule,
    load_template,
    parse_protocol,
    template_text,
)
from nof1.protocol.calendar import calendar_bytes, write_calendar

START = date(2025, 3, 3)
KITS = ["K-7F3QA", "K-2B9RD", "K-H4W6C", "K-88TNE", "K-Q3XPF", "K-Z7JKH"]
STAMP = datetime(2025, 3, 1, tzinfo=UTC)


def standard_schedule() -> Schedule:
    return build_schedule(load_template("ldn-mecfs-standard"), START, KITS)


def test_the_standard_schedule_has_a_row_for_every_day_of_the_trial() -> None:
    schedule = standard_schedule()
    assert len(schedule) == 182
    assert [d.day for d in schedule] == list(range(1, 183))
    assert schedule.days[0].date == START
    assert schedule.end == START + timedelta(days=181)


def test_the_run_in_has_no_kit_and_no_capsules() -> None:
    run_in = [d for d in standard_schedule() if d.phase == "run-in"]
    assert len(run_in) == 14
    assert all(d.kit is None and d.capsules == 0 and d.period is None for d in run_in)


def test_each_period_takes_its_own_kit_in_period_order() -> None:
    schedule = standard_schedule()
    for period, kit in enumerate(KITS, start=1):
        days = [d for d in schedule if d.period == period]
        assert len(days) == 28
        assert {d.kit for d in days} == {kit}
        assert days[0].date == START + timedelta(days=14 + (period - 1) * 28)
        assert {d.block for d in days} == {(period - 1) // 2 + 1}
    assert schedule.kits == tuple(KITS)


def test_capsules_follow_the_titration_in_every_period() -> None:
    for day in standard_schedule():
        if day.day_of_period is not None:
            expected = 1 if day.day_of_period <= 7 else 2 if day.day_of_period <= 14 else 3
            assert day.capsules == expected


def test_weekly_outcomes_are_due_every_seventh_day_and_daily_ones_every_day() -> None:
    for day in standard_schedule():
        assert day.due[:6] == (
            "fatigue",
            "pain",
            "brain_fog",
            "unrefreshing_sleep",
            "orthostatic",
            "overall",
        )
        assert ("promis_fatigue" in day.due) == (day.day % 7 == 0)


def test_the_blinding_guess_is_due_on_each_periods_last_day_only() -> None:
    schedule = standard_schedule()
    guess_days = [d for d in schedule if BLINDING_GUESS in d.due]
    assert [d.date for d in guess_days] == [span.last for span in schedule.periods]
    assert all(d.day_of_period == 28 for d in guess_days)


def test_per_period_outcomes_are_due_on_each_periods_last_day() -> None:
    data = tomllib.loads(template_text("ldn-mecfs-standard"))
    data["outcomes"].append(
        {
            "id": "physical_function",
            "label": "RAND-36 physical function",
            "scale": {"min": 0, "max": 100, "unit": "points"},
            "better": "higher",
            "frequency": "per-period",
        }
    )
    schedule = build_schedule(parse_protocol(data), START, KITS)
    due = [d for d in schedule if "physical_function" in d.due]
    assert [d.day_of_period for d in due] == [28] * 6
    assert due[0].due[-2:] == ("physical_function", BLINDING_GUESS)


def test_slow_titration_kits_are_packed_one_pack_a_week() -> None:
    protocol = load_template("ldn-mecfs-slow-titration")
    schedule = build_schedule(protocol, START, KITS[:4])
    first = [d for d in schedule if d.period == 1]
    assert [d.pack for d in first[::7]] == [1, 2, 3, 4, 5, 6, 6, 6]
    assert {d.capsules for d in first} == {1}


def test_the_schedule_finds_a_day_by_its_date() -> None:
    schedule = standard_schedule()
    assert schedule.on(START + timedelta(days=14)).kit == KITS[0]
    with pytest.raises(KeyError):
        schedule.on(START - timedelta(days=1))


def test_it_refuses_the_wrong_number_of_kit_codes() -> None:
    with pytest.raises(ProtocolError, match="6 periods but 5 kit codes"):
        build_schedule(load_template("ldn-mecfs-standard"), START, KITS[:5])


def test_it_refuses_a_kit_code_used_twice() -> None:
    with pytest.raises(ProtocolError, match="repeated: K-7F3QA"):
        build_schedule(load_template("ldn-mecfs-standard"), START, [KITS[0]] * 6)


def test_it_refuses_a_kit_code_that_names_an_arm() -> None:
    with pytest.raises(ProtocolError, match="names an arm or a dose"):
        build_schedule(load_template("ldn-mecfs-standard"), START, [*KITS[:5], "PLACEBO-1"])


# -- iCalendar -----------------------------------------------------------------------------------


def parsed(data: bytes) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(data)
    return [
        {
            "summary": str(event.get("summary")),
            "start": event.decoded("dtstart"),
            "rrule": event.get("rrule"),
            "description": str(event.get("description")),
        }
        for event in calendar.walk("VEVENT")
    ]


def test_the_calendar_parses_back_with_every_kind_of_reminder(tmp_path: Path) -> None:
    protocol = load_template("ldn-mecfs-standard")
    schedule = build_schedule(protocol, START, KITS)
    path = write_calendar(
        tmp_path / "trial.ics", schedule, protocol, participant="P01", stamp=STAMP
    )
    events = parsed(path.read_bytes())

    diary = [e for e in events if e["summary"] == "Daily diary"]
    assert len(diary) == 1
    assert diary[0]["start"] == datetime.combine(START, time(19, 0))
    rrule = diary[0]["rrule"]
    assert rrule["FREQ"] == ["DAILY"] and rrule["COUNT"] == [182]  # type: ignore[index]

    starts = [e for e in events if str(e["summary"]).startswith("Start kit ")]
    assert [e["summary"] for e in starts] == [f"Start kit {kit}" for kit in KITS]
    assert [e["start"] for e in starts] == [span.first for span in schedule.periods]

    weekly = [e for e in events if e["summary"] == "Weekly questionnaire"]
    assert [e["start"] for e in weekly] == [d.date for d in schedule if d.day % 7 == 0]

    guesses = [e for e in events if "record your guess" in str(e["summary"])]
    assert [e["start"] for e in guesses] == [span.last for span in schedule.periods]

    changes = [e for e in events if "capsules a day from today" in str(e["summary"])]
    assert len(changes) == 2 * len(KITS)


def test_the_calendar_is_the_same_each_time_for_a_fixed_stamp() -> None:
    protocol = load_template("ldn-mecfs-standard")
    schedule = build_schedule(protocol, START, KITS)
    first = calendar_bytes(schedule, protocol, participant="P01", stamp=STAMP)
    assert first == calendar_bytes(schedule, protocol, participant="P01", stamp=STAMP)


def test_packed_kits_get_a_reminder_to_start_each_pack() -> None:
    protocol = load_template("ldn-mecfs-slow-titration")
    schedule = build_schedule(protocol, START, KITS[:4])
    events = parsed(calendar_bytes(schedule, protocol, stamp=STAMP))
    packs = [e["summary"] for e in events if "start pack" in str(e["summary"])]
    assert packs[:5] == [f"Kit {KITS[0]}: start pack {n}" for n in range(2, 7)]


def test_the_calendar_refuses_a_participant_id_that_names_an_arm() -> None:
    protocol = load_template("ldn-mecfs-standard")
    schedule = build_schedule(protocol, START, KITS)
    with pytest.raises(ProtocolError, match="would reveal"):
        calendar_bytes(schedule, protocol, participant="placebo-group-7", stamp=STAMP)
