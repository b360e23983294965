"""Adding (or discarding) a checked upload: the days stored, merge rules, audit, access."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import math
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    carer,
    enrolment,
    pat,
    today,
    trial,
    unblinded,
)
from test_research_support import AFTER_THE_END, STANDARD_COLUMNS, build_pool
from wearable_files import apple_zip, uploaded

from nof1.web.audit.models import Action, AuditEvent
from nof1.web.diary.table import daily_table
from nof1.web.research.pooling import pooled_table
from nof1.web.trials import clock
from nof1.web.trials.errors import WorkflowError
from nof1.web.wearables.models import ImportStatus, WearableDay, WearableImport
from nof1.web.wearables.services import ConflictError, confirm, discard, discard_stale, preview

pytestmark = pytest.mark.django_db
WEARABLE = ["steps", "resting_hr", "hrv_sdnn_ms", "hrv_rmssd_ms", "sleep_hours"]
MARCH_28, MARCH_29 = dt.date(2026, 3, 28), dt.date(2026, 3, 29)
CSV_5000 = b"date,steps\n2026-03-28,5000\n"


def page_of(pending):
    return reverse("participant:wearables:import", args=[pending.enrolment_id, pending.pk])


def sent(user, enrolment, name="export.zip", data=None):
    return preview(user, enrolment, uploaded(name, apple_zip() if data is None else data))


def decide(client, pending, action="confirm", **more):
    return client.post(page_of(pending), {"action": action, **more})


def test_adding_stores_the_days_and_says_so(pat, participant, enrolment):
    pending = sent(participant, enrolment)
    response = decide(pat, pending)
    assert response.status_code == 302 and response["Location"] == page_of(pending)
    body = pat.get(page_of(pending)).content.decode()
    assert "Wearable data added" in body and "Added 5 values" in body
    days = {day.date: day for day in WearableDay.objects.filter(enrolment=enrolment)}
    assert sorted(days) == [MARCH_28, MARCH_29]  # the day before the trial is left out
    assert (days[MARCH_28].steps, days[MARCH_28].resting_hr) == (1000.0, 56.0)
    assert days[MARCH_28].hrv_sdnn_ms == 45.0 and days[MARCH_28].sleep_hours is None
    assert (days[MARCH_29].steps, days[MARCH_29].sleep_hours) == (500.0, 7.0)
    assert {day.source_import_id for day in days.values()} == {pending.pk}
    pending.refresh_from_db()
    assert pending.status == ImportStatus.CONFIRMED and pending.daily == []
    assert (pending.decided_by, pending.values_added) == (participant, 5)


def test_the_daily_table_gets_the_wearable_columns_after_the_outcomes(
    clinician, participant, enrolment, today
):
    confirm(participant, sent(participant, enrolment))
    today.set(dt.date(2026, 3, 30))
    table = daily_table(clinician, enrolment, after_unblinding=False)
    columns = list(table.columns)
    assert columns[columns.index("promis_fatigue") + 1: columns.index("diary")] == WEARABLE
    row = table.set_index("date").loc["2026-03-28"]
    assert (row["steps"], row["resting_hr"], row["hrv_sdnn_ms"]) == (1000.0, 56.0, 45.0)
    assert math.isnan(row["hrv_rmssd_ms"]) and math.isnan(row["sleep_hours"])
    assert table["steps"].notna().sum() == 2


def test_without_wearable_days_the_daily_table_is_as_before(clinician, enrolment):
    columns = list(daily_table(clinician, enrolment, after_unblinding=False).columns)
    assert not set(WEARABLE) & set(columns)


def test_the_unblinded_table_with_wearable_columns_is_a_valid_canonical_table(
    clinician, participant, enrolment, today
):
    confirm(participant, sent(participant, enrolment))
    unblinded(clinician, enrolment, today)
    table = daily_table(clinician, enrolment)
    assert "arm" in table.columns and table["steps"].notna().sum() == 2


def test_the_same_file_again_changes_nothing_and_says_so(pat, participant, enrolment):
    confirm(participant, sent(participant, enrolment))
    stored = list(WearableDay.objects.values())
    audited = AuditEvent.objects.filter(table="wearables.WearableDay").count()
    again = sent(participant, enrolment)
    decide(pat, again)
    body = pat.get(page_of(again)).content.decode()
    assert "Already imported: nothing changed." in body
    assert list(WearableDay.objects.values()) == stored
    assert AuditEvent.objects.filter(table="wearables.WearableDay").count() == audited
    again.refresh_from_db()
    assert (again.status, again.values_added, again.values_replaced) == ("confirmed", 0, 0)


def test_a_different_value_for_a_stored_day_is_refused_unless_replace_is_ticked(
    pat, participant, enrolment
):
    confirm(participant, sent(participant, enrolment))
    other = sent(participant, enrolment, "steps.csv", CSV_5000)
    response = decide(pat, other)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was stored" in body and "differs from what is already stored" in body
    assert "28 March 2026, steps: stored 1,000, this file 5,000" in body
    assert "Replace the stored values" in body  # offered only now
    assert WearableDay.objects.get(date=MARCH_28).steps == 1000.0
    assert WearableImport.objects.get(pk=other.pk).status == ImportStatus.PENDING

    assert decide(pat, other, replace="on").status_code == 302
    day = WearableDay.objects.get(date=MARCH_28)
    assert (day.steps, day.resting_hr, day.source_import_id) == (5000.0, 56.0, other.pk)
    other.refresh_from_db()
    assert (other.values_added, other.values_replaced) == (0, 1)
    assert "replaced 1" in pat.get(page_of(other)).content.decode()


def test_the_service_names_the_conflict(participant, enrolment):
    confirm(participant, sent(participant, enrolment))
    with pytest.raises(ConflictError) as refused:
        confirm(participant, sent(participant, enrolment, "steps.csv", CSV_5000))
    [conflict] = refused.value.conflicts
    assert (conflict.date, conflict.column, conflict.stored, conflict.imported) == (
        MARCH_28, "steps", 1000.0, 5000.0)
    message = str(refused.value)
    assert "Nothing was stored" in message and "Replace the stored values" in message
    assert "steps on 28 March 2026: stored 1000, this file 5000" in message


def test_discarding_stores_nothing_and_forgets_the_days(pat, participant, enrolment):
    pending = sent(participant, enrolment)
    assert decide(pat, pending, "discard").status_code == 302
    assert "Nothing from export.zip was added" in pat.get(page_of(pending)).content.decode()
    pending.refresh_from_db()
    assert pending.status == ImportStatus.DISCARDED and pending.daily == []
    assert not WearableDay.objects.exists()


def test_a_decided_upload_cannot_be_decided_again(pat, participant, enrolment):
    pending = sent(participant, enrolment)
    discard(participant, pending)
    with pytest.raises(WorkflowError, match="already discarded"):
        confirm(participant, pending)
    response = decide(pat, pending)
    assert response.status_code == 400 and "already discarded" in response.content.decode()
    assert not WearableDay.objects.exists()


def test_an_upload_left_pending_for_a_week_is_discarded_by_the_nightly_checks(
    participant, enrolment
):
    forgotten, recent, added = (sent(participant, enrolment) for _ in range(3))
    confirm(participant, added)
    week_ago = timezone.now() - dt.timedelta(days=7, minutes=1)
    WearableImport.objects.filter(pk__in=[forgotten.pk, added.pk]).update(imported_at=week_ago)
    out = StringIO()
    call_command("nightly_checks", stdout=out)
    assert "wearable uploads discarded after 7 days: 1" in out.getvalue()
    forgotten.refresh_from_db()
    assert forgotten.status == ImportStatus.DISCARDED and forgotten.daily == []
    assert forgotten.decided_by is None and forgotten.sha256  # provenance kept
    assert WearableImport.objects.get(pk=recent.pk).status == ImportStatus.PENDING
    assert WearableImport.objects.get(pk=added.pk).status == ImportStatus.CONFIRMED
    event = AuditEvent.objects.filter(table="wearables.WearableImport").order_by("seq").last()
    assert event.object_id == str(forgotten.pk) and event.actor is None
    assert event.reason == "not added within 7 days" and "daily" not in event.new
    assert discard_stale(timezone.now()) == 0  # nothing left to do
    assert WearableDay.objects.count() == 2  # the added upload's days are untouched


def test_every_write_is_audited_without_copying_the_pending_days(participant, enrolment):
    pending = sent(participant, enrolment)
    confirm(participant, pending)
    events = AuditEvent.objects.filter(table="wearables.WearableImport").order_by("seq")
    assert [e.action for e in events] == [Action.CREATE, Action.UPDATE]
    assert "daily" not in events[0].new and events[0].new["sha256"] == pending.sha256
    assert events[1].old["status"] == "pending" and events[1].new["status"] == "confirmed"
    days = AuditEvent.objects.filter(table="wearables.WearableDay", action=Action.CREATE)
    assert sorted(e.new["date"] for e in days) == ["2026-03-28", "2026-03-29"]
    assert all(e.actor == participant for e in days)


def test_the_trials_clinician_and_a_carer_may_add_data(clinician, carer, enrolment):
    confirm(clinician, sent(clinician, enrolment))
    assert WearableDay.objects.count() == 2
    assert confirm(carer, sent(carer, enrolment)).values_added == 0


def test_staff_of_another_trial_are_refused_and_nothing_is_stored(
    other_clinician, pharmacist, participant, enrolment
):
    for person in (other_clinician, pharmacist):
        with pytest.raises(PermissionDenied):
            sent(person, enrolment)
    pending = sent(participant, enrolment)
    with pytest.raises(PermissionDenied):
        confirm(other_clinician, pending)
    with pytest.raises(PermissionDenied):
        discard(other_clinician, pending)
    assert not WearableDay.objects.exists()
    assert WearableImport.objects.get().status == ImportStatus.PENDING
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count() == 4


def test_adding_needs_the_csrf_token(client_for, participant, enrolment):
    pending = sent(participant, enrolment)
    client = client_for(participant, enforce_csrf_checks=True)
    assert decide(client, pending).status_code == 403
    assert decide(client, pending, "discard").status_code == 403
    assert WearableImport.objects.get().status == ImportStatus.PENDING


def test_research_exports_hold_the_wearable_columns_once_someone_has_them(
    monkeypatch, clinician, pharmacist, researcher
):
    monkeypatch.setattr(clock, "today", lambda: AFTER_THE_END)
    pool = build_pool(clinician, pharmacist, effects=(-2.0, -1.0))
    assert list(pooled_table(researcher, pool.completed).columns) == STANDARD_COLUMNS
    someone = pool.completed[0]
    source = WearableImport.objects.create(
        enrolment=someone, format="csv", file_name="steps.csv", sha256="0" * 64, size=1,
        status=ImportStatus.CONFIRMED, imported_at=timezone.now(), created_by=clinician,
    )
    WearableDay.objects.create(enrolment=someone, date=someone.start_date, steps=4321,
                               source_import=source, created_by=clinician)
    pooled = pooled_table(researcher, pool.completed)
    columns = list(pooled.columns)
    at = STANDARD_COLUMNS.index("diary")
    assert columns == [*STANDARD_COLUMNS[:at], *WEARABLE, *STANDARD_COLUMNS[at:]]
    assert pooled["steps"].notna().sum() == 1 and pooled["steps"].max() == 4321
