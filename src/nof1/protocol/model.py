"""A trial protocol as a plain declared object, validated before anyone is enrolled.

A protocol is read from TOML (see the bundled templates) into frozen pydantic models. Field
rules (types, ranges) are pydantic's; rules that tie fields together (one primary outcome, a
placebo that contains no drug, capsule counts that are the same in every arm so titration
cannot unblind) are checked in `nof1.protocol._checks`. Callers normally go through
`nof1.protocol.load_protocol`, which turns every problem into a `ProtocolError` a clinician
can act on.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from nof1.safety import EligibilityRules

__all__ = [
    "AdverseEvent",
    "Arm",
    "Design",
    "Drug",
    "Eligibility",
    "Outcome",
    "Protocol",
    "Scale",
    "Source",
    "StoppingRule",
    "Titration",
    "TitrationStep",
    "format_mg",
]

# Arm, protocol and source ids: "ldn-4.5mg", "placebo", "farrar2001".
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
# Outcome and adverse-event ids become column names of the daily table: "brain_fog".
ColumnName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
SourceIds = tuple[Slug, ...]

Problem = tuple[str, str]  # (field path, plain-English problem)
PROBLEMS = "protocol_problems"


def format_mg(dose: float) -> str:
    """A dose as a pharmacist writes it: 4.5 -> '4.5 mg', 3.0 -> '3 mg'."""
    return f"{dose:g} mg"


def same_dose(a: float, b: float) -> bool:
    """Doses equal to well below what a pharmacist can weigh (1 microgram)."""
    return abs(a - b) < 1e-6


def raise_problems(problems: list[Problem]) -> None:
    """Report several cross-field problems at once, each with its own field path."""
    if problems:
        summary = "; ".join(f"{path}: {message}" for path, message in problems)
        raise PydanticCustomError(PROBLEMS, "{summary}", {"summary": summary, "problems": problems})


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Source(_Model):
    """Where a clinical default comes from. Cited by id from the protocol's sections."""

    id: Slug
    citation: Text
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    note: str = ""


class Drug(_Model):
    name: Text
    formulation: Text
    # What fills every capsule; the placebo capsule holds only this, so it looks the same.
    filler: Text
    timing: str = ""
    sources: SourceIds = ()


class Arm(_Model):
    id: Slug
    label: Text
    dose_mg: float = Field(ge=0)  # the full (target) daily dose; 0 for placebo
    is_placebo: bool = False


class TitrationStep(_Model):
    """From `from_day` of a period (1 = first day) until the next step: a daily dose in capsules."""

    from_day: int = Field(ge=1)
    dose_mg: float = Field(ge=0)  # daily dose
    capsules: int = Field(ge=1)  # capsules per day
    # What each capsule holds. Must be stated when it changes between an arm's steps: the
    # pharmacist then fills a separate pack for each step, and must be told what goes in it.
    capsule_mg: float | None = Field(default=None, ge=0)

    @property
    def content_mg(self) -> float:
        return self.capsule_mg if self.capsule_mg is not None else self.dose_mg / self.capsules


class Titration(_Model):
    """One arm's dosing inside each of its periods; a fixed dose is a single step."""

    arm: Slug
    steps: tuple[TitrationStep, ...] = Field(min_length=1)
    sources: SourceIds = ()
    rationale: str = ""

    @property
    def capsule_schedule(self) -> tuple[tuple[int, int], ...]:
        """(from_day, capsules per day) for each step: what the participant can observe."""
        return tuple((s.from_day, s.capsules) for s in self.steps)

    @property
    def single_strength(self) -> bool:
        first = self.steps[0].content_mg
        return all(same_dose(s.content_mg, first) for s in self.steps)

    @model_validator(mode="after")
    def _steps_in_order(self) -> Titration:
        problems: list[Problem] = []
        days = [s.from_day for s in self.steps]
        if days[0] != 1:
            problems.append(("steps", "the first step must start on day 1 of the period"))
        if any(b <= a for a, b in zip(days, days[1:], strict=False)):
            problems.append(("steps", f"from_day must increase from step to step (got {days})"))
        for n, step in enumerate(self.steps, start=1):
            if step.capsule_mg is not None and not same_dose(
                step.capsule_mg * step.capsules, step.dose_mg
            ):
                problems.append(
                    (
                        f"steps (entry {n}).capsule_mg",
                        f"{step.capsules} capsule(s) of {format_mg(step.capsule_mg)} do not make "
                        f"the daily dose of {format_mg(step.dose_mg)}",
                    )
                )
        if not self.single_strength and any(s.capsule_mg is None for s in self.steps):
            strengths = ", ".join(format_mg(s.content_mg) for s in self.steps)
            problems.append(
                (
                    "steps",
                    f"the capsule strength changes between steps ({strengths}); state capsule_mg "
                    "on every step so the pharmacist fills a separate pack for each step",
                )
            )
        raise_problems(problems)
        return self


class Design(_Model):
    """Run-in, then blocks of periods; each block gives every arm once, in random order."""

    run_in_days: int = Field(ge=0)
    # Two arms: say `pairs`. More arms: say `blocks`. Exactly one of the two.
    pairs: int | None = Field(default=None, ge=1)
    blocks: int | None = Field(default=None, ge=1)
    period_days: int = Field(ge=1)
    # Analytic washout: the first days of each period are left out of the analysis, not
    # spent off treatment, so it must leave some days of the period to analyse.
    washout_days: int = Field(ge=0)
    sources: SourceIds = ()
    rationale: str = ""

    @property
    def block_count(self) -> int:
        count = self.pairs if self.pairs is not None else self.blocks
        assert count is not None  # guaranteed by the validator below
        return count

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        problems: list[Problem] = []
        if (self.pairs is None) == (self.blocks is None):
            problems.append(
                ("pairs", "give either pairs (two arms) or blocks (more arms), exactly one of them")
            )
        if self.washout_days >= self.period_days:
            problems.append(
                (
                    "washout_days",
                    f"must be shorter than period_days ({self.period_days}); the washout days "
                    "are left out of the analysis, so nothing of the period would be analysed",
                )
            )
        raise_problems(problems)
        return self


class Scale(_Model):
    min: float
    max: float
    unit: Text
    min_label: str = ""  # what the lowest value means, e.g. "none"
    max_label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise_problems([("max", f"must be above min ({self.min:g})")])
        return self


class Outcome(_Model):
    id: ColumnName
    label: Text
    question: str = ""  # what the diary asks; blank when the instrument's own text is licensed
    scale: Scale
    better: Literal["lower", "higher"]
    mcid: float | None = Field(default=None, gt=0)
    frequency: Literal["daily", "weekly", "per-period"]
    primary: bool = False
    attribution: str = ""  # required wording for licensed instruments (e.g. PROMIS)
    sources: SourceIds = ()
    rationale: str = ""


class AdverseEvent(_Model):
    id: ColumnName
    label: Text
    sources: SourceIds = ()


# The rule ids `nof1.safety.evaluate_stopping_rules` reports.
Trigger = Literal[
    "serious_adverse_event",
    "severe_adverse_event",
    "planned_opioid_need",
    "opioid_use",
    "hepatitis_symptoms",
    "alt_ast_above_threshold",
    "pregnancy",
    "mood_worsening",
]


class StoppingRule(_Model):
    """What the clinician does when a trigger fires. alt_ast_above_threshold uses
    `eligibility.alt_ast_max_iu_per_l` as its threshold."""

    id: Slug
    description: Text
    trigger: Trigger
    action: Literal["stop", "pause", "review"]
    sources: SourceIds = ()


class Eligibility(EligibilityRules):
    """Screening before enrolment: `nof1.safety.EligibilityRules` (so it can be passed to
    `nof1.safety.screen` and `evaluate_stopping_rules` as is) plus the sources it rests on."""

    sources: SourceIds = ()
    rationale: str = ""


class Protocol(_Model):
    """A complete n-of-1 trial design: arms, dosing, periods, outcomes, safety, sources."""

    id: Slug
    title: Text
    version: Text
    description: str = ""
    drug: Drug
    arms: tuple[Arm, ...] = Field(min_length=2)
    titration: tuple[Titration, ...] = Field(min_length=1)
    design: Design
    outcomes: tuple[Outcome, ...] = Field(min_length=1)
    adverse_events: tuple[AdverseEvent, ...] = ()
    stopping_rules: tuple[StoppingRule, ...] = ()
    eligibility: Eligibility
    sources: tuple[Source, ...] = ()

    @model_validator(mode="after")
    def _cross_checks(self) -> Protocol:
        from nof1.protocol._checks import problems  # the rules need the finished model

        raise_problems(problems(self))
        return self

    # -- arms and dosing ------------------------------------------------------------------
    @property
    def arm_ids(self) -> tuple[str, ...]:
        return tuple(arm.id for arm in self.arms)

    def arm(self, arm_id: str) -> Arm:
        for arm in self.arms:
            if arm.id == arm_id:
                return arm
        raise KeyError(f"no arm {arm_id!r}; arms: {', '.join(self.arm_ids)}")

    @property
    def placebo(self) -> Arm:
        return next(arm for arm in self.arms if arm.is_placebo)

    def titration_for(self, arm_id: str) -> Titration:
        for titration in self.titration:
            if titration.arm == arm_id:
                return titration
        raise KeyError(f"no titration for arm {arm_id!r}")

    @property
    def capsule_schedule(self) -> tuple[tuple[int, int], ...]:
        """(from_day, capsules per day): the same for every arm, so it can be shown to anyone."""
        return self.titration[0].capsule_schedule

    @property
    def packs_by_step(self) -> bool:
        """Whether each kit holds one pack per step (capsule strength changes within an arm).
        Then every arm's kit is packed that way, so the packs themselves reveal nothing."""
        return not all(t.single_strength for t in self.titration)

    def step_index(self, day_of_period: int) -> int:
        """0-based titration step in force on a day of a period (1 = first day)."""
        index = 0
        for i, (from_day, _) in enumerate(self.capsule_schedule):
            if from_day <= day_of_period:
                index = i
        return index

    def arm_and_dose(self, arm_id: str | None, day_of_period: int | None) -> tuple[str, float]:
        """The canonical daily table's `arm` and `dose_mg` on a day: ("run-in", 0) outside a
        period (`arm_id` None), ("placebo", 0) on the placebo arm, else the arm's id and the
        dose of its titration step on that day of the period."""
        if arm_id is None or day_of_period is None:
            return "run-in", 0.0
        arm = self.arm(arm_id)
        if arm.is_placebo:
            return "placebo", 0.0
        step = self.titration_for(arm.id).steps[self.step_index(day_of_period)]
        return arm.id, float(step.dose_mg)

    def capsules_on(self, day_of_period: int) -> int:
        return self.capsule_schedule[self.step_index(day_of_period)][1]

    def step_days(self, index: int) -> tuple[int, int]:
        """First and last day of period covered by step `index` (0-based)."""
        starts = [from_day for from_day, _ in self.capsule_schedule]
        last = starts[index + 1] - 1 if index + 1 < len(starts) else self.design.period_days
        return starts[index], last

    # -- time ------------------------------------------------------------------------------
    @property
    def block_word(self) -> str:
        """'pair' for a two-arm design, 'block' otherwise: the trial's own word."""
        return "pair" if self.design.pairs is not None else "block"

    @property
    def period_count(self) -> int:
        return self.design.block_count * len(self.arms)

    @property
    def total_days(self) -> int:
        return self.design.run_in_days + self.period_count * self.design.period_days

    # -- outcomes and sources --------------------------------------------------------------
    @property
    def primary_outcome(self) -> Outcome:
        return next(outcome for outcome in self.outcomes if outcome.primary)

    def outcomes_by_frequency(self, frequency: str) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.frequency == frequency)

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(f"no source {source_id!r}")

    # -- blinding --------------------------------------------------------------------------
    def blinding_leaks(self, text: str) -> list[str]:
        """What in `text` could tell a blinded reader which arm is which: an arm id or label,
        a dose, the unit mg or the word placebo. Empty when the text is safe to show."""
        lowered = text.lower()
        found = [word for word in ("placebo",) if word in lowered]
        for arm in self.arms:
            found += [name for name in (arm.id, arm.label) if _has_word(lowered, name.lower())]
        # "mg" as a word, or after a number ("4.5mg"); not inside a code such as "K-3MG4Q".
        if re.search(r"(?<![a-z0-9])(?:\d+(?:\.\d+)?\s*)?mg(?![a-z0-9])", lowered):
            found.append("mg")
        doses = {s.dose_mg for t in self.titration for s in t.steps} | {
            s.content_mg for t in self.titration for s in t.steps
        }
        for dose in sorted(doses | {arm.dose_mg for arm in self.arms}):
            if dose != int(dose) and re.search(rf"(?<![\d.]){re.escape(f'{dose:g}')}(?!\d)", text):
                found.append(f"{dose:g}")
        unique: dict[str, str] = {}
        for word in found:
            unique.setdefault(word.lower(), word)
        return list(unique.values())
