"""What each clinician page accepts, checked before any service is called."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django import forms

from nof1.protocol import load_template, template_names
from nof1.safety import CONDITIONS
from nof1.web.accounts.models import Role, User

# Pregnancy and breastfeeding have their own yes / no / not known questions.
ASKED_SEPARATELY = ("pregnancy", "breastfeeding")
YES_NO_UNKNOWN = [("no", "No"), ("yes", "Yes"), ("unknown", "Not known")]
YES_NO = [("no", "No"), ("yes", "Yes")]
_ANSWER = {"yes": True, "no": False, "unknown": None}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@cache
def template_choices() -> list[tuple[str, str]]:
    """Each bundled protocol by its title and design. No arms or doses: this page is open
    to the clinician mid-trial too, and names nothing of an allocation."""
    choices = []
    for name in template_names():
        p = load_template(name)
        d = p.design
        weeks = p.total_days // 7
        choices.append(
            (
                name,
                f"{p.title}: {d.run_in_days}-day run-in, {d.block_count} {p.block_word}s of "
                f"{d.period_days}-day periods ({p.period_count} periods, {weeks} weeks)",
            )
        )
    return choices


class PharmacistChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.display_name or obj.username
        return f"{name} ({obj.username})" if obj.display_name else name


class TrialForm(forms.Form):
    template = forms.ChoiceField(label="Protocol", widget=forms.RadioSelect)
    title = forms.CharField(
        label="Trial title (optional)",
        max_length=200,
        required=False,
        help_text="Shown on your pages and the pharmacist's. Leave empty for the protocol's title.",
    )
    pharmacist = PharmacistChoice(
        queryset=User.objects.none(),
        label="Pharmacist",
        empty_label="Choose the pharmacist",
        help_text="The only person who sees the allocation before the end of the trial.",
    )
    consent_text = forms.CharField(
        label="Consent text",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the participant reads and agrees to. It is kept exactly as agreed; "
        "changing it later makes a new version.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        assert isinstance(template, forms.ChoiceField)
        template.choices = list(template_choices())
        pharmacist = self.fields["pharmacist"]
        assert isinstance(pharmacist, forms.ModelChoiceField)
        pharmacist.queryset = User.objects.filter(role=Role.PHARMACIST, is_active=True)


class ConsentVersionForm(forms.Form):
    text = forms.CharField(
        label="New consent text",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Participants who agreed to an earlier version are asked to agree again.",
    )


class AddParticipantForm(forms.Form):
    email = forms.EmailField(
        label="Participant's e-mail address",
        help_text="Someone new gets an invitation to set up their account.",
    )
    start_date = forms.DateField(
        label="First trial day",
        widget=DATE,
        help_text="The first day of the run-in. It can still move until randomisation.",
    )


class ScreeningForm(forms.Form):
    """The inputs of `nof1.safety.screen`. Nothing unknown is silently safe: pregnancy,
    breastfeeding and an expected opioid need must each be answered."""

    medications = forms.CharField(
        label="Current medicines, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text="As written on the prescription or the pack. Include cough, cold and "
        "diarrhoea medicines: some contain an opioid.",
    )
    conditions = forms.MultipleChoiceField(
        label="Conditions that apply",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(code, text) for code, text in CONDITIONS.items() if code not in ASKED_SEPARATELY],
    )
    alt_iu_per_l = forms.FloatField(
        label="ALT (IU/L)",
        required=False,
        min_value=0,
        help_text="Latest result. Leave empty if not measured: then screening needs review.",
    )
    ast_iu_per_l = forms.FloatField(label="AST (IU/L)", required=False, min_value=0)
    last_opioid_use = forms.DateField(
        label="Last day any opioid was taken",
        required=False,
        widget=DATE,
        help_text="Leave empty if none has been taken.",
    )
    start_date = forms.DateField(
        label="Planned first trial day",
        widget=DATE,
        help_text="Changing it here moves the participant's start date.",
    )
    expected_opioid_need = forms.ChoiceField(
        label="Is opioid pain relief expected within 7 days of starting (e.g. surgery)?",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    pregnant = forms.ChoiceField(
        label="Pregnant?", choices=YES_NO_UNKNOWN, widget=forms.RadioSelect
    )
    breastfeeding = forms.ChoiceField(
        label="Breastfeeding?", choices=YES_NO_UNKNOWN, widget=forms.RadioSelect
    )

    def screening_inputs(self) -> dict[str, Any]:
        """Keyword arguments for `screen_participant`."""
        data = self.cleaned_data
        return {
            "medications": [line.strip() for line in data["medications"].splitlines()],
            "conditions": list(data["conditions"]),
            "alt_iu_per_l": data["alt_iu_per_l"],
            "ast_iu_per_l": data["ast_iu_per_l"],
            "last_opioid_use": data["last_opioid_use"],
            "start_date": data["start_date"],
            "expected_opioid_need": data["expected_opioid_need"] == "yes",
            "pregnant": _ANSWER[data["pregnant"]],
            "breastfeeding": _ANSWER[data["breastfeeding"]],
        }

    @classmethod
    def initial_from(cls, inputs: dict[str, Any], start_date: dt.date) -> dict[str, Any]:
        """The form filled in with a stored screening's inputs, to screen again."""
        answer = {True: "yes", False: "no", None: "unknown"}
        initial: dict[str, Any] = {"start_date": start_date}
        if inputs:
            initial.update(
                medications="\n".join(inputs.get("medications") or []),
                conditions=inputs.get("conditions") or [],
                alt_iu_per_l=inputs.get("alt_iu_per_l"),
                ast_iu_per_l=inputs.get("ast_iu_per_l"),
                last_opioid_use=inputs.get("last_opioid_use"),
                expected_opioid_need="yes" if inputs.get("expected_opioid_need") else "no",
                pregnant=answer[inputs.get("pregnant")],
                breastfeeding=answer[inputs.get("breastfeeding")],
            )
        return initial


class OverrideForm(forms.Form):
    """A signed override: the reason, and the clinician's password again as the signature."""

    reason = forms.CharField(
        label="Why it is safe to go ahead",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept with the screening and in the audit trail.",
    )
    password = forms.CharField(
        label="Your password, to sign",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not your password. The override is not signed.", code="wrong_password"
            )
        return str(password)


class UnblindForm(forms.Form):
    """The whole allocation at the end, or one period (`period`) in an emergency."""

    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    period = forms.TypedChoiceField(
        label="Period", coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, periods: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "-")] + [(str(n), f"Period {n}") for n in range(1, periods + 1)]
