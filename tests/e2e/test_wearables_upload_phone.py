"""A participant on a phone adds their Apple Watch days: "Add wearable data" on their trial
page, send a small export.zip (htmx, with the progress bar), check what was found, add the
days, and see that they were added. axe-core finds nothing on the upload and check pages."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import axe_violations, sign_in
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from wearable_files import apple_zip  # noqa: E402

from nof1.web.trials.services import (  # noqa: E402
    add_consent_version,
    add_participant,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    screen_participant,
)
from nof1.web.wearables.models import ImportStatus, WearableDay, WearableImport  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

START = dt.date(2026, 3, 2)  # the export's days, 28 and 29 March 2026, are trial days
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
UUID = r"[0-9a-f-]{36}"
# Set once htmx has shown the progress bar; sessionStorage outlives the move to the check page.
WATCH_PROGRESS = """() => {
  const box = document.querySelector("[data-progress]");
  new MutationObserver(() => {
    if (!box.hidden) { sessionStorage.setItem("progress-shown", "1"); }
  }).observe(box, {attributes: true, attributeFilter: ["hidden"]});
}"""


def no_violations(page: Any) -> None:
    found = [
        f"[{v['impact']}] {v['id']}: {v['help']} "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
        for v in axe_violations(page)
    ]
    assert not found, f"{page.url}:\n" + "\n".join(found)


def test_a_participant_adds_their_watch_days_on_a_phone(
    new_page: Any, people: dict[str, Any], today: Any
):
    clinician, pat = people["clinician"], people["participant"]
    today.set(START)
    trial = create_trial(
        clinician, template_name="ldn-mecfs-standard", pharmacist=people["pharmacist"]
    )
    add_consent_version(clinician, trial, "I agree to take part. I can stop at any time.")
    open_trial(clinician, trial)
    enrolment = add_participant(clinician, trial, pat, START)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(pat, enrolment, trial.consent_versions.get())
    enrolment = enrol(clinician, enrolment)
    today.set(dt.date(2026, 4, 1))
    me = f"/me/{enrolment.pk}"

    phone = new_page(phone=True)
    sign_in(phone, pat, f"{me}/")
    phone.get_by_role("link", name="Add wearable data").tap()
    phone.wait_for_url(re.compile(rf"{me}/wearables/$"))
    phone.get_by_role("heading", name="Add wearable data").wait_for()
    no_violations(phone)

    phone.set_input_files(
        "#id_file",
        files=[{"name": "export.zip", "mimeType": "application/zip", "buffer": apple_zip()}],
    )
    expect(phone.locator("#id_format")).to_have_value("apple_health")  # guessed from the name
    phone.evaluate(WATCH_PROGRESS)
    phone.get_by_role("button", name="Send and check").tap()
    phone.wait_for_url(re.compile(rf"{me}/wearables/{UUID}/$"))
    phone.get_by_role("heading", name="Check before adding").wait_for()
    assert phone.evaluate("() => sessionStorage.getItem('progress-shown')") == "1"
    check = phone.inner_text("main")
    assert "Days of your trial" in check and "2 days; 1 other day" in check
    assert "Steps" in check and "Apple Watch" in check
    assert not WearableDay.objects.exists()  # nothing stored before "Add these days"
    no_violations(phone)

    phone.get_by_role("button", name="Add these days").tap()
    phone.get_by_role("heading", name="Wearable data added").wait_for()
    expect(phone.get_by_role("status")).to_contain_text("Added 5 values")
    assert WearableImport.objects.get().status == ImportStatus.CONFIRMED
    assert sorted(d.date.day for d in WearableDay.objects.filter(enrolment=enrolment)) == [28, 29]
    assert "placebo" not in phone.content().lower()
