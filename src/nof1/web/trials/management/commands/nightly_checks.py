"""`nof1 web nightly_checks`: run once a day (cron or any scheduler); see trials/nightly.py."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from nof1.web.trials import clock, nightly
from nof1.web.wearables.services import STALE_AFTER_DAYS, discard_stale


class Command(BaseCommand):
    help = (
        "Raise missing-day, adherence and opioid alerts for every running participant, and "
        f"discard wearable uploads left unchecked for {STALE_AFTER_DAYS} days."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = nightly.run(clock.today())
        self.stdout.write(f"nightly checks: {len(created)} new alert(s)")
        dropped = discard_stale(timezone.now())
        self.stdout.write(f"wearable uploads discarded after {STALE_AFTER_DAYS} days: {dropped}")
