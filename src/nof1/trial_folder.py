"""A randomised trial on disk: what `nof1 randomize` writes and `nof1 unblind` opens.

    DIR/
      trial.json                 participant, protocol, start date, kit codes (no allocation)
      sealed-allocation.json     the allocation, sealed (AES-256-GCM); no plaintext arm or dose
      unblinding-log.jsonl       every unblinding attempt, hash-chained (+ .head sidecar)
      participant/               schedule.csv, schedule.html, reminders.ics   - blinded
      clinician/                 schedule.csv, schedule.html                  - blinded
      pharmacist/                key.txt, allocation.csv (with the seed), kit-sheet.csv,
                                 kit-sheet.html, protocol.toml                - UNBLINDED
      README.txt                 who gets which folder

Only `pharmacist/` names arms or doses; it holds the key, so it must reach the pharmacist
and nobody else until the end of the trial.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from nof1 import blinding, kits, randomization
from nof1.exceptions import Nof1Error
from nof1.protocol import (
    Protocol,
    build_schedule,
    load_protocol,
    load_template,
    sheets,
    template_names,
)
from nof1.protocol import calendar as ical
from nof1.randomization import Allocation, PeriodAllocation
from nof1.unblinding_log import UnblindingLog

SEALED = "sealed-allocation.json"
LOG = "unblinding-log.jsonl"
TRIAL = "trial.json"

README = """\
nof1 trial folder for participant {participant} ({protocol}), starting {start}.

participant/  give to the participant: daily schedule and calendar reminders (kit codes only)
clinician/    for the clinician: the same schedule (kit codes only)
pharmacist/   for the pharmacist ONLY: the key, the allocation and the kit sheet saying what
              each kit contains. Nobody who rates symptoms may see it before unblinding.

sealed-allocation.json and unblinding-log.jsonl stay with the trial records. At the end, or
in an emergency for one period, unblind with:
    nof1 unblind {folder} --key {key} --reason "..." [--period N]
Every attempt is recorded in unblinding-log.jsonl with who, when and why.
"""


def resolve_protocol(name_or_path: str) -> Protocol:
    """A protocol file, or the name of a bundled template."""
    if Path(name_or_path).is_file() or name_or_path not in template_names():
        return load_protocol(name_or_path)
    return load_template(name_or_path)


@dataclass(frozen=True)
class Randomised:
    folder: Path
    kits: tuple[str, ...]
    key_path: Path


def randomize(
    protocol: Protocol,
    protocol_text: str,
    *,
    participant: str,
    start: dt.date,
    folder: Path,
) -> Randomised:
    """Draw and seal one participant's allocation and write the trial folder (all or nothing:
    the folder must not exist yet, so no sealed allocation is ever redrawn or overwritten)."""
    if not participant.strip():
        raise Nof1Error("the participant id is empty")
    if folder.exists() and any(folder.iterdir()):
        raise Nof1Error(f"{folder} exists and is not empty: a trial folder is never overwritten")
    n_arms = len(protocol.arm_ids)
    allocation = randomization.allocate(
        protocol.arm_ids, protocol.period_count // n_arms, randomization.draw_seed()
    )
    codes = kits.new_kit_codes(protocol.period_count)
    key = blinding.generate_key()
    sealed = blinding.seal(allocation, codes, key, trial=protocol.id, participant=participant)
    # build every document before writing anything, so a refusal leaves no half folder
    schedule = build_schedule(protocol, start, codes)
    blinded = {
        "participant/schedule.csv": sheets.participant_csv(
            protocol, codes, start, participant=participant
        ),
        "participant/schedule.html": sheets.participant_html(
            protocol, codes, start, participant=participant
        ),
        "clinician/schedule.csv": sheets.clinician_csv(
            protocol, codes, start, participant=participant
        ),
        "clinician/schedule.html": sheets.clinician_html(
            protocol, codes, start, participant=participant
        ),
    }
    calendar = ical.calendar_bytes(schedule, protocol, participant=participant)
    unblinded = {
        "pharmacist/key.txt": key + "\n",
        "pharmacist/kit-sheet.csv": sheets.pharmacist_csv(
            protocol, allocation, codes, start, participant=participant
        ),
        "pharmacist/kit-sheet.html": sheets.pharmacist_html(
            protocol, allocation, codes, start, participant=participant
        ),
        "pharmacist/protocol.toml": protocol_text,
    }
    trial = {
        "participant": participant,
        "protocol": protocol.id,
        "protocol_version": protocol.version,
        "title": protocol.title,
        "start": start.isoformat(),
        "kits": list(codes),
        "sealed_fingerprint": sealed.fingerprint(),
    }
    for sub in ("participant", "clinician", "pharmacist"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sealed.save(folder / SEALED)
    allocation.to_csv(folder / "pharmacist" / "allocation.csv")
    for name, text in {**blinded, **unblinded}.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "participant" / "reminders.ics").write_bytes(calendar)
    (folder / TRIAL).write_text(json.dumps(trial, indent=2) + "\n", encoding="utf-8")
    (folder / "README.txt").write_text(
        README.format(participant=participant, protocol=protocol.id, start=start, folder=folder,
                      key=Path(folder) / "pharmacist" / "key.txt"),
        encoding="utf-8",
    )
    (folder / "pharmacist" / "key.txt").chmod(0o600)
    return Randomised(folder, tuple(codes), folder / "pharmacist" / "key.txt")


def read_key(key: str) -> str:
    """The key itself, or the path of a file holding it."""
    path = Path(key)
    if len(key) < 200 and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return key.strip()


@dataclass(frozen=True)
class Unblinded:
    periods: tuple[PeriodAllocation, ...]
    kits: tuple[str, ...]
    labels: dict[str, str]  # arm id -> label, when the protocol copy is at hand
    log_entries: int


def unblind(
    folder: Path, key: str, *, who: str, reason: str, period: int | None = None
) -> Unblinded:
    """Open the sealed allocation (or one period), recording who, when and why first."""
    sealed_path = folder / SEALED
    if not sealed_path.is_file():
        raise Nof1Error(f"{folder}: no {SEALED} here; is this a trial folder from nof1 randomize?")
    sealed = blinding.SealedAllocation.load(sealed_path)
    log = UnblindingLog(folder / LOG)
    secret = read_key(key)
    if period is None:
        allocation: Allocation = blinding.unseal(sealed, secret, who=who, reason=reason, log=log)
        periods = allocation.periods
    else:
        periods = (blinding.reveal_period(sealed, secret, period, who=who, reason=reason, log=log),)
    labels: dict[str, str] = {}
    protocol_copy = folder / "pharmacist" / "protocol.toml"
    if protocol_copy.is_file():
        labels = {a.id: a.label for a in load_protocol(protocol_copy).arms}
    count, _ = log.verify()
    return Unblinded(periods, sealed.kits, labels, count)
