"""Participants invited to a trial before they have an account.

An enrolment needs the participant's account, and an account exists only once its invitation
is accepted. Until then the clinician's choice of trial and start date waits here; once the
invitation is used, the trial page offers to add the new account (an explicit POST, never a
side effect of opening a page).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from nof1.web.accounts.models import Invitation
from nof1.web.trials.models import Enrolment, Trial


class InvitedParticipant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="invited")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, related_name="invited_participant"
    )
    start_date = models.DateField(help_text="The first trial day the clinician chose.")
    enrolment = models.OneToOneField(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The enrolment made once the invitation was accepted.",
    )

    class Meta:
        ordering = ("created_at",)

    def __str__(self) -> str:
        return f"{self.invitation.email} invited to {self.trial}"

    @property
    def waiting(self) -> bool:
        """The invitation has not been accepted yet."""
        return self.invitation.user_id is None
