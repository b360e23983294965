"""One trial end to end in a real browser: the clinician creates it and adds a participant,
the participant (on a phone) consents, the clinician enrols, the participant logs today,
the pharmacist sees the kit sheet; after the last period the clinician unblinds and both
the clinician and the participant see the results."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from e2e_helpers import sign_in
from playwright.sync_api import expect

from nof1.web.diary.services import submit_day
from nof1.web.trials.models import Enrolment

CONSENT = "I agree to take part in this n-of-1 trial. I can stop at any time."


def test_a_trial_from_creation_to_results(new_page: Any, people: dict[str, Any], today: Any):
    clinician, pharmacist, pat = people["clinician"], people["pharmacist"], people["participant"]
    start = today.value

    # -- the clinician creates the trial, opens it and adds Pat -------------------------------
    doc = new_page()
    sign_in(doc, clinician, "/clinic/")
    doc.goto("/clinic/trials/new/")
    doc.check("input[name=template][value=ldn-mecfs-standard]")
    doc.select_option("#id_pharmacist", label=f"Priya ({pharmacist.username})")
    doc.fill("#id_consent_text", CONSENT)
    doc.get_by_role("button", name="Create the trial").click()
    doc.wait_for_url(re.compile(r"/clinic/trials/[0-9a-f-]+/$"))
    doc.get_by_role("button", name="Open for enrolment").click()
    expect(doc.get_by_role("button", name="Open for enrolment")).to_have_count(0)
    doc.fill("#id_email", pat.email)
    doc.fill("#id_start_date", start.isoformat())
    doc.get_by_role("button", name="Add the participant").click()
    doc.wait_for_url(re.compile(r"/clinic/participants/[0-9a-f-]+/$"))
    enrolment = Enrolment.objects.get(participant=pat)

    # -- screened eligible ---------------------------------------------------------------------
    doc.goto(f"/clinic/participants/{enrolment.pk}/screening/")
    doc.fill("#id_alt_iu_per_l", "20")
    doc.fill("#id_ast_iu_per_l", "22")
    doc.check("input[name=expected_opioid_need][value=no]")
    doc.check("input[name=pregnant][value=no]")
    doc.check("input[name=breastfeeding][value=no]")
    doc.get_by_role("button", name="Screen", exact=True).click()
    doc.get_by_text("Eligible.", exact=True).wait_for()

    # -- Pat, on a phone, reads and agrees to the consent --------------------------------------
    phone = new_page(phone=True)
    sign_in(phone, pat, "/me/")
    phone.wait_for_url(re.compile(rf"/me/{enrolment.pk}/$"))
    phone.get_by_role("link", name="Read and agree to the consent text").click()
    assert CONSENT in phone.inner_text(".consent-text")
    phone.get_by_role("button", name="I agree").click()
    phone.get_by_text("You agreed on").wait_for()

    # -- the clinician enrols: randomised, kit codes shown ------------------------------------
    doc.goto(f"/clinic/participants/{enrolment.pk}/")
    doc.get_by_role("button", name="Enrol and randomise").click()
    doc.get_by_text("Randomised and sealed").first.wait_for()
    enrolment.refresh_from_db()
    kit_codes = list(enrolment.kit_codes)
    assert kit_codes
    clinic_page = doc.content()
    assert all(str(code) in clinic_page for code in kit_codes)

    # -- Pat logs today by tapping ratings -----------------------------------------------------
    phone.goto(f"/me/{enrolment.pk}/")
    phone.get_by_role("link", name="Today’s diary").click()
    questions = phone.locator("#diary-form fieldset.question:has(.choices)")
    assert questions.count() >= 3
    for i in range(questions.count()):
        labels = questions.nth(i).locator(".choice label")
        labels.nth(min(4, labels.count() - 1)).tap()
    phone.get_by_role("button", name="Save today").tap()
    phone.get_by_role("heading", name="Logged. Thank you.").wait_for()
    assert "placebo" not in phone.content().lower()

    # -- the pharmacist sees the kit sheet, kit codes and all ----------------------------------
    pharmacy = new_page()
    sign_in(pharmacy, pharmacist, "/pharmacy/")
    pharmacy.get_by_role("link", name="Kit sheet").first.click()
    pharmacy.get_by_role("heading", name=re.compile("Kit sheet")).wait_for()
    sheet = pharmacy.content()
    assert enrolment.pseudonym in sheet
    assert all(str(code) in sheet for code in kit_codes)

    # -- the rest of the diary, day by day through the diary service ---------------------------
    schedule = enrolment.schedule()
    for n, when in enumerate(schedule):
        if when.date == start:
            continue
        today.set(when.date)
        submit_day(
            pat,
            enrolment,
            when.date,
            values={"fatigue": 4 + n % 3, "pain": 3 + n % 2, "brain_fog": 3},
            dose_taken="yes" if when.period else "unknown",
        )
    today.set(schedule.end + dt.timedelta(days=1))

    # -- the clinician unblinds and sees the results -------------------------------------------
    doc.goto(f"/clinic/participants/{enrolment.pk}/unblinding/")
    doc.fill("#id_full-reason", "End of the trial: all periods complete.")
    doc.get_by_role("button", name="Unblind the whole allocation").click()
    doc.wait_for_url(re.compile(rf"/clinic/participants/{enrolment.pk}/results/$"))
    doc.get_by_text("The allocation is unblinded").first.wait_for()
    results = doc.inner_text("main")
    assert "Fatigue" in results

    # -- and so does Pat -----------------------------------------------------------------------
    phone.goto(f"/me/{enrolment.pk}/")
    phone.get_by_role("link", name="Your results").tap()
    phone.wait_for_url(re.compile(rf"/me/{enrolment.pk}/results/$"))
    mine = phone.inner_text("main")
    assert "fatigue" in mine.lower()
    assert "appear here once your trial has ended" not in mine


pytestmark = pytest.mark.django_db(transaction=True)
