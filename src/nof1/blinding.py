"""Kit codes, the sealed allocation, and unblinding as an explicit, audited action.

Kit codes ("K-7F3QX") are what everyone but the pharmacist sees: random, unique, read aloud
without confusion, and protected by a check character against typing mistakes.

The allocation is sealed with AES-256-GCM (`cryptography`'s AESGCM), chosen over Fernet
because GCM authenticates associated data: every token is bound to the plain header and to
its own slot ("period 3", "allocation"), so an edited header, or a token moved to another
period, fails to decrypt. Fernet has no associated data and would need a second MAC for the
header. Each period is sealed on its own, so one period can be revealed in an emergency
without decrypting the rest; the whole record (with the seed) is sealed once more. Every
period token has the same length (plaintexts are padded), so token sizes do not reveal the
arm. An HMAC-SHA256 over header and tokens lets any opening detect an edit anywhere in the
file, even in tokens it does not decrypt. The three keys (encryption, MAC, key check) are
derived from one 256-bit key with HKDF-SHA256. The key check, stored outside the MAC, tells
"wrong key" from "edited file"; its limit: a file whose key check AND content were both
edited reads as "wrong key" (it is refused either way, and nothing is revealed).

Who may unblind is decided by the caller (the web app checks permissions; holding the key is
the capability). This module makes unblinding explicit (`unseal`, `reveal_period`, each
naming who and why) and records every attempt, failed or not, in an `UnblindingLog` before
anything is returned. Log entries and sealed files never name an arm or a dose.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from nof1.exceptions import (
    AllocationMismatchError,
    KitCodeError,
    Nof1Error,
    ProtocolError,
    TamperedError,
    UnsealError,
)
from nof1.kits import KIT_ALPHABET, is_valid_kit_code, new_kit_codes, normalize_kit_code
from nof1.randomization import Allocation, PeriodAllocation, verify
from nof1.unblinding_log import LogEntry, UnblindingLog
from nof1.unblinding_log import canonical_json as _canonical

__all__ = [
    "KIT_ALPHABET",
    "LogEntry",
    "SealedAllocation",
    "UnblindingLog",
    "generate_key",
    "is_valid_kit_code",
    "new_kit_codes",
    "normalize_kit_code",
    "reveal_period",
    "seal",
    "unseal",
]

# -- sealing -----------------------------------------------------------------------------------

_FORMAT = "nof1-sealed-allocation"
_VERSION = 1
_CIPHER = "AES-256-GCM+HMAC-SHA256"
_NONCE = 12


def generate_key() -> str:
    """A new random 256-bit key as 43 URL-safe base64 characters. One key per participant;
    keep it apart from the sealed file (whoever holds both can unblind)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class _Keys:
    aead: AESGCM
    mac: bytes
    check: str


def _keys(key: str) -> _Keys:
    try:
        raw = base64.urlsafe_b64decode(key.strip() + "=" * (-len(key.strip()) % 4))
    except (binascii.Error, ValueError, AttributeError):
        raw = b""
    if len(raw) != 32:
        raise UnsealError("this is not a nof1 key: expected the 43 characters generate_key gave")

    def derive(purpose: bytes) -> bytes:
        hkdf = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=_FORMAT.encode() + purpose
        )
        return hkdf.derive(raw)

    return _Keys(AESGCM(derive(b" encrypt")), derive(b" mac"), derive(b" check")[:16].hex())


@dataclass(frozen=True)
class SealedAllocation:
    """What the clinic stores: a plain header, one token per period, one for the whole record.

    The header (format, version, cipher, trial, participant, periods, kits in period order,
    scheme, created_at in UTC) is not secret and is authenticated; the tokens are.
    """

    header: dict[str, Any]
    period_tokens: tuple[str, ...]
    allocation_token: str
    mac: str
    key_check: str

    @property
    def kits(self) -> tuple[str, ...]:
        return tuple(self.header["kits"])

    def period_of_kit(self, code: str) -> int:
        """The period (1-based) a kit belongs to; accepts a code as typed."""
        wanted = normalize_kit_code(code)
        if wanted not in self.kits:
            raise KitCodeError(f"kit {wanted} is not one of this participant's kits")
        return self.kits.index(wanted) + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "periods": list(self.period_tokens),
            "allocation": self.allocation_token,
            "mac": self.mac,
            "key_check": self.key_check,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SealedAllocation:
        try:
            data = json.loads(text)
            header, tokens = data["header"], data["periods"]
            if header["format"] != _FORMAT or header["version"] != _VERSION:
                raise ValueError(f"expected {_FORMAT} version {_VERSION}")
            if not isinstance(tokens, list) or len(tokens) != header["periods"]:
                raise ValueError("one token per period is expected")
            sealed = cls(
                header=dict(header),
                period_tokens=tuple(_str(t) for t in tokens),
                allocation_token=_str(data["allocation"]),
                mac=_str(data["mac"]),
                key_check=_str(data["key_check"]),
            )
            if len(sealed.kits) != header["periods"]:
                raise ValueError("one kit per period is expected")
        except (KeyError, TypeError, ValueError) as error:
            raise TamperedError(f"not a readable sealed allocation ({error})") from None
        return sealed

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the file; refuses to replace one (a sealed allocation is never redrawn)."""
        try:
            with open(path, "x", encoding="utf-8") as file:
                file.write(self.to_json())
        except FileExistsError:
            raise FileExistsError(
                f"{path} already exists; a sealed allocation is never replaced"
            ) from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SealedAllocation:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def fingerprint(self) -> str:
        """SHA-256 of the canonical file content: names this exact file in the log."""
        return hashlib.sha256(_canonical(self.to_dict())).hexdigest()


def seal(
    allocation: Allocation,
    kits: Sequence[str],
    key: str,
    *,
    trial: str,
    participant: str,
    created_at: datetime | None = None,
) -> SealedAllocation:
    """Seal a verified allocation; `kits` holds one kit code per period, in period order."""
    verify(allocation)
    keys = _keys(key)
    if isinstance(kits, str) or len(kits) != len(allocation.periods):
        raise ProtocolError(
            f"give one kit code per period, in period order: {len(allocation.periods)} codes"
        )
    codes = [normalize_kit_code(code) for code in kits]
    if len(set(codes)) != len(codes):
        raise ProtocolError("kit codes must differ between periods")
    for name, value in (("trial", trial), ("participant", participant)):
        if not isinstance(value, str) or not value.strip():
            raise ProtocolError(f"the sealed allocation needs a {name} id")
    when = created_at if created_at is not None else datetime.now(UTC)
    if when.tzinfo is None:
        raise ProtocolError("created_at must carry a time zone")
    header = {
        "format": _FORMAT,
        "version": _VERSION,
        "cipher": _CIPHER,
        "trial": trial,
        "participant": participant,
        "periods": len(codes),
        "kits": codes,
        "scheme": allocation.scheme,
        "created_at": when.astimezone(UTC).isoformat(timespec="seconds"),
    }
    width = max(
        len(_period_plaintext(PeriodAllocation(len(codes), allocation.blocks, arm)))
        for arm in allocation.arms
    )
    period_tokens = tuple(
        _encrypt(keys, _period_plaintext(p).ljust(width), header, f"period {p.period}")
        for p in allocation.periods
    )
    record = _encrypt(keys, _canonical(allocation.to_dict()), header, "allocation")
    mac = _mac(keys, header, period_tokens, record)
    return SealedAllocation(header, period_tokens, record, mac, keys.check)


def unseal(
    sealed: SealedAllocation, key: str, *, who: str, reason: str, log: UnblindingLog
) -> Allocation:
    """Open the whole allocation, verified against the sealed seed; logged before returning."""
    _require(who, reason)
    try:
        keys = _open(sealed, key)
        allocation = _record(sealed, keys)
        for p in allocation.periods:
            if _period(sealed, keys, p.period) != p:
                raise AllocationMismatchError(
                    f"period {p.period}'s sealed entry disagrees with the sealed record",
                    period=p.period,
                    block=p.block,
                )
    except Nof1Error as error:  # every failed attempt is logged too
        log.append(_event(sealed, who, reason, _outcome(error)))
        raise
    log.append(_event(sealed, who, reason, "revealed"))
    return allocation


def reveal_period(
    sealed: SealedAllocation,
    key: str,
    period: int,
    *,
    who: str,
    reason: str,
    log: UnblindingLog,
) -> PeriodAllocation:
    """Open one period only (e.g. an emergency); logged with its period and kit."""
    _require(who, reason)
    count = int(sealed.header["periods"])
    if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= count:
        raise UnsealError(f"there is no period {period!r}; this allocation has periods 1-{count}")
    try:
        keys = _open(sealed, key)
        revealed = _period(sealed, keys, period)
        if _record(sealed, keys).periods[period - 1] != revealed:
            raise AllocationMismatchError(
                f"period {period}'s sealed entry disagrees with the sealed record", period=period
            )
    except Nof1Error as error:  # every failed attempt is logged too
        log.append(_event(sealed, who, reason, _outcome(error), period))
        raise
    log.append(_event(sealed, who, reason, "revealed", period))
    return revealed


def _open(sealed: SealedAllocation, key: str) -> _Keys:
    """The keys, once the MAC shows this key sealed this exact file."""
    keys = _keys(key)
    expected = _mac(keys, sealed.header, sealed.period_tokens, sealed.allocation_token)
    mac_ok = hmac.compare_digest(expected, sealed.mac)
    check_ok = hmac.compare_digest(keys.check, sealed.key_check)
    if mac_ok and check_ok:
        return keys
    if check_ok or mac_ok:  # the right key: something in the file was edited
        raise TamperedError("the sealed allocation was edited after it was sealed")
    raise UnsealError("the key does not open this allocation; check it is this participant's key")


def _record(sealed: SealedAllocation, keys: _Keys) -> Allocation:
    plaintext = _decrypt(keys, sealed.allocation_token, sealed.header, "allocation")
    try:  # only reachable by someone who holds the key and sealed a malformed record
        allocation = Allocation.from_dict(json.loads(plaintext))
    except ValueError as error:
        raise TamperedError("the sealed record is not an allocation") from error
    if len(allocation.periods) != sealed.header["periods"]:
        raise TamperedError("the sealed record and its header disagree on the number of periods")
    verify(allocation)  # recomputes the list from the sealed seed
    return allocation


def _period(sealed: SealedAllocation, keys: _Keys, period: int) -> PeriodAllocation:
    token = sealed.period_tokens[period - 1]
    plaintext = _decrypt(keys, token, sealed.header, f"period {period}")
    try:
        data = json.loads(plaintext)
        return PeriodAllocation(int(data["period"]), int(data["block"]), str(data["arm"]))
    except (KeyError, TypeError, ValueError) as error:
        raise TamperedError(f"the sealed period {period} is not an allocation") from error


def _period_plaintext(p: PeriodAllocation) -> bytes:
    return _canonical(p.to_dict())


def _aad(header: dict[str, Any], slot: str) -> bytes:
    return _canonical({"header": header, "slot": slot})


def _encrypt(keys: _Keys, plaintext: bytes, header: dict[str, Any], slot: str) -> str:
    nonce = secrets.token_bytes(_NONCE)
    sealed = nonce + keys.aead.encrypt(nonce, plaintext, _aad(header, slot))
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def _decrypt(keys: _Keys, token: str, header: dict[str, Any], slot: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        return keys.aead.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(header, slot))
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise TamperedError(f"the sealed {slot} was edited after it was sealed") from error


def _mac(keys: _Keys, header: dict[str, Any], tokens: Sequence[str], record: str) -> str:
    content = _canonical({"header": header, "periods": list(tokens), "allocation": record})
    return hmac.new(keys.mac, content, hashlib.sha256).hexdigest()


# -- the audit event ---------------------------------------------------------------------------


def _require(who: str, reason: str) -> None:
    for name, value in (("who", who), ("reason", reason)):
        if not isinstance(value, str) or not value.strip():
            raise UnsealError(f"unblinding needs {name}: say who is unblinding and why")


def _outcome(error: Exception) -> str:
    # Codes, not messages: a mismatch message names arms, and the log must not.
    if isinstance(error, UnsealError):
        return "refused: wrong key"
    if isinstance(error, TamperedError):
        return "refused: tampered"
    if isinstance(error, AllocationMismatchError):
        return "refused: does not match its seed"
    return "refused: " + type(error).__name__


def _event(
    sealed: SealedAllocation, who: str, reason: str, outcome: str, period: int | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "action": "unblind",
        "what": "full allocation" if period is None else f"period {period}",
        "who": who,
        "reason": reason,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "outcome": outcome,
        "trial": sealed.header.get("trial"),
        "participant": sealed.header.get("participant"),
        "sealed": sealed.fingerprint(),
    }
    if period is not None:
        event["kit"] = sealed.kits[period - 1]
    return event


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value
