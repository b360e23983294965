"""FHIR R5 export: a Bundle the fhir.resources models accept, saying what the table says."""

import numpy as np
import pandas as pd
import pytest
from fhir.resources.bundle import Bundle

from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.exceptions import DataError
from nof1.interop import StudyMetadata, fhir_bundle, fhir_json
from nof1.interop.fhir import ARM_URL, DOSE_URL, TRIAL_DAY_URL, WEARABLES
from nof1.protocol import load_template

PROTOCOL = load_template("ldn-mecfs-standard")
DAILY = ["fatigue", "pain", "brain_fog"]


def trial_table(participants=2, seed=1, *, dates=False, wearables=False, blinded=False):
    """Simulated trials with the protocol's outcome columns, as the web's daily table has."""
    design = TrialDesign(pairs=1, period_days=7, run_in_days=3)
    rng = np.random.default_rng(seed)
    table = simulate_table(design, Assumptions(), participants, rng)
    table["arm"] = table["arm"].replace({"active": "ldn-4.5mg"})
    for name in DAILY[1:]:
        table[name] = simulate_table(design, Assumptions(), participants, rng, outcome=name)[name]
    table["promis_fatigue"] = np.where(table["day"] % 7 == 0, 50 + table["fatigue"], np.nan)
    table["side_effects"] = np.where(table["day"] % 5 == 0, "nausea;headache", "")
    if dates:
        table.insert(2, "date", pd.Timestamp("2024-03-01") + pd.to_timedelta(table["day"] - 1,
                                                                              unit="D"))
    if wearables:
        table["steps"] = np.where(table["day"] % 4 == 0, np.nan, 3000.0 + table["day"])
        table["resting_hr"] = 60.0 + table["day"] % 3
        table["hrv_sdnn_ms"] = 40.5
        table["sleep_hours"] = 7.25
    if blinded:
        table = table.drop(columns=["arm", "dose_mg"])
    return table


def resources(bundle, kind):
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def extension(resource, url):
    found = [e for e in resource.extension or [] if e.url == url]
    return found[0] if found else None


def test_the_bundle_validates_and_round_trips_through_json():
    bundle = fhir_bundle(PROTOCOL, trial_table(dates=True, wearables=True))
    assert bundle.type == "collection"
    text = bundle.model_dump_json(exclude_none=True)
    again = Bundle.model_validate_json(text)
    assert again.model_dump_json(exclude_none=True) == text
    assert fhir_json(PROTOCOL, trial_table(dates=True, wearables=True)) == text


def test_it_holds_the_study_the_diary_and_each_participant():
    table = trial_table(participants=3)
    bundle = fhir_bundle(PROTOCOL, table, study=StudyMetadata(name="LDN series 2024"))
    (study,) = resources(bundle, "ResearchStudy")
    assert study.title == "LDN series 2024"
    assert [g.name for g in study.comparisonGroup] == ["Placebo", "LDN 4.5 mg"]
    assert [g.type.coding[0].code for g in study.comparisonGroup] == [
        "placebo-comparator", "experimental"]
    assert [m.name for m in study.outcomeMeasure] == [
        "Fatigue", "Pain", "Brain fog", "PROMIS Fatigue 7a"]
    assert study.outcomeMeasure[0].type[0].coding[0].code == "primary"
    (questionnaire,) = resources(bundle, "Questionnaire")
    assert [i.linkId for i in questionnaire.item] == [*DAILY, "promis_fatigue"]
    assert {i.type for i in questionnaire.item} == {"decimal"}
    subjects = resources(bundle, "ResearchSubject")
    assert [s.subject.identifier.value for s in subjects] == ["S00001", "S00002", "S00003"]
    assert {s.study.reference for s in subjects} == {f"urn:uuid:{study.id}"}


def test_each_diary_day_is_a_response_with_the_days_values():
    table = trial_table()
    bundle = fhir_bundle(PROTOCOL, table)
    responses = resources(bundle, "QuestionnaireResponse")
    outcomes = [*DAILY, "promis_fatigue"]
    logged = table[outcomes].notna().any(axis=1)
    assert len(responses) == logged.sum()
    for response, (_, row) in zip(responses, table[logged].iterrows(), strict=True):
        assert response.subject.identifier.value == row["participant"]
        assert extension(response, TRIAL_DAY_URL).valueInteger == row["day"]
        assert response.authored is None  # no dates in the table: none invented
        expected = {name: row[name] for name in outcomes if pd.notna(row[name])}
        assert {i.linkId: float(i.answer[0].valueDecimal) for i in response.item} == expected


def test_wearable_days_are_observations_with_loinc_codes_and_ucum_units():
    table = trial_table(dates=True, wearables=True)
    observations = resources(fhir_bundle(PROTOCOL, table), "Observation")
    assert len(observations) == table[list(WEARABLES)].notna().sum().sum()
    codes = {o.code.coding[0].code: (o.valueQuantity.code, o.code.coding[0].display)
             for o in observations}
    assert codes == {
        "55423-8": ("{steps}", "Number of steps in unspecified time Pedometer"),
        "40443-4": ("/min", "Heart rate --resting"),
        "80404-7": ("ms", "R-R interval.standard deviation (Heart rate variability)"),
        "93832-4": ("h", "Sleep duration"),
    }
    assert {o.valueQuantity.system for o in observations} == {"http://unitsofmeasure.org"}
    first = observations[0]
    assert str(first.effectiveDateTime) == "2024-03-01"
    assert extension(first, TRIAL_DAY_URL).valueInteger == 1
    assert float(first.valueQuantity.value) == table["steps"].iloc[0]


def test_arms_and_doses_appear_only_in_an_unblinded_table():
    open_bundle = fhir_bundle(PROTOCOL, trial_table())
    responses = resources(open_bundle, "QuestionnaireResponse")
    arms = {extension(r, ARM_URL).valueCode for r in responses}
    assert arms == {"run-in", "placebo", "ldn-4.5mg"}
    blinded = fhir_bundle(PROTOCOL, trial_table(blinded=True, wearables=True))
    for entry in blinded.entry:
        assert extension(entry.resource, ARM_URL) is None
        assert extension(entry.resource, DOSE_URL) is None


def test_the_export_is_the_same_every_time():
    table = trial_table(wearables=True)
    assert fhir_json(PROTOCOL, table) == fhir_json(PROTOCOL, table.copy())


def test_it_exports_only_the_outcomes_asked_for():
    bundle = fhir_bundle(PROTOCOL, trial_table(), outcomes=["pain"])
    (questionnaire,) = resources(bundle, "Questionnaire")
    assert [i.linkId for i in questionnaire.item] == ["pain"]


def test_it_refuses_an_outcome_the_protocol_does_not_have():
    with pytest.raises(DataError, match="unknown outcome 'energy'.*fatigue, pain"):
        fhir_bundle(PROTOCOL, trial_table(), outcomes=["energy"])


def test_it_refuses_an_outcome_that_is_not_a_column():
    with pytest.raises(DataError, match="'orthostatic' is not a column"):
        fhir_bundle(PROTOCOL, trial_table(), outcomes=["orthostatic"])


def test_it_refuses_a_table_without_any_protocol_outcome():
    table = trial_table()[["participant", "day", "period", "pair", "arm", "dose_mg"]]
    with pytest.raises(DataError, match="none of the outcomes"):
        fhir_bundle(PROTOCOL, table)


def test_it_refuses_an_empty_table():
    with pytest.raises(DataError, match="empty"):
        fhir_bundle(PROTOCOL, trial_table().iloc[0:0])
    with pytest.raises(DataError, match="empty"):
        fhir_bundle(PROTOCOL, pd.DataFrame())


def test_it_refuses_text_in_an_outcome_column():
    table = trial_table().astype({"pain": object})
    table.loc[4, "pain"] = "bad"
    with pytest.raises(DataError, match="pain must be a number"):
        fhir_bundle(PROTOCOL, table)
