"""What the research pages accept, checked before the core is called."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from nof1.protocol import Protocol
from nof1.web.research.pooling import TABLE_OUTCOMES, active_arms


class SeriesForm(forms.Form):
    """Outcome, MCID, analytic washout and (when the pooled protocols have several) the arm.

    The direction (lower or higher is better) comes from the protocols' outcome definitions;
    a blank MCID means the protocol's own. Built from the protocols being pooled.
    """

    outcome = forms.ChoiceField(label="Outcome")
    mcid = forms.FloatField(
        label="MCID (outcome units)",
        required=False,
        min_value=0.0,
        help_text="The smallest change that matters to a patient. Blank: the protocol's own.",
    )
    washout_days = forms.IntegerField(
        label="Analytic washout (days)",
        min_value=0,
        max_value=365,
        help_text="The first days of each period left out of the analysis.",
    )
    arm = forms.ChoiceField(label="Active arm to compare with placebo")

    def __init__(self, *args: Any, protocols: Sequence[Protocol], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = {}
        for protocol in protocols:
            for frequency in TABLE_OUTCOMES:
                for outcome in protocol.outcomes_by_frequency(frequency):
                    self.outcomes.setdefault(outcome.id, []).append(outcome)
        outcome_field = self.fields["outcome"]
        assert isinstance(outcome_field, forms.ChoiceField)
        outcome_field.choices = [
            (oid, f"{found[0].label} ({oid})") for oid, found in self.outcomes.items()
        ]
        primary = next(
            (o.id for p in protocols for o in p.outcomes if o.primary and o.id in self.outcomes),
            None,
        )
        self.fields["outcome"].initial = primary
        washouts = {p.design.washout_days for p in protocols}
        self.fields["washout_days"].initial = washouts.pop() if len(washouts) == 1 else 0
        arms = active_arms(protocols)
        if len(arms) > 1:
            labels = {a.id: a.label for p in protocols for a in p.arms}
            arm_field = self.fields["arm"]
            assert isinstance(arm_field, forms.ChoiceField)
            arm_field.choices = [(arm, f"{labels[arm]} ({arm})") for arm in arms]
        else:  # one active arm: nothing to choose
            del self.fields["arm"]

    def clean_mcid(self) -> float | None:
        mcid = self.cleaned_data.get("mcid")
        if mcid is not None and mcid <= 0:
            raise forms.ValidationError("The MCID must be above 0, or left blank.")
        return mcid

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        found = self.outcomes.get(data.get("outcome", ""), [])
        if not found:
            return data
        directions = {o.better for o in found}
        if len(directions) > 1:
            raise forms.ValidationError(
                "The protocols pooled disagree on whether lower or higher is better for this "
                "outcome; pool them separately."
            )
        data["better"] = directions.pop()
        if data.get("mcid") is None:
            mcids = {o.mcid for o in found}
            data["mcid"] = mcids.pop() if len(mcids) == 1 else None
        return data
