"""A study's design, as the facts the appraisal needs: who was compared with whom, who knew
what, what was measured, and what the study reported.

A design is a frozen pydantic model read from TOML (the register in `studies/`, or any file
given to `nof1 appraise`) or built from a nof1 trial (`nof1.evidence.from_trial`). A field
left out means "not reported": the appraisal treats it as not addressed and says so, rather
than guessing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from nof1.exceptions import DataError

__all__ = [
    "BlindingCheck",
    "Finding",
    "StudyDesign",
    "load_study",
    "parse_study",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Kind = Literal[
    "case series",
    "chart review",
    "before-after",
    "single-blind fixed order",
    "crossover RCT",
    "parallel RCT",
    "review",
    "n-of-1 trial",
    "n-of-1 series",
]
# Who did not know which treatment was given. The participant rates their own symptoms, so
# a blinded participant is a blinded rater of every self-reported outcome.
Role = Literal["participants", "clinicians", "investigators", "assessors", "analysts"]
# What each result was compared with: nothing, the same people before treatment, a placebo,
# or a control group of a kind not reported.
Comparison = Literal["none", "before-after", "placebo", "control"]
# Kinds in which a person moves from one treatment to another, so an effect can carry over.
SWITCHING: frozenset[str] = frozenset(
    {"single-blind fixed order", "crossover RCT", "n-of-1 trial", "n-of-1 series"}
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Finding(_Model):
    """One result the study reported, as a short sentence with its numbers."""

    text: Text
    source: str = ""  # where the fact is written down, e.g. "domain brief, section 4"


class BlindingCheck(_Model):
    """Bang's blinding index for one arm (see `nof1.blinding_index`)."""

    arm: Text
    n: int = Field(ge=1)  # periods with a guess
    estimate: float = Field(ge=-1, le=1)
    low: float = Field(ge=-1, le=1)
    high: float = Field(ge=-1, le=1)
    beats_chance: bool


class StudyDesign(_Model):
    """The design features of one study. None means the feature was not reported."""

    id: Slug
    title: Text
    citation: Text
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    pmid: Annotated[str, StringConstraints(pattern=r"^\d{1,9}$")] | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    kind: Kind
    condition: str | None = None  # e.g. "ME/CFS", "fibromyalgia", "long COVID"
    intervention: str | None = None  # e.g. "LDN 3-4.5 mg a day"
    n_participants: int = Field(ge=1)
    n_studies: int | None = Field(default=None, ge=1)  # for reviews

    comparison: Comparison | None = None
    randomised: bool | None = None
    blinded: tuple[Role, ...] | None = None  # () = nobody was blinded
    crossover_pairs: int | None = Field(default=None, ge=1)
    period_days: int | None = Field(default=None, ge=1)
    run_in_days: int | None = Field(default=None, ge=0)
    washout_days: int | None = Field(default=None, ge=0)
    washout_kind: Literal["off treatment", "analytic"] | None = None
    follow_up_days: int | None = Field(default=None, ge=1)

    outcome_measure: Literal["self-report", "objective", "both"] | None = None
    daily_measures: bool | None = None  # symptoms rated every day
    primary_outcome: str | None = None
    primary_prespecified: bool | None = None
    mcid: float | None = Field(default=None, gt=0)
    outcome_unit: str | None = None  # the primary outcome's unit, e.g. "points"
    units: dict[str, str] = {}  # every analysed outcome's unit, by outcome id
    n_outcomes: int | None = Field(default=None, ge=1)
    completeness: float | None = Field(default=None, ge=0, le=1)  # share of planned values

    blinding_index: tuple[BlindingCheck, ...] | None = None  # None = guesses not collected
    case_definition: str | None = None
    concurrent_change_log: bool | None = None  # other medicines, infections logged
    exertion_logged: bool | None = None
    exertion_adjusted: bool | None = None  # the analysis adjusted for logged exertion
    # whether allowing for exertion changed the main outcome's conclusion (None: not reported)
    exertion_changed_conclusion: bool | None = None

    findings: tuple[Finding, ...] = ()

    @property
    def switches_treatment(self) -> bool:
        return self.kind in SWITCHING

    @property
    def has_comparison(self) -> bool:
        """A concurrent comparison: placebo or a control group, not 'before and after'."""
        return self.comparison in ("placebo", "control")

    @property
    def participants_blinded(self) -> bool:
        return self.blinded is not None and "participants" in self.blinded


def parse_study(data: dict[str, Any], source: str = "study") -> StudyDesign:
    """Validate a design given as plain data; a problem becomes a DataError naming the
    source and the field."""
    try:
        return StudyDesign.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "study"
        message = ": " + error["msg"][:1].lower() + error["msg"][1:]
        if error["type"] == "extra_forbidden":
            message = " is not a design field; check the spelling (see docs/evidence.md)"
        elif error["type"] == "missing":
            message = " is required"
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise DataError(f"field '{field}'{message}", source=source) from None


def load_study(path: str | Path) -> StudyDesign:
    """Read and validate a study design TOML file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError("no such study file", source=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror or exc})", source=str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DataError("is not a text file (expected UTF-8 TOML)", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", source=str(path)) from None
    return parse_study(data, str(path))
