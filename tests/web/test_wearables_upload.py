"""Sending a wearable export: the upload page, refusals of unsafe files, size, CSRF, access."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    carer,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)
from wearable_files import LAUGHS, apple_xml, apple_zip, bomb_zip, uploaded, zipped

from fit_encoder import BERLIN, berlin_week
from nof1.web.wearables.models import ImportStatus, WearableDay, WearableImport
from nof1.web.wearables.services import detect_format

pytestmark = pytest.mark.django_db


def upload_url(enrolment):
    return reverse("participant:wearables:upload", args=[enrolment.pk])


def send(client, enrolment, name, data, fmt="auto", **extra):
    return client.post(upload_url(enrolment), {"format": fmt, "file": uploaded(name, data)},
                       **extra)


def nothing_stored():
    return not WearableImport.objects.exists() and not WearableDay.objects.exists()


def test_the_trial_page_links_to_it(pat, enrolment):
    body = pat.get(url("home", enrolment)).content.decode()
    assert "Add wearable data" in body and upload_url(enrolment) in body


def test_the_page_offers_a_format_choice_and_a_progress_bar_that_needs_no_javascript(
    pat, enrolment
):
    response = pat.get(upload_url(enrolment))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body and 'method="post"' in body
    assert 'name="format"' in body and "Work it out for me" in body
    assert "<progress" in body and "htmx:xhr:progress" in body
    assert "data-progress hidden" in body  # shown only when htmx sends the form
    assert "2 March 2026" in body  # the trial's days: the only ones kept
    assert not leaks(enrolment, body)


def test_an_apple_export_opens_its_preview_and_stores_no_day_yet(pat, enrolment):
    response = send(pat, enrolment, "export.zip", apple_zip())
    pending = WearableImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "participant:wearables:import", args=[enrolment.pk, pending.pk]
    )
    assert pending.status == ImportStatus.PENDING and pending.format == "apple_health"
    assert [day["date"] for day in pending.daily] == ["2026-03-28", "2026-03-29"]
    assert not WearableDay.objects.exists()


def test_with_htmx_the_browser_is_sent_to_the_preview(pat, enrolment):
    response = send(pat, enrolment, "export.zip", apple_zip(), **HTMX)
    pending = WearableImport.objects.get()
    assert response["HX-Redirect"].endswith(f"/wearables/{pending.pk}/")


def test_a_carer_can_send_it_for_the_participant(client_for, carer, enrolment):
    response = send(client_for(carer), enrolment, "export.zip", apple_zip())
    assert response.status_code == 302
    assert WearableImport.objects.get().created_by == carer


def test_the_format_is_worked_out_from_the_file_name_or_the_zips_contents(tmp_path):
    assert detect_format("export.zip") == "apple_health"
    assert detect_format("export.xml") == "apple_health"
    assert detect_format("steps-2026-03-01.json") == "fitbit_takeout"
    assert detect_format("UDSFile_2026-01-01_2026-04-01.json") == "garmin_connect"
    assert detect_format("my days.csv") == "csv"
    assert detect_format("30001.FIT") == "garmin_connect"
    assert detect_format("notes.txt") is None
    renamed = tmp_path / "from my phone.zip"
    renamed.write_bytes(apple_zip())
    assert detect_format(renamed.name, renamed) == "apple_health"


def test_an_export_from_a_phone_in_spanish_is_recognised_and_read(pat, enrolment):
    spanish = zipped({"apple_health_export/exportar.xml": apple_xml(),
                      "apple_health_export/export_cda.xml": "<ClinicalDocument/>"})
    assert send(pat, enrolment, "exportar.zip", spanish).status_code == 302
    upload = WearableImport.objects.get()
    assert upload.format == "apple_health" and upload.days_in_file == 3


def test_a_garmin_fit_file_from_the_watch_is_recognised_and_read(pat, enrolment):
    assert send(pat, enrolment, "30001.FIT", berlin_week()).status_code == 302
    upload = WearableImport.objects.get()
    assert upload.format == "garmin_fit" and upload.days_in_file == 3
    assert {day["date"]: day["steps"] for day in upload.daily} == BERLIN
    page = pat.get(reverse("participant:wearables:import", args=[enrolment.pk, upload.pk]))
    assert "30001.FIT (Garmin FIT files)" in page.content.decode()
    assert 'accept=".zip,.xml,.json,.csv,.fit"' in pat.get(upload_url(enrolment)).content.decode()


def test_an_export_renamed_by_the_phone_is_still_recognised(pat, enrolment):
    assert send(pat, enrolment, "from my phone.zip", apple_zip()).status_code == 302
    assert WearableImport.objects.get().format == "apple_health"


def test_a_file_of_no_known_kind_asks_which_kind_it_is(pat, enrolment):
    response = send(pat, enrolment, "notes.txt", b"hello")
    assert response.status_code == 400
    assert "Which kind of file is this?" in response.content.decode()
    assert nothing_stored()


def test_an_entity_expansion_xml_is_refused_with_a_clear_message_and_nothing_stored(
    pat, enrolment
):
    response = send(pat, enrolment, "export.xml", LAUGHS.encode())
    body = response.content.decode()
    assert response.status_code == 400
    assert "nothing was stored" in body and "entit" in body and "billion laughs" in body
    assert "nof1-wearable-" not in body and "/tmp" not in body  # names the person's file only
    assert "export.xml" in body
    assert nothing_stored()


def test_an_entity_expansion_inside_a_zip_is_refused_too(pat, enrolment):
    data = zipped({"apple_health_export/export.xml": LAUGHS})
    response = send(pat, enrolment, "export.zip", data)
    assert response.status_code == 400
    assert "billion laughs" in response.content.decode()
    assert nothing_stored()


def test_a_zip_bomb_is_refused_with_a_clear_message_and_nothing_stored(pat, enrolment):
    response = send(pat, enrolment, "export.zip", bomb_zip())
    body = response.content.decode()
    assert response.status_code == 400
    assert "zip bomb" in body and "nothing was stored" in body
    assert nothing_stored()


def test_with_htmx_a_refusal_replaces_the_form_with_the_message(pat, enrolment):
    response = send(pat, enrolment, "export.zip", bomb_zip(), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert body.lstrip().startswith('<section id="wearable-upload"')
    assert "zip bomb" in body


def test_a_file_with_no_wearable_values_is_refused(pat, enrolment):
    response = send(pat, enrolment, "export.xml", apple_xml([]))
    assert response.status_code == 400
    assert "No steps, heart rate" in response.content.decode()
    assert nothing_stored()


@override_settings(WEARABLE_MAX_MB=1)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(pat, enrolment):
    response = send(pat, enrolment, "export.xml", b" " * (3 * 1024 * 1024))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert nothing_stored()


@override_settings(WEARABLE_MAX_MB=1)
def test_reading_stops_once_a_file_passes_the_size_limit(pat, enrolment):
    # within the form's slack, so the request's length alone does not refuse it
    response = send(pat, enrolment, "export.xml", b" " * (1024 * 1024 + 500_000))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert nothing_stored()


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_upload_larger_than_memory_goes_through_a_temporary_file(pat, enrolment):
    assert send(pat, enrolment, "export.zip", apple_zip()).status_code == 302
    assert len(WearableImport.objects.get().daily) == 2


def test_a_post_without_the_csrf_token_is_refused(client_for, participant, enrolment):
    client = client_for(participant, enforce_csrf_checks=True)
    assert send(client, enrolment, "export.zip", apple_zip()).status_code == 403
    assert nothing_stored()
    client.get(upload_url(enrolment))
    token = client.cookies["csrftoken"].value
    response = client.post(upload_url(enrolment), {
        "format": "auto", "file": uploaded("export.zip", apple_zip()),
        "csrfmiddlewaretoken": token,
    })
    assert response.status_code == 302


def test_another_participants_enrolment_is_not_found(pat, other_enrolment):
    assert pat.get(upload_url(other_enrolment)).status_code == 404
    assert send(pat, other_enrolment, "export.zip", apple_zip()).status_code == 404
    assert nothing_stored()


def test_staff_are_refused(client_for, clinician, other_clinician, pharmacist, enrolment):
    for person in (clinician, other_clinician, pharmacist):
        client = client_for(person)
        assert client.get(upload_url(enrolment)).status_code == 403
        assert send(client, enrolment, "export.zip", apple_zip()).status_code == 403
    assert nothing_stored()
