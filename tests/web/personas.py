"""Shared personas: one person of each role, and ways to sign them in.

    user = make_user(Role.CLINICIAN)                  # clinician-1, password PASSWORD
    client = sign_in(Client(), user)                  # staff: second factor already passed
    client = sign_in(Client(), user, verified=False)  # staff half-way: password only
    code = totp_code(device)                          # what the authenticator app shows now

Fixtures built on these (participant, clinician, ..., client_for) live in conftest.py.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from nof1.web.accounts.models import Role, User

PASSWORD = "lantern-meadow-quietly-42"  # passes the length and common-password rules
_numbers = itertools.count(1)


def make_user(role: Role | str = Role.PARTICIPANT, **fields: Any) -> User:
    """A saved, active user of `role`; user name `<role>-<n>` unless given."""
    role = Role(role)
    n = next(_numbers)
    password = fields.pop("password", PASSWORD)
    fields.setdefault("username", f"{role.value}-{n}")
    fields.setdefault("email", f"{fields['username']}@example.org")
    fields.setdefault("display_name", f"{role.label} {n}")
    user = User(role=role, **fields)
    user.set_password(password)
    user.save()
    return user


def make_totp_device(user: User) -> TOTPDevice:
    """The user's confirmed authenticator (one per user; made on first call)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "Authenticator app", "confirmed": True}
    )
    return device


def totp_code(device_or_key: TOTPDevice | bytes, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows at time `at` (default: now)."""
    key = device_or_key.bin_key if isinstance(device_or_key, TOTPDevice) else device_or_key
    generator = TOTP(key, step=30, t0=0, digits=6, drift=0)
    if at is not None:
        generator.time = at
    return f"{generator.token():06d}"


def sign_in(client: Client, user: User, *, verified: bool = True) -> Client:
    """Sign `user` in on `client`. Staff also pass the second factor unless verified=False."""
    client.force_login(user)
    if user.is_staff_role and verified:
        device = make_totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def later(seconds: float) -> float:
    """A wall-clock time `seconds` from now, for stamping sessions in the past or future."""
    return time.time() + seconds
