"""`send_reminders`: e-mail today's diary reminder to those who have logged nothing yet."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from nof1.web.participant.reminders import send_due_reminders
from nof1.web.trials import clock


class Command(BaseCommand):
    help = (
        "E-mail a diary reminder to each participant in a trial who has logged nothing today, "
        "at most once a day, skipping anyone who paused reminders or turned e-mail off. Safe "
        "to run as often as you like; run it once in the evening from cron or a scheduler."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = send_due_reminders(clock.today())
        self.stdout.write(
            f"reminders sent: {outcome.sent}, not needed: {outcome.skipped}, "
            f"failed: {outcome.failed}"
        )
