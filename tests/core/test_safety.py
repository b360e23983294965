"""Safety: screening before low-dose naltrexone, adverse-event grading and stopping rules.

`clear(**changes)` screens a participant with nothing to flag (normal liver values, not
pregnant or breastfeeding) except the changes under test, so each test sees one finding.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from nof1.safety import (
    CONDITIONS,
    DEFAULT_RULES,
    MEDICINE_RULES,
    MEDICINES,
    ActionKind,
    EligibilityRules,
    Event,
    Grade,
    SeriousCriterion,
    Severity,
    Status,
    evaluate_stopping_rules,
    grade_adverse_event,
    lookup_medicine,
    screen,
)
from nof1.safety.screening import Screening

START = date(2025, 3, 1)
RULES_14 = EligibilityRules(opioid_free_days=14, alt_ast_max_iu_per_l=300)


def clear(**changes: object) -> Screening:
    args: dict[str, object] = {
        "alt_iu_per_l": 25.0,
        "ast_iu_per_l": 22.0,
        "pregnant": False,
        "breastfeeding": False,
    }
    args.update(changes)
    return screen(**args)  # type: ignore[arg-type]


def rules_of(result: Screening) -> set[str]:
    return {r.rule for r in result.reasons}


# -- the issue's acceptance ------------------------------------------------------------------
@pytest.mark.parametrize("medicine", ["tramadol", "co-codamol", "buprenorphine", "methadone"])
def test_each_opioid_in_the_issue_makes_a_participant_ineligible(medicine: str) -> None:
    result = clear(medications=[medicine])
    assert result.status is Status.INELIGIBLE
    assert rules_of(result) == {"current-opioid"}


@pytest.mark.parametrize("condition", ["acute-hepatitis", "liver-failure"])
def test_a_hepatitis_or_liver_failure_condition_makes_a_participant_ineligible(
    condition: str,
) -> None:
    result = clear(conditions=[condition])
    assert result.status is Status.INELIGIBLE
    assert rules_of(result) == {"acute-hepatitis-or-liver-failure"}


def test_an_alt_above_the_threshold_makes_a_participant_ineligible() -> None:
    result = clear(alt_iu_per_l=301.0)
    assert result.status is Status.INELIGIBLE
    assert rules_of(result) == {"liver-enzymes"}
    assert "ALT 301 IU/L" in result.reasons[0].message


def test_loperamide_needs_review() -> None:
    result = clear(medications=["loperamide 2mg"])
    assert result.status is Status.NEEDS_REVIEW
    assert rules_of(result) == {"opioid-containing-product"}


def test_every_reason_names_its_rule_and_source() -> None:
    result = screen(
        medications=["tramadol", "Imodium", "Solpadeine", "codeine-free linctus", "paracetamol"],
        conditions=sorted(CONDITIONS),
        alt_iu_per_l=400.0,
        last_opioid_use=START - timedelta(days=2),
        start_date=START,
        expected_opioid_need=True,
    )
    assert len(result.reasons) >= len(CONDITIONS)
    for reason in result.reasons:
        assert reason.rule and reason.source and reason.message
    for match in result.medicines:
        assert match.rule.id in MEDICINE_RULES and match.source


def test_every_medicine_in_the_table_has_a_known_rule_and_a_source() -> None:
    for med in MEDICINES:
        assert med.rule in MEDICINE_RULES and med.source, med.name


# -- matching names as people type them ------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "ingredient"),
    [
        ("TRAMADOL 50mg", "tramadol"),
        ("Co-Codamol 30/500mg tablets", "codeine"),
        ("co codamol", "codeine"),
        ("cocodamol 8/500", "codeine"),
        ("suboxone film", "buprenorphine"),
        ("Tylenol #3", "codeine"),
        ("Nurofen Plus", "codeine"),
        ("DF 118 Forte", "dihydrocodeine"),
        ("MST Continus 10 mg", "morphine"),
        ("oxy contin", "oxycodone"),
        ("Demerol", "pethidine"),
        ("meperidine", "pethidine"),
        ("Butrans patch 5 micrograms/hour", "buprenorphine"),
        ("paracetamol/codeine", "codeine"),
        ("Sublocade injection", "buprenorphine"),
        ("methadone mixture 1mg/ml", "methadone"),
    ],
)
def test_brands_and_combination_products_match_whatever_the_case_and_punctuation(
    typed: str, ingredient: str
) -> None:
    [match] = lookup_medicine(typed)
    assert match.medicine.name == ingredient
    assert match.status is Status.INELIGIBLE


def test_the_message_names_the_medicine_as_typed_and_what_it_contains() -> None:
    [reason] = clear(medications=["Co-Codamol 30/500mg tablets"]).reasons
    assert reason.message.startswith(
        "'Co-Codamol 30/500mg tablets' (co-codamol) contains "
        "codeine, an opioid: naltrexone is contraindicated"
    )
    assert "contraindications" in reason.source


@pytest.mark.parametrize(
    "typed",
    ["Morphinella", "codeinex", "oxycodonee", "nurofen", "Tylenol 325 mg", "dextromethorphan"],
)
def test_a_name_is_matched_only_as_whole_words(typed: str) -> None:
    assert lookup_medicine(typed) == []


def test_a_name_said_to_be_free_of_an_opioid_goes_to_review_not_ineligible() -> None:
    # Decided: "codeine-free" is neither trusted nor ignored; the clinician reads the label.
    result = clear(medications=["codeine-free cough syrup"])
    assert result.status is Status.NEEDS_REVIEW
    assert rules_of(result) == {"named-as-free-of"}
    # "free" must follow the name: this linctus is sugar-free, not codeine-free.
    assert clear(medications=["sugar-free codeine linctus"]).status is Status.INELIGIBLE


def test_paracetamol_alone_is_eligible_but_listed_as_unrecognised() -> None:
    # Decided: the table lists what triggers a rule, so nothing is "known safe"; the clinician
    # sees every name the table does not hold, and the status is not changed by it.
    result = clear(medications=["Paracetamol 500mg", "  "])
    assert result.status is Status.ELIGIBLE
    assert result.unrecognised == ("Paracetamol 500mg",)
    assert "'Paracetamol 500mg'" in result.notes[0]


def test_a_brand_whose_products_differ_goes_to_review_unless_the_product_is_named() -> None:
    assert clear(medications=["Solpadeine"]).status is Status.NEEDS_REVIEW
    assert clear(medications=["Solpadeine Max"]).status is Status.INELIGIBLE


def test_one_line_with_two_opioids_gives_a_reason_for_each() -> None:
    result = clear(medications=["tramadol and oxycodone"])
    assert [m.medicine.name for m in result.medicines] == ["tramadol", "oxycodone"]


def test_a_single_string_for_medications_or_conditions_is_refused() -> None:
    with pytest.raises(TypeError, match="list of names"):
        screen(medications="tramadol")
    with pytest.raises(TypeError, match="list of codes"):
        screen(conditions="depression")


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Z"]), max_size=40))
def test_lookup_never_fails_on_any_text(text: str) -> None:
    for match in lookup_medicine(text):
        assert match.typed == text.strip()


# -- opioid-free period and expected opioid need ---------------------------------------------
def test_opioid_use_5_days_before_start_with_a_14_day_window_is_ineligible() -> None:
    result = clear(last_opioid_use=START - timedelta(days=5), start_date=START, rules=RULES_14)
    assert result.status is Status.INELIGIBLE
    assert rules_of(result) == {"opioid-free-period"}
    assert "5 days before the planned start" in result.reasons[0].message


def test_opioid_use_20_days_before_start_with_a_14_day_window_is_eligible() -> None:
    result = clear(last_opioid_use=START - timedelta(days=20), start_date=START, rules=RULES_14)
    assert result.status is Status.ELIGIBLE and result.reasons == ()


def test_exactly_the_window_is_enough() -> None:
    result = clear(last_opioid_use=START - timedelta(days=14), start_date=START, rules=RULES_14)
    assert result.status is Status.ELIGIBLE


def test_opioid_use_without_a_start_date_needs_review() -> None:
    assert clear(last_opioid_use=START).status is Status.NEEDS_REVIEW


@pytest.mark.parametrize(
    "changes", [{"expected_opioid_need": True}, {"conditions": ["planned-surgery"]}]
)
def test_an_expected_opioid_need_makes_a_participant_ineligible(changes: dict) -> None:
    result = clear(**changes)
    assert result.status is Status.INELIGIBLE
    assert rules_of(result) == {"expected-opioid-need"}


# -- conditions ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("opioid-dependence", Status.INELIGIBLE),
        ("opioid-withdrawal", Status.INELIGIBLE),
        ("positive-opioid-screen", Status.INELIGIBLE),
        ("failed-naloxone-challenge", Status.INELIGIBLE),
        ("hypersensitivity-naltrexone", Status.INELIGIBLE),
        ("hypersensitivity-naloxone", Status.INELIGIBLE),
        ("hypersensitivity-nalmefene", Status.INELIGIBLE),
        ("pregnancy", Status.INELIGIBLE),
        ("breastfeeding", Status.INELIGIBLE),
        ("depression", Status.NEEDS_REVIEW),
        ("suicidality", Status.NEEDS_REVIEW),
        ("severe-kidney-impairment", Status.NEEDS_REVIEW),
    ],
)
def test_each_condition_gives_its_status(code: str, status: Status) -> None:
    # clear() says "not pregnant, not breastfeeding"; the condition code would contradict it.
    flag = {"pregnancy": "pregnant", "breastfeeding": "breastfeeding"}.get(code)
    changes: dict[str, object] = {"conditions": [code]} | ({flag: None} if flag else {})
    assert clear(**changes).status is status


def test_condition_codes_forgive_case_spaces_and_underscores() -> None:
    assert clear(conditions=["Acute Hepatitis", "opioid_dependence"]).status is Status.INELIGIBLE


def test_an_unknown_condition_is_refused_with_the_vocabulary() -> None:
    with pytest.raises(ValueError, match="unknown condition 'cirrhosis'.*acute-hepatitis"):
        clear(conditions=["cirrhosis"])


def test_a_condition_contradicting_a_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="contradicts pregnant=False"):
        clear(conditions=["pregnancy"])


# -- liver values, pregnancy and breastfeeding -----------------------------------------------
def test_missing_liver_values_need_review_and_say_which() -> None:
    result = clear(alt_iu_per_l=None)
    assert result.status is Status.NEEDS_REVIEW
    assert result.reasons[0].message.startswith("ALT not given")
    both = clear(alt_iu_per_l=None, ast_iu_per_l=None)
    assert both.reasons[0].message.startswith("ALT and AST not given")


def test_the_liver_threshold_is_the_protocols_and_the_limit_itself_passes() -> None:
    assert clear(ast_iu_per_l=300.0).status is Status.ELIGIBLE
    strict = EligibilityRules(opioid_free_days=28, alt_ast_max_iu_per_l=120)
    assert clear(ast_iu_per_l=121.0, rules=strict).status is Status.INELIGIBLE


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_impossible_liver_values_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        clear(alt_iu_per_l=value)


def test_unknown_pregnancy_or_breastfeeding_status_needs_review_when_excluded() -> None:
    result = clear(pregnant=None, breastfeeding=None)
    assert result.status is Status.NEEDS_REVIEW
    assert rules_of(result) == {"pregnancy-unknown", "breastfeeding-unknown"}


def test_pregnancy_goes_to_review_when_the_protocol_does_not_exclude_it() -> None:
    rules = EligibilityRules(
        opioid_free_days=15,
        alt_ast_max_iu_per_l=300,
        exclude_pregnancy=False,
        exclude_breastfeeding=False,
    )
    assert clear(pregnant=True, rules=rules).status is Status.NEEDS_REVIEW
    assert clear(pregnant=None, breastfeeding=None, rules=rules).status is Status.ELIGIBLE


# -- the outcome as a whole ------------------------------------------------------------------
def test_the_worst_status_wins_and_its_reasons_come_first() -> None:
    result = clear(medications=["Imodium"], conditions=["depression"], alt_iu_per_l=500.0)
    assert result.status is Status.INELIGIBLE
    assert [r.status for r in result.reasons] == [
        Status.INELIGIBLE,
        Status.NEEDS_REVIEW,
        Status.NEEDS_REVIEW,
    ]
    assert clear(medications=["Imodium"]).status is Status.NEEDS_REVIEW
    assert clear().status is Status.ELIGIBLE


def test_a_screening_with_nothing_given_needs_review_not_eligible() -> None:
    result = screen()
    assert result.status is Status.NEEDS_REVIEW
    assert rules_of(result) == {
        "liver-enzymes-missing",
        "pregnancy-unknown",
        "breastfeeding-unknown",
    }


def test_to_dict_is_plain_json_and_summary_lists_every_reason() -> None:
    result = clear(medications=["tramadol", "vitamin D"], conditions=["depression"])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "ineligible"
    assert {r["rule"] for r in data["reasons"]} == {"current-opioid", "depression-or-suicidality"}
    assert data["unrecognised"] == ["vitamin D"]
    assert data["medicines"][0]["ingredient"] == "tramadol"
    assert data["rules"] == DEFAULT_RULES.model_dump()
    text = result.summary()
    assert text.startswith("Screening: INELIGIBLE")
    assert "current-opioid" in text and "vitamin D" in text and "source:" in text


# -- eligibility rules -----------------------------------------------------------------------
def test_eligibility_rules_are_frozen_and_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        EligibilityRules(opioid_free_days=15, alt_ast_max_iu_per_l=300, washout=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        DEFAULT_RULES.opioid_free_days = 3
    with pytest.raises(ValidationError):
        EligibilityRules(opioid_free_days=15, alt_ast_max_iu_per_l=0)


def test_the_default_rules_follow_the_brief() -> None:
    assert DEFAULT_RULES.opioid_free_days == 28  # FINAL, as the templates; label 7-10, Naik 15
    assert DEFAULT_RULES.alt_ast_max_iu_per_l == 300.0
    assert DEFAULT_RULES.exclude_pregnancy and DEFAULT_RULES.exclude_breastfeeding


# -- adverse-event grading -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("interference", "criteria", "severity", "serious", "grade"),
    [
        ("none", (), Severity.MILD, False, Grade.MILD),
        ("some", (), Severity.MODERATE, False, Grade.MODERATE),
        ("prevents", (), Severity.SEVERE, False, Grade.SEVERE),
        ("none", ("important-medical-event",), Severity.MILD, True, Grade.SERIOUS),
        ("prevents", ("hospitalisation",), Severity.SEVERE, True, Grade.SERIOUS),
        ("some", ("death", "life-threatening"), Severity.MODERATE, True, Grade.SERIOUS),
    ],
)
def test_adverse_events_are_graded_by_interference_and_ich_e2a_seriousness(
    interference: str, criteria: tuple[str, ...], severity: Severity, serious: bool, grade: Grade
) -> None:
    result = grade_adverse_event(
        interferes_with_daily_activity=interference, serious_criteria=criteria
    )
    assert (result.severity, result.serious, result.grade) == (severity, serious, grade)
    assert [c.value for c in result.criteria] == list(criteria)
    assert ("ICH E2A" in result.source) is True


def test_every_ich_e2a_criterion_makes_an_event_serious_and_us_spellings_are_accepted() -> None:
    for criterion in [*SeriousCriterion, "hospitalization", "Birth defect", "incapacity"]:
        assert grade_adverse_event(
            interferes_with_daily_activity="none", serious_criteria=[criterion]
        ).serious


def test_unknown_interference_or_criterion_is_refused() -> None:
    with pytest.raises(ValueError, match="none, some, prevents"):
        grade_adverse_event(interferes_with_daily_activity="a lot")
    with pytest.raises(ValueError, match="ICH E2A criteria are: death"):
        grade_adverse_event(interferes_with_daily_activity="some", serious_criteria=["bad"])


def test_a_grade_must_be_serious_exactly_when_a_criterion_applies() -> None:
    from nof1.safety import AdverseEventGrade

    with pytest.raises(ValidationError):
        AdverseEventGrade(severity=Severity.MILD, serious=True)


# -- stopping rules --------------------------------------------------------------------------
def adverse(day: int, interference: str, *criteria: str) -> Event:
    grade = grade_adverse_event(
        interferes_with_daily_activity=interference, serious_criteria=criteria
    )
    return Event(kind="adverse-event", date=START + timedelta(days=day), grade=grade)


def test_a_serious_adverse_event_stops_the_drug_and_alerts_the_clinician() -> None:
    [action] = evaluate_stopping_rules([adverse(3, "some", "hospitalisation")])
    assert action.kind is ActionKind.STOP and action.alert_clinician
    assert action.rule == "serious_adverse_event"
    assert "hospitalisation" in action.reason and "ICH E2A" in action.source


def test_mild_and_moderate_adverse_events_call_for_nothing_and_severe_ones_for_review() -> None:
    assert evaluate_stopping_rules([adverse(1, "none"), adverse(2, "some")]) == []
    [action] = evaluate_stopping_rules([adverse(3, "prevents")])
    assert action.kind is ActionKind.REVIEW


@pytest.mark.parametrize("kind", ["planned-opioid-need", "opioid-use"])
def test_an_opioid_need_or_use_pauses_the_drug(kind: str) -> None:
    event = Event(kind=kind, date=START, details="knee surgery")  # type: ignore[arg-type]
    [action] = evaluate_stopping_rules([event])
    assert action.kind is ActionKind.PAUSE
    assert "knee surgery" in action.reason and "opioid-free period" in action.source


def test_hepatitis_symptoms_stop_the_drug() -> None:
    [action] = evaluate_stopping_rules([Event(kind="hepatitis-symptoms", date=START)])
    assert action.kind is ActionKind.STOP and action.rule == "hepatitis_symptoms"
    assert "stop if hepatitis symptoms" in action.source


def test_liver_values_above_the_threshold_stop_the_drug_and_at_it_do_not() -> None:
    high = Event(kind="liver-test", date=START, alt_iu_per_l=320.0, ast_iu_per_l=80.0)
    [action] = evaluate_stopping_rules([high])
    assert action.kind is ActionKind.STOP and "ALT 320 IU/L" in action.reason
    at_limit = Event(kind="liver-test", date=START, ast_iu_per_l=300.0)
    assert evaluate_stopping_rules([at_limit]) == []
    strict = EligibilityRules(opioid_free_days=15, alt_ast_max_iu_per_l=120)
    assert evaluate_stopping_rules([at_limit], rules=strict)[0].kind is ActionKind.STOP


def test_mood_worsening_goes_to_the_clinician_for_review() -> None:
    [action] = evaluate_stopping_rules([Event(kind="mood-worsening", date=START)])
    assert action.kind is ActionKind.REVIEW and action.source


def test_pregnancy_stops_the_study_drug_as_the_protocols_say() -> None:
    [action] = evaluate_stopping_rules([Event(kind="pregnancy", date=START)])
    assert action.kind is ActionKind.STOP and action.alert_clinician and action.source


def test_actions_come_in_date_order_and_serialise() -> None:
    events = [
        Event(kind="hepatitis-symptoms", date=START + timedelta(days=9)),
        Event(kind="planned-opioid-need", date=START + timedelta(days=2)),
    ]
    actions = evaluate_stopping_rules(events)
    assert [a.kind for a in actions] == [ActionKind.PAUSE, ActionKind.STOP]
    data = json.loads(json.dumps([a.to_dict() for a in actions]))
    assert data[0]["event"]["date"] == (START + timedelta(days=2)).isoformat()


def test_an_event_must_carry_what_its_kind_needs() -> None:
    with pytest.raises(ValidationError, match="needs a grade"):
        Event(kind="adverse-event", date=START)
    with pytest.raises(ValidationError, match="needs ALT or AST"):
        Event(kind="liver-test", date=START)
    with pytest.raises(ValidationError):
        Event(kind="unknown", date=START)  # type: ignore[arg-type]
