"""Results after unblinding: the core's estimates per outcome, the randomisation p, and the
daily values shaded by period. Before unblinding: nothing but when results will come."""

from __future__ import annotations

import numpy as np
import pytest
from test_clinician_support import (
    PROTOCOL,
    SCRIPT,
    audit_rows,
    day,
    enrolled,
    freeze,
    keep_diary,
    unblinded,
    url,
)

from nof1.analysis.permutation import RandomizationTest
from nof1.analysis.single import SingleTrial
from nof1.web.clinician import report
from nof1.web.diary.models import BlindingGuess
from nof1.web.diary.services import daily_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    return freeze(monkeypatch, day(61))


@pytest.fixture
def enrolment(today, clinician, pharmacist, participant):
    return enrolled(clinician, pharmacist, participant)


@pytest.fixture
def finished(today, clinician, enrolment):
    """Unblinded at the end; fatigue about 2 points lower on LDN once the washout is over."""
    arms = unblinded(clinician, enrolment, today)
    schedule = enrolment.schedule()
    rng = np.random.default_rng(7)

    def ratings(n: int) -> dict[str, int]:
        when = schedule.days[n - 1]
        on_drug = when.period is not None and arms[when.period] != "placebo"
        lower = 2.0 if on_drug and when.day_of_period > 7 else 0.0
        fatigue = int(np.clip(round(6 - lower + rng.normal(0, 1)), 0, 10))
        return {"fatigue": fatigue, "pain": int(np.clip(round(3 + rng.normal(0, 1)), 0, 10))}

    keep_diary(enrolment, range(1, PROTOCOL.total_days + 1), ratings)
    for period in (1, 2):
        BlindingGuess.objects.create(
            enrolment=enrolment,
            period=period,
            guess="active",
            asked_on=day(14 + 28 * period),
            entered_by=enrolment.participant,
            entered_at=enrolment.created_at,
            created_by=enrolment.participant,
        )
    return enrolment


def test_it_shows_the_cores_estimates_for_the_primary_outcome(client_for, clinician, finished):
    body = client_for(clinician).get(url("results", finished.pk)).content.decode()
    table = daily_table(clinician, finished)
    washout = PROTOCOL.design.washout_days
    fit = SingleTrial("fatigue", mcid=2, washout_days=washout).fit(table).result_
    effect = fit.effect("ldn-4.5mg")
    low, high = effect.posterior.interval(0.95)
    assert (
        f"{report.number(effect.posterior.mean)} ({report.number(low)} to {report.number(high)})"
        in body
    )
    assert (
        f"fatigue was on average {report.number(abs(effect.posterior.mean))} points lower" in body
    )
    assert f"95% credible interval: {report._span(low, high, 'points')}" in body
    assert f"Probability of any benefit: {report.percent(effect.prob_benefit)}" in body
    mcid = report.percent(effect.prob_benefit_mcid)
    assert f"at least 2 points (the smallest change that matters to patients): {mcid}" in body
    rho = fit.rho
    assert f"{rho.mean:.2f} ({rho.interval(0.95)[0]:.2f} to {rho.interval(0.95)[1]:.2f})" in body
    p = RandomizationTest("fatigue", washout_days=washout, arm="ldn-4.5mg").fit(table).result_
    assert f"{p.p_value:.3g}" in body and "smallest possible 1/8" in body
    assert effect.posterior.mean == pytest.approx(-2.0, abs=0.6)


def test_every_daily_and_weekly_outcome_has_a_row_or_a_reason(client_for, clinician, finished):
    body = client_for(clinician).get(url("results", finished.pk)).content.decode()
    for outcome in PROTOCOL.outcomes:
        assert outcome.label in body
    assert "Not analysed: no values were recorded" in body  # brain fog and the others


def test_the_page_reuses_the_reports_fits_and_they_match_fitting_afresh(clinician, finished):
    from nof1.web.trials import reports

    table = daily_table(clinician, finished, after_unblinding=True)
    built = reports.trial_report(clinician, finished, plots=False, table=table)
    afresh, reused = report.analyse(PROTOCOL, table), report.analyse(PROTOCOL, table, built)
    assert [(r.outcome.id, r.rows, r.rho, r.n_days, r.problem, r.notes) for r in reused] == [
        (r.outcome.id, r.rows, r.rho, r.n_days, r.problem, r.notes) for r in afresh
    ]
    assert reused[0].result is built.primary.result  # taken over, not fitted again


def test_intervals_read_in_words_whichever_side_of_zero_they_fall():
    assert report._span(-2.7, -2.0, "points") == "2.0 to 2.7 points lower"
    assert report._span(0.4, 1.1, "points") == "0.4 to 1.1 points higher"
    assert report._span(-0.7, 0.1, "points") == "from 0.7 points lower to 0.1 points higher"
    assert report.percent(0.999) == "over 99%" and report.percent(0.004) == "under 1%"


def test_the_plot_is_shaded_by_period_after_unblinding(client_for, clinician, finished):
    body = client_for(clinician).get(url("results", finished.pk)).content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert svg.count("<rect") == PROTOCOL.period_count
    assert "Placebo" in body and "LDN 4.5 mg" in body
    assert svg.count("<circle") == PROTOCOL.total_days


def test_another_outcome_can_be_plotted(client_for, clinician, finished):
    body = client_for(clinician).get(url("results", finished.pk), {"outcome": "pain"}).content
    assert b"Pain by trial day" in body


def test_the_blinding_check_sets_guesses_beside_the_arms(client_for, clinician, finished):
    body = client_for(clinician).get(url("results", finished.pk)).content.decode()
    assert "Blinding check" in body and body.count("<td>Active</td>") == 2


def test_before_unblinding_there_are_no_results_and_nothing_is_computed(
    monkeypatch, client_for, clinician, enrolment
):
    def refuse(*args, **kwargs):
        raise AssertionError("analysed before unblinding")

    monkeypatch.setattr("nof1.web.clinician.views.end.analyse", refuse)
    body = client_for(clinician).get(url("results", enrolment.pk)).content.decode()
    assert "Results are shown once the whole allocation has been unblinded" in body
    assert "P(benefit" not in body and "<svg" not in body and "placebo" not in body.lower()


def test_names_come_back_escaped(client_for, clinician, finished):
    finished.participant.display_name = SCRIPT
    finished.participant.save()
    body = client_for(clinician).get(url("results", finished.pk)).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_another_clinician_gets_404(client_for, other_clinician, finished):
    assert client_for(other_clinician).get(url("results", finished.pk)).status_code == 404


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, finished, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("results", finished.pk)).status_code == 403


def test_looking_changes_nothing(client_for, clinician, finished):
    before = audit_rows()
    client_for(clinician).get(url("results", finished.pk))
    assert audit_rows() == before
