"""Protocol model, bundled templates and the problems a bad protocol is refused with."""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from typing import Any

import pytest

from nof1.exceptions import ProtocolError
from nof1.protocol import (
    ProtocolValidationError,
    load_protocol,
    load_template,
    parse_protocol,
    template_names,
    template_text,
)
from nof1.safety import EligibilityRules, screen

TEMPLATES = ("ldn-mecfs-dose-finding", "ldn-mecfs-slow-titration", "ldn-mecfs-standard")
NRS_ITEMS = ("fatigue", "pain", "brain_fog", "unrefreshing_sleep", "orthostatic", "overall")


def standard() -> dict[str, Any]:
    return tomllib.loads(template_text("ldn-mecfs-standard"))


def problems_of(data: dict[str, Any]) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(data, "test.toml")
    return str(caught.value)


def entry(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(item for item in items if item[key] == value)


# -- bundled templates ---------------------------------------------------------------------------


def test_it_bundles_the_three_ldn_templates() -> None:
    assert template_names() == list(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_bundled_template_validates(name: str) -> None:
    protocol = load_template(name)
    assert protocol.id == name
    assert protocol.placebo.dose_mg == 0
    assert protocol.total_days == (
        protocol.design.run_in_days + protocol.period_count * protocol.design.period_days
    )


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_cites_a_known_source_for_each_clinical_default(name: str) -> None:
    protocol = load_template(name)
    sections = [protocol.drug, protocol.design, protocol.eligibility, *protocol.titration]
    sections += [*protocol.outcomes]
    sections += [e for e in protocol.adverse_events if e.id != "other"]
    # A serious adverse event stops any trial: general practice, marked as a design choice.
    sections += [r for r in protocol.stopping_rules if r.trigger != "serious_adverse_event"]
    for section in sections:
        assert section.sources, section
        for source_id in section.sources:
            protocol.source(source_id)


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_uses_the_briefs_outcomes_safety_and_dois(name: str) -> None:
    protocol = load_template(name)
    primary = protocol.primary_outcome
    assert (primary.id, primary.frequency, primary.better) == ("fatigue", "daily", "lower")
    for item in NRS_ITEMS:
        outcome = next(o for o in protocol.outcomes if o.id == item)
        assert (outcome.scale.min, outcome.scale.max, outcome.frequency) == (0, 10, "daily")
        assert outcome.mcid == 2 and outcome.sources == ("farrar2001",)
    promis = next(o for o in protocol.outcomes if o.id == "promis_fatigue")
    assert promis.frequency == "weekly" and 3 <= (promis.mcid or 0) <= 5 and promis.attribution
    assert {e.id for e in protocol.adverse_events} == {
        "vivid_dreams",
        "nausea",
        "insomnia",
        "headache",
        "dizziness",
        "other",
    }
    actions = {r.trigger: r.action for r in protocol.stopping_rules}
    assert actions["serious_adverse_event"] == "stop"
    assert actions["planned_opioid_need"] == "pause"
    assert actions["hepatitis_symptoms"] == actions["alt_ast_above_threshold"] == "stop"
    rules = protocol.eligibility
    assert 15 <= rules.opioid_free_days <= 28  # trials: 15 days (Naik) to 4 weeks (FINAL)
    assert rules.alt_ast_max_iu_per_l == 300
    assert rules.exclude_pregnancy and rules.exclude_breastfeeding
    dois = {s.id: s.doi for s in protocol.sources}
    assert dois["farrar2001"] == "10.1016/S0304-3959(01)00349-9"
    assert dois["toljan2018"] == "10.3390/medsci6040082"
    assert dois["naik2024"] == "10.1136/bmjopen-2024-085272"
    assert dois["bruun2024"] == "10.1016/S2665-9913(23)00278-3"
    assert dois["polo2019"] == "10.1080/21641846.2019.1692770"


def test_a_protocols_eligibility_is_what_the_safety_screen_takes() -> None:
    protocol = load_template("ldn-mecfs-standard")
    assert isinstance(protocol.eligibility, EligibilityRules)
    report = screen(
        medications=["tramadol"],
        alt_iu_per_l=20,
        ast_iu_per_l=20,
        pregnant=False,
        breastfeeding=False,
        rules=protocol.eligibility,
    )
    assert report.status.value == "ineligible"


def test_the_standard_template_is_4_5_mg_against_placebo_in_three_pairs_of_28_days() -> None:
    protocol = load_template("ldn-mecfs-standard")
    assert [(a.id, a.dose_mg, a.is_placebo) for a in protocol.arms] == [
        ("placebo", 0, True),
        ("ldn-4.5mg", 4.5, False),
    ]
    design = protocol.design
    assert (design.run_in_days, design.pairs, design.period_days, design.washout_days) == (
        14,
        3,
        28,
        7,
    )
    assert protocol.period_count == 6 and protocol.total_days == 182
    steps = protocol.titration_for("ldn-4.5mg").steps
    assert [(s.from_day, s.dose_mg, s.capsules) for s in steps] == [
        (1, 1.5, 1),
        (8, 3.0, 2),
        (15, 4.5, 3),
    ]
    assert {s.content_mg for s in steps} == {1.5}
    assert not protocol.packs_by_step


def test_the_slow_template_adds_half_a_milligram_every_week_inside_each_period() -> None:
    protocol = load_template("ldn-mecfs-slow-titration")
    active = next(a for a in protocol.arms if not a.is_placebo)
    steps = protocol.titration_for(active.id).steps
    assert steps[0].dose_mg == 0.5
    for before, after in zip(steps, steps[1:], strict=False):
        assert after.from_day - before.from_day == 7
        assert after.dose_mg - before.dose_mg == pytest.approx(0.5)
    assert steps[-1].dose_mg == active.dose_mg < 4.5
    # the target is reached and held for at least two weeks inside the period
    assert protocol.design.period_days - steps[-1].from_day + 1 >= 14
    assert protocol.packs_by_step


def test_the_dose_finding_template_gives_placebo_and_three_fixed_doses_in_blocks() -> None:
    protocol = load_template("ldn-mecfs-dose-finding")
    assert sorted(a.dose_mg for a in protocol.arms) == [0, 1.5, 3, 4.5]
    assert protocol.design.pairs is None and protocol.design.blocks == 2
    assert protocol.block_word == "block" and protocol.period_count == 8
    assert all(len(t.steps) == 1 for t in protocol.titration)
    assert protocol.source("uab-nct07285473").url


def test_template_text_keeps_the_comments_for_protocol_new() -> None:
    text = template_text("ldn-mecfs-standard")
    assert text.startswith("#") and "design choice" in text.lower()


def test_it_refuses_an_unknown_template_and_lists_the_real_ones() -> None:
    with pytest.raises(ProtocolError, match="ldn-mecfs-standard"):
        load_template("ldn-for-everyone")


# -- loading files -------------------------------------------------------------------------------


def test_it_loads_a_protocol_file(tmp_path: Any) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(template_text("ldn-mecfs-standard"), encoding="utf-8")
    assert load_protocol(path) == load_template("ldn-mecfs-standard")


def test_a_missing_file_is_named(tmp_path: Any) -> None:
    with pytest.raises(ProtocolError, match="nope.toml: no such protocol file"):
        load_protocol(tmp_path / "nope.toml")


def test_bad_toml_is_reported_with_its_line(tmp_path: Any) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('id = "x"\ntitle = "y"\nversion = \n', encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"broken.toml: not valid TOML.*line 3"):
        load_protocol(path)


# -- bad protocols -------------------------------------------------------------------------------


def test_a_protocol_without_a_primary_outcome_is_refused() -> None:
    data = standard()
    for outcome in data["outcomes"]:
        outcome["primary"] = False
    assert "outcomes: no primary outcome" in problems_of(data)


def test_a_protocol_with_two_primary_outcomes_is_refused() -> None:
    data = standard()
    entry(data["outcomes"], "id", "pain")["primary"] = True
    assert "outcomes: exactly one outcome may be primary" in problems_of(data)


def test_a_washout_as_long_as_the_period_is_refused() -> None:
    data = standard()
    data["design"]["washout_days"] = 28
    assert "design.washout_days: must be shorter than period_days (28)" in problems_of(data)


def test_zero_pairs_is_refused_in_plain_english() -> None:
    data = standard()
    data["design"]["pairs"] = 0
    assert "design.pairs: must be at least 1" in problems_of(data)


def test_capsule_counts_that_differ_between_arms_are_refused_as_unblinding() -> None:
    data = standard()
    placebo = entry(data["titration"], "arm", "placebo")
    placebo["steps"] = [{"from_day": 1, "dose_mg": 0, "capsules": 3}]
    message = problems_of(data)
    assert "titration[placebo].steps: the days and capsule counts differ" in message
    assert "counting capsules" in message


def test_a_titration_for_an_unknown_arm_is_refused() -> None:
    data = standard()
    entry(data["titration"], "arm", "ldn-4.5mg")["arm"] = "ldn-9mg"
    message = problems_of(data)
    assert "titration[ldn-9mg].arm: unknown arm 'ldn-9mg'" in message
    assert "arm 'ldn-4.5mg' has no capsule schedule" in message


def test_a_negative_dose_is_refused() -> None:
    data = standard()
    entry(data["arms"], "id", "ldn-4.5mg")["dose_mg"] = -4.5
    assert "arms[ldn-4.5mg].dose_mg: must not be negative" in problems_of(data)


def test_a_placebo_with_a_dose_is_refused() -> None:
    data = standard()
    entry(data["arms"], "id", "placebo")["dose_mg"] = 1
    assert "arms[placebo].dose_mg: a placebo holds no drug" in problems_of(data)


def test_a_titration_that_never_reaches_the_arms_dose_is_refused() -> None:
    data = standard()
    entry(data["arms"], "id", "ldn-4.5mg")["dose_mg"] = 6
    assert "titration[ldn-4.5mg].steps: the last step (4.5 mg) must reach" in problems_of(data)


def test_a_changing_capsule_strength_must_be_stated_step_by_step() -> None:
    data = standard()
    active = entry(data["titration"], "arm", "ldn-4.5mg")
    active["steps"][2]["dose_mg"] = 4.0  # 1.5, 1.5, 1.33 mg per capsule
    entry(data["arms"], "id", "ldn-4.5mg")["dose_mg"] = 4.0
    data["arms"][1]["label"] = "LDN 4 mg"
    assert "state capsule_mg on every step" in problems_of(data)


def test_pairs_need_exactly_two_arms() -> None:
    data = tomllib.loads(template_text("ldn-mecfs-dose-finding"))
    data["design"]["pairs"] = data["design"].pop("blocks")
    assert "design.pairs: pairs need exactly two arms, but there are 4" in problems_of(data)


def test_unknown_settings_and_sources_are_named() -> None:
    data = standard()
    data["design"]["wash_out"] = 7
    assert "design.wash_out: is not a setting nof1 knows" in problems_of(data)
    data = standard()
    entry(data["outcomes"], "id", "pain")["sources"] = ["nobody2020"]
    assert "outcomes[pain].sources: unknown source 'nobody2020'" in problems_of(data)


def test_a_title_that_would_unblind_the_participant_is_refused() -> None:
    data = standard()
    data["title"] = "LDN 4.5 mg vs placebo"
    message = problems_of(data)
    assert "title: is shown to the participant and clinician" in message
    assert "placebo" in message and "LDN 4.5 mg" in message


def test_every_problem_is_listed_with_its_path() -> None:
    data = copy.deepcopy(standard())
    data["design"]["pairs"] = 0
    data["outcomes"][0]["mcid"] = -1
    with pytest.raises(ProtocolValidationError) as caught:
        parse_protocol(data, "mine.toml")
    assert dict(caught.value.problems) == {
        "design.pairs": "must be at least 1",
        "outcomes[fatigue].mcid": "must be above 0",
    }
    assert str(caught.value).startswith("mine.toml: the protocol has 2 problems:")


def test_importing_the_protocol_package_does_not_load_django() -> None:
    code = (
        "import sys, nof1.protocol.sheets, nof1.protocol.calendar; print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_opioid_free_window_shorter_than_the_label_is_refused(tmp_path):
    from nof1.exceptions import ProtocolError
    from nof1.protocol import load_protocol, template_text

    text = template_text("ldn-mecfs-standard")
    import re

    short = re.sub(r"opioid_free_days\s*=\s*\d+", "opioid_free_days = 3", text)
    assert short != text
    path = tmp_path / "short.toml"
    path.write_text(short, encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"eligibility.opioid_free_days.*7-10"):
        load_protocol(path)
