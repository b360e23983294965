"""The series analysis page: the pooled export through SeriesAnalysis, its result shown."""

from __future__ import annotations

import pytest
from django.urls import reverse
from test_research_support import (
    AFTER_THE_END,
    add_dose_finding,
    build_pool,
    identifying_strings,
)

from nof1.web.trials import clock

pytestmark = pytest.mark.django_db

URL = reverse("research:series")


@pytest.fixture(autouse=True)
def after_the_end(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: AFTER_THE_END)


@pytest.fixture
def pool(clinician, pharmacist):
    return build_pool(clinician, pharmacist, effects=(-2.0, -1.5, -2.5))


def test_the_form_starts_from_the_protocol(client_for, researcher, pool):
    response = client_for(researcher).get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["outcome"].initial == "fatigue"  # the primary outcome
    assert form["washout_days"].initial == 7
    assert "arm" not in form.fields  # one active arm: nothing to choose
    assert "result" not in response.context
    assert "promis_fatigue" in dict(form.fields["outcome"].choices)


def test_it_runs_the_series_analysis_and_shows_mu_and_tau(client_for, researcher, pool):
    response = client_for(researcher).get(
        URL, {"outcome": "fatigue", "mcid": "1", "washout_days": "7"}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert result.mcid == 1.0 and result.better == "lower"
    assert set(result.participants) == {e.pseudonym for e in pool.completed}
    assert result.mu.mean == pytest.approx(-2.0, abs=0.6)
    page = response.content.decode()
    for words in ("Average effect mu", "Between-patient SD tau", "P(a new patient benefits"):
        assert words in page
    assert f"{result.mu.mean:.3f}" in page
    assert f"{result.tau.mean:.3f}" in page
    assert f"{result.prob_new_patient_benefit_mcid:.3f}" in page
    for enrolment in pool.completed:
        assert enrolment.pseudonym in page


def test_pooling_several_active_arms_asks_which_one(
    client_for, clinician, pharmacist, researcher, pool
):
    other = add_dose_finding(clinician, pharmacist, pool)
    client = client_for(researcher)
    form = client.get(URL).context["form"]
    assert sorted(dict(form.fields["arm"].choices)) == ["ldn-1.5mg", "ldn-3mg", "ldn-4.5mg"]
    refused = client.get(URL, {"outcome": "fatigue", "washout_days": "7"})
    assert refused.context["form"].errors["arm"]
    response = client.get(URL, {"outcome": "fatigue", "washout_days": "7", "arm": "ldn-4.5mg"})
    result = response.context["result"]
    assert other.pseudonym in result.participants
    assert len(result.participants) == len(pool.completed)


def test_a_blank_mcid_uses_the_protocols(client_for, researcher, pool):
    response = client_for(researcher).get(URL, {"outcome": "fatigue", "washout_days": "7"})
    assert response.context["result"].mcid == 2.0


def test_the_result_page_identifies_no_one(client_for, researcher, pool):
    page = client_for(researcher).get(URL, {"outcome": "fatigue", "washout_days": "7"})
    text = page.content.decode()
    for identifying in identifying_strings(pool):
        assert identifying not in text
    assert pool.in_progress.pseudonym not in text and pool.withdrawn.pseudonym not in text


def test_a_selection_pools_only_those_and_too_few_is_explained(client_for, researcher, pool):
    chosen = pool.completed[0].pseudonym
    response = client_for(researcher).get(
        URL, {"outcome": "fatigue", "washout_days": "7", "participant": chosen}
    )
    assert response.status_code == 200
    assert "result" not in response.context
    assert "a series needs at least 2" in response.content.decode()


@pytest.mark.parametrize("mcid", ["-1", "0", "many", "<script>alert(1)</script>"])
def test_a_bad_mcid_is_refused_and_comes_back_escaped(client_for, researcher, pool, mcid):
    response = client_for(researcher).get(
        URL, {"outcome": "fatigue", "washout_days": "7", "mcid": mcid}
    )
    assert response.status_code == 200
    assert "result" not in response.context
    assert response.context["form"].errors["mcid"]
    assert b"<script>alert(1)" not in response.content


def test_an_unknown_outcome_is_refused(client_for, researcher, pool):
    response = client_for(researcher).get(URL, {"outcome": "wellbeing", "washout_days": "7"})
    assert response.context["form"].errors["outcome"]


def test_asking_for_a_participant_who_has_not_completed_is_404(client_for, researcher, pool):
    response = client_for(researcher).get(
        URL, {"outcome": "fatigue", "participant": pool.in_progress.pseudonym}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["participant", "clinician", "pharmacist", "admin"])
def test_other_roles_are_refused(client_for, persona, request, pool):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(URL, {"outcome": "fatigue"}).status_code == 403
    htmx = client_for(user).get(URL, headers={"HX-Request": "true"})
    assert htmx.status_code == 403
