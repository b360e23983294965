"""The start page (/me/) and the trial page: what is due today, and the way to everything."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    START,
    carer,
    day,
    enrolled,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    unblinded,
    url,
)

pytestmark = pytest.mark.django_db

START_PAGE = reverse("participant:start")


def test_one_trial_goes_straight_to_its_page(pat, enrolment):
    response = pat.get(START_PAGE)
    assert response.status_code == 302 and response["Location"] == url("home", enrolment)


def test_a_carer_with_their_own_trial_sees_both(client_for, clinician, trial, carer, enrolment):
    own = enrolled(clinician, trial, carer)
    page = client_for(carer).get(START_PAGE).content.decode()
    assert url("home", own) in page and url("home", enrolment) in page
    assert "for Pat" in page


def test_no_trial_yet(pat):
    assert "You are not in a trial yet." in pat.get(START_PAGE).content.decode()


def test_the_trial_page_leads_to_what_is_due(pat, enrolment, today):
    today.set(day(15))
    page = pat.get(url("home", enrolment)).content.decode()
    for name in ("today", "kit", "backfill", "weekly", "reminders", "consent", "download"):
        assert url(name, enrolment) in page, name
    assert url("guess", enrolment) not in page and url("results", enrolment) not in page
    assert "Today&rsquo;s diary" in page
    pat.post(url("today", enrolment), GOOD_DAY)
    assert "Today is logged" in pat.get(url("home", enrolment)).content.decode()


def test_every_link_on_the_trial_page_works(pat, enrolment, today):
    import re

    today.set(day(14 + 28))
    page = pat.get(url("home", enrolment)).content.decode()
    links = [h for h in re.findall(r'href="(/me/[^"]*)"', page)]
    assert url("guess", enrolment) in links
    for link in links:
        assert pat.get(link).status_code == 200, link


def test_results_appear_after_unblinding(pat, clinician, enrolment, today):
    unblinded(clinician, enrolment, today)
    assert url("results", enrolment) in pat.get(url("home", enrolment)).content.decode()


def test_another_participants_trial_page_is_not_found(pat, other_enrolment):
    assert pat.get(url("home", other_enrolment)).status_code == 404
    assert pat.get(url("home", other_enrolment), **HTMX).status_code == 404


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(START_PAGE).status_code == 403
        assert client_for(person).get(url("home", enrolment)).status_code == 403


def test_an_ineligible_participant_is_told_the_clinician_will_be_in_touch(
    client_for, clinician, trial
):
    from personas import make_user

    from nof1.web.trials.services import add_participant, screen_participant

    person = make_user("participant")
    waiting = add_participant(clinician, trial, person, day(1))
    screen_participant(
        clinician,
        waiting,
        medications=["tramadol"],
        alt_iu_per_l=20,
        ast_iu_per_l=22,
        pregnant=False,
        breastfeeding=False,
    )
    page = client_for(person).get(url("home", waiting)).content.decode()
    assert "will be in touch" in page and url("today", waiting) not in page


def test_after_withdrawal_the_page_says_so_and_the_data_stay_downloadable(
    pat, clinician, enrolment, today
):
    from nof1.web.trials.services import withdraw

    today.set(day(20))
    withdraw(clinician, enrolment, "moved away")
    page = pat.get(url("home", enrolment)).content.decode()
    assert "You have left this trial" in page and url("download", enrolment) in page
    assert url("today", enrolment) not in page
    closed = pat.get(url("today", enrolment)).content.decode()
    assert "The diary of your trial has closed" in closed
