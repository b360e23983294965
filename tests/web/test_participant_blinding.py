"""During the trial no participant page, partial or download names an arm, a dose or the word
placebo - except the blinding-guess question, whose answers include "placebo" - and no GET
changes anything."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    carer,
    day,
    enrolment,
    leaks,
    pat,
    today,
    trial,
    url,
)

from nof1.web.audit.models import AuditEvent
from nof1.web.diary.models import BlindingGuess, DiaryEntry, WeeklyResponse
from nof1.web.participant.models import ReminderPreference, ReminderSent
from nof1.web.participant.reminders import change_preference
from nof1.web.trials.models import Consent, EnrolmentStatusEvent

pytestmark = pytest.mark.django_db

PAGES = ("home", "today", "kit", "backfill", "weekly", "guess", "consent", "reminders", "results")
MODELS = (
    DiaryEntry,
    WeeklyResponse,
    BlindingGuess,
    Consent,
    ReminderPreference,
    ReminderSent,
    EnrolmentStatusEvent,
    AuditEvent,
)


def crawl(client, enrolment):
    """Every page reachable from the trial page, its htmx form, and the downloads."""
    seen: dict[str, str] = {}
    queue = [url(name, enrolment) for name in PAGES]
    queue.append(url("today", enrolment) + "?change=1")
    while queue:
        link = queue.pop()
        if link in seen:
            continue
        for extra in ({}, HTMX):
            response = client.get(link, **extra)
            assert response.status_code == 200, link
            seen[link if not extra else link + " (htmx)"] = response.content.decode()
        queue += [
            h.replace("&amp;", "&")
            for h in re.findall(r'href="(/me/[^"]*)"', seen[link])
            if h.replace("&amp;", "&") not in seen
        ]
    return seen


@pytest.mark.parametrize(
    "trial_day", [1, 15, 14 + 28, 14 + 28 + 2, 14 + 28 * 3 + 10, 14 + 28 * 6, 14 + 28 * 6 + 1]
)
def test_no_page_names_an_arm_a_dose_or_placebo_during_the_trial(
    pat, participant, enrolment, today, trial_day
):
    today.set(day(max(trial_day - 1, 1)))
    pat.post(url("today", enrolment), {**GOOD_DAY, "infection": "none"})
    today.set(day(trial_day))
    change_preference(enrolment, "new_feed")
    pages = crawl(pat, enrolment)
    assert len(pages) >= 2 * len(PAGES)
    for link, page in pages.items():
        found = leaks(enrolment, page)
        if link.startswith(url("guess", enrolment)) and "Which do you think you took" in page:
            assert found == ["placebo"], link  # the answer, tied to no period's allocation
        else:
            assert not found, (link, found)
    token = ReminderPreference.objects.get(enrolment=enrolment).feed_token
    feed = pat.get(reverse("participant:calendar_feed", args=[token])).content.decode()
    assert not leaks(enrolment, feed.replace("\r\n ", ""))


def test_no_get_changes_anything(pat, enrolment, today):
    today.set(day(14 + 28))
    before = {model: model.objects.count() for model in MODELS}
    pages = crawl(pat, enrolment)
    pat.get(url("download", enrolment))
    assert any("Which do you think you took" in page for page in pages.values())
    assert {model: model.objects.count() for model in MODELS} == before


def test_a_carer_sees_no_arm_dose_or_placebo_either(client_for, carer, enrolment, today):
    today.set(day(20))
    for link, page in crawl(client_for(carer), enrolment).items():
        assert not leaks(enrolment, page), link


def test_a_title_naming_an_arm_is_not_shown(pat, enrolment):
    type(enrolment.trial).objects.filter(pk=enrolment.trial_id).update(
        title="LDN 4.5 mg against placebo for Pat"
    )
    page = pat.get(url("home", enrolment)).content.decode()
    assert "<h1>Your trial</h1>" in page and not leaks(enrolment, page)


def test_the_downloads_hold_no_arm_or_dose_before_unblinding(pat, enrolment, today):
    pat.post(url("today", enrolment), GOOD_DAY)
    today.set(day(15) + dt.timedelta(days=3))
    body = pat.get(url("download", enrolment)).content.decode()
    assert not leaks(enrolment, body)
    assert "arm" not in body.splitlines()[0].split(",")
