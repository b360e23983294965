"""`nof1 protocol`, `screen`, `randomize` and `unblind`, end to end through the command."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from cli_run import nof1

from nof1.blinding import SealedAllocation
from nof1.protocol import load_template, template_names
from nof1.randomization import Allocation, verify
from nof1.unblinding_log import UnblindingLog

BLINDED_FILES = (
    "participant/schedule.csv",
    "participant/schedule.html",
    "participant/reminders.ics",
    "clinician/schedule.csv",
    "clinician/schedule.html",
    "trial.json",
    "README.txt",
    "sealed-allocation.json",
)


def randomized(capsys, tmp_path: Path, template: str = "ldn-mecfs-standard") -> Path:
    folder = tmp_path / "trial"
    code, out, err = nof1(capsys, "randomize", template, "--participant", "P01",
                          "--start", "2026-12-01", "--out", folder)
    assert code == 0, err
    assert "pharmacist/" in out
    return folder


def leaks(protocol_id: str) -> list[str]:
    """Every string that would reveal an arm: ids, labels, doses, 'placebo', 'mg'."""
    proto = load_template(protocol_id)
    words = {"placebo", "mg"}
    doses = {arm.dose_mg for arm in proto.arms}
    doses |= {step.dose_mg for t in proto.titration for step in t.steps}
    for arm in proto.arms:
        words |= {arm.id.lower(), arm.label.lower()}
    for dose in doses - {0.0}:
        words |= {f"{dose:g} mg", f"{dose:g}mg"}
        if dose != int(dose):  # "4.5" means a dose; a bare "3" may be a day or a count
            words.add(f"{dose:g}")
    return sorted(words)


@pytest.mark.parametrize("template", template_names())
def test_no_blinded_output_names_an_arm_or_a_dose_before_unblinding(capsys, tmp_path, template):
    folder = randomized(capsys, tmp_path, template)
    nof1(capsys, "unblind", folder, "--key", folder / "pharmacist/key.txt", "--reason",
         "emergency", "--period", "1", "--who", "dr-a")
    for name in (*BLINDED_FILES, "unblinding-log.jsonl", "unblinding-log.jsonl.head"):
        text = (folder / name).read_text(encoding="utf-8")
        if name == "sealed-allocation.json":  # random base64 ciphertext may spell "-mg_" by chance
            sealed = SealedAllocation.load(folder / name)
            for token in (*sealed.period_tokens, sealed.allocation_token):
                text = text.replace(token, "<ciphertext>")
        text = text.lower()
        for word in leaks(template):
            pattern = rf"(?<![0-9a-z.]){re.escape(word)}(?![0-9a-z])"
            assert not re.search(pattern, text), f"{name} reveals {word!r}"
    kit_sheet = (folder / "pharmacist/kit-sheet.csv").read_text(encoding="utf-8").lower()
    assert "placebo" in kit_sheet and "mg" in kit_sheet  # the pharmacist does see them


def test_randomize_then_unblind_round_trips(capsys, tmp_path):
    folder = randomized(capsys, tmp_path)
    code, out, err = nof1(capsys, "unblind", folder, "--key", folder / "pharmacist/key.txt",
                          "--reason", "end of trial", "--who", "dr-a", "--json")
    assert code == 0, err
    revealed = json.loads(out)
    proto = load_template("ldn-mecfs-standard")
    allocation = Allocation.from_csv(folder / "pharmacist/allocation.csv", proto.arm_ids)
    verify(allocation)  # the pharmacist's copy still matches its seed
    assert [p["arm"] for p in revealed["periods"]] == list(allocation.arm_by_period)
    trial = json.loads((folder / "trial.json").read_text())
    assert [p["kit"] for p in revealed["periods"]] == trial["kits"]
    for block in (1, 2, 3):
        arms = {p["arm"] for p in revealed["periods"] if p["block"] == block}
        assert arms == {"placebo", "ldn-4.5mg"}
    [entry] = UnblindingLog(folder / "unblinding-log.jsonl").entries()
    assert entry.event["who"] == "dr-a" and entry.event["reason"] == "end of trial"


def test_an_emergency_reveals_one_period_only(capsys, tmp_path):
    folder = randomized(capsys, tmp_path)
    code, out, _ = nof1(capsys, "unblind", folder, "--key", folder / "pharmacist/key.txt",
                        "--reason", "severe reaction", "--period", "4", "--json")
    assert code == 0
    assert [p["period"] for p in json.loads(out)["periods"]] == [4]
    [entry] = UnblindingLog(folder / "unblinding-log.jsonl").entries()
    assert entry.event["what"] == "period 4"


def test_a_wrong_key_fails_clearly_and_is_logged(capsys, tmp_path):
    folder = randomized(capsys, tmp_path)
    code, _, err = nof1(capsys, "unblind", folder, "--key", "A" * 43, "--reason", "curious")
    assert code == 2
    assert "key does not open this allocation" in err
    [entry] = UnblindingLog(folder / "unblinding-log.jsonl").entries()
    assert entry.event["outcome"].startswith("refused")


def test_a_tampered_sealed_allocation_is_refused(capsys, tmp_path):
    folder = randomized(capsys, tmp_path)
    sealed = json.loads((folder / "sealed-allocation.json").read_text())
    sealed["header"]["kits"].reverse()
    (folder / "sealed-allocation.json").write_text(json.dumps(sealed))
    code, _, err = nof1(capsys, "unblind", folder, "--key", folder / "pharmacist/key.txt",
                        "--reason", "end")
    assert code == 2
    assert "error:" in err and ("tamper" in err.lower() or "edited" in err.lower())


def test_a_tampered_log_is_detected_before_the_next_unblinding(capsys, tmp_path):
    folder = randomized(capsys, tmp_path)
    key = folder / "pharmacist/key.txt"
    nof1(capsys, "unblind", folder, "--key", key, "--reason", "first", "--period", "1")
    log = folder / "unblinding-log.jsonl"
    log.write_text(log.read_text().replace("first", "innocent"))
    code, _, err = nof1(capsys, "unblind", folder, "--key", key, "--reason", "second")
    assert code == 2 and "error:" in err


def test_randomize_never_overwrites_a_trial_folder(capsys, tmp_path):
    folder = randomized(capsys, tmp_path)
    before = (folder / "sealed-allocation.json").read_bytes()
    code, _, err = nof1(capsys, "randomize", "ldn-mecfs-standard", "--participant", "P01",
                        "--start", "2026-12-01", "--out", folder)
    assert code == 2 and "never overwritten" in err
    assert (folder / "sealed-allocation.json").read_bytes() == before


def test_randomize_refuses_a_bad_date_or_protocol(capsys, tmp_path):
    code, _, err = nof1(capsys, "randomize", "ldn-mecfs-standard", "--participant", "P01",
                        "--start", "1st December", "--out", tmp_path / "a")
    assert code == 2 and "ISO date" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = not [valid toml")
    code, _, err = nof1(capsys, "randomize", bad, "--participant", "P01", "--start",
                        "2026-12-01", "--out", tmp_path / "b")
    assert code == 2 and "bad.toml" in err
    assert not (tmp_path / "b").exists()


def test_protocol_new_writes_a_template_that_checks(capsys, tmp_path):
    code, out, _ = nof1(capsys, "protocol", "list")
    assert code == 0 and all(name in out for name in template_names())
    for name in template_names():
        path = tmp_path / f"{name}.toml"
        assert nof1(capsys, "protocol", "new", "--template", name, "--out", path)[0] == 0
        code, out, err = nof1(capsys, "protocol", "check", path)
        assert code == 0, err
        assert "valid protocol" in out


def test_protocol_check_names_each_problem(capsys, tmp_path):
    path = tmp_path / "p.toml"
    nof1(capsys, "protocol", "new", "--template", "ldn-mecfs-standard", "--out", path)
    path.write_text(path.read_text().replace("pairs = 3", "pairs = 0"))
    code, _, err = nof1(capsys, "protocol", "check", path)
    assert code == 2 and "design.pairs" in err


@pytest.mark.parametrize(
    ("medicine", "status"),
    [("tramadol 50mg", "ineligible"), ("Co-codamol 30/500", "ineligible"),
     ("buprenorphine", "ineligible"), ("methadone", "ineligible"),
     ("loperamide", "needs-review")],
)
def test_screen_applies_the_label_to_each_medicine(capsys, medicine, status):
    code, out, _ = nof1(capsys, "screen", "--medication", medicine, "--alt", "20", "--ast", "20",
                        "--not-pregnant", "--not-breastfeeding", "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == status
    assert all(r["rule"] and r["source"] for r in result["reasons"])


def test_screen_refuses_hepatitis_and_high_alt_with_the_rule_and_source(capsys):
    for args in (("--condition", "acute-hepatitis", "--alt", "20"), ("--alt", "350",)):
        code, out, _ = nof1(capsys, "screen", *args, "--ast", "20", "--not-pregnant",
                            "--not-breastfeeding", "--json")
        result = json.loads(out)
        assert result["status"] == "ineligible"
        assert result["reasons"][0]["source"]


def test_screen_uses_a_protocols_rules_and_refuses_unknown_conditions(capsys, tmp_path):
    path = tmp_path / "p.toml"
    nof1(capsys, "protocol", "new", "--template", "ldn-mecfs-standard", "--out", path)
    code, out, _ = nof1(capsys, "screen", "--protocol", path, "--alt", "20", "--ast", "20",
                        "--not-pregnant", "--not-breastfeeding")
    assert code == 0 and "ELIGIBLE" in out
    code, _, err = nof1(capsys, "screen", "--condition", "flu")
    assert code == 2 and "acute-hepatitis" in err


def test_the_readmes_unblind_command_works_as_written_from_where_randomize_ran(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    code, _, err = nof1(capsys, "randomize", "ldn-mecfs-standard", "--participant", "P01",
                        "--start", "2026-12-01", "--out", "trial")
    assert code == 0, err
    readme = (tmp_path / "trial" / "README.txt").read_text(encoding="utf-8")
    [line] = [ln.strip() for ln in readme.splitlines() if ln.strip().startswith("nof1 unblind")]
    args = shlex.split(line.replace('"..."', '"end of trial"').replace(" [--period N]", ""))
    code, out, err = nof1(capsys, *args[1:], "--who", "dr-a")
    assert code == 0, err
