"""`nof1 appraise`, end to end through the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import nof1

from nof1.evidence import register_ids


def test_it_prints_the_card_and_the_threats_of_a_register_study(capsys):
    code, out, err = nof1(capsys, "appraise", "bolton2020")
    assert code == 0, err
    for title in ("Quick summary", "Why it matters", "What we observed", "What we can conclude",
                  "Remaining questions", "What this result does not prove",
                  "Threats to validity"):
        assert title in out
    assert "Control group" in out and "open" in out
    assert "10.1136/bcr-2019-232502" in out


def test_it_lists_the_register(capsys):
    code, out, _ = nof1(capsys, "appraise", "--list")
    assert code == 0
    for study_id in register_ids():
        assert study_id in out
    assert "Bolton 2020" in out


def test_it_prints_json_with_the_appraisal(capsys):
    code, out, _ = nof1(capsys, "appraise", "younger2013", "--json")
    assert code == 0
    data = json.loads(out)
    assert [s["key"] for s in data["sections"]][0] == "summary"
    assert data["appraisal"]["study"]["id"] == "younger2013"
    statuses = {t["id"]: t["status"] for t in data["appraisal"]["threats"]}
    assert statuses["placebo_response"] == "addressed"


def test_it_appraises_a_study_described_in_a_file(capsys, tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('id = "mine"\ntitle = "My clinic audit"\ncitation = "Me 2030."\n'
                    'kind = "chart review"\nn_participants = 40\ncondition = "ME/CFS"\n'
                    'comparison = "none"\n', encoding="utf-8")
    code, out, err = nof1(capsys, "appraise", path)
    assert code == 0, err
    assert "My clinic audit" in out and "40 people with ME/CFS" in out


@pytest.mark.parametrize(("args", "message"), [
    (["missing.toml"], "no such study file"),
    (["nobody2099"], "no study 'nobody2099' in the register"),
    ([], "give a study TOML file or a register id"),
])
def test_it_refuses_what_it_cannot_appraise_in_one_line(capsys, args, message):
    code, _, err = nof1(capsys, "appraise", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) <= 2


def test_it_refuses_bad_toml_and_unknown_fields_naming_the_file(capsys, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("id = = 1\n", encoding="utf-8")
    code, _, err = nof1(capsys, "appraise", bad)
    assert code == 2 and "not valid TOML" in err and str(bad) in err
    odd = tmp_path / "odd.toml"
    odd.write_text('id = "x"\ntitle = "x"\ncitation = "x"\nkind = "review"\n'
                   'n_participants = 5\nsample = 5\n', encoding="utf-8")
    code, _, err = nof1(capsys, "appraise", odd)
    assert code == 2 and "field 'sample' is not a design field" in err
    assert len(err.strip().splitlines()) == 1
