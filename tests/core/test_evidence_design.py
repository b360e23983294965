"""Study designs from TOML, and the register of published LDN studies."""

from __future__ import annotations

from pathlib import Path

import pytest

from nof1.evidence import StudyDesign, find_study, load_register, load_study, register_ids
from nof1.exceptions import DataError, Nof1Error

MINIMAL = """
id = "my-study"
title = "My study"
citation = "Someone 2030. A study."
kind = "case series"
n_participants = 2
"""


def write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_design_loads_and_leaves_every_unreported_fact_unset(tmp_path):
    design = load_study(write(tmp_path, MINIMAL))
    assert design.id == "my-study"
    assert design.n_participants == 2
    assert design.randomised is None and design.blinded is None
    assert design.completeness is None and design.findings == ()


def test_a_design_is_frozen(tmp_path):
    design = load_study(write(tmp_path, MINIMAL))
    with pytest.raises(Exception, match="frozen"):
        design.n_participants = 3  # type: ignore[misc]


def test_an_unknown_field_is_refused_naming_the_file_and_the_field(tmp_path):
    path = write(tmp_path, MINIMAL + 'blinding = "double"\n')
    with pytest.raises(DataError) as caught:
        load_study(path)
    assert str(path) in str(caught.value)
    assert "field 'blinding' is not a design field" in str(caught.value)


def test_a_wrong_value_is_refused_naming_the_field(tmp_path):
    path = write(tmp_path, MINIMAL.replace("n_participants = 2", "n_participants = 0"))
    with pytest.raises(DataError, match="field 'n_participants': input should be greater"):
        load_study(path)


def test_a_missing_field_is_refused_naming_it(tmp_path):
    path = write(tmp_path, MINIMAL.replace('kind = "case series"\n', ""))
    with pytest.raises(DataError, match="field 'kind' is required"):
        load_study(path)


def test_a_nested_problem_names_its_place(tmp_path):
    path = write(tmp_path, MINIMAL + "[[findings]]\nsource = 'x'\n")
    with pytest.raises(DataError, match=r"field 'findings\.0\.text' is required"):
        load_study(path)


def test_bad_toml_and_a_missing_file_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="not valid TOML"):
        load_study(write(tmp_path, "id = = 1"))
    with pytest.raises(DataError, match="no such study file"):
        load_study(tmp_path / "absent.toml")


def test_the_register_holds_the_six_studies_of_the_brief_in_year_order():
    register = load_register()
    assert [s.id for s in register] == [
        "younger2009", "younger2013", "polo2019", "bolton2020", "bruun2024", "byambasuren2025",
    ]
    assert [s.year for s in register] == sorted(s.year for s in register)
    assert sorted(register_ids()) == sorted(s.id for s in register)


def test_register_citations_are_as_in_the_brief():
    by_id = {s.id: s for s in load_register()}
    assert by_id["bolton2020"].doi == "10.1136/bcr-2019-232502"
    assert "13:e232502" in by_id["bolton2020"].citation
    assert by_id["polo2019"].doi == "10.1080/21641846.2019.1692770"
    assert by_id["younger2009"].pmid == "19453963"
    assert by_id["younger2013"].doi == "10.1002/art.37734"
    assert by_id["bruun2024"].doi == "10.1016/S2665-9913(23)00278-3"
    assert by_id["byambasuren2025"].doi is None  # the brief gives none


def test_register_numbers_are_the_briefs():
    by_id = {s.id: s for s in load_register()}
    assert [by_id[i].n_participants for i in
            ("bolton2020", "polo2019", "younger2009", "younger2013", "bruun2024",
             "byambasuren2025")] == [3, 218, 10, 31, 99, 155]
    polo = " ".join(f.text for f in by_id["polo2019"].findings)
    assert "73.9%" in polo and "18.3%" in polo
    younger = " ".join(f.text for f in by_id["younger2013"].findings)
    assert "28.8%" in younger and "18.0%" in younger and "0.016" in younger
    final = " ".join(f.text for f in by_id["bruun2024"].findings)
    assert "-0.34" in final and "-0.95 to 0.27" in final


def test_facts_the_brief_does_not_give_are_left_unset():
    final = find_study("bruun2024")
    assert final.blinded is None  # the brief says "parallel RCT", not who was blinded
    assert final.comparison == "control"  # ... nor that the control was a placebo
    for study in load_register():
        assert study.completeness is None
        assert study.case_definition is None
        assert study.blinding_index is None


def test_every_finding_names_where_it_comes_from():
    for study in load_register():
        assert study.findings, study.id
        assert all(f.source.startswith("domain brief") for f in study.findings), study.id


def test_an_unknown_register_id_names_the_known_ones():
    with pytest.raises(Nof1Error, match="bolton2020"):
        find_study("nobody2099")


def test_a_design_built_in_code_validates_like_one_from_toml():
    with pytest.raises(ValueError):
        StudyDesign(id="x", title="x", citation="x", kind="case series", n_participants=1,
                    completeness=1.5)
