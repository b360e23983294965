"""Threats to validity: the list the appraisal walks through, and what it returns.

Each threat has a plain name, a caveat (what a study does not prove while the threat is not
addressed) and a question (what would settle it). The cards build "what this does not prove"
and "remaining questions" from these for every threat that is open or only partly addressed,
so the two sections follow from the design rather than being fixed text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nof1.evidence.design import StudyDesign

__all__ = ["CATALOGUE", "Appraisal", "Status", "Threat", "ThreatInfo"]


class Status(enum.StrEnum):
    ADDRESSED = "addressed"
    PARTLY = "partly addressed"
    OPEN = "open"


@dataclass(frozen=True)
class ThreatInfo:
    name: str
    caveat: str  # what the study does not prove while this threat is not addressed
    question: str  # what would settle it


CATALOGUE: dict[str, ThreatInfo] = {
    "control_group": ThreatInfo(
        "Control group",
        "It does not show that the treatment caused the change.",
        "How would the same people have done without the treatment?",
    ),
    "blinding": ThreatInfo(
        "Blinding",
        "It cannot rule out that knowing the treatment shaped the results.",
        "Would the results hold if nobody knew who had the treatment?",
    ),
    "outcome_measurement": ThreatInfo(
        "Outcome measurement",
        "Hope or doubt could have coloured how people rated their symptoms.",
        "Would a test, or a rater who does not know the treatment, show the same?",
    ),
    "placebo_response": ThreatInfo(
        "Placebo response",
        "It does not rule out a placebo response.",
        "Would the treatment beat a matching placebo given blind?",
    ),
    "natural_fluctuation": ThreatInfo(
        "Natural ups and downs",
        "It does not rule out a natural good or bad spell.",
        "Would the same change show up again and again, in periods put in random order?",
    ),
    "regression_to_mean": ThreatInfo(
        "Regression to the mean",
        "It does not rule out that scores fell back from a bad time on their own.",
        "Would the change hold against a steady baseline, with periods in random order?",
    ),
    "concurrent_changes": ThreatInfo(
        "Other changes at the same time",
        "It does not rule out other changes, such as new medicines, an infection or pacing.",
        "Did anything else change at the same time, such as medicines, infections or pacing?",
    ),
    "unblinding_side_effects": ThreatInfo(
        "Side effects giving the treatment away",
        "It cannot rule out that side effects gave the treatment away.",
        "Could people tell from side effects, such as vivid dreams, which capsules they took?",
    ),
    "carryover": ThreatInfo(
        "Carryover between periods",
        "It cannot rule out that an effect carried over into the next period.",
        "How long does the effect last after the last dose?",
    ),
    "pem_confounding": ThreatInfo(
        "Crashes after exertion",
        "It does not rule out that a crash after too much activity was taken for an effect.",
        "Did busy days, and the crashes a day or two later, line up with one treatment?",
    ),
    "selection": ThreatInfo(
        "Who took part",
        "The people in it may not be like others with the illness.",
        "How were people chosen, and which case definition did they meet?",
    ),
    "generalisation": ThreatInfo(
        "Small numbers and generalisation",
        "It does not show that the result holds for other people.",
        "Would the result hold in a larger group of people with ME/CFS?",
    ),
    "multiplicity": ThreatInfo(
        "Many outcomes",
        "It cannot rule out that a result was picked from many outcomes.",
        "Was the main outcome fixed before the results were seen?",
    ),
    "missing_data": ThreatInfo(
        "Missing data",
        "It cannot rule out that missing data changed the result.",
        "Would the result change if the missing days were known?",
    ),
}


@dataclass(frozen=True)
class Threat:
    id: str
    status: Status
    reason: str  # the design fact that decides the status, in plain words

    @property
    def info(self) -> ThreatInfo:
        return CATALOGUE[self.id]

    @property
    def name(self) -> str:
        return self.info.name

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "status": self.status.value,
                "reason": self.reason}


@dataclass(frozen=True)
class Appraisal:
    """Every threat of `CATALOGUE`, in its order, judged for one study."""

    study: StudyDesign
    threats: tuple[Threat, ...]

    def threat(self, id: str) -> Threat:
        for threat in self.threats:
            if threat.id == id:
                return threat
        raise KeyError(f"no threat {id!r}; threats: {', '.join(CATALOGUE)}")

    def open(self) -> tuple[Threat, ...]:
        return tuple(t for t in self.threats if t.status is Status.OPEN)

    def partly(self) -> tuple[Threat, ...]:
        return tuple(t for t in self.threats if t.status is Status.PARTLY)

    def addressed(self) -> tuple[Threat, ...]:
        return tuple(t for t in self.threats if t.status is Status.ADDRESSED)

    def unresolved(self) -> tuple[Threat, ...]:
        """Open threats first, then partly addressed ones: what the cards must mention."""
        return self.open() + self.partly()

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study.model_dump(mode="json"),
            "threats": [t.to_dict() for t in self.threats],
        }
