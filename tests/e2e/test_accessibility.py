"""The participant's pages on a phone have no serious or critical axe-core violations.

axe-core (vendored from npm, tests/e2e/vendor) runs inside each page; lesser findings are
printed, not failed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from e2e_helpers import axe_violations, sign_in

from nof1.web.diary.services import submit_day
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    screen_participant,
    unblind,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
SERIOUS = ("serious", "critical")


def check(page: Any, path: str, found: dict[str, list[str]]) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    print(f"{path}: axe-core")
    for violation in axe_violations(page):
        nodes = "; ".join(
            " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        line = f"{path}: [{violation['impact']}] {violation['id']}: {violation['help']} ({nodes})"
        print(line)
        if violation["impact"] in SERIOUS:
            found.setdefault(path, []).append(line)


def test_participant_pages_have_no_serious_violations(
    new_page: Any, people: dict[str, Any], today: Any
):
    clinician, pat = people["clinician"], people["participant"]
    start = today.value - dt.timedelta(days=60)
    trial = create_trial(
        clinician, template_name="ldn-mecfs-standard", pharmacist=people["pharmacist"]
    )
    add_consent_version(clinician, trial, "I agree to take part. I can stop at any time.")
    open_trial(clinician, trial)
    enrolment = add_participant(clinician, trial, pat, start)
    screen_participant(clinician, enrolment, **CLEAR)
    me = f"/me/{enrolment.pk}"

    phone = new_page(phone=True)
    sign_in(phone, pat, "/me/")
    found: dict[str, list[str]] = {}
    check(phone, f"{me}/", found)  # waiting, consent to give
    check(phone, f"{me}/consent/", found)  # the text and the "I agree" button

    record_consent(pat, enrolment, trial.consent_versions.get())
    enrolment = enrol(clinician, enrolment)
    schedule = enrolment.schedule()

    # The day after period 1 ended: a period question is due, past days are open.
    today.set(schedule.periods[0].last + dt.timedelta(days=1))
    for path in ("/", "/today/", "/past-days/", "/kit/", "/consent/", "/reminders/"):
        check(phone, me + path, found)
    check(phone, f"{me}/period-question/", found)
    phone.goto(f"{me}/")
    if phone.get_by_role("link", name="This week’s questionnaire").count():
        check(phone, f"{me}/weekly/", found)

    # After the trial, unblinded: the results.
    for n, when in enumerate(schedule):
        today.set(when.date)
        submit_day(pat, enrolment, when.date, values={"fatigue": 4 + n % 3, "pain": 3})
    today.set(schedule.end + dt.timedelta(days=1))
    unblind(clinician, enrolment, "end of trial")
    check(phone, f"{me}/", found)
    check(phone, f"{me}/results/", found)

    assert not found, "\n".join(line for lines in found.values() for line in lines)
