"""The researcher's start page: completed, unblinded participants of every trial, by pseudonym."""

from __future__ import annotations

import pytest
from django.urls import reverse
from test_research_support import AFTER_THE_END, ISO_DATE, build_pool, identifying_strings

from nof1.web.trials import clock

pytestmark = pytest.mark.django_db

URL = reverse("research:index")


@pytest.fixture(autouse=True)
def after_the_end(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: AFTER_THE_END)


@pytest.fixture
def pool(clinician, pharmacist):
    return build_pool(clinician, pharmacist, effects=(-2.0, -1.0))


def test_it_lists_completed_participants_by_pseudonym(client_for, researcher, pool):
    response = client_for(researcher).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for enrolment in pool.completed:
        assert enrolment.pseudonym in page
    assert "ldn-mecfs-standard" in page
    assert "2 participants" in page
    assert reverse("research:export_csv") in page
    assert reverse("research:export_parquet") in page
    assert reverse("research:series") in page


def test_it_leaves_out_participants_still_in_a_trial_or_withdrawn(client_for, researcher, pool):
    page = client_for(researcher).get(URL).content.decode()
    assert pool.in_progress.pseudonym not in page
    assert pool.withdrawn.pseudonym not in page


def test_nothing_on_it_identifies_anyone(client_for, researcher, pool):
    page = client_for(researcher).get(URL).content.decode()
    for identifying in identifying_strings(pool):
        assert identifying not in page
    assert not ISO_DATE.search(page)


def test_with_nothing_completed_it_says_so(client_for, researcher, clinician, pharmacist):
    page = client_for(researcher).get(URL).content.decode()
    assert "No trial has been completed and unblinded yet" in page


@pytest.mark.parametrize("persona", ["participant", "clinician", "pharmacist", "admin"])
def test_other_roles_are_refused(client_for, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(URL).status_code == 403
    assert client_for(user).get(URL, headers={"HX-Request": "true"}).status_code == 403


def test_a_researcher_without_the_second_factor_is_sent_to_it(client_for, researcher):
    response = client_for(researcher, verified=False).get(URL)
    assert response.status_code == 302
    assert "/two-factor/" in response["Location"]
