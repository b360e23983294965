"""Rules that tie a protocol's sections together, each reported as (field path, problem).

Kept apart from the models so each rule reads on its own. Paths name list entries by their
id (`arms[placebo].dose_mg`), as a clinician would find them in the TOML file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nof1.protocol.model import Problem, format_mg, same_dose

if TYPE_CHECKING:
    from nof1.protocol.model import Protocol

# Columns of the canonical daily table; an outcome with one of these ids would collide.
_DESIGN_COLUMNS = ("participant", "day", "date", "period", "pair", "arm", "dose_mg")


def problems(p: Protocol) -> list[Problem]:
    return [
        *_arms(p),
        *_titration(p),
        *_design(p),
        *_outcomes(p),
        *_unique("adverse_events", (e.id for e in p.adverse_events)),
        *_unique("stopping_rules", (r.id for r in p.stopping_rules)),
        *_sources(p),
        *_blinded_text(p),
        *_eligibility(p),
    ]


# The naltrexone label asks for 7-10 opioid-free days before the first dose (domain brief,
# section 3); a protocol may ask for more (trials used 15 to 28 days), never for less.
LABEL_OPIOID_FREE_DAYS = 7


def _eligibility(p: Protocol) -> list[Problem]:
    days = p.eligibility.opioid_free_days
    if days < LABEL_OPIOID_FREE_DAYS:
        return [
            (
                "eligibility.opioid_free_days",
                f"{days} days is shorter than the naltrexone label's 7-10 opioid-free days "
                "before the first dose; use at least 7",
            )
        ]
    return []


def _unique(section: str, ids: Iterable[str]) -> list[Problem]:
    repeated = [name for name, n in Counter(ids).items() if n > 1]
    return [(f"{section}[{name}]", "this id is used more than once") for name in repeated]


def _arms(p: Protocol) -> list[Problem]:
    found = _unique("arms", p.arm_ids)
    found += [
        (f"arms[{label}]", "two arms have the same label, which the report could not tell apart")
        for label, n in Counter(arm.label for arm in p.arms).items()
        if n > 1
    ]
    placebos = [arm for arm in p.arms if arm.is_placebo]
    if len(placebos) != 1:
        found.append(
            ("arms", f"needs exactly one arm with is_placebo = true (found {len(placebos)})")
        )
    if len(placebos) == len(p.arms):
        found.append(("arms", "needs at least one active arm (is_placebo = false)"))
    for arm in p.arms:
        if arm.is_placebo and arm.dose_mg != 0:
            found.append(
                (
                    f"arms[{arm.id}].dose_mg",
                    "a placebo holds no drug, so its dose must be 0 "
                    f"(got {format_mg(arm.dose_mg)})",
                )
            )
        if not arm.is_placebo and arm.dose_mg <= 0:
            found.append(
                (
                    f"arms[{arm.id}].dose_mg",
                    "an active arm needs a dose above 0; set is_placebo = true if it is "
                    "the placebo",
                )
            )
    return found


def _titration(p: Protocol) -> list[Problem]:
    found = _unique("titration", (t.arm for t in p.titration))
    arms = {arm.id: arm for arm in p.arms}
    named = {t.arm for t in p.titration}
    for arm_id in arms:
        if arm_id not in named:
            found.append(
                (
                    "titration",
                    f"arm '{arm_id}' has no capsule schedule; every arm needs one, with the "
                    "same capsule counts as the others",
                )
            )
    reference = p.titration[0]
    for t in p.titration:
        where = f"titration[{t.arm}]"
        arm = arms.get(t.arm)
        if arm is None:
            found.append((f"{where}.arm", f"unknown arm '{t.arm}'; arms: {', '.join(arms)}"))
            continue
        if t.capsule_schedule != reference.capsule_schedule:
            found.append(
                (
                    f"{where}.steps",
                    "the days and capsule counts differ from "
                    f"titration[{reference.arm}] ({_counts(t.capsule_schedule)} vs "
                    f"{_counts(reference.capsule_schedule)}); a participant could tell the "
                    "arms apart by counting capsules, so every arm must use the same from_day "
                    "and capsules",
                )
            )
        last_day = t.steps[-1].from_day
        if last_day > p.design.period_days:
            found.append(
                (
                    f"{where}.steps",
                    f"the last step starts on day {last_day}, after the end of a "
                    f"{p.design.period_days}-day period",
                )
            )
        found += _step_doses(where, arm.is_placebo, arm.dose_mg, [s.dose_mg for s in t.steps])
    return found


def _counts(schedule: tuple[tuple[int, int], ...]) -> str:
    return ", ".join(f"day {day}: {n}" for day, n in schedule)


def _step_doses(where: str, is_placebo: bool, target: float, doses: list[float]) -> list[Problem]:
    found: list[Problem] = []
    for n, dose in enumerate(doses, start=1):
        path = f"{where}.steps (entry {n}).dose_mg"
        if is_placebo and dose != 0:
            found.append((path, "the placebo arm holds no drug, so every step's dose must be 0"))
        elif not is_placebo and not 0 < dose <= target + 1e-9:
            found.append(
                (path, f"must be above 0 and at most the arm's dose of {format_mg(target)}")
            )
    if not is_placebo and not same_dose(doses[-1], target):
        found.append(
            (
                f"{where}.steps",
                f"the last step ({format_mg(doses[-1])}) must reach the arm's dose of "
                f"{format_mg(target)}",
            )
        )
    return found


def _design(p: Protocol) -> list[Problem]:
    if p.design.pairs is not None and len(p.arms) != 2:
        return [
            (
                "design.pairs",
                f"pairs need exactly two arms, but there are {len(p.arms)}; use design.blocks "
                "(each block gives every arm once)",
            )
        ]
    return []


def _outcomes(p: Protocol) -> list[Problem]:
    found = _unique("outcomes", (o.id for o in p.outcomes))
    primaries = [o.id for o in p.outcomes if o.primary]
    if not primaries:
        found.append(("outcomes", "no primary outcome; mark exactly one with primary = true"))
    elif len(primaries) > 1:
        found.append(
            (
                "outcomes",
                f"exactly one outcome may be primary, but {len(primaries)} are "
                f"({', '.join(primaries)})",
            )
        )
    for o in p.outcomes:
        if o.id in _DESIGN_COLUMNS:
            found.append(
                (f"outcomes[{o.id}].id", "this name is taken by the daily table; choose another")
            )
        width = o.scale.max - o.scale.min
        if o.mcid is not None and o.mcid > width:
            found.append(
                (f"outcomes[{o.id}].mcid", f"is larger than the whole scale ({width:g} points)")
            )
    return found


def _sources(p: Protocol) -> list[Problem]:
    found = _unique("sources", (s.id for s in p.sources))
    known = {s.id for s in p.sources}
    cited: list[tuple[str, tuple[str, ...]]] = [
        ("drug", p.drug.sources),
        ("design", p.design.sources),
        ("eligibility", p.eligibility.sources),
        *((f"titration[{t.arm}]", t.sources) for t in p.titration),
        *((f"outcomes[{o.id}]", o.sources) for o in p.outcomes),
        *((f"adverse_events[{e.id}]", e.sources) for e in p.adverse_events),
        *((f"stopping_rules[{r.id}]", r.sources) for r in p.stopping_rules),
    ]
    for where, ids in cited:
        found += [
            (f"{where}.sources", f"unknown source '{i}'; add it under [[sources]]")
            for i in ids
            if i not in known
        ]
    return found


def _blinded_text(p: Protocol) -> list[Problem]:
    """Text printed on participant and clinician sheets must not reveal the arms."""
    shown = [
        ("id", p.id),
        ("title", p.title),
        ("version", p.version),
        ("drug.timing", p.drug.timing),
        *((f"outcomes[{o.id}].id", o.id) for o in p.outcomes),
        *((f"outcomes[{o.id}].label", o.label) for o in p.outcomes),
        *((f"stopping_rules[{r.id}].description", r.description) for r in p.stopping_rules),
    ]
    found: list[Problem] = []
    for path, text in shown:
        leaks = p.blinding_leaks(text)
        if leaks:
            found.append(
                (
                    path,
                    "is shown to the participant and clinician, so it must not name an arm, a "
                    f"dose or placebo (found: {', '.join(leaks)})",
                )
            )
    return found
