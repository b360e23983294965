"""Own results, after unblinding only: the primary outcome's effect in plain words."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    day,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    unblinded,
    url,
)

from nof1.web.diary.services import record_blinding_guess

pytestmark = pytest.mark.django_db


def test_before_unblinding_there_are_no_results(pat, enrolment, today):
    today.set(day(100))
    page = pat.get(url("results", enrolment)).content.decode()
    assert "appear here once your trial has ended" in page
    assert not leaks(enrolment, page)
    assert "%" not in page


def test_after_unblinding_the_effect_is_given_in_words_and_numbers(
    pat, participant, clinician, enrolment, today
):
    today.set(day(14 + 28))
    record_blinding_guess(participant, enrolment, 1, "active")
    unblinded(clinician, enrolment, today, effect=-2.0)
    page = pat.get(url("results", enrolment)).content.decode()
    assert "Fatigue" in page
    match = re.search(
        r"On LDN 4.5 mg, your fatigue was on average <strong>([\d.]+) points lower", page
    )
    assert match and 1.5 < float(match.group(1)) < 2.5
    assert "than on Placebo" in page
    assert "helped your fatigue at all: <strong>more than 99%</strong>" in page
    assert "at least 2 points" in page
    assert "What this result does not prove" in page  # the evidence card
    assert re.search(
        r"Period 1: you answered &ldquo;Active&rdquo;; it was (LDN 4.5 mg|Placebo)", page
    )


def test_with_too_few_days_it_says_so_calmly(pat, clinician, enrolment, today):
    from nof1.web.trials.services import unblind

    today.set(enrolment.schedule().end.replace(year=2030))
    unblind(clinician, enrolment, "end of trial")
    page = pat.get(url("results", enrolment)).content.decode()
    assert "Not enough days of fatigue were logged" in page


def test_another_participants_results_are_not_found(pat, clinician, other_enrolment, today):
    unblinded(clinician, other_enrolment, today)
    assert pat.get(url("results", other_enrolment)).status_code == 404
    assert pat.get(url("results", other_enrolment), **HTMX).status_code == 404


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("results", enrolment)).status_code == 403


def test_it_is_read_only(pat, enrolment):
    assert pat.post(url("results", enrolment)).status_code == 405
