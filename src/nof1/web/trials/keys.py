"""Allocation keys at rest: wrapped (AES-256-GCM) with a server key that is not in the database.

Threat model. Each participant's allocation is sealed by the core (`nof1.blinding.seal`) under
its own random key; whoever holds the sealed allocation AND that key can read the arms.

- The sealed allocation (`SealedAllocationRecord`) is not secret: it names kit codes, never
  an arm or a dose, and can sit beside the clinical records.
- The key lives in its own table (`AllocationKey`), wrapped with a server key. Only two
  services ever unwrap it: the pharmacy service, for the trial's assigned pharmacist (the kit
  sheet), and `unblind`, for the trial's clinician or pharmacist. Both check the user and both
  record the access in the audit trail, failed attempts included. No view, export, admin page
  or audit snapshot shows the key.
- A copy of the database alone (a backup, a leaked dump, a read-only SQL account) does not
  unblind anyone: the wrapped keys need the server key, which comes from the environment.
- Out of scope: someone who holds both the database and the server key (a host administrator
  with the environment) can unblind everything. The application enforces roles; it cannot
  protect against whoever runs it. The audit trail's hash chain shows tampering, not reading.

The server key is NOF1_KEY_ENCRYPTION_KEY (43 URL-safe base64 characters, e.g. the output of
`python -c "from nof1.blinding import generate_key; print(generate_key())"`). When it is not
set, a key is derived from NOF1_SECRET_KEY (HKDF-SHA256), which keeps the database dump
useless on its own but ties the keys to the secret key: rotating the secret key would lose
them. A system check (trials.W001) warns about that outside debug mode. Every wrapped key
records the id of the server key that wrapped it, so a wrong server key is named as such,
never mistaken for a damaged record. Each wrapped key is bound to its enrolment (associated
data), so it cannot be copied to another participant's row and opened there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from nof1.web.trials.errors import KeyUnavailableError

ENV = "NOF1_KEY_ENCRYPTION_KEY"
_NONCE = 12
_PURPOSE = b"nof1 allocation-key wrapping v1"


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{ENV} must be 43 URL-safe base64 characters (32 bytes); make one with "
            '`python -c "from nof1.blinding import generate_key; print(generate_key())"`'
        )
    return raw


def configured() -> bool:
    """Whether NOF1_KEY_ENCRYPTION_KEY is set (read now, not at import)."""
    return bool(os.environ.get(ENV, "").strip())


def server_key() -> bytes:
    """The 32-byte wrapping key: NOF1_KEY_ENCRYPTION_KEY, or one derived from the secret key."""
    text = os.environ.get(ENV, "")
    if text.strip():
        return _decode(text)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE)
    return hkdf.derive(settings.SECRET_KEY.encode("utf-8"))


def key_id(key: bytes) -> str:
    """A short, public name for a server key (never enough to recover it)."""
    return hashlib.sha256(_PURPOSE + b" id" + key).hexdigest()[:16]


def _aad(bound_to: str) -> bytes:
    return _PURPOSE + b" for " + bound_to.encode("utf-8")


def wrap(secret: str, *, bound_to: str) -> tuple[str, str]:
    """(wrapped key, server key id) for `secret`, bound to `bound_to` (the enrolment id)."""
    key = server_key()
    nonce = secrets.token_bytes(_NONCE)
    sealed = nonce + AESGCM(key).encrypt(nonce, secret.encode("utf-8"), _aad(bound_to))
    return base64.urlsafe_b64encode(sealed).decode("ascii"), key_id(key)


def unwrap(token: str, wrapped_by: str, *, bound_to: str) -> str:
    """The key `wrap` wrapped; `KeyUnavailableError` when this server key cannot open it."""
    key = server_key()
    if key_id(key) != wrapped_by:
        raise KeyUnavailableError(
            f"this allocation key was wrapped with server key {wrapped_by}, but the server key "
            f"in use is {key_id(key)}: restore the {ENV} (or NOF1_SECRET_KEY, if {ENV} was not "
            "set) that was in use when the participant was enrolled"
        )
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(bound_to)).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise KeyUnavailableError(
            "the stored allocation key does not open: it was edited or moved from another "
            "participant's record"
        ) from error
