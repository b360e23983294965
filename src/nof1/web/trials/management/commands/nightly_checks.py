"""`nof1 web nightly_checks`: run once a day (cron or any scheduler); see trials/nightly.py."""

from typing import Any

from django.core.management.base import BaseCommand

from nof1.web.trials import clock, nightly


class Command(BaseCommand):
    help = "Raise missing-day, adherence and opioid alerts for every running participant."

    def handle(self, *args: Any, **options: Any) -> None:
        created = nightly.run(clock.today())
        self.stdout.write(f"nightly checks: {len(created)} new alert(s)")
