"""Appraisal of evidence: design features -> threats to validity -> a plain-language card.

`appraise(design)` judges each threat to validity (placebo response, natural ups and downs,
regression to the mean, ...) as addressed, partly addressed or open, from explicit design
facts. The cards (`study_card`, `trial_card`, `series_card`) turn an appraisal and the result
objects into six short sections a patient can read. The register holds the published LDN
studies of the domain brief. See docs/evidence.md.
"""

from __future__ import annotations

from nof1.evidence.card import CardSection, EvidenceCard, study_card
from nof1.evidence.card_trial import series_card, trial_card
from nof1.evidence.design import BlindingCheck, Finding, StudyDesign, load_study, parse_study
from nof1.evidence.from_trial import series_design, trial_design
from nof1.evidence.register import find_study, load_register, register_ids
from nof1.evidence.rules import appraise
from nof1.evidence.threats import CATALOGUE, Appraisal, Status, Threat
from nof1.evidence.wording import number, percent

__all__ = [
    "CATALOGUE",
    "Appraisal",
    "BlindingCheck",
    "CardSection",
    "EvidenceCard",
    "Finding",
    "Status",
    "StudyDesign",
    "Threat",
    "appraise",
    "find_study",
    "load_register",
    "load_study",
    "number",
    "parse_study",
    "percent",
    "register_ids",
    "series_card",
    "series_design",
    "study_card",
    "trial_card",
    "trial_design",
]
