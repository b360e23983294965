"""Input schemas for the wearable pages."""

from __future__ import annotations

from django import forms

from nof1.web.wearables.models import WearableFormat
from nof1.web.wearables.services import AUTO

FORMATS = (
    (AUTO, "Work it out for me"),
    (WearableFormat.APPLE_HEALTH, "Apple Health (export.zip)"),
    (WearableFormat.FITBIT, "Fitbit (Google Takeout)"),
    (WearableFormat.GARMIN, "Garmin Connect (account export)"),
    (WearableFormat.CSV, "A CSV file, one row per day"),
)
HRV = (
    ("", "There is no column named hrv"),
    ("sdnn", "SDNN (Apple Watch)"),
    ("rmssd", "RMSSD (Fitbit, Oura, Whoop)"),
)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Your export file",
        allow_empty_file=False,
        widget=forms.FileInput(attrs={"accept": ".zip,.xml,.json,.csv,.fit"}),
    )
    format = forms.ChoiceField(label="Which kind of file is it?", choices=FORMATS, initial=AUTO)
    hrv = forms.ChoiceField(
        label="A CSV with a column named hrv: which measure is it?", choices=HRV, required=False
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=(("confirm", "Add"), ("discard", "Discard")))
    replace = forms.BooleanField(required=False)
