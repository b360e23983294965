"""The evidence card: six short plain-language sections about one study or trial.

Sections, in order: quick summary, why it matters, what we observed, what we can conclude,
remaining questions, and what this result does not prove. The last two are built from the
threats the appraisal left open or partly addressed, never fixed text. Every number shown
comes from the design or result object, written by `nof1.evidence.wording`; the cards are
written for a reading grade of 8 or below (Flesch-Kincaid, checked with textstat in tests).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from nof1.evidence.design import StudyDesign
from nof1.evidence.rules import TARGET, appraise
from nof1.evidence.threats import CATALOGUE, Appraisal, Status
from nof1.evidence.wording import people

__all__ = ["SECTIONS", "CardSection", "EvidenceCard", "study_card"]

SECTIONS: dict[str, str] = {
    "summary": "Quick summary",
    "why": "Why it matters",
    "observed": "What we observed",
    "conclude": "What we can conclude",
    "questions": "Remaining questions",
    "not_proven": "What this result does not prove",
}
KIND_WORDS = {
    "case series": "set of case reports",
    "chart review": "look back at clinic records",
    "before-after": "before-and-after study",
    "single-blind fixed order": "single-blind study with the treatments in a fixed order",
    "crossover RCT": "randomised crossover trial",
    "parallel RCT": "randomised trial with two groups",
    "review": "review of studies",
    "n-of-1 trial": "n-of-1 trial",
    "n-of-1 series": "series of n-of-1 trials",
}
FAIR_TEST = ("blinding", "placebo_response")
# Open threats that are other explanations for a change seen on treatment.
EXPLANATIONS = {
    "placebo_response": "a placebo response",
    "natural_fluctuation": "natural ups and downs",
    "regression_to_mean": "scores falling back from a bad time",
    "concurrent_changes": "other changes at the same time",
    "pem_confounding": "crashes after exertion",
}


@dataclass(frozen=True)
class CardSection:
    key: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceCard:
    title: str
    sections: tuple[CardSection, ...]
    appraisal: Appraisal

    def section(self, key: str) -> CardSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}; sections: {', '.join(SECTIONS)}")

    def text(self) -> str:
        """Plain text of the six sections, each under its title."""
        parts = [f"{s.title}\n" + "\n".join(s.paragraphs) for s in self.sections]
        return "\n\n".join(parts)

    def to_html(self) -> str:
        """A self-contained, escaped fragment; the citation closes it for register studies."""
        e = html.escape
        study = self.appraisal.study
        out = [f'<section class="evidence-card" id="card-{e(study.id)}">']
        out.append(f"<h2>{e(self.title)}</h2>")
        for s in self.sections:
            out.append(f'<div class="card-section card-{e(s.key)}"><h3>{e(s.title)}</h3>')
            out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
            out.append("</div>")
        ids = identifiers(study)
        if ids:
            out.append(f'<footer class="card-source">{e(ids)}</footer>')
        out.append("</section>")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "sections": [
                {"key": s.key, "title": s.title, "paragraphs": list(s.paragraphs)}
                for s in self.sections
            ],
            "appraisal": self.appraisal.to_dict(),
        }

    def reading_grade(self) -> float:
        """Flesch-Kincaid grade of `text()` (textstat, imported only when asked)."""
        import textstat

        return float(textstat.flesch_kincaid_grade(self.text()))


def identifiers(study: StudyDesign) -> str:
    """'doi ...; PMID ...; url', the parts known; the citation itself is in the card text."""
    ids = [f"doi {study.doi}" if study.doi else "", f"PMID {study.pmid}" if study.pmid else ""]
    return "; ".join(i for i in [*ids, study.url or ""] if i)


def build_card(title: str, appraisal: Appraisal, **paragraphs: list[str]) -> EvidenceCard:
    """A card from paragraphs given by section key, in the fixed section order."""
    if set(paragraphs) != set(SECTIONS):
        raise ValueError(f"a card needs exactly the sections {', '.join(SECTIONS)}")
    sections = tuple(
        CardSection(key, SECTIONS[key], tuple(paragraphs[key])) for key in SECTIONS
    )
    return EvidenceCard(title, sections, appraisal)


# -- shared parts --------------------------------------------------------------------------


def tally(appraisal: Appraisal) -> str:
    """How many threats are addressed, partly addressed and open."""
    counts = [len(appraisal.addressed()), len(appraisal.partly()), len(appraisal.open())]
    verb = "is" if counts[0] == 1 else "are"
    return (
        f"Of {len(appraisal.threats)} threats to a fair test, {counts[0]} {verb} addressed, "
        f"{counts[1]} partly addressed and {counts[2]} open."
    )


def remaining_questions(appraisal: Appraisal, extra: list[str] | None = None) -> list[str]:
    """One question per open or partly addressed threat (open first), then `extra`."""
    found = [t.info.question for t in appraisal.unresolved()] + (extra or [])
    return found or ["None of the threats we check is left open."]


def not_proven(appraisal: Appraisal) -> list[str]:
    """One caveat per open or partly addressed threat, with the fact that leaves it open."""
    found = [f"{t.info.caveat} {t.reason}" for t in appraisal.unresolved()]
    return found or ["Every threat we check is addressed by the design."]


def open_explanations(appraisal: Appraisal) -> list[str]:
    return [EXPLANATIONS[t.id] for t in appraisal.open() if t.id in EXPLANATIONS]


def join_words(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def intervention(study: StudyDesign) -> str:
    return study.intervention or "the treatment"


# -- published studies ---------------------------------------------------------------------


def study_card(design: StudyDesign) -> EvidenceCard:
    """The card of a published study: its design, its reported findings, its appraisal."""
    appraisal = appraise(design)
    return build_card(
        design.title,
        appraisal,
        summary=[_study_summary(design, appraisal)],
        why=_study_why(design),
        observed=[f.text for f in design.findings] + [f"Source: {design.citation}"],
        conclude=_study_conclusion(design, appraisal),
        questions=remaining_questions(appraisal),
        not_proven=not_proven(appraisal),
    )


def _study_summary(d: StudyDesign, appraisal: Appraisal) -> str:
    kind = KIND_WORDS[d.kind]
    if d.kind == "review" and d.n_studies:
        kind = f"review of {d.n_studies} studies"
    who = people(d.n_participants) + (f" with {d.condition}" if d.condition else "")
    return f"This {kind} looked at {intervention(d)} in {who}. {tally(appraisal)}"


def _study_why(d: StudyDesign) -> list[str]:
    out = [
        "People with ME/CFS and their doctors want to know if LDN helps. Each study adds a "
        "piece of the answer, and each has limits. This card shows what this one can and "
        "cannot tell us."
    ]
    if d.condition is not None and d.condition != TARGET:
        out.append(
            f"This study was in {d.condition}, not ME/CFS. Its design still shows how a fair "
            "test of LDN can be run."
        )
    return out


def _study_conclusion(d: StudyDesign, appraisal: Appraisal) -> list[str]:
    out = []
    control = appraisal.threat("control_group").status
    placebo = appraisal.threat("placebo_response").status
    reasons = open_explanations(appraisal)
    if control is Status.OPEN or placebo is Status.OPEN:
        out.append(f"This study cannot show that {intervention(d)} works.")
        if reasons:
            out.append(
                "A change seen on treatment could come from the treatment, or from "
                f"{join_words(reasons, 'or')}."
            )
    elif all(appraisal.threat(t).status is Status.ADDRESSED for t in FAIR_TEST):
        out.append(
            "This study is a fair test against a blind placebo. What it found counts as "
            "evidence, within the limits below."
        )
    else:
        out.append(
            "This study gives some evidence, but some of its defences against bias are only "
            "partly in place. Read what it found with the limits below in mind."
        )
    if d.condition is not None and d.condition != TARGET:
        out.append(f"It was in {d.condition}, so it does not tell us directly about ME/CFS.")
    return out


assert set(EXPLANATIONS) <= set(CATALOGUE)
