"""Past days: the days inside the backfill window not yet logged, each a link to its diary."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    day,
    enrolment,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.diary.models import DiaryEntry

pytestmark = pytest.mark.django_db


def test_it_lists_unlogged_days_inside_the_window_newest_first(pat, enrolment, today):
    today.set(day(10))
    pat.post(url("diary_day", enrolment, day(8).isoformat()), GOOD_DAY)
    page = pat.get(url("backfill", enrolment)).content.decode()
    links = [url("diary_day", enrolment, day(n).isoformat()) for n in (9, 7)]
    assert links[0] in page and links[1] in page
    assert page.index(links[0]) < page.index(links[1])
    for n in (10, 8, 6):  # today, logged, too old
        assert url("diary_day", enrolment, day(n).isoformat()) not in page
    assert "up to 3 days" in page


def test_on_the_first_day_there_is_nothing_to_fill_in(pat, enrolment):
    page = pat.get(url("backfill", enrolment)).content.decode()
    assert "Nothing to fill in." in page


def test_a_day_filled_in_from_the_list_is_flagged_as_backfilled(pat, enrolment, today):
    today.set(day(3))
    pat.post(url("diary_day", enrolment, day(1).isoformat()), GOOD_DAY)
    assert DiaryEntry.objects.get(day=day(1)).backfilled


def test_another_participants_list_is_not_found(pat, other_enrolment):
    assert pat.get(url("backfill", other_enrolment)).status_code == 404
    assert pat.get(url("backfill", other_enrolment), **HTMX).status_code == 404


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("backfill", enrolment)).status_code == 403


def test_it_is_read_only(pat, enrolment, today):
    today.set(day(10))
    assert pat.post(url("backfill", enrolment)).status_code == 405
    pat.get(url("backfill", enrolment))
    assert not DiaryEntry.objects.exists()
