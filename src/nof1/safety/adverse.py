"""Adverse events during a trial: how bad (severity), how serious (ICH E2A), and what to do.

Severity and seriousness are different things and both are recorded. Severity is intensity,
graded here by how much the event interferes with usual daily activity. Seriousness is an
outcome-based regulatory definition: ICH E2A (1994), "Clinical Safety Data Management:
Definitions and Standards for Expedited Reporting", section II.B, which also notes that a
"severe" event (e.g. a severe headache) need not be "serious".

`evaluate_stopping_rules` turns a participant's reported events into actions for the
clinician. Rule ids match the triggers of `nof1.protocol` stopping rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nof1.safety.medicines import Sources
from nof1.safety.screening import DEFAULT_RULES, EligibilityRules

__all__ = [
    "Action",
    "ActionKind",
    "AdverseEventGrade",
    "Event",
    "EventKind",
    "Grade",
    "SeriousCriterion",
    "Severity",
    "evaluate_stopping_rules",
    "grade_adverse_event",
]

ICH_E2A = (
    "ICH E2A (1994), Clinical Safety Data Management: Definitions and Standards for "
    "Expedited Reporting, section II.B (serious adverse event)"
)
_SEVERITY_SOURCE = (
    "nof1 severity grading by interference with usual daily activity; severity is distinct "
    f"from seriousness ({ICH_E2A})"
)


class Severity(StrEnum):
    """Intensity, by interference with usual daily activity."""

    MILD = "mild"  # no interference
    MODERATE = "moderate"  # some interference
    SEVERE = "severe"  # prevents usual daily activity


class Grade(StrEnum):
    """One label for display: SERIOUS when serious, otherwise the severity."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    SERIOUS = "serious"


class SeriousCriterion(StrEnum):
    """ICH E2A (1994) seriousness criteria: any one makes an adverse event serious."""

    DEATH = "death"
    LIFE_THREATENING = "life-threatening"
    HOSPITALISATION = "hospitalisation"  # requires inpatient hospitalisation
    PROLONGED_HOSPITALISATION = "prolonged-hospitalisation"  # of an existing admission
    DISABILITY = "disability"  # persistent or significant disability or incapacity
    CONGENITAL_ANOMALY = "congenital-anomaly"  # congenital anomaly or birth defect
    IMPORTANT_MEDICAL_EVENT = "important-medical-event"  # by medical and scientific judgement


_INTERFERENCE = {"none": Severity.MILD, "some": Severity.MODERATE, "prevents": Severity.SEVERE}
_CRITERION_SPELLINGS = {
    "hospitalization": SeriousCriterion.HOSPITALISATION,
    "prolonged-hospitalization": SeriousCriterion.PROLONGED_HOSPITALISATION,
    "incapacity": SeriousCriterion.DISABILITY,
    "birth-defect": SeriousCriterion.CONGENITAL_ANOMALY,
}


def _code(text: str) -> str:
    return "-".join(str(text).strip().casefold().replace("_", " ").split())


class AdverseEventGrade(BaseModel):
    """Severity and seriousness of one adverse event, recorded side by side."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Severity
    serious: bool
    criteria: tuple[SeriousCriterion, ...] = ()

    @model_validator(mode="after")
    def _serious_iff_criteria(self) -> AdverseEventGrade:
        if self.serious != bool(self.criteria):
            raise ValueError("serious must be True exactly when a seriousness criterion applies")
        return self

    @property
    def grade(self) -> Grade:
        return Grade.SERIOUS if self.serious else Grade(self.severity.value)

    @property
    def source(self) -> str:
        return ICH_E2A if self.serious else _SEVERITY_SOURCE


def grade_adverse_event(
    *, interferes_with_daily_activity: str, serious_criteria: Iterable[str] = ()
) -> AdverseEventGrade:
    """Grade an adverse event.

    interferes_with_daily_activity: "none" (mild), "some" (moderate) or "prevents" (severe).
    serious_criteria: codes from `SeriousCriterion` (US spellings such as "hospitalization"
        are accepted); any one makes the event serious whatever its severity.
    """
    if isinstance(serious_criteria, str):
        raise TypeError("serious_criteria is a list of codes, not one string")
    interference = _code(interferes_with_daily_activity)
    if interference not in _INTERFERENCE:
        raise ValueError(
            f"interferes_with_daily_activity must be one of {', '.join(_INTERFERENCE)}, "
            f"not {interferes_with_daily_activity!r}"
        )
    criteria: list[SeriousCriterion] = []
    for raw in serious_criteria:
        code = _code(raw)
        try:
            criterion = _CRITERION_SPELLINGS.get(code) or SeriousCriterion(code)
        except ValueError:
            vocabulary = ", ".join(c.value for c in SeriousCriterion)
            raise ValueError(
                f"unknown seriousness criterion {raw!r}; ICH E2A criteria are: {vocabulary}"
            ) from None
        if criterion not in criteria:
            criteria.append(criterion)
    return AdverseEventGrade(
        severity=_INTERFERENCE[interference], serious=bool(criteria), criteria=tuple(criteria)
    )


EventKind = Literal[
    "adverse-event",  # needs `grade`
    "planned-opioid-need",  # e.g. surgery or a procedure ahead
    "opioid-use",  # an opioid taken during the trial
    "hepatitis-symptoms",
    "liver-test",  # needs alt_iu_per_l and/or ast_iu_per_l
    "pregnancy",
    "mood-worsening",
]


class Event(BaseModel):
    """Something a participant (or clinician) reported on a date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EventKind
    date: dt.date
    details: str = ""
    grade: AdverseEventGrade | None = None
    alt_iu_per_l: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    ast_iu_per_l: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Event:
        if (self.kind == "adverse-event") != (self.grade is not None):
            raise ValueError("an adverse-event needs a grade, and only an adverse-event has one")
        has_lab = self.alt_iu_per_l is not None or self.ast_iu_per_l is not None
        if (self.kind == "liver-test") != has_lab:
            raise ValueError("a liver-test needs ALT or AST, and only a liver-test has them")
        return self


class ActionKind(StrEnum):
    STOP = "stop"  # stop the study drug
    PAUSE = "pause"  # stop the study drug for now; the clinician decides when to restart
    REVIEW = "review"  # the clinician looks at it; no automatic change


@dataclass(frozen=True)
class Action:
    """What a stopping rule asks for, why, and where the rule comes from."""

    kind: ActionKind
    rule: str
    reason: str
    source: str
    event: Event
    alert_clinician: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "rule": self.rule,
            "reason": self.reason,
            "source": self.source,
            "alert_clinician": self.alert_clinician,
            "event": self.event.model_dump(mode="json"),
        }


_STOP_RULE = "nof1 LDN stopping rule"
_HEPATITIS_SOURCE = f"{Sources.BRIEF}: stop if hepatitis symptoms"
_OPIOID_SOURCE = (
    f"{Sources.CURRENT_OPIOIDS}; the opioid-free period before starting ({Sources.BRIEF})"
)


def _actions_for(event: Event, rules: EligibilityRules) -> list[Action]:
    on = f"on {event.date.isoformat()}" + (f" ({event.details})" if event.details else "")

    def act(kind: ActionKind, rule: str, reason: str, source: str) -> Action:
        return Action(kind, rule, f"{reason} {on}", source, event)

    if event.kind == "adverse-event":
        assert event.grade is not None  # the model requires it
        if event.grade.serious:
            criteria = ", ".join(c.value for c in event.grade.criteria)
            return [
                act(
                    ActionKind.STOP,
                    "serious_adverse_event",
                    f"serious adverse event ({criteria}): stop the study drug and alert "
                    "the clinician",
                    f"{_STOP_RULE}; seriousness per {ICH_E2A}",
                )
            ]
        if event.grade.severity is Severity.SEVERE:
            return [
                act(
                    ActionKind.REVIEW,
                    "severe_adverse_event",
                    "severe adverse event (prevents usual daily activity): the clinician "
                    "reviews it",
                    _SEVERITY_SOURCE,
                )
            ]
        return []
    if event.kind in ("planned-opioid-need", "opioid-use"):
        what = "opioid need planned" if event.kind == "planned-opioid-need" else "opioid taken"
        return [
            act(
                ActionKind.PAUSE,
                event.kind.replace("-", "_"),
                f"{what}: naltrexone blocks opioids and is contraindicated with them; pause "
                "the study drug before any opioid, and the clinician decides when to "
                f"restart (the protocol's opioid-free period was {rules.opioid_free_days} "
                "days)",
                _OPIOID_SOURCE,
            )
        ]
    if event.kind == "hepatitis-symptoms":
        return [
            act(
                ActionKind.STOP,
                "hepatitis_symptoms",
                "symptoms of hepatitis: stop the study drug and alert the clinician",
                _HEPATITIS_SOURCE,
            )
        ]
    if event.kind == "liver-test":
        limit = rules.alt_ast_max_iu_per_l
        high = [
            f"{name} {value:g} IU/L"
            for name, value in (("ALT", event.alt_iu_per_l), ("AST", event.ast_iu_per_l))
            if value is not None and value > limit
        ]
        if not high:
            return []
        return [
            act(
                ActionKind.STOP,
                "alt_ast_above_threshold",
                f"{' and '.join(high)} above the protocol's limit of {limit:g} IU/L: stop "
                "the study drug and alert the clinician",
                f"{_STOP_RULE}, using the screening limit (trials excluded ALT or AST above "
                f"300 IU/L); {_HEPATITIS_SOURCE}",
            )
        ]
    if event.kind == "pregnancy":
        return [
            act(
                ActionKind.STOP,
                "pregnancy",
                "pregnancy reported: stop the study drug and alert the clinician; every LDN "
                "trial excluded pregnancy",
                f"pregnancy was excluded in all LDN trials ({Sources.BRIEF})",
            )
        ]
    # mood-worsening
    return [
        act(
            ActionKind.REVIEW,
            "mood_worsening",
            "mood worsening reported: the label warns about depression and suicidality; "
            "the clinician reviews it",
            f"{Sources.LABEL}: warnings on depression and suicidality ({Sources.BRIEF})",
        )
    ]


def evaluate_stopping_rules(
    events: Iterable[Event], *, rules: EligibilityRules = DEFAULT_RULES
) -> list[Action]:
    """The actions a participant's events call for, in date order (stable within a day).

    serious adverse event, pregnancy -> STOP; planned opioid need or opioid use -> PAUSE;
    hepatitis symptoms or ALT/AST above `rules.alt_ast_max_iu_per_l` -> STOP; a severe (not
    serious) adverse event or mood worsening -> REVIEW. Every action alerts the clinician.
    """
    ordered = sorted(events, key=lambda e: e.date)
    return [action for event in ordered for action in _actions_for(event, rules)]
