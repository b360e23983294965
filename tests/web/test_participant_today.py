"""Today's diary: big tap targets, "Logged. Thank you." and nothing else, one entry a day."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import re
from html import escape

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    START,
    carer,
    day,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.audit.models import AuditEvent
from nof1.web.diary.models import DiaryEntry, EntryStatus

pytestmark = pytest.mark.django_db


def test_each_daily_rating_is_a_fieldset_of_eleven_big_choices(pat, enrolment):
    response = pat.get(url("today", enrolment))
    assert response.status_code == 200
    page = response.content.decode()
    protocol = enrolment.trial.protocol
    for outcome in protocol.outcomes_by_frequency("daily"):
        values = re.findall(rf'name="rate_{outcome.id}" value="(\d+)"', page)
        assert values == [str(n) for n in range(11)], outcome.id
        assert f"<legend>{escape(outcome.question)}</legend>" in page
    assert page.count("<fieldset") == page.count("<legend>")
    for event in protocol.adverse_events:
        assert f'name="side_effects" value="{event.id}"' in page
    assert re.findall(r'name="exertion_yesterday" value="(\d+)"', page) == [
        str(n) for n in range(11)
    ]
    assert 'name="crash_today" value="yes"' in page
    assert "<details" in page and 'name="other_medicines"' in page
    assert 'name="infection"' in page and 'name="menstrual_period"' in page
    assert "Too unwell to log today" in page
    assert f'data-draft-key="nof1-diary-{enrolment.pk}-{START.isoformat()}"' in page
    assert "localStorage" in page
    assert "nof1/participant.css" in page


def test_the_run_in_asks_no_dose_question_and_a_period_day_does(pat, enrolment, today):
    assert 'name="dose_taken"' not in pat.get(url("today", enrolment)).content.decode()
    today.set(day(15))
    assert 'name="dose_taken" value="yes"' in pat.get(url("today", enrolment)).content.decode()


def test_it_logs_the_day_and_says_logged_thank_you_and_nothing_else(
    pat, participant, enrolment, today
):
    today.set(day(15))
    response = pat.post(
        url("today", enrolment),
        {
            **GOOD_DAY,
            "dose_taken": "yes",
            "side_effects": ["nausea", "headache"],
            "exertion_yesterday": "6",
            "crash_today": "no",
            "infection": "a cold",
        },
    )
    assert response.status_code == 302
    entry = DiaryEntry.objects.get(enrolment=enrolment, day=day(15))
    assert entry.status == EntryStatus.COMPLETE and entry.entered_by == participant
    assert entry.values["fatigue"] == 4 and entry.values["overall"] is None
    assert entry.dose_taken == "yes" and entry.side_effects == ["nausea", "headache"]
    assert entry.exertion_yesterday == 6 and entry.crash_today is False
    assert entry.infection == "a cold" and not entry.backfilled

    page = pat.get(response["Location"]).content.decode()
    assert "Logged. Thank you." in page
    main = page.split('<main id="main"', 1)[1]
    for word in ("fatigue", "pain", "average", "score", "trend", "better", "worse"):
        assert word not in main.lower(), word
    assert not leaks(enrolment, page)


def test_an_htmx_submit_answers_with_the_message_alone_and_clears_the_draft(pat, enrolment):
    response = pat.post(url("today", enrolment), GOOD_DAY, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and "Logged. Thank you." in page
    assert f'data-draft-clear="nof1-diary-{enrolment.pk}-{START.isoformat()}"' in page


def test_submitting_the_same_day_twice_keeps_one_entry(pat, enrolment):
    pat.post(url("today", enrolment), GOOD_DAY)
    pat.post(url("today", enrolment), {**GOOD_DAY, "rate_fatigue": "7"})
    entries = DiaryEntry.objects.filter(enrolment=enrolment, day=START)
    assert entries.count() == 1 and entries.get().values["fatigue"] == 7


def test_a_logged_day_can_be_changed_from_a_prefilled_form(pat, enrolment):
    pat.post(url("today", enrolment), {**GOOD_DAY, "other_medicines": "ibuprofen"})
    page = pat.get(url("today", enrolment) + "?change=1").content.decode()
    assert re.search(r'name="rate_fatigue" value="4" checked', page)
    assert 'value="ibuprofen"' in page and '<details class="anything-new" open>' in page


def test_free_text_comes_back_escaped(pat, enrolment):
    attack = '<script>alert("x")</script>'
    pat.post(url("today", enrolment), {**GOOD_DAY, "other_medicines": attack})
    assert DiaryEntry.objects.get(enrolment=enrolment).other_medicines == attack
    page = pat.get(url("today", enrolment) + "?change=1").content.decode()
    assert attack not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_an_empty_diary_is_refused_gently_and_saves_nothing(pat, enrolment):
    response = pat.post(url("today", enrolment), {"crash_today": "no"})
    assert response.status_code == 400
    assert "Tap at least one number" in response.content.decode()
    assert not DiaryEntry.objects.exists()
    # what the page promises matches the rule: skipping is fine, one number saves the day
    assert "one number tapped is enough" in pat.get(url("today", enrolment)).content.decode()
    response = pat.post(url("today", enrolment), {"crash_today": "no"}, **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()


def test_a_rating_off_the_scale_is_refused(pat, enrolment):
    response = pat.post(url("today", enrolment), {**GOOD_DAY, "rate_fatigue": "11"})
    assert response.status_code == 400
    assert not DiaryEntry.objects.exists()


def test_a_carer_logs_the_day_and_is_kept_as_the_one_who_entered(client_for, carer, enrolment):
    client = client_for(carer)
    page = client.get(url("today", enrolment)).content.decode()
    assert "filling this in for <strong>Pat</strong>" in page
    client.post(url("today", enrolment), GOOD_DAY)
    assert DiaryEntry.objects.get(enrolment=enrolment).entered_by == carer


def test_another_participants_diary_is_not_found(pat, other_enrolment):
    assert pat.get(url("today", other_enrolment)).status_code == 404
    assert pat.get(url("today", other_enrolment), **HTMX).status_code == 404
    assert pat.post(url("today", other_enrolment), GOOD_DAY, **HTMX).status_code == 404
    assert not DiaryEntry.objects.exists()


@pytest.mark.parametrize("role", ["clinician", "pharmacist"])
def test_staff_are_refused(request, client_for, enrolment, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(url("today", enrolment)).status_code == 403
    assert client.post(url("today", enrolment), GOOD_DAY).status_code == 403
    assert not DiaryEntry.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client, enrolment):
    response = client.get(url("today", enrolment))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, enrolment):
    client = client_for(participant, enforce_csrf_checks=True)
    assert client.post(url("today", enrolment), GOOD_DAY).status_code == 403
    assert not DiaryEntry.objects.exists()


def test_looking_changes_nothing(pat, enrolment):
    before = AuditEvent.objects.count()
    for _ in range(2):
        assert pat.get(url("today", enrolment)).status_code == 200
    assert not DiaryEntry.objects.exists()
    assert AuditEvent.objects.count() == before


def test_no_page_of_the_diary_names_an_arm_or_a_dose(pat, enrolment, today):
    today.set(day(20))
    page = pat.get(url("today", enrolment)).content.decode()
    assert not leaks(enrolment, page)
    assert "mg" not in re.sub(r"<[^>]+>", " ", page).split()


def test_the_diary_is_closed_before_randomisation(client_for, clinician, trial, other_participant):
    from nof1.web.trials.services import add_participant

    waiting = add_participant(clinician, trial, other_participant, START)
    page = client_for(other_participant).get(url("today", waiting)).content.decode()
    assert "opens when your clinician has started your trial" in page
    assert 'name="rate_fatigue"' not in page
