"""Kit codes, the sealed allocation and audited unblinding, and the hash-chained log."""

from __future__ import annotations

import base64
import json
import multiprocessing
import random
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from stdnum import luhn

from nof1 import blinding, unblinding_log
from nof1.blinding import (
    KIT_ALPHABET,
    SealedAllocation,
    UnblindingLog,
    generate_key,
    is_valid_kit_code,
    new_kit_codes,
    normalize_kit_code,
    reveal_period,
    seal,
    unseal,
)
from nof1.exceptions import (
    AllocationMismatchError,
    KitCodeError,
    ProtocolError,
    TamperedError,
    UnsealError,
)
from nof1.randomization import allocate

ARMS = ("naltrexone", "placebo")
SEED = 0x1F2E3D4C5B6A79881F2E3D4C5B6A7988
WHEN = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def allocation():
    return allocate(ARMS, 3, SEED)


@pytest.fixture
def kits():
    return new_kit_codes(6, random.Random(20250301))


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def sealed(allocation, kits, key):
    return seal(allocation, kits, key, trial="ldn-mecfs", participant="P01", created_at=WHEN)


@pytest.fixture
def log(tmp_path):
    return UnblindingLog(tmp_path / "unblinding.jsonl")


def flip(token: str, index: int = 20) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode()


def assert_no_allocation_in(text: str) -> None:
    lowered = text.lower()
    for word in (*ARMS, "4.5", "active"):
        assert word not in lowered


# -- kit codes ---------------------------------------------------------------------------------


def test_kit_codes_are_k_and_five_unambiguous_characters_unique_and_valid():
    codes = new_kit_codes(2_000, random.Random(1))
    assert len(set(codes)) == 2_000
    for code in codes:
        assert re.fullmatch(r"K-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}", code)
        assert not set(code[2:]) & set("0O1ILU")
        assert "MG" not in code
        assert is_valid_kit_code(code)


def test_kit_codes_come_from_the_system_csprng_unless_an_rng_is_passed():
    assert new_kit_codes(5, random.Random(3)) == new_kit_codes(5, random.Random(3))
    assert new_kit_codes(5) != new_kit_codes(5)


def test_every_single_character_substitution_is_detected():
    for code in new_kit_codes(200, random.Random(2)):
        for position in range(2, 7):
            for char in KIT_ALPHABET + "01OILU":
                if char != code[position]:
                    typo = code[:position] + char + code[position + 1 :]
                    assert not is_valid_kit_code(typo), typo


def test_adjacent_transpositions_are_detected_except_2_and_z():
    # Every ordered pair of different symbols, at each of the 4 neighbouring positions (the
    # last one pairs the final character with the check character). Luhn mod 30 misses only
    # the swap of the symbols worth 0 and 29, "2" and "Z": 2 of the 870 pairs.
    rng = random.Random(4)
    missed, tried = set(), 0
    for i in range(4):
        for a in KIT_ALPHABET:
            for b in KIT_ALPHABET:
                if a == b:
                    continue
                for _ in range(1000):  # a code with a, b at i, i + 1 (b may be the check)
                    body = [rng.choice(KIT_ALPHABET) for _ in range(4)]
                    body[i] = a
                    if i < 3:
                        body[i + 1] = b
                    chars = "".join(body) + luhn.calc_check_digit("".join(body), KIT_ALPHABET)
                    if chars[i + 1] == b:
                        break
                assert chars[i + 1] == b
                tried += 1
                if is_valid_kit_code("K-" + chars[:i] + b + a + chars[i + 2 :]):
                    missed.add((a, b))
    assert tried == 4 * 870
    assert missed == {("2", "Z"), ("Z", "2")}


def test_a_trials_own_codes_are_never_one_swap_apart():
    rng = random.Random(5)
    code = "K-2ZAB" + luhn.calc_check_digit("2ZAB", alphabet=KIT_ALPHABET)
    swapped = "K-Z2AB" + code[-1]
    assert is_valid_kit_code(swapped)  # the one swap Luhn mod 31 cannot see
    for _ in range(50):
        drawn = new_kit_codes(300, rng, existing=[code])
        assert code not in drawn
        assert swapped not in drawn


def test_a_kit_code_typed_in_lower_case_with_spaces_or_without_hyphen_is_understood():
    code = new_kit_codes(1, random.Random(6))[0]
    body = code[2:]
    for typed in (code.lower(), f" k {body[:2]} {body[2:]} ".lower(), "K" + body):
        assert is_valid_kit_code(typed)
        assert normalize_kit_code(typed) == code


def test_a_kit_code_without_its_k_is_refused_so_a_missing_character_cannot_pass():
    code = new_kit_codes(1, random.Random(6))[0]
    assert not is_valid_kit_code(code[2:])


@pytest.mark.parametrize(
    "typed, message",
    [
        ("K-O2345", "never use O"),
        ("K-U2345", "never use U"),
        ("K-2345", "5 characters"),
        ("", "5 characters"),
        ("X-23456", "5 characters"),
    ],
)
def test_a_mistyped_kit_code_is_refused_with_a_reason(typed, message):
    with pytest.raises(KitCodeError, match=message):
        normalize_kit_code(typed)
    assert not is_valid_kit_code(typed)


def test_a_kit_code_with_a_wrong_check_character_is_refused():
    code = new_kit_codes(1, random.Random(7))[0]
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    with pytest.raises(KitCodeError, match="mistyped or two were swapped"):
        normalize_kit_code(wrong)


# -- sealing -----------------------------------------------------------------------------------


def test_a_key_is_43_url_safe_characters_and_fresh_each_time():
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", key) for key in keys)


def test_the_sealed_header_is_plain_and_names_trial_participant_kits_and_time(sealed, kits):
    header = sealed.header
    assert header["trial"] == "ldn-mecfs"
    assert header["participant"] == "P01"
    assert header["periods"] == 6
    assert header["kits"] == kits
    assert header["scheme"] == "nof1-blocks-sha256-v1"
    assert header["created_at"] == "2025-03-01T09:30:00+00:00"
    assert sealed.period_of_kit(kits[2].lower()) == 3


def test_the_sealed_file_holds_no_arm_no_placebo_and_no_dose(sealed, tmp_path):
    path = tmp_path / "P01.sealed.json"
    sealed.save(path)
    assert_no_allocation_in(path.read_text())
    assert_no_allocation_in(sealed.to_json())


def test_every_period_token_has_the_same_length_so_sizes_do_not_reveal_arms(sealed):
    assert len({len(token) for token in sealed.period_tokens}) == 1


def test_unseal_returns_the_allocation_and_logs_who_when_why_and_what(sealed, allocation, key, log):
    opened = unseal(sealed, key, who="dr.smith", reason="end of trial", log=log)
    assert opened == allocation
    (entry,) = log.entries()
    event = entry.event
    assert event["who"] == "dr.smith"
    assert event["reason"] == "end of trial"
    assert event["what"] == "full allocation"
    assert event["outcome"] == "revealed"
    assert event["participant"] == "P01"
    assert datetime.fromisoformat(event["at"]).tzinfo is not None
    assert event["sealed"] == sealed.fingerprint()


def test_reveal_period_reveals_one_period_and_the_log_says_which(
    sealed, allocation, key, log, kits
):
    revealed = reveal_period(sealed, key, 4, who="pharmacist", reason="emergency", log=log)
    assert revealed == allocation.periods[3]
    (entry,) = log.entries()
    assert entry.event["what"] == "period 4"
    assert entry.event["kit"] == kits[3]
    assert entry.event["outcome"] == "revealed"


def test_unsealing_without_the_right_key_fails_clearly_and_is_logged(sealed, log):
    with pytest.raises(UnsealError, match="the key does not open this allocation"):
        unseal(sealed, generate_key(), who="intruder", reason="curious", log=log)
    with pytest.raises(UnsealError, match="the key does not open this allocation"):
        reveal_period(sealed, generate_key(), 1, who="intruder", reason="curious", log=log)
    with pytest.raises(UnsealError, match="not a nof1 key"):
        unseal(sealed, "password123", who="intruder", reason="curious", log=log)
    outcomes = [(e.event["who"], e.event["what"], e.event["outcome"]) for e in log.entries()]
    assert outcomes == [
        ("intruder", "full allocation", "refused: wrong key"),
        ("intruder", "period 1", "refused: wrong key"),
        ("intruder", "full allocation", "refused: wrong key"),
    ]


def test_unblinding_needs_who_and_why(sealed, key, log):
    with pytest.raises(UnsealError, match="who"):
        unseal(sealed, key, who=" ", reason="end of trial", log=log)
    with pytest.raises(UnsealError, match="reason"):
        reveal_period(sealed, key, 1, who="dr.smith", reason="", log=log)


def test_reveal_period_refuses_a_period_the_trial_does_not_have(sealed, key, log):
    with pytest.raises(UnsealError, match="no period 7"):
        reveal_period(sealed, key, 7, who="dr.smith", reason="emergency", log=log)


def tampered_copies(sealed):
    """Each way of editing the sealed file: a flipped byte in any token, any header edit."""
    data = sealed.to_dict()
    for i in range(len(data["periods"])):
        tokens = list(data["periods"])
        tokens[i] = flip(tokens[i])
        yield f"period token {i + 1}", {**data, "periods": tokens}
    yield "allocation token", {**data, "allocation": flip(data["allocation"], 40)}
    swapped = list(data["periods"])
    swapped[0], swapped[1] = swapped[1], swapped[0]
    yield "swapped tokens", {**data, "periods": swapped}
    kits = list(data["header"]["kits"])
    kits[0], kits[1] = kits[1], kits[0]
    for field, value in [
        ("participant", "P02"),
        ("trial", "other"),
        ("kits", kits),
        ("created_at", "2025-03-02T09:30:00+00:00"),
        ("scheme", "other"),
    ]:
        yield f"header {field}", {**data, "header": {**data["header"], field: value}}
    yield "mac", {**data, "mac": "0" * 64}
    yield "key check", {**data, "key_check": "0" * 32}


def test_a_tampered_sealed_allocation_is_detected_and_logged(sealed, key, log):
    copies = list(tampered_copies(sealed))
    for _what, data in copies:
        edited = SealedAllocation.from_json(json.dumps(data))
        with pytest.raises(TamperedError):
            unseal(edited, key, who="dr.smith", reason="end of trial", log=log)
        with pytest.raises(TamperedError):
            reveal_period(edited, key, 6, who="dr.smith", reason="emergency", log=log)
    outcomes = {entry.event["outcome"] for entry in log.entries()}
    assert outcomes == {"refused: tampered"}
    assert len(log.entries()) == 2 * len(copies)


def test_tokens_are_bound_to_their_period_even_for_someone_holding_the_key(sealed, key, log):
    # An insider who swaps two tokens and recomputes the MAC is still caught by GCM's
    # associated data, which names each token's period.
    tokens = list(sealed.period_tokens)
    tokens[0], tokens[1] = tokens[1], tokens[0]
    edited = resealed(sealed, key, period_tokens=tokens)
    with pytest.raises(TamperedError, match="period 1"):
        reveal_period(edited, key, 1, who="dr.smith", reason="emergency", log=log)


def resealed(sealed, key, *, period_tokens=None, record=None):
    """What someone holding the key could write: new tokens with a valid MAC."""
    keys = blinding._keys(key)
    tokens = tuple(period_tokens or sealed.period_tokens)
    record = record or sealed.allocation_token
    mac = blinding._mac(keys, sealed.header, tokens, record)
    return replace(sealed, period_tokens=tokens, allocation_token=record, mac=mac)


def test_a_sealed_period_that_disagrees_with_the_sealed_record_is_refused_and_logged(
    sealed, allocation, key, log
):
    keys = blinding._keys(key)
    other = "placebo" if allocation.periods[0].arm == "naltrexone" else "naltrexone"
    plaintext = blinding._period_plaintext(replace(allocation.periods[0], arm=other))
    token = blinding._encrypt(keys, plaintext, sealed.header, "period 1")
    edited = resealed(sealed, key, period_tokens=(token, *sealed.period_tokens[1:]))
    with pytest.raises(AllocationMismatchError, match="period 1"):
        reveal_period(edited, key, 1, who="dr.smith", reason="emergency", log=log)
    with pytest.raises(AllocationMismatchError, match="period 1"):
        unseal(edited, key, who="dr.smith", reason="end of trial", log=log)
    outcomes = [entry.event["outcome"] for entry in log.entries()]
    assert outcomes == ["refused: does not match its seed"] * 2


def test_a_sealed_record_that_does_not_match_its_seed_is_refused_and_logged(
    sealed, allocation, key, log
):
    periods = list(allocation.periods)
    periods[0], periods[1] = (
        replace(periods[0], arm=periods[1].arm),
        replace(periods[1], arm=periods[0].arm),
    )
    data = replace(allocation, periods=tuple(periods)).to_dict()
    keys = blinding._keys(key)
    record = blinding._encrypt(keys, blinding._canonical(data), sealed.header, "allocation")
    with pytest.raises(AllocationMismatchError, match="does not match its seed"):
        unseal(resealed(sealed, key, record=record), key, who="a", reason="b", log=log)
    garbage = blinding._encrypt(keys, b"not json", sealed.header, "allocation")
    with pytest.raises(TamperedError, match="not an allocation"):
        unseal(resealed(sealed, key, record=garbage), key, who="a", reason="b", log=log)
    outcomes = [entry.event["outcome"] for entry in log.entries()]
    assert outcomes == ["refused: does not match its seed", "refused: tampered"]


def test_an_unreadable_sealed_file_is_refused(sealed, tmp_path):
    for text in ("not json", "{}", json.dumps({**sealed.to_dict(), "periods": ["x"]})):
        with pytest.raises(TamperedError, match="not a readable sealed allocation"):
            SealedAllocation.from_json(text)


def test_a_sealed_file_saves_loads_and_is_never_overwritten(sealed, key, allocation, tmp_path, log):
    path = tmp_path / "P01.sealed.json"
    sealed.save(path)
    loaded = SealedAllocation.load(path)
    assert loaded == sealed
    assert unseal(loaded, key, who="dr.smith", reason="end of trial", log=log) == allocation
    with pytest.raises(FileExistsError, match="never replaced"):
        sealed.save(path)


def test_seal_refuses_an_allocation_that_does_not_match_its_seed(allocation, kits, key):
    periods = list(allocation.periods)
    periods[0], periods[1] = (
        replace(periods[0], arm=periods[1].arm),
        replace(periods[1], arm=periods[0].arm),
    )
    with pytest.raises(AllocationMismatchError):
        seal(replace(allocation, periods=tuple(periods)), kits, key, trial="t", participant="P")


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda kits: kits[:5], ProtocolError),
        (lambda kits: [kits[0]] * 6, ProtocolError),
        (lambda kits: ["K-OOOOO", *kits[1:]], KitCodeError),
    ],
)
def test_seal_refuses_kits_that_are_not_one_valid_code_per_period(
    allocation, kits, key, change, error
):
    with pytest.raises(error):
        seal(allocation, change(kits), key, trial="t", participant="P")


def test_seal_refuses_a_missing_participant_and_a_time_without_zone(allocation, kits, key):
    with pytest.raises(ProtocolError, match="participant"):
        seal(allocation, kits, key, trial="t", participant="")
    with pytest.raises(ProtocolError, match="time zone"):
        seal(allocation, kits, key, trial="t", participant="P", created_at=datetime(2025, 1, 1))


# -- the unblinding log ------------------------------------------------------------------------


def filled_log(log, n=4):
    for i in range(1, n + 1):
        log.append({"what": f"period {i}", "who": "dr.smith", "reason": "test"})
    return log


def rewrite(log, lines):
    log.path.write_text("".join(line + "\n" for line in lines))


def test_the_log_chains_each_entry_to_the_previous_one(log):
    filled_log(log)
    entries = log.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev == "0" * 64
    assert all(
        later.prev == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False)
    )
    assert log.verify() == (4, entries[-1].hash)
    assert json.loads(log.head_path.read_text()) == {"entries": 4, "head": entries[-1].hash}


def test_opening_an_existing_log_never_rewrites_earlier_lines(log):
    assert not log.path.exists()
    filled_log(log, 2)
    before = log.path.read_bytes()
    reopened = UnblindingLog(log.path)
    assert log.path.read_bytes() == before
    reopened.append({"what": "full allocation"})
    assert log.path.read_bytes().startswith(before)
    assert reopened.verify()[0] == 3


def test_the_log_detects_an_edited_line(log):
    lines = filled_log(log).path.read_text().splitlines()
    lines[1] = lines[1].replace("dr.smith", "dr.jones")
    rewrite(log, lines)
    with pytest.raises(TamperedError, match="line 2 was edited"):
        log.verify()


def test_the_log_detects_an_edited_line_whose_hash_was_recomputed(log):
    filled_log(log)
    entries = log.entries()
    event = {**entries[1].event, "who": "dr.jones"}
    forged = {"seq": 2, "event": event, "prev": entries[1].prev}
    forged["hash"] = unblinding_log._entry_hash(2, event, entries[1].prev)
    lines = log.path.read_text().splitlines()
    lines[1] = json.dumps(forged)
    rewrite(log, lines)
    with pytest.raises(TamperedError, match="line 3 does not follow line 2"):
        log.verify()


def test_the_log_detects_a_removed_line(log):
    lines = filled_log(log).path.read_text().splitlines()
    rewrite(log, lines[:1] + lines[2:])
    with pytest.raises(TamperedError, match="line 2 does not follow"):
        log.verify()


def test_the_log_detects_reordered_lines(log):
    lines = filled_log(log).path.read_text().splitlines()
    rewrite(log, [lines[0], lines[2], lines[1], lines[3]])
    with pytest.raises(TamperedError, match="line 2 does not follow"):
        log.verify()


def test_the_log_detects_its_last_lines_removed(log):
    lines = filled_log(log).path.read_text().splitlines()
    rewrite(log, lines[:2])
    with pytest.raises(TamperedError, match="the last 2 were removed"):
        log.verify()
    log.path.write_text("")
    with pytest.raises(TamperedError, match="the last 4 were removed"):
        log.verify()


def test_the_log_detects_a_missing_head_file_and_an_incomplete_line(log):
    filled_log(log)
    log.head_path.unlink()
    with pytest.raises(TamperedError, match="missing"):
        log.verify()
    filled_log(UnblindingLog(log.path.with_name("other.jsonl")), 2)
    other = UnblindingLog(log.path.with_name("other.jsonl"))
    other.path.write_bytes(other.path.read_bytes()[:-5])
    with pytest.raises(TamperedError, match="line 2 is incomplete"):
        other.verify()


def test_a_head_recorded_elsewhere_catches_a_consistently_rewritten_log(log):
    filled_log(log)
    recorded = log.verify()[1]
    log.path.unlink()
    log.head_path.unlink()
    filled_log(log, 2)  # a forger rebuilds a shorter, self-consistent log and head file
    log.verify()
    with pytest.raises(TamperedError, match="not in the log"):
        log.verify(expected_head=recorded)


def test_entries_after_the_recorded_head_are_accepted_as_an_interrupted_append(log):
    filled_log(log, 2)
    head = log.head_path.read_bytes()
    log.append({"what": "period 3"})
    log.head_path.write_bytes(head)  # as if the process died before updating the head
    assert log.verify()[0] == 3


def test_append_refuses_to_extend_a_tampered_log(log):
    lines = filled_log(log).path.read_text().splitlines()
    rewrite(log, lines[:3])
    with pytest.raises(TamperedError):
        log.append({"what": "period 1"})
    assert len(log.path.read_text().splitlines()) == 3


def test_the_log_holds_no_arm_no_placebo_and_no_dose(sealed, key, log):
    unseal(sealed, key, who="dr.smith", reason="end of trial", log=log)
    reveal_period(sealed, key, 2, who="pharmacist", reason="emergency", log=log)
    with pytest.raises(UnsealError):
        unseal(sealed, generate_key(), who="x", reason="y", log=log)
    assert_no_allocation_in(log.path.read_text())
    assert_no_allocation_in(log.head_path.read_text())


def _append_25(path, writer):
    log = UnblindingLog(path)
    for i in range(25):
        log.append({"who": f"writer {writer}", "i": i})


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to share the test"
)
def test_appends_from_several_processes_keep_one_unbroken_chain(log):
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_25, args=(log.path, k)) for k in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert log.verify()[0] == 100
