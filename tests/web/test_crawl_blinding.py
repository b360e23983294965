"""During a trial, nothing a participant or clinician can reach names the allocation.

A crawler signs in as each, follows every same-site link from the start page (GET only, so
it changes nothing) and fetches every page and download it finds. No response may contain an
arm id, an arm label, a dose, or the word "placebo" — except the end-of-period blinding
question, where "placebo" is one of the answers and is tied to no period's allocation.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

import pytest

from nof1.protocol import load_template
from nof1.web.diary.services import submit_day
from nof1.web.trials import clock
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    enrol,
    open_trial,
    record_consent,
    screen_participant,
)
from nof1.web.trials.services import create_trial as new_trial

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)
MIDWAY = START + dt.timedelta(days=60)  # period 2 of the standard design
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
PROTOCOL = load_template("ldn-mecfs-standard")
NEVER = ["placebo", *(a.id for a in PROTOCOL.arms), *(a.label for a in PROTOCOL.arms)]
DOSE = re.compile(r"\b\d+(?:\.\d+)?\s*mg\b", re.IGNORECASE)
SKIP = ("/accounts/logout", "/static/")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or name == "hx-get"):
                self.found.append(value)


@pytest.fixture
def midway_trial(monkeypatch, clinician, pharmacist, participant):
    monkeypatch.setattr(clock, "today", lambda: START)
    trial = new_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist)
    add_consent_version(clinician, trial, "I agree to take part.")
    open_trial(clinician, trial)
    enrolment = add_participant(clinician, trial, participant, START)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, trial.consent_versions.get())
    enrolment = enrol(clinician, enrolment)
    for offset in range(0, 60, 2):
        day = START + dt.timedelta(days=offset)
        monkeypatch.setattr(clock, "today", lambda day=day: day)
        submit_day(participant, enrolment, day, values={"fatigue": 5, "pain": 3},
                   dose_taken="yes")
    monkeypatch.setattr(clock, "today", lambda: MIDWAY)
    return enrolment


def crawl(client) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < 200:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or any(url.startswith(s) for s in SKIP):
            continue
        response = client.get(url, follow=True)
        body = response.content.decode("utf-8", errors="replace")
        seen[url] = body
        if "html" in response.get("Content-Type", ""):
            parser = Links()
            parser.feed(body)
            for link in parser.found:
                parsed = urlparse(link)
                if not parsed.netloc and parsed.path.startswith("/"):
                    queue.append(link)
    return seen


@pytest.mark.parametrize("who", ["participant", "clinician"])
def test_nothing_reachable_during_the_trial_names_the_allocation(
    midway_trial, client_for, participant, clinician, who
):
    user = participant if who == "participant" else clinician
    pages = crawl(client_for(user))
    assert len(pages) > 3, f"the crawler found only {sorted(pages)}"
    for url, body in pages.items():
        lowered = body.lower()
        allowed = {"placebo"} if ("guess" in url or "period-question" in url) else set()
        for word in NEVER:
            if word.lower() in allowed:
                continue
            assert word.lower() not in lowered, f"{who} sees {word!r} on {url}"
        assert not DOSE.search(body), f"{who} sees a dose on {url}: {DOSE.search(body)}"
