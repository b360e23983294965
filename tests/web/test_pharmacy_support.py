"""Builders shared by the pharmacy view tests (this module holds no tests of its own).

`assigned_trial(clinician, pharmacist)` opens a trial dispensed by that pharmacist;
`enrolled(clinician, trial, participant)` randomises a participant into it (six sealed kits).
"""

from __future__ import annotations

import datetime as dt

from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    screen_participant,
)

START = dt.date(2026, 3, 2)
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
CONSENT = "I agree to take part in this n-of-1 trial of low-dose naltrexone."


def assigned_trial(clinician, pharmacist, *, title=""):
    """An open LDN trial (14-day run-in, 3 pairs of 28-day periods) dispensed by `pharmacist`."""
    trial = create_trial(
        clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist, title=title
    )
    add_consent_version(clinician, trial, CONSENT)
    open_trial(clinician, trial)
    return trial


def screened(clinician, trial, participant, start=START):
    enrolment = add_participant(clinician, trial, participant, start)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, trial.consent_versions.get())
    return enrolment


def enrolled(clinician, trial, participant, start=START):
    return enrol(clinician, screened(clinician, trial, participant, start))
