"""The trial services: create, add, screen, consent, enrol, kits, unblind, the daily table.

Services are called directly, as views will call them; `clock.today` is moved with
monkeypatch to walk through a trial's days.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from personas import make_user

from nof1.analysis.single import SingleTrial
from nof1.blinding import generate_key
from nof1.exceptions import ProtocolError
from nof1.protocol import load_template
from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.diary.services import daily_table, submit_day
from nof1.web.trials import clock, keys
from nof1.web.trials.errors import EntryError, KeyUnavailableError, WorkflowError
from nof1.web.trials.models import (
    AllocationKey,
    EnrolmentStatus,
    Kit,
    KitStatus,
    SealedAllocationRecord,
    UnblindingEvent,
)
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    confirm_dispensed,
    create_trial,
    enrol,
    kit_sheet_rows,
    open_trial,
    override_review,
    record_consent,
    screen_participant,
    unblind,
    withdraw,
)

pytestmark = pytest.mark.django_db

PROTOCOL = load_template("ldn-mecfs-standard")  # 14-day run-in, 3 pairs of 28-day periods
TODAY = dt.date(2026, 3, 2)
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
CONSENT = "I agree to take part in this n-of-1 trial of low-dose naltrexone."


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The services' today; call `today.set(date)` to move it."""

    class Today:
        value = TODAY

        def set(self, when: dt.date) -> None:
            self.value = when

    holder = Today()
    monkeypatch.setattr(clock, "today", lambda: holder.value)
    return holder


@pytest.fixture
def trial(clinician, pharmacist):
    trial = create_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist)
    add_consent_version(clinician, trial, CONSENT)
    open_trial(clinician, trial)
    return trial


def consented(clinician, trial, participant, start=TODAY):
    enrolment = add_participant(clinician, trial, participant, start)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, trial.consent_versions.get())
    return enrolment


def audited(action, obj):
    return AuditEvent.objects.filter(
        action=action, table=obj._meta.label, object_id=str(obj.pk)
    ).order_by("seq")


# -- the whole path ------------------------------------------------------------------------------


def test_a_trial_runs_from_protocol_to_analysis(clinician, pharmacist, participant, today):
    start = TODAY
    trial = create_trial(
        clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist, title="Pat's LDN"
    )
    assert (trial.protocol_id, trial.protocol_version, trial.status) == (
        "ldn-mecfs-standard",
        "1",
        "draft",
    )
    version = add_consent_version(clinician, trial, CONSENT)
    open_trial(clinician, trial)
    enrolment = add_participant(clinician, trial, participant, start)
    assert enrolment.pseudonym.startswith("P-") and enrolment.status == EnrolmentStatus.SCREENING

    screening = screen_participant(clinician, enrolment, medications=["Sertraline 50mg"], **CLEAR)
    assert screening.status == "eligible"
    record_consent(participant, enrolment, version)
    enrolment = enrol(clinician, enrolment)
    assert enrolment.status == EnrolmentStatus.ENROLLED

    kits = list(enrolment.kits.order_by("period"))
    assert [kit.period for kit in kits] == [1, 2, 3, 4, 5, 6]
    rows = kit_sheet_rows(pharmacist, enrolment)
    arm_of_kit = {row["kit"]: row["arm"] for row in rows}
    assert set(arm_of_kit) == {kit.code for kit in kits}
    for kit in kits:
        confirm_dispensed(pharmacist, kit)

    # Simulated diary: fatigue 2 points lower on LDN once the washout is over.
    rng = np.random.default_rng(20260302)
    schedule = enrolment.schedule()
    for day in schedule:
        today.set(day.date)
        on_drug = day.kit is not None and arm_of_kit[day.kit] != "placebo"
        fatigue = 6.0 - (2.0 if on_drug and day.day_of_period > 7 else 0.0) + rng.normal(0, 1)
        if day.day % 10 == 0:
            submit_day(participant, enrolment, day.date, too_unwell=True)
            continue
        submit_day(
            participant,
            enrolment,
            day.date,
            values={"fatigue": int(np.clip(round(fatigue), 0, 10)), "pain": 3},
            dose_taken="yes" if day.kit else "unknown",
        )

    today.set(schedule.end + dt.timedelta(days=1))
    event = unblind(clinician, enrolment, "end of trial")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    revealed = {p["period"]: p["arm"] for p in event.revealed["periods"]}
    assert revealed == {kit.period: arm_of_kit[kit.code] for kit in kits}

    table = daily_table(clinician, enrolment)
    assert list(table.columns[:7]) == [
        "participant",
        "day",
        "date",
        "period",
        "pair",
        "arm",
        "dose_mg",
    ]
    assert len(table) == PROTOCOL.total_days
    assert set(table["participant"]) == {enrolment.pseudonym}
    assert table["fatigue"].isna().sum() == PROTOCOL.total_days // 10
    active = table[table["arm"] == "ldn-4.5mg"]
    assert set(active["dose_mg"]) == {1.5, 3.0, 4.5}  # the titration steps
    assert set(table.loc[table["arm"] == "placebo", "dose_mg"]) == {0.0}

    fit = SingleTrial("fatigue", mcid=2, washout_days=PROTOCOL.design.washout_days).fit(table)
    result = fit.result_.to_dict()
    assert result["participant"] == enrolment.pseudonym
    assert result["effect"]["mean"] == pytest.approx(-2.0, abs=0.5)
    assert result["prob_benefit"] > 0.99


# -- screening and consent -----------------------------------------------------------------------


def test_an_ineligible_participant_cannot_be_enrolled(clinician, participant, trial):
    enrolment = add_participant(clinician, trial, participant, TODAY)
    screening = screen_participant(clinician, enrolment, medications=["Co-codamol 30/500"], **CLEAR)
    assert screening.status == "ineligible"
    assert any("opioid" in reason["message"].lower() for reason in screening.reasons)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.INELIGIBLE
    with pytest.raises(WorkflowError):
        record_consent(participant, enrolment, trial.consent_versions.get())
    with pytest.raises(WorkflowError, match="not eligible"):
        enrol(clinician, enrolment)
    with pytest.raises(WorkflowError, match="never be overridden"):
        override_review(clinician, screening, "I know best")
    assert not SealedAllocationRecord.objects.exists()


def test_needs_review_needs_a_signed_override(clinician, participant, trial):
    enrolment = add_participant(clinician, trial, participant, TODAY)
    screening = screen_participant(
        clinician, enrolment, pregnant=False, breastfeeding=False
    )  # no liver values
    assert screening.status == "needs-review"
    with pytest.raises(WorkflowError):
        enrol(clinician, enrolment)
    with pytest.raises(EntryError, match="reason"):
        override_review(clinician, screening, "  ")

    override = override_review(clinician, screening, "ALT 25, AST 30 on the GP's letter of 1 Feb")
    assert override.signed_by == clinician and override.signed_at is not None
    assert len(override.signature) == 64
    assert audited(Action.OVERRIDE, override).count() == 1
    with pytest.raises(WorkflowError, match="already"):
        override_review(clinician, screening, "again")
    record_consent(participant, enrolment, trial.consent_versions.get())
    assert enrol(clinician, enrolment).status == EnrolmentStatus.ENROLLED


def test_screening_again_replaces_a_signed_override(clinician, participant, trial):
    enrolment = add_participant(clinician, trial, participant, TODAY)
    first = screen_participant(clinician, enrolment, pregnant=False, breastfeeding=False)
    override_review(clinician, first, "liver values seen on paper")
    screen_participant(clinician, enrolment, medications=["tramadol"], **CLEAR)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.INELIGIBLE
    with pytest.raises(WorkflowError):
        enrol(clinician, enrolment)


def test_consent_keeps_the_text_agreed_to_when_the_version_text_changes(
    clinician, participant, trial
):
    enrolment = add_participant(clinician, trial, participant, TODAY)
    screen_participant(clinician, enrolment, **CLEAR)
    version = trial.consent_versions.get()
    consent = record_consent(participant, enrolment, version)
    type(version).objects.filter(pk=version.pk).update(text="Something else entirely.")
    consent.refresh_from_db()
    assert consent.text == CONSENT
    assert consent.agreed_by == participant
    assert audited(Action.CREATE, consent).get().new["text"] == CONSENT


def test_a_newer_consent_text_must_be_agreed_before_enrolment(clinician, participant, trial):
    enrolment = consented(clinician, trial, participant)
    old = trial.consent_versions.get()
    new = add_consent_version(clinician, trial, CONSENT + " Blood tests are at the GP.")
    assert new.version == 2
    with pytest.raises(WorkflowError, match="consent"):
        enrol(clinician, enrolment)
    with pytest.raises(WorkflowError, match="newer"):
        record_consent(participant, enrolment, old)
    record_consent(participant, enrolment, new)
    assert enrol(clinician, enrolment).status == EnrolmentStatus.ENROLLED


def test_a_carer_can_consent_on_the_participants_behalf(clinician, participant, trial):
    from nof1.web.trials.services import add_proxy

    carer = make_user(Role.PARTICIPANT)
    enrolment = add_participant(clinician, trial, participant, TODAY)
    screen_participant(clinician, enrolment, **CLEAR)
    with pytest.raises(PermissionDenied):
        record_consent(carer, enrolment, trial.consent_versions.get())
    add_proxy(participant, enrolment, carer)
    consent = record_consent(carer, enrolment, trial.consent_versions.get())
    assert consent.agreed_by == carer


# -- who may do what -----------------------------------------------------------------------------


def test_the_clinician_of_another_trial_cannot_screen_or_enrol(
    clinician, other_clinician, participant, trial
):
    enrolment = add_participant(clinician, trial, participant, TODAY)
    with pytest.raises(PermissionDenied):
        screen_participant(other_clinician, enrolment, **CLEAR)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, trial.consent_versions.get())
    with pytest.raises(PermissionDenied):
        enrol(other_clinician, enrolment)
    with pytest.raises(PermissionDenied):
        add_participant(other_clinician, trial, make_user(Role.PARTICIPANT), TODAY)
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=other_clinician)
    assert denied.count() == 3
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONSENTED


def test_another_pharmacist_cannot_see_the_kit_sheet(clinician, pharmacist, participant, trial):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    stranger = make_user(Role.PHARMACIST)
    for user in (stranger, clinician, participant):
        with pytest.raises(PermissionDenied):
            kit_sheet_rows(user, enrolment)
    with pytest.raises(PermissionDenied):
        confirm_dispensed(stranger, enrolment.kits.first())
    assert len(kit_sheet_rows(pharmacist, enrolment)) == 6 * 3  # kits x titration steps
    opened = AuditEvent.objects.filter(action=Action.UNBLIND, actor=pharmacist)
    assert opened.get().reason == "kit sheet"


def test_only_a_pharmacist_account_can_be_a_trials_pharmacist(clinician, other_clinician):
    with pytest.raises(EntryError, match="pharmacist"):
        create_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=other_clinician)
    with pytest.raises(PermissionDenied):
        create_trial(make_user(Role.PHARMACIST), template_name="ldn-mecfs-standard",
                     pharmacist=make_user(Role.PHARMACIST))  # fmt: skip


def test_a_protocol_that_does_not_validate_is_refused(clinician, pharmacist):
    text = load_template_text().replace("pairs = 3", "pairs = 0")
    with pytest.raises(ProtocolError, match="design.pairs"):
        create_trial(clinician, protocol_text=text, pharmacist=pharmacist)
    with pytest.raises(ProtocolError, match="TOML"):
        create_trial(clinician, protocol_text="this is = = not toml", pharmacist=pharmacist)


def load_template_text() -> str:
    from nof1.protocol import template_text

    return template_text("ldn-mecfs-standard")


# -- randomisation, kits and keys ----------------------------------------------------------------


def test_enrolling_twice_never_redraws_the_allocation(clinician, participant, trial):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    sealed = SealedAllocationRecord.objects.get(enrolment=enrolment)
    with pytest.raises(WorkflowError, match="never redrawn"):
        enrol(clinician, enrolment)
    assert SealedAllocationRecord.objects.get(enrolment=enrolment).pk == sealed.pk
    assert Kit.objects.filter(enrolment=enrolment).count() == 6


def test_the_stored_allocation_names_no_arm_and_its_key_is_wrapped(clinician, participant, trial):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    sealed = SealedAllocationRecord.objects.get(enrolment=enrolment)
    header = json.loads(sealed.sealed_json)["header"]  # the rest is ciphertext
    assert header["participant"] == enrolment.pseudonym
    assert PROTOCOL.blinding_leaks(json.dumps(header)) == []
    key = AllocationKey.objects.get(sealed=sealed)
    secret = keys.unwrap(key.wrapped, key.wrapped_by, bound_to=str(enrolment.pk))
    assert len(secret) == 43 and secret not in key.wrapped
    with pytest.raises(KeyUnavailableError, match="moved"):
        keys.unwrap(key.wrapped, key.wrapped_by, bound_to=str(trial.pk))
    assert "wrapped" not in audited(Action.CREATE, key).get().new
    assert secret not in repr(key)


def test_a_different_server_key_is_named_not_mistaken_for_damage(
    clinician, pharmacist, participant, trial, monkeypatch
):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    monkeypatch.setenv(keys.ENV, generate_key())
    with pytest.raises(KeyUnavailableError, match="server key"):
        kit_sheet_rows(pharmacist, enrolment)
    refused = AuditEvent.objects.filter(action=Action.UNBLIND, actor=pharmacist).get()
    assert refused.new["outcome"] == "refused: key unavailable"


def test_dispensing_is_confirmed_once_by_the_trials_pharmacist(
    clinician, pharmacist, participant, trial
):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    kit = enrolment.kits.get(period=1)
    kit = confirm_dispensed(pharmacist, kit)
    assert (kit.status, kit.dispensed_by) == (KitStatus.DISPENSED, pharmacist)
    with pytest.raises(WorkflowError, match="already"):
        confirm_dispensed(pharmacist, kit)
    change = audited(Action.DISPENSE, kit).get()
    assert change.old["status"] == "to_dispense" and change.new["status"] == "dispensed"


# -- unblinding ----------------------------------------------------------------------------------


def test_unblinding_waits_for_the_end_except_one_period_in_an_emergency(
    clinician, pharmacist, participant, trial, today
):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    schedule = enrolment.schedule()
    today.set(schedule.periods[1].first)
    with pytest.raises(WorkflowError, match="emergency"):
        unblind(clinician, enrolment, "curious")
    with pytest.raises(WorkflowError, match="not started"):
        unblind(clinician, enrolment, "severe rash", period=3)
    with pytest.raises(PermissionDenied):
        unblind(participant, enrolment, "I want to know", period=2)
    with pytest.raises(EntryError):
        unblind(clinician, enrolment, " ", period=2)

    event = unblind(clinician, enrolment, "severe rash: which capsules?", period=2)
    assert event.scope == "period" and event.revealed["period"] == 2
    assert event.revealed["arm"] in PROTOCOL.arm_ids
    logged = audited(Action.UNBLIND, event).get()
    assert logged.new["what"] == "period 2" and logged.new["outcome"] == "revealed"
    assert "arm" not in logged.new
    with pytest.raises(WorkflowError, match="unblinded"):
        daily_table(clinician, enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED

    today.set(schedule.end + dt.timedelta(days=1))
    unblind(pharmacist, enrolment, "end of trial")
    assert UnblindingEvent.objects.filter(enrolment=enrolment, outcome="revealed").count() == 2


# -- the audit trail -----------------------------------------------------------------------------


def test_every_clinical_write_is_in_the_audit_trail(clinician, participant, trial):
    enrolment = add_participant(clinician, trial, participant, TODAY)
    screening = screen_participant(clinician, enrolment, **CLEAR)
    consent = record_consent(participant, enrolment, trial.consent_versions.get())
    enrolment = enrol(clinician, enrolment)
    sealed = SealedAllocationRecord.objects.get(enrolment=enrolment)

    for row in (trial, *trial.consent_versions.all(), enrolment, screening, consent, sealed):
        assert audited(Action.CREATE, row).count() == 1, row
    for row in (*enrolment.kits.all(), sealed.key):
        assert audited(Action.CREATE, row).count() == 1, row
    assert audited(Action.RANDOMISE, enrolment).count() == 1
    statuses = [
        (event.old["status"], event.new["status"])
        for event in audited(Action.UPDATE, enrolment)
        if "status" in event.new
    ]
    assert statuses == [
        ("screening", "eligible"),
        ("eligible", "consented"),
        ("consented", "enrolled"),
    ]
    assert [e.to_status for e in enrolment.status_events.order_by("created_at")] == [
        "screening",
        "eligible",
        "consented",
        "enrolled",
    ]
    assert audited(Action.UPDATE, trial).get().new["status"] == "open"


def test_a_participant_may_withdraw_without_giving_a_reason(clinician, participant, trial):
    enrolment = enrol(clinician, consented(clinician, trial, participant))
    with pytest.raises(EntryError):
        withdraw(clinician, enrolment, "")
    withdraw(participant, enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.status_events.last().reason == "withdrawn by the participant"
