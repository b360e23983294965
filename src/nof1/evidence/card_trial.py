"""Evidence cards for a nof1 trial (one person) and a series of trials (many people).

Every number comes from the result objects (`SingleResult`, `SeriesResult`, `BlindingIndex`)
or the design, written by `nof1.evidence.wording`. Uncertainty is stated as it is: when the
95% credible interval includes no change, the card says we cannot tell. An outcome analysed on
the log scale (`SingleResult.log_scale`, e.g. steps) is written as a percentage change, with
no smallest change that matters: an MCID in outcome units does not apply to a ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from nof1.evidence.card import (
    EXPLANATIONS,
    EvidenceCard,
    build_card,
    intervention,
    join_words,
    not_proven,
    remaining_questions,
    tally,
)
from nof1.evidence.design import BlindingCheck, StudyDesign
from nof1.evidence.rules import appraise
from nof1.evidence.threats import Appraisal, Status
from nof1.evidence.wording import (
    amount,
    change_interval_words,
    change_words,
    interval_words,
    number,
    p_value,
    people,
    percent,
    with_unit,
)

if TYPE_CHECKING:
    from nof1.results import ArmEffect, SeriesResult, SingleResult

__all__ = ["LEVEL", "result_verdict", "series_card", "trial_card", "verdict"]

LEVEL = 0.95  # the credible interval the cards show
LIKELY = 0.8  # P(benefit >= MCID) from which a benefit is called one that matters
Verdict = Literal["meaningful", "benefit", "small", "harm", "unclear"]


def verdict(low: float, high: float, better: str, p_mcid: float | None) -> Verdict:
    """What the interval says: a benefit (that matters, or maybe too small), a harm, or
    nothing we can tell apart from no change."""
    helped = high < 0 if better == "lower" else low > 0
    harmed = low > 0 if better == "lower" else high < 0
    if harmed:
        return "harm"
    if not helped:
        return "unclear"
    if p_mcid is None:
        return "benefit"
    return "meaningful" if p_mcid >= LIKELY else "small"


def result_verdict(result: SingleResult, arm: str) -> Verdict:
    """The card's verdict for one arm of a fitted result. On the log scale there is no MCID
    (the effect is a ratio), so a benefit is never called one that matters by it."""
    effect = result.effects[arm]
    lo, hi = effect.posterior.interval(LEVEL)
    return verdict(lo, hi, result.better, None if result.log_scale else effect.prob_benefit_mcid)


def _level() -> str:
    return f"{round(LEVEL * 100)}%"


def _unit(design: StudyDesign, outcome: str) -> str:
    return design.units.get(outcome, "units")


def _direction(mean: float) -> str:
    return "lower" if mean < 0 else "higher"


def _arm_name(design: StudyDesign, result: SingleResult, arm: str) -> str:
    return intervention(design) if len(result.effects) == 1 else arm


# -- one person ------------------------------------------------------------------------------


def trial_card(
    design: StudyDesign,
    results: Sequence[SingleResult],
    *,
    labels: Mapping[str, str] | None = None,
) -> EvidenceCard:
    """The card of one nof1 trial; `results[0]` is the primary outcome. The blinding index,
    when measured, comes from `design.blinding_index` (see `from_trial.trial_design`)."""
    if not results:
        raise ValueError("trial_card needs at least one result (the primary outcome first)")
    labels = {k: _in_sentence(v) for k, v in (labels or {}).items()}
    appraisal = appraise(design)
    primary = results[0]
    label = labels.get(primary.outcome, primary.outcome.replace("_", " "))
    arm = next(iter(primary.effects))
    call = result_verdict(primary, arm)
    iv = _arm_name(design, primary, arm)
    observed = [_primary_paragraph(design, primary, label)]
    observed += [_secondary(design, r, labels) for r in results[1:]]
    blind = _blinding_paragraph(design.blinding_index)
    observed += [blind] if blind else []
    extra = {
        "unclear": "Would more pairs of periods, or longer ones, give a clear answer?",
        "harm": "Was the harm caused by the treatment, or by something else in those periods?",
    }.get(call, "Will the gain last after the trial ends?")
    return build_card(
        f"Evidence card: {design.title}",
        appraisal,
        summary=[f"{_trial_verdict(call, iv, label)} {_trial_design_words(design)}",
                 tally(appraisal)],
        why=[
            "Symptoms of ME/CFS go up and down from day to day, and hope can change how we "
            f"feel. This trial switched between {iv} and placebo in random order, with the "
            "capsules looking the same, so that neither could fool us. It asks one question: "
            "does it help this person?"
        ],
        observed=observed,
        conclude=_trial_conclusion(call, iv, label, appraisal),
        questions=remaining_questions(appraisal, [extra]),
        not_proven=not_proven(appraisal),
    )


def _trial_verdict(call: Verdict, iv: str, label: str) -> str:
    return {
        "meaningful": f"For this person, {iv} likely helped {label} by an amount that matters.",
        "benefit": f"For this person, {iv} very likely helped {label}.",
        "small": f"For this person, {iv} very likely helped {label}, but maybe by too little "
        "to matter.",
        "harm": f"For this person, {label} was very likely worse with {iv}.",
        "unclear": f"This trial cannot tell whether {iv} changed {label} for this person.",
    }[call]


def _trial_design_words(d: StudyDesign) -> str:
    against = "placebo" if d.comparison == "placebo" else "a control"
    pairs = f" over {d.crossover_pairs} pairs of periods" if d.crossover_pairs else ""
    order = ", in random order" if d.randomised else ""
    text = f"It compared {intervention(d)} with {against}{pairs}{order}."
    if d.blinded and {"participants", "clinicians"} <= set(d.blinded):
        text += " Neither the participant nor the clinician knew which was which."
    elif d.participants_blinded:
        text += " The participant did not know which was which."
    return text


def _chances(unit: str, mcid: float | None, effect: ArmEffect) -> str:
    text = f"The chance that it helped at all is {percent(effect.prob_benefit)}."
    if mcid is not None:
        text += (
            f" The chance that it helped by at least {with_unit(amount(mcid), unit)}, the "
            f"smallest change that matters, is {percent(effect.prob_benefit_mcid)}. The chance "
            f"that it made things worse by at least {with_unit(amount(mcid), unit)} is "
            f"{percent(effect.prob_harm_mcid)}."
        )
    return text


def _primary_paragraph(design: StudyDesign, r: SingleResult, label: str) -> str:
    unit = _unit(design, r.outcome)
    parts = [f"The main outcome was {label}, and {r.better} is better."]
    for arm, effect in r.effects.items():
        iv = _arm_name(design, r, arm)
        mean = effect.posterior.mean
        lo, hi = effect.posterior.interval(LEVEL)
        if r.log_scale:
            parts.append(
                f"With {iv}, {label} was on average about {change_words(mean)} than with "
                "placebo."
            )
        else:
            parts.append(
                f"With {iv}, {label} was on average {number(abs(mean))} {unit} "
                f"{_direction(mean)} than with placebo."
            )
        parts.append(
            f"The {_level()} credible interval, where the true effect very likely lies, is "
            f"{_interval(r, lo, hi, unit)}."
        )
        if lo <= 0 <= hi:
            parts.append("This range includes no change at all, so we cannot tell if it helped.")
        parts.append(_chances(unit, None if r.log_scale else r.mcid, effect))
    if r.randomization_p is not None:
        parts.append(
            f"A check that reshuffles the random order gave a p-value for a benefit of "
            f"{p_value(r.randomization_p)}. The smaller it is, the harder a benefit is to put "
            "down to chance."
        )
    parts.append(f"The analysis used {r.n_days} days.")
    return " ".join(parts)


def _secondary(design: StudyDesign, r: SingleResult, labels: Mapping[str, str]) -> str:
    label = labels.get(r.outcome, r.outcome.replace("_", " "))
    unit = _unit(design, r.outcome)
    parts = []
    for arm, effect in r.effects.items():
        mean = effect.posterior.mean
        lo, hi = effect.posterior.interval(LEVEL)
        size = (
            f"about {change_words(mean)}"
            if r.log_scale
            else f"{number(abs(mean))} {unit} {_direction(mean)}"
        )
        parts.append(
            f"{label[:1].upper()}{label[1:]} was {size} with {_arm_name(design, r, arm)} "
            f"({_interval(r, lo, hi, unit)}), and {r.better} is better. The chance that it "
            f"helped at all is {percent(effect.prob_benefit)}."
        )
    return " ".join(parts)


def _interval(r: SingleResult, low: float, high: float, unit: str) -> str:
    """The credible interval in words: as percentage changes on the log scale."""
    return change_interval_words(low, high) if r.log_scale else interval_words(low, high, unit)


def _blinding_paragraph(checks: tuple[BlindingCheck, ...] | None) -> str:
    if not checks:
        return ""
    values = join_words([f"{number(c.estimate, 2)} for {c.arm}" for c in checks])
    beats = any(c.beats_chance for c in checks)
    return (
        "At the end of each period, the participant guessed which capsules they had. "
        f"The blinding index was {values}. Near zero means guesses no better than chance; "
        "near one means the participant knew. "
        + (
            "Here the guesses beat chance, so side effects may have given it away."
            if beats
            else "Here the guesses did not beat chance."
        )
    )


def _trial_conclusion(call: Verdict, iv: str, label: str, appraisal: Appraisal) -> list[str]:
    out = [
        {
            "meaningful": f"For this person, {iv} likely helps {label} by an amount that "
            "matters.",
            "benefit": f"For this person, {iv} very likely helps {label}. No smallest "
            "change that matters was set, so we cannot say if the gain is big enough.",
            "small": f"For this person, {iv} very likely helps {label}, but the gain may be "
            "smaller than the smallest change that matters.",
            "harm": f"For this person, {label} was very likely worse with {iv}. Talk with "
            "the clinician about stopping it.",
            "unclear": f"We cannot tell from this trial whether {iv} helps {label} for this "
            "person. The range of likely effects includes no change.",
        }[call]
    ]
    out += _ruled_out(appraisal)
    if appraisal.threat("generalisation").status is not Status.ADDRESSED:
        out.append("This answer is about this person only.")
    return out


def _ruled_out(appraisal: Appraisal) -> list[str]:
    addressed = [EXPLANATIONS[t.id] for t in appraisal.addressed() if t.id in EXPLANATIONS]
    if not addressed:
        return []
    return [f"The design guards against {join_words(addressed, 'and')} as the cause."]


# -- many people -----------------------------------------------------------------------------


def series_card(design: StudyDesign, result: SeriesResult) -> EvidenceCard:
    """The card of a pooled series of nof1 trials."""
    appraisal = appraise(design)
    n = len(result.participants)
    iv = intervention(design)
    label = result.outcome.replace("_", " ")
    unit = _unit(design, result.outcome)
    lo, hi = result.mu.interval(LEVEL)
    call = verdict(lo, hi, result.better, None)
    average = {
        "benefit": f"On average, {iv} very likely helped {label}.",
        "harm": f"On average, {label} was very likely worse with {iv}.",
    }.get(call, f"On average, we cannot tell whether {iv} changed {label}.")
    observed = [
        f"On average, {label} was {number(abs(result.mu.mean))} {unit} "
        f"{_direction(result.mu.mean)} with {iv} than with placebo, and {result.better} is "
        f"better. The {_level()} credible interval is {interval_words(lo, hi, unit)}.",
        f"People differed. The typical spread of the true effect from person to person was "
        f"{number(result.tau.mean)} {unit}.",
        _new_patient(result, unit),
    ]
    if result.excluded:
        observed.append(f"{people(len(result.excluded)).capitalize()} could not be analysed "
                        "and were left out.")
    return build_card(
        f"Evidence card: {design.title}",
        appraisal,
        summary=[f"{people(n).capitalize()} each ran their own n-of-1 trial of {iv}, and the "
                 f"results were pooled. {average}", tally(appraisal)],
        why=[
            "One person's trial tells us about that person. Pooling many trials shows the "
            "average effect, how much people differ, and how likely a new patient is to "
            "benefit."
        ],
        observed=observed,
        conclude=[
            average,
            "Because people differ, the average does not tell who will respond. Each "
            "person's own trial answers that for them.",
            *_ruled_out(appraisal),
        ],
        questions=remaining_questions(appraisal, ["Who responds, and why?"]),
        not_proven=not_proven(appraisal),
    )


def _new_patient(result: SeriesResult, unit: str) -> str:
    text = (
        "For a new patient like these, the chance of any benefit is "
        f"{percent(result.prob_new_patient_benefit)}."
    )
    if result.mcid is not None:
        text += (
            f" The chance of a benefit of at least {with_unit(amount(result.mcid), unit)} is "
            f"{percent(result.prob_new_patient_benefit_mcid)}."
        )
    if result.mcid is not None and result.responder_fraction is not None:
        text += (
            f" Among these {len(result.participants)} people, the expected share who gained "
            f"at least {with_unit(amount(result.mcid), unit)} is "
            f"{percent(result.responder_fraction)}."
        )
    return text


def _in_sentence(label: str) -> str:
    """'Fatigue' -> 'fatigue' inside a sentence; 'PROMIS Fatigue' keeps its capitals."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
