"""The appraisal rules: each threat's status follows from explicit design facts.

One function per threat, in `CATALOGUE` order. Each returns the status and a reason that
names the deciding fact. A fact that was not reported (None) never counts as addressing a
threat, and the reason says "not reported". The cut-offs (20 and 100 participants, 90% and
70% complete) are design choices of nof1, listed in docs/evidence.md, not clinical facts.
"""

from __future__ import annotations

from collections.abc import Callable

from nof1.evidence.design import StudyDesign
from nof1.evidence.threats import CATALOGUE, Appraisal, Status, Threat
from nof1.evidence.wording import amount, number, people, share, with_unit

__all__ = ["appraise"]

Rule = Callable[[StudyDesign], tuple[Status, str]]
ADDRESSED, PARTLY, OPEN = Status.ADDRESSED, Status.PARTLY, Status.OPEN
TARGET = "ME/CFS"  # the condition nof1's first protocol is for
SMALL, LARGE = 20, 100  # participants: below SMALL is small; LARGE and up is large
COMPLETE, MOSTLY = 0.9, 0.7  # share of planned values present
FEW_GUESSES = 10  # as nof1.blinding_index.FEW_PERIODS: below it the index is a rough guide


def appraise(design: StudyDesign) -> Appraisal:
    """Every threat of `CATALOGUE`, judged from `design`'s facts. Deterministic."""
    threats = []
    for threat_id in CATALOGUE:
        status, reason = RULES[threat_id](design)
        threats.append(Threat(threat_id, status, reason))
    return Appraisal(design, tuple(threats))



def _control_group(d: StudyDesign) -> tuple[Status, str]:
    if d.comparison is None:
        return OPEN, "Whether there was a comparison group is not reported."
    if d.comparison == "none":
        return OPEN, "There was no control group: everyone took the treatment."
    if d.comparison == "before-after":
        return OPEN, "People were only compared with how they were before the treatment."
    if d.comparison == "placebo" and d.switches_treatment and d.n_participants == 1:
        return ADDRESSED, "The days on the treatment were compared with the days on placebo."
    if d.comparison == "placebo" and d.switches_treatment:
        return ADDRESSED, "Each person was compared with themselves on placebo."
    if d.comparison == "placebo":
        return ADDRESSED, "A placebo group was compared with a treated group."
    return ADDRESSED, "A control group was compared with a treated group."


def _blinding(d: StudyDesign) -> tuple[Status, str]:
    if d.blinded is None:
        return OPEN, "Whether anyone was blinded is not reported."
    if not d.blinded:
        return OPEN, "There was no blinding: everyone knew who took the treatment."
    others = [role for role in d.blinded if role != "participants"]
    if d.participants_blinded and others:
        who = " and ".join(others)
        return ADDRESSED, f"The participants and the {who} did not know the treatment."
    if d.participants_blinded:
        return PARTLY, "Only the participants were blinded; the study team knew the treatment."
    return PARTLY, f"Only the {' and '.join(others)} were blinded; the participants knew."


def _outcome_measurement(d: StudyDesign) -> tuple[Status, str]:
    if d.outcome_measure in ("objective", "both"):
        return ADDRESSED, "Outcomes included a measure that does not rely on how people feel."
    if d.outcome_measure is None:
        return OPEN, "How the outcomes were measured is not reported."
    if d.participants_blinded:
        return ADDRESSED, (
            "The outcomes were self-report, but the people rating them did not know the "
            "treatment."
        )
    if d.blinded is None:
        return OPEN, "The outcomes were self-report, and blinding is not reported."
    return OPEN, "There was no objective outcome, only self-report by people who knew."


def _placebo_response(d: StudyDesign) -> tuple[Status, str]:
    if d.comparison == "placebo" and d.participants_blinded:
        return ADDRESSED, "A placebo was given blind, so a placebo response shows on both sides."
    if d.comparison == "placebo":
        return PARTLY, "There was a placebo, but it is not reported that people were blind to it."
    if d.comparison == "control":
        return OPEN, "Whether the control group had a placebo is not reported."
    if d.comparison is None:
        return OPEN, "Whether there was a placebo is not reported."
    return OPEN, "There was no placebo, so a placebo response could explain any change."


def _randomised_comparison(d: StudyDesign) -> bool:
    return d.has_comparison and d.randomised is True


def _natural_fluctuation(d: StudyDesign) -> tuple[Status, str]:
    if not d.has_comparison:
        return OPEN, "Without a control, a natural good spell can look like a treatment effect."
    if d.randomised is not True:
        order = "not reported to be random" if d.randomised is None else "not random"
        return PARTLY, f"There was a comparison, but the order was {order}."
    if d.switches_treatment and d.crossover_pairs == 1:
        return PARTLY, "The treatments were in random order, but in only one pair of periods."
    if d.switches_treatment:
        pairs = f" over {d.crossover_pairs} pairs of periods" if d.crossover_pairs else ""
        daily = ", with symptoms rated every day" if d.daily_measures else ""
        return ADDRESSED, f"The treatments were switched in random order{pairs}{daily}."
    return ADDRESSED, "People were put in groups at random, so good and bad spells fall on both."


def _regression_to_mean(d: StudyDesign) -> tuple[Status, str]:
    run_in = f" after a {d.run_in_days}-day run-in" if d.run_in_days else ""
    if _randomised_comparison(d):
        return ADDRESSED, f"Randomised periods or groups were compared with each other{run_in}."
    if d.has_comparison and d.run_in_days:
        return PARTLY, f"There was a {d.run_in_days}-day baseline, but the order was not random."
    if d.has_comparison:
        return PARTLY, "There was a comparison, but not in random order, and no run-in."
    if d.comparison == "before-after":
        return OPEN, "Only before and after were compared; scores that start high may fall anyway."
    if d.comparison is None:
        return OPEN, "Whether there was a comparison is not reported."
    return OPEN, "There was no comparison, so scores that start high may fall back on their own."


def _concurrent_changes(d: StudyDesign) -> tuple[Status, str]:
    logged = d.concurrent_change_log is True
    if _randomised_comparison(d) and not d.switches_treatment:
        return ADDRESSED, "Groups were formed at random, so other changes fall on both groups."
    if _randomised_comparison(d) and logged:
        return ADDRESSED, (
            "Random order spreads other changes over both treatments, and the diary "
            "recorded new medicines and infections."
        )
    if _randomised_comparison(d):
        state = "not reported" if d.concurrent_change_log is None else "not logged"
        return PARTLY, f"Random order spreads other changes, but other medicines were {state}."
    if d.has_comparison and logged:
        return PARTLY, "Other changes were logged, but the order of treatments was not random."
    return OPEN, "Nothing ruled out other changes made at the same time as the treatment."


def _unblinding_side_effects(d: StudyDesign) -> tuple[Status, str]:
    if d.blinded is None:
        return OPEN, "Whether anyone was blinded is not reported."
    if not d.participants_blinded:
        return OPEN, "The participants were not blinded, so they knew what they took anyway."
    if not d.blinding_index:
        return OPEN, "The participants' guesses of their treatment were not checked."
    checks = "; ".join(f"{c.arm} {number(c.estimate, 2)}" for c in d.blinding_index)
    if any(c.beats_chance for c in d.blinding_index):
        return OPEN, f"Guesses were right more often than chance (blinding index {checks})."
    guesses = min(c.n for c in d.blinding_index)
    if guesses < FEW_GUESSES:
        return PARTLY, (
            f"The blinding index ({checks}) was no better than chance, but with only "
            f"{guesses} guesses per arm the check is weak."
        )
    return ADDRESSED, f"Guesses were no better than chance (blinding index {checks})."


def _carryover(d: StudyDesign) -> tuple[Status, str]:
    if not d.switches_treatment:
        return ADDRESSED, "Nobody switched from one treatment to another: nothing could carry over."
    if d.washout_days is None:
        return OPEN, "People switched treatments, and a washout is not reported."
    if d.washout_days == 0:
        return OPEN, "People switched treatments with no washout between periods."
    how = (
        f"the first {d.washout_days} days of each period were not analysed"
        if d.washout_kind == "analytic"
        else f"a {d.washout_days}-day washout"
    )
    return PARTLY, (
        f"It relies on a washout: {how}. The washout assumes the effect fades by then, "
        "but how long the effect of LDN lasts is not known."
    )


def _pem_confounding(d: StudyDesign) -> tuple[Status, str]:
    if d.exertion_adjusted and d.exertion_changed_conclusion:
        return PARTLY, (
            "Activity was logged each day and the analysis allowed for it, but allowing for "
            "exertion changed the conclusion, so the main result may reflect activity, not "
            "only the treatment."
        )
    if d.exertion_adjusted:
        return ADDRESSED, "Activity was logged each day and the analysis allowed for it."
    logged = d.exertion_logged is True
    if logged and _randomised_comparison(d):
        return PARTLY, (
            "Activity was logged each day and random order spreads crashes, but the "
            "analysis did not adjust for it."
        )
    if logged:
        return PARTLY, "Activity was logged each day, but the order of treatments was not random."
    state = "not reported" if d.exertion_logged is None else "not logged"
    if _randomised_comparison(d):
        return PARTLY, f"Random order spreads crashes, but activity was {state}."
    return OPEN, f"Activity was {state}, so a crash after exertion could look like a change."


def _selection(d: StudyDesign) -> tuple[Status, str]:
    if d.kind in ("case series", "chart review"):
        return OPEN, "People were picked after they took the treatment, from case notes or records."
    if d.case_definition is None:
        return PARTLY, "The case definition people met is not reported."
    return ADDRESSED, f"Participants met a stated case definition: {d.case_definition}."


def _generalisation(d: StudyDesign) -> tuple[Status, str]:
    n = d.n_participants
    if d.kind == "n-of-1 trial" or n == 1:
        return OPEN, "This is one person's result. It tells us about this person, not about others."
    if n < SMALL:
        return OPEN, f"Only {people(n)} took part."
    if d.condition is None:
        return PARTLY, f"{people(n).capitalize()} took part, but the illness is not reported."
    if d.condition != TARGET:
        return PARTLY, f"{people(n).capitalize()} took part, but with {d.condition}, not ME/CFS."
    if n < LARGE:
        return PARTLY, f"{people(n).capitalize()} with ME/CFS took part: still a small group."
    return ADDRESSED, f"{people(n).capitalize()} with ME/CFS took part."


def _multiplicity(d: StudyDesign) -> tuple[Status, str]:
    if d.primary_prespecified is None:
        return OPEN, "Whether the main outcome was chosen in advance is not reported."
    if not d.primary_prespecified:
        return OPEN, "The main outcome was not chosen in advance."
    main = f" ({d.primary_outcome})" if d.primary_outcome else ""
    if d.mcid is not None:
        return ADDRESSED, (
            f"The main outcome{main} and the smallest change that matters "
            f"({with_unit(amount(d.mcid), d.outcome_unit or 'units')}) were set in advance."
        )
    return ADDRESSED, f"The main outcome{main} was set in advance."


def _missing_data(d: StudyDesign) -> tuple[Status, str]:
    if d.completeness is None:
        return OPEN, "How much data was missing is not reported."
    had = f"{share(d.completeness)} of the planned days had a value"
    if d.completeness >= COMPLETE:
        return ADDRESSED, f"{had}."
    if d.completeness >= MOSTLY:
        return PARTLY, f"{had}, so some are missing."
    return OPEN, f"Only {had}."


RULES: dict[str, Rule] = {
    "control_group": _control_group,
    "blinding": _blinding,
    "outcome_measurement": _outcome_measurement,
    "placebo_response": _placebo_response,
    "natural_fluctuation": _natural_fluctuation,
    "regression_to_mean": _regression_to_mean,
    "concurrent_changes": _concurrent_changes,
    "unblinding_side_effects": _unblinding_side_effects,
    "carryover": _carryover,
    "pem_confounding": _pem_confounding,
    "selection": _selection,
    "generalisation": _generalisation,
    "multiplicity": _multiplicity,
    "missing_data": _missing_data,
}
assert list(RULES) == list(CATALOGUE), "every threat needs exactly one rule"
