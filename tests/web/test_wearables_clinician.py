"""The trial's clinician adds a participant's wearable export from the clinic's participant
pages: the same services and templates as the participant's, in the clinic's layout; nobody
else's participant (404), no other role (403), and nothing about arms or doses."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from test_crawl_blinding import (  # noqa: F401 - midway_trial: a fixture, used by name
    DOSE,
    NEVER,
    crawl,
    midway_trial,
)
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    enrolled,
    enrolment,
    leaks,
    pat,
    today,
    trial,
)
from wearable_files import apple_zip, uploaded

from nof1.web.trials.services import add_consent_version, create_trial, open_trial
from nof1.web.wearables.models import ImportStatus, WearableDay, WearableImport
from nof1.web.wearables.services import confirm, preview

pytestmark = pytest.mark.django_db
MARCH_28, MARCH_29 = dt.date(2026, 3, 28), dt.date(2026, 3, 29)
CSV_5000 = b"date,steps\n2026-03-28,5000\n"


def upload_url(enrolment):
    return reverse("clinician:wearables", args=[enrolment.pk])


def import_url(pending):
    return reverse("clinician:wearable_import", args=[pending.enrolment_id, pending.pk])


def send(client, enrolment, name="export.zip", data=None, **extra):
    data = apple_zip() if data is None else data
    return client.post(upload_url(enrolment), {"format": "auto", "file": uploaded(name, data)},
                       **extra)


def nothing_stored():
    return not WearableImport.objects.exists() and not WearableDay.objects.exists()


@pytest.fixture
def doc(client_for, clinician):
    """The trial's clinician, signed in with their second factor."""
    return client_for(clinician)


@pytest.fixture
def elsewhere(other_clinician, pharmacist, other_participant):
    """A participant in another clinician's trial."""
    trial = create_trial(other_clinician, template_name="ldn-mecfs-standard",
                         pharmacist=pharmacist)
    add_consent_version(other_clinician, trial, "I agree.")
    open_trial(other_clinician, trial)
    return enrolled(other_clinician, trial, other_participant)


def test_the_participants_pages_have_a_wearable_data_tab(doc, enrolment):
    body = doc.get(reverse("clinician:participant", args=[enrolment.pk])).content.decode()
    assert ">Wearable data</a>" in body and upload_url(enrolment) in body


def test_the_upload_page_is_the_participants_page_in_the_clinics_layout(doc, enrolment):
    response = doc.get(upload_url(enrolment))
    body = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert 'class="subnav"' in body and 'aria-current="page">Wearable data<' in body
    assert str(enrolment.participant) in body and enrolment.pseudonym in body
    assert '<h2 id="wearable-upload-title">Add wearable data</h2>' in body  # the head has the h1
    here = upload_url(enrolment)
    assert f'action="{here}"' in body and f'hx-post="{here}"' in body
    assert "The participant’s export file" in body
    assert "Only the trial&rsquo;s days are kept" in body
    assert "<progress" in body and "2 March 2026" in body
    assert "/me/" not in body  # no participant page is linked
    assert not leaks(enrolment, body)


def test_the_clinician_uploads_checks_and_adds_the_days(doc, clinician, enrolment):
    response = send(doc, enrolment)
    pending = WearableImport.objects.get()
    assert response.status_code == 302 and response["Location"] == import_url(pending)
    assert pending.created_by == clinician and pending.status == ImportStatus.PENDING
    assert not WearableDay.objects.exists()

    check = doc.get(import_url(pending))
    body = check.content.decode()
    assert check.status_code == 200
    assert "Check before adding" in body and "Days of the trial" in body
    assert "Add these days" in body and "Discard this file" in body
    assert 'aria-current="page">Wearable data<' in body
    assert not leaks(enrolment, body)

    response = doc.post(import_url(pending), {"action": "confirm"})
    assert response.status_code == 302 and response["Location"] == import_url(pending)
    body = doc.get(import_url(pending)).content.decode()
    assert "Wearable data added" in body and "Added 5 values" in body
    assert upload_url(enrolment) in body  # "Add another file"
    days = {day.date: day for day in WearableDay.objects.filter(enrolment=enrolment)}
    assert sorted(days) == [MARCH_28, MARCH_29] and days[MARCH_28].steps == 1000.0
    pending.refresh_from_db()
    assert pending.status == ImportStatus.CONFIRMED and pending.decided_by == clinician

    listed = doc.get(upload_url(enrolment)).content.decode()
    assert "Files sent before" in listed and import_url(pending) in listed


def test_the_clinician_can_discard_it(doc, enrolment):
    send(doc, enrolment)
    pending = WearableImport.objects.get()
    assert doc.post(import_url(pending), {"action": "discard"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == ImportStatus.DISCARDED and not WearableDay.objects.exists()
    assert "File discarded" in doc.get(import_url(pending)).content.decode()


def test_with_htmx_the_browser_is_sent_to_the_clinics_check_page(doc, enrolment):
    response = send(doc, enrolment, **HTMX)
    assert response["HX-Redirect"] == import_url(WearableImport.objects.get())


def test_a_refusal_is_shown_in_the_clinic_and_nothing_is_stored(doc, enrolment):
    response = send(doc, enrolment, "notes.txt", b"hello")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Which kind of file is this?" in body and 'class="subnav"' in body
    fragment = send(doc, enrolment, "notes.txt", b"hello", **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="wearable-upload"')
    assert f'hx-post="{upload_url(enrolment)}"' in fragment
    assert nothing_stored()


def test_a_conflict_with_the_participants_values_is_refused_until_replaced(
    doc, participant, enrolment
):
    confirm(participant, preview(participant, enrolment, uploaded("export.zip", apple_zip())))
    send(doc, enrolment, "days.csv", CSV_5000)
    pending = WearableImport.objects.get(status=ImportStatus.PENDING)
    refused = doc.post(import_url(pending), {"action": "confirm"})
    assert refused.status_code == 400
    assert "Replace the stored values" in refused.content.decode()
    assert WearableDay.objects.get(date=MARCH_28).steps == 1000.0
    doc.post(import_url(pending), {"action": "confirm", "replace": "on"})
    assert WearableDay.objects.get(date=MARCH_28).steps == 5000.0


def test_the_upload_checks_the_csrf_token(client_for, clinician, enrolment):
    client = client_for(clinician, enforce_csrf_checks=True)
    assert send(client, enrolment).status_code == 403
    assert nothing_stored()
    client.get(upload_url(enrolment))
    token = client.cookies["csrftoken"].value
    response = client.post(upload_url(enrolment), {
        "format": "auto", "file": uploaded("export.zip", apple_zip()),
        "csrfmiddlewaretoken": token,
    })
    assert response.status_code == 302


def test_staff_without_their_second_factor_are_sent_to_it(client_for, clinician, enrolment):
    client = client_for(clinician, verified=False)
    response = client.get(upload_url(enrolment))
    assert response.status_code == 302 and "/accounts/two-factor/" in response["Location"]
    assert send(client, enrolment).status_code == 302
    assert nothing_stored()


def test_another_clinicians_participant_is_not_found(doc, clinician, elsewhere):
    assert doc.get(upload_url(elsewhere)).status_code == 404
    assert send(doc, elsewhere).status_code == 404
    assert nothing_stored()
    other = elsewhere.trial.clinician
    pending = preview(other, elsewhere, uploaded("export.zip", apple_zip()))
    assert doc.get(import_url(pending)).status_code == 404
    assert doc.post(import_url(pending), {"action": "confirm"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == ImportStatus.PENDING and not WearableDay.objects.exists()


def test_an_import_of_another_enrolment_is_not_found_under_this_one(
    doc, clinician, enrolment, other_participant, trial
):
    mine = enrolled(clinician, trial, other_participant)
    pending = preview(clinician, mine, uploaded("export.zip", apple_zip()))
    wrong = reverse("clinician:wearable_import", args=[enrolment.pk, pending.pk])
    assert doc.get(wrong).status_code == 404
    assert doc.post(wrong, {"action": "confirm"}).status_code == 404


@pytest.mark.parametrize("role", ["participant", "pharmacist", "researcher"])
def test_other_roles_are_refused(request, client_for, clinician, enrolment, role):
    person = request.getfixturevalue(role)
    client = client_for(person)
    pending = preview(clinician, enrolment, uploaded("export.zip", apple_zip()))
    assert client.get(upload_url(enrolment)).status_code == 403
    assert send(client, enrolment).status_code == 403
    assert client.get(import_url(pending)).status_code == 403
    assert client.post(import_url(pending), {"action": "confirm"}).status_code == 403
    assert WearableImport.objects.count() == 1 and not WearableDay.objects.exists()


def test_the_participant_sees_what_the_clinician_added_on_their_own_pages(
    doc, pat, enrolment
):
    send(doc, enrolment)
    pending = WearableImport.objects.get()
    mine = reverse("participant:wearables:import", args=[enrolment.pk, pending.pk])
    body = pat.get(mine).content.decode()
    assert "Check before adding" in body and "Days of your trial" in body
    assert "/clinic/" not in body
    assert pat.post(mine, {"action": "confirm"}).status_code == 302
    assert WearableDay.objects.filter(enrolment=enrolment).count() == 2


def test_the_blinding_crawl_reaches_the_clinics_wearable_pages(
    midway_trial, client_for, clinician, participant
):
    """As tests/web/test_crawl_blinding.py, with one added and one pending import."""
    enrolment = midway_trial
    added = preview(clinician, enrolment, uploaded("export.zip", apple_zip()))
    doc = client_for(clinician)
    doc.post(import_url(added), {"action": "confirm"})
    pending = preview(participant, enrolment, uploaded("days.csv", b"date,steps\n2026-03-30,70\n"))
    pages = crawl(doc)
    for url in (upload_url(enrolment), import_url(added), import_url(pending)):
        assert url in pages, f"the crawler did not reach {url}: {sorted(pages)}"
    for url, body in pages.items():
        lowered = body.lower()
        for word in NEVER:
            assert word.lower() not in lowered, f"the clinician sees {word!r} on {url}"
        assert not DOSE.search(body), f"the clinician sees a dose on {url}"
