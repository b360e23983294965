"""Input schemas for the participant's pages. Every field is optional unless a page cannot
work without it: a half-filled diary is worth more than none."""

from __future__ import annotations

from typing import Any

from django import forms

from nof1.protocol import Protocol
from nof1.web.diary.models import DiaryEntry, DoseTaken, Guess
from nof1.web.participant.reminders import CHANGES

YES_NO = (("yes", "Yes"), ("no", "No"))
EXERTION = tuple((str(n), str(n)) for n in range(11))
NOTE_LENGTH = 200
NOTES = (
    ("other_medicines", "Any new medicines, or changes to medicines?"),
    ("infection", "Any infection (a cold, a fever, a stomach bug)?"),
    ("menstrual_period", "Menstrual period?"),
)


def _yes_no(value: str) -> bool:
    return value == "yes"


def rating_field(outcome_id: str) -> str:
    return f"rate_{outcome_id}"


class DiaryForm(forms.Form):
    """One day of the diary, built from the trial's protocol."""

    dose_taken = forms.ChoiceField(choices=YES_NO, required=False)
    side_effects = forms.MultipleChoiceField(choices=(), required=False)
    exertion_yesterday = forms.TypedChoiceField(
        choices=EXERTION, coerce=int, empty_value=None, required=False
    )
    crash_today = forms.TypedChoiceField(
        choices=YES_NO, coerce=_yes_no, empty_value=None, required=False
    )
    other_medicines = forms.CharField(max_length=NOTE_LENGTH, required=False, strip=True)
    infection = forms.CharField(max_length=NOTE_LENGTH, required=False, strip=True)
    menstrual_period = forms.CharField(max_length=NOTE_LENGTH, required=False, strip=True)

    def __init__(self, protocol: Protocol, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = protocol.outcomes_by_frequency("daily")
        for outcome in self.outcomes:
            low, high = int(outcome.scale.min), int(outcome.scale.max)
            self.fields[rating_field(outcome.id)] = forms.TypedChoiceField(
                choices=[(str(n), str(n)) for n in range(low, high + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                label=outcome.label,
            )
        side_effects = self.fields["side_effects"]
        assert isinstance(side_effects, forms.MultipleChoiceField)
        side_effects.choices = [(event.id, event.label) for event in protocol.adverse_events]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.outcomes and all(cleaned.get(rating_field(o.id)) is None for o in self.outcomes):
            raise forms.ValidationError(
                "Tap at least one number, or use \u201cToo unwell to log today\u201d."
            )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `nof1.web.diary.services.submit_day`."""
        data = self.cleaned_data
        return {
            "values": {o.id: data.get(rating_field(o.id)) for o in self.outcomes},
            "dose_taken": data.get("dose_taken") or DoseTaken.UNKNOWN,
            "side_effects": data.get("side_effects") or [],
            "exertion_yesterday": data.get("exertion_yesterday"),
            "crash_today": data.get("crash_today"),
            "other_medicines": data.get("other_medicines", ""),
            "infection": data.get("infection", ""),
            "menstrual_period": data.get("menstrual_period", ""),
        }

    @staticmethod
    def initial_from(entry: DiaryEntry | None) -> dict[str, Any]:
        """What was entered before, to change it."""
        if entry is None:
            return {}
        initial: dict[str, Any] = {
            rating_field(key): str(value)
            for key, value in entry.values.items()
            if value is not None
        }
        if entry.dose_taken in ("yes", "no"):
            initial["dose_taken"] = entry.dose_taken
        if entry.exertion_yesterday is not None:
            initial["exertion_yesterday"] = str(entry.exertion_yesterday)
        if entry.crash_today is not None:
            initial["crash_today"] = "yes" if entry.crash_today else "no"
        initial["side_effects"] = list(entry.side_effects)
        for name, _ in NOTES:
            initial[name] = getattr(entry, name)
        return initial


class WeeklyForm(forms.Form):
    item = forms.CharField(max_length=120)  # "<instrument>:<week start>", from the due list
    score = forms.FloatField(label="Score")


class GuessForm(forms.Form):
    period = forms.IntegerField(min_value=1)
    guess = forms.ChoiceField(choices=Guess.choices)


class ConsentForm(forms.Form):
    version = forms.UUIDField()


class ReminderForm(forms.Form):
    action = forms.ChoiceField(choices=[(key, key) for key in CHANGES])
