"""People and invitations.

A person has exactly one role, held in one enum field. Everything that depends on the role
(who may invite whom, who must use two-factor sign-in, how long a session may last) reads
that field, so there is never a second source of truth in a set of booleans.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    PARTICIPANT = "participant", "Participant"
    CLINICIAN = "clinician", "Clinician"
    PHARMACIST = "pharmacist", "Pharmacist"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Admin"


STAFF_ROLES = frozenset({Role.CLINICIAN, Role.PHARMACIST, Role.RESEARCHER, Role.ADMIN})

# Who may invite whom. Anyone absent from the table invites nobody.
INVITES: dict[str, tuple[Role, ...]] = {
    Role.ADMIN: tuple(Role),
    Role.CLINICIAN: (Role.PARTICIPANT,),
}


class NOF1UserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    display_name = models.CharField(
        max_length=150, blank=True, help_text="The name shown to the person and their team."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[NOF1UserManager] = NOF1UserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_staff_role(self) -> bool:
        """Clinicians, pharmacists, researchers and admins: they sign in with a second factor."""
        return self.role in STAFF_ROLES

    @property
    def invitable_roles(self) -> tuple[Role, ...]:
        return INVITES.get(self.role, ())


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=7)


class Invitation(models.Model):
    """A one-time link that lets one person create an account with a role chosen for them.

    Only the sha256 of the link's token is stored: someone reading the database cannot use a
    pending invitation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    used_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
        help_text="The account created with this invitation.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} as {self.get_role_display()}"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
