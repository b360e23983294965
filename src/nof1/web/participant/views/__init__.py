"""The participant's pages: one module per part of the trial, each under ~300 lines."""

from nof1.web.participant.views.consent import consent
from nof1.web.participant.views.diary import backfill, diary_day, today, too_unwell
from nof1.web.participant.views.home import home, kit, start
from nof1.web.participant.views.instruments import guess, weekly
from nof1.web.participant.views.reminders import calendar_feed, reminders
from nof1.web.participant.views.results import download, report, results

__all__ = [
    "backfill",
    "calendar_feed",
    "consent",
    "diary_day",
    "download",
    "guess",
    "home",
    "kit",
    "reminders",
    "report",
    "results",
    "start",
    "today",
    "too_unwell",
    "weekly",
]
