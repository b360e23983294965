"""The pseudonymised export of completed trials: the canonical daily table, CSV and Parquet."""

from __future__ import annotations

import csv
import io
import uuid

import pandas as pd
import pytest
from django.urls import reverse
from test_research_support import (
    AFTER_THE_END,
    ISO_DATE,
    STANDARD_COLUMNS,
    add_dose_finding,
    build_pool,
    identifying_strings,
)

from nof1 import data
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.trials import clock

pytestmark = pytest.mark.django_db

CSV_URL = reverse("research:export_csv")
PARQUET_URL = reverse("research:export_parquet")
DAYS = 182  # 14-day run-in and six 28-day periods


@pytest.fixture(autouse=True)
def after_the_end(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: AFTER_THE_END)


@pytest.fixture
def pool(clinician, pharmacist):
    return build_pool(clinician, pharmacist, effects=(-2.0, -1.0))


def downloaded(response, tmp_path, suffix):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(response.content)
    return data.load(path)


def test_the_csv_holds_exactly_the_canonical_columns_of_completed_trials(
    client_for, researcher, pool, tmp_path
):
    response = client_for(researcher).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="nof1-daily-table.csv"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == STANDARD_COLUMNS
    table = downloaded(response, tmp_path, ".csv")
    assert list(table.columns) == STANDARD_COLUMNS
    assert set(table["participant"]) == {e.pseudonym for e in pool.completed}
    assert len(table) == DAYS * len(pool.completed)
    assert table.groupby("participant")["day"].agg(["min", "max"]).values.tolist() == [
        [1, DAYS]
    ] * len(pool.completed)
    assert set(table["protocol_id"]) == {"ldn-mecfs-standard"}
    assert set(table["protocol_version"]) == {"v1"}
    assert set(table["trial_id"]) == {str(pool.trial.pk)}
    assert set(table["arm"]) == {"run-in", "placebo", "ldn-4.5mg"}
    assert table["fatigue"].notna().sum() == len(pool.completed) * (DAYS - DAYS // 10)


def test_it_holds_only_pseudonyms_and_day_numbers(client_for, researcher, pool):
    text = client_for(researcher).get(CSV_URL).content.decode()
    for identifying in identifying_strings(pool):
        assert identifying not in text
    assert not ISO_DATE.search(text)
    assert "ibuprofen" not in text  # free text the participant typed never leaves


def test_side_effects_and_a_flag_for_noted_changes_are_exported(
    client_for, researcher, pool, tmp_path
):
    table = downloaded(client_for(researcher).get(CSV_URL), tmp_path, ".csv")
    rated = table[table["diary"] == "complete"]
    assert set(rated["concurrent_change"]) == {0.0, 1.0}
    assert (rated["concurrent_change"] == rated["day"] % 2).all()  # noted on odd days only
    effects = rated["side_effects"].fillna("")
    on_drug = rated["arm"] == "ldn-4.5mg"
    assert set(effects[on_drug & (rated["day"] % 5 == 0)]) == {"vivid_dreams;nausea"}
    assert set(effects[~on_drug]) == {""}


def test_participants_still_in_a_trial_or_withdrawn_are_not_exported(client_for, researcher, pool):
    text = client_for(researcher).get(CSV_URL).content.decode()
    assert pool.in_progress.pseudonym not in text
    assert pool.withdrawn.pseudonym not in text


def test_the_parquet_file_loads_with_nof1_data_load(client_for, researcher, pool, tmp_path):
    client = client_for(researcher)
    response = client.get(PARQUET_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    table = downloaded(response, tmp_path, ".parquet")
    assert list(table.columns) == STANDARD_COLUMNS
    assert "date" not in table.columns
    from_csv = downloaded(client.get(CSV_URL), tmp_path, ".csv")
    pd.testing.assert_frame_equal(
        table[STANDARD_COLUMNS[:13]], from_csv[STANDARD_COLUMNS[:13]], check_dtype=False
    )


def test_trials_of_different_protocols_pool_into_one_table(
    client_for, clinician, pharmacist, researcher, pool, tmp_path
):
    other = add_dose_finding(clinician, pharmacist, pool)
    table = downloaded(client_for(researcher).get(PARQUET_URL), tmp_path, ".parquet")
    assert list(table.columns) == STANDARD_COLUMNS  # the two protocols share their outcomes
    theirs = table[table["participant"] == other.pseudonym]
    assert len(theirs) == other.trial.protocol.total_days
    assert set(theirs["protocol_id"]) == {"ldn-mecfs-dose-finding"}
    assert set(theirs["trial_id"]) == {str(other.trial_id)}
    assert set(theirs["arm"]) == {"run-in", "placebo", "ldn-1.5mg", "ldn-3mg", "ldn-4.5mg"}
    assert set(table["participant"]) == {e.pseudonym for e in pool.completed}


def test_a_selection_exports_only_those_participants(client_for, researcher, pool, tmp_path):
    chosen = pool.completed[1].pseudonym
    response = client_for(researcher).get(CSV_URL, {"participant": chosen})
    table = downloaded(response, tmp_path, ".csv")
    assert set(table["participant"]) == {chosen}


@pytest.mark.parametrize("which", ["in_progress", "withdrawn"])
def test_asking_for_a_participant_who_has_not_completed_is_404_and_recorded(
    client_for, researcher, pool, which
):
    asked = getattr(pool, which).pseudonym
    response = client_for(researcher).get(
        CSV_URL, {"participant": [pool.completed[0].pseudonym, asked]}
    )
    assert response.status_code == 404
    assert asked.encode() not in response.content
    refused = AuditEvent.objects.get(action=Action.ACCESS_DENIED, actor=researcher)
    assert refused.new["object_lookup"] == {"pseudonym": asked}
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_asking_by_user_or_enrolment_id_is_404(client_for, researcher, pool):
    client = client_for(researcher)
    for identifier in (pool.people[0].pk, pool.completed[0].pk, uuid.uuid4(), "<script>"):
        response = client.get(PARQUET_URL, {"participant": str(identifier)})
        assert response.status_code == 404
        assert b"<script>" not in response.content


def test_every_download_is_recorded(client_for, researcher, pool):
    client_for(researcher).get(PARQUET_URL)
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.actor == researcher
    assert event.new["format"] == "parquet"
    assert sorted(event.new["participants"]) == sorted(e.pseudonym for e in pool.completed)


def test_with_nothing_completed_there_is_nothing_to_export(client_for, researcher):
    response = client_for(researcher).get(CSV_URL)
    assert response.status_code == 404
    assert b"Nothing to export yet" in response.content


@pytest.mark.parametrize("persona", ["participant", "clinician", "pharmacist", "admin"])
def test_other_roles_are_refused(client_for, persona, request, pool):
    user = request.getfixturevalue(persona)
    for url in (CSV_URL, PARQUET_URL):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).get(url, headers={"HX-Request": "true"}).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_it_answers_get_only(client_for, researcher, pool):
    assert client_for(researcher).post(CSV_URL).status_code == 405
