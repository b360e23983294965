"""The researcher's standard-format downloads: FHIR R5, CDISC ODM 1.3.2 (with the diary's
audit records) and REDCap, one protocol at a time, of the same pseudonymised pooled table."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from personas import make_user
from test_research_support import (
    AFTER_THE_END,
    ISO_DATE,
    START,
    add_dose_finding,
    build_pool,
    enrolled,
    identifying_strings,
)

from nof1 import data
from nof1.interop import read_redcap
from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.diary.services import submit_day, submit_weekly
from nof1.web.trials import clock
from nof1.web.trials.services import add_proxy, unblind

pytestmark = pytest.mark.django_db

CSV_URL = reverse("research:export_csv")
FHIR_URL = reverse("research:export_fhir")
ODM_URL = reverse("research:export_odm")
REDCAP_URL = reverse("research:export_redcap")
URLS = {"fhir": FHIR_URL, "odm": ODM_URL, "redcap": REDCAP_URL}
OUTCOMES = [
    "fatigue", "pain", "brain_fog", "unrefreshing_sleep", "orthostatic", "overall",
    "promis_fatigue",
]
ODM = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
DAY_21 = START + dt.timedelta(days=20)  # trial day 21
DAY_22 = START + dt.timedelta(days=21)


@pytest.fixture(autouse=True)
def after_the_end(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: AFTER_THE_END)


@pytest.fixture
def pool(clinician, pharmacist):
    return build_pool(clinician, pharmacist, effects=(-2.0, -1.0))


def at(day: dt.date, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC)


@pytest.fixture
def corrected(clinician, pool, monkeypatch):
    """A completed participant whose diary was entered, then changed, through the services:
    day 21's fatigue 5 -> 7 by the participant; its pain 3 -> 4 by a carer the next day; a
    weekly score on day 21. The notes name a person, as notes may."""
    person = make_user(Role.PARTICIPANT, display_name="Tess Quokka", email="tess@quokka.test")
    carer = make_user(Role.PARTICIPANT, display_name="Carla Quokka", email="carla@quokka.test")
    pool.people += [person, carer]
    enrolment = enrolled(clinician, pool.trial, person)
    add_proxy(clinician, enrolment, carer)
    note = "ibuprofen from Dr Secret's clinic"
    with monkeypatch.context() as m:
        m.setattr(clock, "today", lambda: DAY_21)
        m.setattr(timezone, "now", lambda: at(DAY_21, 14, 5, 30))
        submit_day(person, enrolment, DAY_21, values={"fatigue": 5, "pain": 3},
                   other_medicines=note)
        submit_weekly(person, enrolment, START + dt.timedelta(days=14), "promis_fatigue", 55.0)
        m.setattr(timezone, "now", lambda: at(DAY_21, 14, 35))
        submit_day(person, enrolment, DAY_21, values={"fatigue": 7, "pain": 3},
                   other_medicines=note)
        m.setattr(clock, "today", lambda: DAY_22)
        m.setattr(timezone, "now", lambda: at(DAY_22, 9, 0))
        submit_day(carer, enrolment, DAY_21, values={"fatigue": 7, "pain": 4},
                   other_medicines=f"{note}, says Carla")
    unblind(clinician, enrolment, "end of trial")
    enrolment.refresh_from_db()
    pool.completed.append(enrolment)
    return SimpleNamespace(enrolment=enrolment, person=person, carer=carer)


def pooled(client, **query) -> pd.DataFrame:
    """The CSV export of the same selection: the table every standard file must match."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(client.get(CSV_URL, query).content)
        return data.load(path)


def odm_schema():
    spec = importlib.util.find_spec("defineutils")
    assert spec is not None and spec.submodule_search_locations, "defineutils ships the XSD"
    path = Path(spec.submodule_search_locations[0], "validate/schema/cdisc-odm-1.3.2/ODM1-3-2.xsd")
    return etree.XMLSchema(etree.parse(str(path)))


def redcap_files(response) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def item_values(root, participant: str, item: str) -> dict[int, float]:
    subject = root.find(f"odm:ClinicalData/odm:SubjectData[@SubjectKey='{participant}']", ODM)
    found = {}
    for event in subject.findall("odm:StudyEventData", ODM):
        for value in event.findall(f".//odm:ItemData[@ItemOID='IT.{item.upper()}']", ODM):
            if value.get("Value") is not None:
                found[int(event.get("StudyEventRepeatKey"))] = float(value.get("Value"))
    return found


def table_values(table: pd.DataFrame, participant: str, item: str) -> dict[int, float]:
    rows = table[(table["participant"] == participant) & table[item].notna()]
    return {int(d): float(v) for d, v in zip(rows["day"], rows[item], strict=True)}


# -- each format, for a researcher ---------------------------------------------------------------


def test_the_fhir_bundle_downloads_and_validates_as_fhir_r5(client_for, researcher, pool):
    from fhir.resources.bundle import Bundle

    client = client_for(researcher)
    response = client.get(FHIR_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert 'filename="nof1-ldn-mecfs-standard-v1.fhir.json"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    bundle = Bundle.model_validate_json(response.content)
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    table = pooled(client)
    assert kinds.count("ResearchSubject") == len(pool.completed)
    assert kinds.count("QuestionnaireResponse") == table[OUTCOMES].notna().any(axis=1).sum()
    fatigue = [
        float(item.answer[0].valueDecimal)
        for entry in bundle.entry if entry.resource.get_resource_type() == "QuestionnaireResponse"
        for item in entry.resource.item if item.linkId == "fatigue"
    ]
    assert sorted(fatigue) == sorted(table["fatigue"].dropna())


def test_the_odm_file_downloads_and_validates_against_the_odm_1_3_2_schema(
    client_for, researcher, pool, corrected
):
    client = client_for(researcher)
    response = client.get(ODM_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert 'filename="nof1-ldn-mecfs-standard-v1.odm.xml"' in response["Content-Disposition"]
    root = etree.fromstring(response.content)
    schema = odm_schema()
    assert schema.validate(root), schema.error_log
    subjects = root.findall("odm:ClinicalData/odm:SubjectData", ODM)
    assert {s.get("SubjectKey") for s in subjects} == {e.pseudonym for e in pool.completed}
    table = pooled(client)
    for enrolment in pool.completed:
        for item in ("fatigue", "pain", "promis_fatigue"):
            assert item_values(root, enrolment.pseudonym, item) == table_values(
                table, enrolment.pseudonym, item
            )


def test_the_redcap_zip_round_trips_to_the_pooled_tables_outcome_values(
    client_for, researcher, pool
):
    client = client_for(researcher)
    response = client.get(REDCAP_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="nof1-ldn-mecfs-standard-v1-redcap.zip"' in response["Content-Disposition"]
    files = redcap_files(response)
    stem = "nof1-ldn-mecfs-standard-v1-redcap"
    assert set(files) == {f"{stem}-dictionary.csv", f"{stem}-records.csv", "README.txt"}
    outcomes, table = read_redcap(
        io.StringIO(files[f"{stem}-dictionary.csv"]), io.StringIO(files[f"{stem}-records.csv"])
    )
    assert [o.id for o in outcomes] == OUTCOMES
    expected = pooled(client)
    keys = ["participant", "day"]
    got = table.sort_values(keys).reset_index(drop=True)
    want = expected.sort_values(keys).reset_index(drop=True)
    assert got["participant"].tolist() == want["participant"].tolist()
    assert got["day"].tolist() == want["day"].tolist()
    for outcome in OUTCOMES:
        np.testing.assert_allclose(
            got[outcome].astype(float), want[outcome].astype(float), equal_nan=True
        )
    assert got["arm"].tolist() == want["arm"].tolist()


# -- nothing identifying -------------------------------------------------------------------------


def test_no_file_holds_a_name_an_email_an_id_a_title_a_note_or_a_real_diary_date(
    client_for, researcher, pool, corrected
):
    client = client_for(researcher)
    texts = {
        "fhir": client.get(FHIR_URL).content.decode(),
        "odm": client.get(ODM_URL).content.decode(),
        "redcap": "\n".join(redcap_files(client.get(REDCAP_URL)).values()),
    }
    forbidden = [*identifying_strings(pool), str(corrected.carer.pk), "ibuprofen", "Carla"]
    forbidden += [DAY_21.isoformat(), DAY_22.isoformat()]
    for fmt, text in texts.items():
        for identifying in forbidden:
            assert identifying not in text, (fmt, identifying)
        assert pool.in_progress.pseudonym not in text
        assert pool.withdrawn.pseudonym not in text
    assert not ISO_DATE.search(texts["fhir"])
    assert not ISO_DATE.search(texts["redcap"])
    # ODM: audit stamps on the shifted clock (1900), and the download's own creation time
    root = etree.fromstring(texts["odm"].encode())
    created = root.get("CreationDateTime")[:10]
    assert {d for d in ISO_DATE.findall(texts["odm"]) if not d.startswith("1900-")} == {created}
    logins = {u.text for u in root.iterfind(".//odm:AdminData/odm:User/odm:LoginName", ODM)}
    assert logins == {"participant", "carer"}


# -- audit records -------------------------------------------------------------------------------


def test_a_diary_value_changed_after_entry_shows_up_as_an_audit_record(
    client_for, researcher, pool, corrected
):
    root = etree.fromstring(client_for(researcher).get(ODM_URL).content)
    users = {
        u.get("OID"): u.findtext("odm:LoginName", namespaces=ODM)
        for u in root.iterfind(".//odm:AdminData/odm:User", ODM)
    }
    subject = root.find(
        f"odm:ClinicalData/odm:SubjectData[@SubjectKey='{corrected.enrolment.pseudonym}']", ODM
    )
    day = subject.find("odm:StudyEventData[@StudyEventRepeatKey='21']", ODM)

    def item(name):
        return day.find(f".//odm:ItemData[@ItemOID='IT.{name}']", ODM)

    fatigue = item("FATIGUE")
    assert fatigue.get("Value") == "7"
    record = fatigue.find("odm:AuditRecord", ODM)
    assert users[record.find("odm:UserRef", ODM).get("UserOID")] == "participant"
    assert record.findtext("odm:DateTimeStamp", namespaces=ODM) == "1900-01-21T14:35:00+00:00"
    assert record.findtext("odm:ReasonForChange", namespaces=ODM) == (
        "changed from 5 to 7: the same day entered again"
    )
    first = [c.text for c in fatigue.iterfind("odm:Annotation/odm:Comment", ODM)]
    assert first == ["1900-01-21T14:05:30+00:00 participant at nof1: first entry: 5"]

    pain = item("PAIN")
    assert pain.get("Value") == "4"
    record = pain.find("odm:AuditRecord", ODM)
    assert users[record.find("odm:UserRef", ODM).get("UserOID")] == "carer"
    assert record.findtext("odm:DateTimeStamp", namespaces=ODM) == "1900-01-22T09:00:00+00:00"
    assert record.findtext("odm:ReasonForChange", namespaces=ODM) == (
        "changed from 3 to 4: the same day entered again"
    )

    weekly = item("PROMIS_FATIGUE")
    assert weekly.get("Value") == "55"
    assert weekly.findtext("odm:AuditRecord/odm:ReasonForChange", namespaces=ODM) == (
        "first entry: 55"
    )
    # values nobody touched through the services (the bulk-written diaries) carry none
    others = root.findall(
        f"odm:ClinicalData/odm:SubjectData[@SubjectKey='{pool.completed[0].pseudonym}']"
        "//odm:AuditRecord",
        ODM,
    )
    assert others == []
    assert len(root.findall(".//odm:AuditRecord", ODM)) == 3


def test_a_reason_that_may_be_free_text_is_not_copied(client_for, researcher, pool, corrected):
    from nof1.web.audit.services import record
    from nof1.web.diary.models import DiaryEntry

    entry = DiaryEntry.objects.get(enrolment=corrected.enrolment, day=DAY_21)
    record(
        actor=corrected.person, action=Action.UPDATE, target=entry,
        old={"values": {"fatigue": 7}}, new={"values": {"fatigue": 6}},
        reason="Tess Quokka rang from Dr Secret's clinic",
    )
    text = client_for(researcher).get(ODM_URL).content.decode()
    assert "Dr Secret" not in text and "Tess" not in text
    root = etree.fromstring(text.encode())
    reasons = [r.text for r in root.iterfind(".//odm:ReasonForChange", ODM)]
    assert "changed from 7 to 6: reason kept in the site's audit trail" in reasons


# -- one protocol at a time ----------------------------------------------------------------------


def test_with_several_protocols_and_none_chosen_it_asks_which(
    client_for, clinician, pharmacist, researcher, pool
):
    other = add_dose_finding(clinician, pharmacist, pool)
    client = client_for(researcher)
    response = client.get(ODM_URL)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a protocol" in page
    assert "protocol=ldn-mecfs-standard%401" in page
    assert "protocol=ldn-mecfs-dose-finding%401" in page
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

    chosen = client.get(ODM_URL, {"protocol": "ldn-mecfs-dose-finding"})
    assert chosen.status_code == 200
    root = etree.fromstring(chosen.content)
    keys = {s.get("SubjectKey") for s in root.iterfind(".//odm:SubjectData", ODM)}
    assert keys == {other.pseudonym}
    by_version = client.get(FHIR_URL, {"protocol": "ldn-mecfs-standard@1"})
    assert by_version.status_code == 200
    assert other.pseudonym.encode() not in by_version.content


def test_a_protocol_the_selection_does_not_hold_is_404(client_for, researcher, pool):
    response = client_for(researcher).get(REDCAP_URL, {"protocol": "ldn-mecfs-dose-finding"})
    assert response.status_code == 404
    assert b"no trial of that protocol" in response.content


def test_the_start_page_offers_each_format_per_protocol(client_for, researcher, pool):
    page = client_for(researcher).get(reverse("research:index")).content.decode()
    for url in URLS.values():
        assert url in page
    assert 'name="protocol" value="ldn-mecfs-standard@1"' in page


# -- selection, roles, audit ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(URLS))
@pytest.mark.parametrize("which", ["in_progress", "withdrawn"])
def test_a_selection_naming_a_participant_who_has_not_completed_is_404(
    client_for, researcher, pool, fmt, which
):
    asked = getattr(pool, which).pseudonym
    response = client_for(researcher).get(
        URLS[fmt], {"participant": [pool.completed[0].pseudonym, asked]}
    )
    assert response.status_code == 404
    assert asked.encode() not in response.content
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=researcher).exists()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_a_selection_exports_only_those_participants(client_for, researcher, pool):
    chosen = pool.completed[1].pseudonym
    response = client_for(researcher).get(ODM_URL, {"participant": chosen})
    root = etree.fromstring(response.content)
    assert {s.get("SubjectKey") for s in root.iterfind(".//odm:SubjectData", ODM)} == {chosen}


@pytest.mark.parametrize("fmt", sorted(URLS))
def test_every_download_is_recorded_as_an_export(client_for, researcher, pool, fmt):
    assert client_for(researcher).get(URLS[fmt]).status_code == 200
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.actor == researcher
    assert event.new["format"] == fmt
    assert event.new["protocol"] == "ldn-mecfs-standard@1"
    assert sorted(event.new["participants"]) == sorted(e.pseudonym for e in pool.completed)


def test_with_nothing_completed_there_is_nothing_to_export(client_for, researcher):
    for url in URLS.values():
        response = client_for(researcher).get(url)
        assert response.status_code == 404
        assert b"Nothing to export yet" in response.content


@pytest.mark.parametrize("persona", ["participant", "clinician", "pharmacist", "admin"])
def test_other_roles_are_refused(client_for, persona, request, pool):
    user = request.getfixturevalue(persona)
    for url in URLS.values():
        assert client_for(user).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_they_answer_get_only(client_for, researcher, pool):
    for url in URLS.values():
        assert client_for(researcher).post(url).status_code == 405


def test_the_redcap_zip_carries_no_download_time(client_for, researcher, pool):
    with zipfile.ZipFile(io.BytesIO(client_for(researcher).get(REDCAP_URL).content)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_audit_stamps_are_on_each_participants_trial_clock():
    from nof1.web.research.standards import trial_time

    first = dt.date(2025, 6, 2)
    assert trial_time(at(first, 0, 0), first) == dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    stamp = trial_time(at(first + dt.timedelta(days=11), 14, 5, 9) + dt.timedelta(
        microseconds=500), first)
    assert stamp.isoformat() == "1900-01-12T14:05:09+00:00"  # the date is the trial day
