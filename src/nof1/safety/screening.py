"""Screening a participant before low-dose naltrexone (LDN): eligible, ineligible, or review.

`screen()` is a pure function of what the clinician entered and the protocol's
`EligibilityRules`. Every finding is a `Reason` naming its rule and its source; the worst
status wins. Nothing unknown passes silently: a missing liver value or pregnancy status sends
the participant to review, an unrecognised medicine is listed for the clinician, and an
unknown condition code is refused.

Sources: the domain brief (shared/domain/ldn-mecfs.md, section 3) and what it cites.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nof1.safety.medicines import MedicineMatch, Sources, Status, lookup_medicine

__all__ = [
    "CONDITIONS",
    "DEFAULT_RULES",
    "EXPECTED_OPIOID_NEED_DAYS",
    "EligibilityRules",
    "Reason",
    "Screening",
    "screen",
]

# The brief: "Expected need for opioid pain relief within 7 days is a contraindication".
EXPECTED_OPIOID_NEED_DAYS = 7

_OPIOID_FREE_SOURCE = (
    f"{Sources.LABEL}: opioid-free for 7-10 days before starting; trials used 15 days "
    "(Naik 2024, doi 10.1136/bmjopen-2024-085272) to 4 weeks (FINAL, Bruun 2024, "
    f"doi 10.1016/S2665-9913(23)00278-3) ({Sources.BRIEF})"
)
_OPIOID_NEED_SOURCE = (
    f"{Sources.BRIEF}: expected need for opioid pain relief within 7 days is a contraindication"
)
_LIVER_SOURCE = (
    f"{Sources.LABEL}: contraindications, acute hepatitis or liver failure ({Sources.BRIEF}); "
    "the Vivitrol label removed this contraindication in 7/2013 and keeps hepatotoxicity as "
    "a warning (api.fda.gov)"
)
_ENZYME_SOURCE = f"LDN trials excluded ALT or AST above 300 IU/L ({Sources.BRIEF})"
_PREGNANCY_SOURCE = f"pregnancy and breastfeeding were excluded in all LDN trials ({Sources.BRIEF})"
_MOOD_SOURCE = f"{Sources.LABEL}: warnings on depression and suicidality ({Sources.BRIEF})"
_KIDNEY_SOURCE = f"severe kidney impairment has not been studied ({Sources.BRIEF})"


class EligibilityRules(BaseModel):
    """A protocol's screening thresholds. `nof1.protocol` embeds the same field names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opioid_free_days: int = Field(
        ge=0,
        description="Days without any opioid before the first dose. The label says 7-10; "
        "trials used 15 (Naik 2024) to 28 (FINAL).",
    )
    alt_ast_max_iu_per_l: float = Field(
        gt=0,
        allow_inf_nan=False,
        description="Highest ALT or AST (IU/L) allowed at screening; trials excluded > 300.",
    )
    exclude_pregnancy: bool = True
    exclude_breastfeeding: bool = True


# 28 days: the longest window an LDN trial used (FINAL), as in the bundled protocol templates;
# the label asks for 7-10 days and Naik 2024 used 15. Without a protocol, screen conservatively.
DEFAULT_RULES = EligibilityRules(opioid_free_days=28, alt_ast_max_iu_per_l=300.0)


@dataclass(frozen=True)
class _Condition:
    description: str
    rule: str
    status: Status
    message: str
    source: str


def _contra(description: str, rule: str, message: str, source: str = "") -> _Condition:
    source = source or f"{Sources.LABEL}: contraindications, {description} ({Sources.BRIEF})"
    return _Condition(description, rule, Status.INELIGIBLE, message, source)


def _review(description: str, rule: str, message: str, source: str) -> _Condition:
    return _Condition(description, rule, Status.NEEDS_REVIEW, message, source)


# fmt: off
_HYPERSENSITIVITY = "naltrexone is contraindicated after hypersensitivity to {}"
# Pregnancy and breastfeeding depend on the protocol, so screen() handles them itself.
_CONDITIONS: Mapping[str, _Condition] = {
    "acute-hepatitis": _contra(
        "acute hepatitis", "acute-hepatitis-or-liver-failure",
        "acute hepatitis: naltrexone is contraindicated", _LIVER_SOURCE),
    "liver-failure": _contra(
        "liver failure", "acute-hepatitis-or-liver-failure",
        "liver failure: naltrexone is contraindicated", _LIVER_SOURCE),
    "opioid-dependence": _contra(
        "opioid dependence, including methadone or buprenorphine maintenance",
        "opioid-dependence",
        "opioid dependence: naltrexone is contraindicated",
        Sources.OPIOID_MAINTENANCE),
    "opioid-withdrawal": _contra(
        "acute opioid withdrawal", "opioid-withdrawal",
        "acute opioid withdrawal: naltrexone is contraindicated"),
    "positive-opioid-screen": _contra(
        "a positive opioid screen", "positive-opioid-screen",
        "positive opioid screen: naltrexone is contraindicated"),
    "failed-naloxone-challenge": _contra(
        "a failed naloxone challenge", "positive-opioid-screen",
        "failed naloxone challenge: naltrexone is contraindicated"),
    "hypersensitivity-naltrexone": _contra(
        "hypersensitivity to naltrexone", "hypersensitivity",
        _HYPERSENSITIVITY.format("naltrexone")),
    "hypersensitivity-naloxone": _contra(
        "hypersensitivity to naloxone", "hypersensitivity",
        _HYPERSENSITIVITY.format("naloxone")),
    "hypersensitivity-nalmefene": _contra(
        "hypersensitivity to nalmefene", "hypersensitivity",
        _HYPERSENSITIVITY.format("nalmefene")),
    "planned-surgery": _contra(
        "surgery planned, so opioid pain relief may be needed", "expected-opioid-need",
        "surgery is planned, so opioid pain relief may be needed: an expected opioid need "
        f"within {EXPECTED_OPIOID_NEED_DAYS} days is a contraindication; screen again once "
        "no opioid need is expected", _OPIOID_NEED_SOURCE),
    "depression": _review(
        "depression", "depression-or-suicidality",
        "depression: the label warns about depression and suicidality; the clinician decides "
        "and monitors mood", _MOOD_SOURCE),
    "suicidality": _review(
        "suicidal thoughts or behaviour", "depression-or-suicidality",
        "suicidal thoughts or behaviour: the label warns about depression and suicidality; "
        "the clinician decides and monitors mood", _MOOD_SOURCE),
    "severe-kidney-impairment": _review(
        "severe kidney impairment", "severe-kidney-impairment",
        "severe kidney impairment: naltrexone has not been studied in it; the clinician "
        "decides", _KIDNEY_SOURCE),
}
# fmt: on

#: The condition vocabulary `screen(conditions=...)` accepts: code -> what it means.
CONDITIONS: Mapping[str, str] = {
    **{code: c.description for code, c in _CONDITIONS.items()},
    "pregnancy": "currently pregnant",
    "breastfeeding": "currently breastfeeding",
}


@dataclass(frozen=True)
class Reason:
    """One finding: which rule fired, what it means, and where the rule comes from."""

    rule: str
    status: Status
    message: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "status": self.status.value,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True)
class Screening:
    """The outcome of screening one participant. `reasons` are worst first."""

    status: Status
    reasons: tuple[Reason, ...]
    medicines: tuple[MedicineMatch, ...]  # the medicines recognised in the list
    unrecognised: tuple[str, ...]  # medicines not in the table: the clinician checks them
    notes: tuple[str, ...]  # information that does not change the status
    rules: EligibilityRules

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "medicines": [
                {
                    "typed": m.typed,
                    "ingredient": m.medicine.name,
                    "matched": m.matched,
                    "rule": m.rule.id,
                    "status": m.status.value,
                }
                for m in self.medicines
            ],
            "unrecognised": list(self.unrecognised),
            "notes": list(self.notes),
            "rules": self.rules.model_dump(),
        }

    def summary(self) -> str:
        lines = [f"Screening: {self.status.value.upper()}"]
        lines += [
            f"  [{r.status.value}] {r.rule}: {r.message}\n      source: {r.source}"
            for r in self.reasons
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _condition_codes(conditions: Iterable[str]) -> set[str]:
    if isinstance(conditions, str):
        raise TypeError("conditions is a list of codes, not one string")
    codes = set()
    for raw in conditions:
        code = "-".join(str(raw).strip().casefold().replace("_", " ").split())
        if code not in CONDITIONS:
            raise ValueError(
                f"unknown condition {raw!r}; the vocabulary is: {', '.join(sorted(CONDITIONS))}"
            )
        codes.add(code)
    return codes


def _iu(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of IU/L, not {value!r}")
    return value


def _flag(name: str, flag: bool | None, code: str, codes: set[str]) -> bool | None:
    if code in codes:
        if flag is False:
            raise ValueError(f"condition {code!r} contradicts {name}=False")
        return True
    return flag


def _medicine_reasons(
    medications: Sequence[str],
) -> tuple[list[Reason], list[MedicineMatch], list[str]]:
    if isinstance(medications, str):
        raise TypeError("medications is a list of names, not one string")
    reasons, matches, unrecognised = [], [], []
    for typed in medications:
        if not str(typed).strip():
            continue
        found = lookup_medicine(str(typed))
        if not found:
            unrecognised.append(str(typed).strip())
        for m in found:
            matches.append(m)
            reasons.append(Reason(m.rule.id, m.status, m.message, m.source))
    return reasons, matches, unrecognised


def _opioid_window(last: date | None, start: date | None, rules: EligibilityRules) -> list[Reason]:
    if last is None:
        return []
    days = rules.opioid_free_days
    if start is None:
        return [
            Reason(
                "opioid-free-period",
                Status.NEEDS_REVIEW,
                f"last opioid use {last.isoformat()} but no start date: the "
                f"{days}-day opioid-free period cannot be checked",
                _OPIOID_FREE_SOURCE,
            )
        ]
    free = (start - last).days
    if free >= days:
        return []
    when = f"{free} days before the planned start" if free > 0 else "on or after the planned start"
    return [
        Reason(
            "opioid-free-period",
            Status.INELIGIBLE,
            f"last opioid use {last.isoformat()}, {when} ({start.isoformat()}): the "
            f"protocol needs {days} opioid-free days before the first dose",
            _OPIOID_FREE_SOURCE,
        )
    ]


def _liver(alt: float | None, ast: float | None, rules: EligibilityRules) -> list[Reason]:
    limit = rules.alt_ast_max_iu_per_l
    reasons, missing = [], []
    for name, value in (("ALT", alt), ("AST", ast)):
        if value is None:
            missing.append(name)
        elif value > limit:
            reasons.append(
                Reason(
                    "liver-enzymes",
                    Status.INELIGIBLE,
                    f"{name} {value:g} IU/L is above the protocol's limit of {limit:g} IU/L",
                    _ENZYME_SOURCE,
                )
            )
    if missing:
        reasons.append(
            Reason(
                "liver-enzymes-missing",
                Status.NEEDS_REVIEW,
                f"{' and '.join(missing)} not given: the {limit:g} IU/L limit cannot be checked",
                _ENZYME_SOURCE,
            )
        )
    return reasons


def _exclusion(what: str, value: bool | None, excluded: bool) -> list[Reason]:
    rule = what  # "pregnancy" or "breastfeeding"
    if value is True:
        if excluded:
            return [
                Reason(
                    rule, Status.INELIGIBLE, f"{what}: the protocol excludes it", _PREGNANCY_SOURCE
                )
            ]
        return [
            Reason(
                rule,
                Status.NEEDS_REVIEW,
                f"{what}: the protocol allows it, but every LDN trial excluded it; the "
                "clinician decides",
                _PREGNANCY_SOURCE,
            )
        ]
    if value is None and excluded:
        return [
            Reason(
                f"{rule}-unknown",
                Status.NEEDS_REVIEW,
                f"{what} status not given: the protocol excludes {what}",
                _PREGNANCY_SOURCE,
            )
        ]
    return []


def screen(
    *,
    medications: Sequence[str] = (),
    conditions: Iterable[str] = (),
    alt_iu_per_l: float | None = None,
    ast_iu_per_l: float | None = None,
    last_opioid_use: date | None = None,
    start_date: date | None = None,
    expected_opioid_need: bool = False,
    pregnant: bool | None = None,
    breastfeeding: bool | None = None,
    rules: EligibilityRules = DEFAULT_RULES,
) -> Screening:
    """Screen one participant for LDN against the protocol's `rules`.

    medications: names as typed ("Co-Codamol 30/500mg"), matched by `lookup_medicine`; names
        not in the table come back in `unrecognised` with a note, and do not change the status.
    conditions: codes from `CONDITIONS` (case, spaces and underscores are forgiven); an unknown
        code raises ValueError listing the vocabulary.
    alt_iu_per_l, ast_iu_per_l: the latest liver enzymes; None (not measured) needs review.
    last_opioid_use: the last day any opioid was taken; None means no opioid use reported.
        Eligible when `start_date - last_opioid_use` is at least `rules.opioid_free_days`.
    expected_opioid_need: opioid pain relief is expected within 7 days of starting.
    pregnant, breastfeeding: None is unknown, which needs review when the protocol excludes it.
        The condition codes "pregnancy" and "breastfeeding" mean True; contradicting them
        with False raises ValueError.
    """
    codes = _condition_codes(conditions)
    alt, ast = _iu("alt_iu_per_l", alt_iu_per_l), _iu("ast_iu_per_l", ast_iu_per_l)
    pregnant = _flag("pregnant", pregnant, "pregnancy", codes)
    breastfeeding = _flag("breastfeeding", breastfeeding, "breastfeeding", codes)

    reasons, matches, unrecognised = _medicine_reasons(medications)
    reasons += [
        Reason(c.rule, c.status, c.message, c.source)
        for code, c in sorted(_CONDITIONS.items())
        if code in codes
    ]
    if expected_opioid_need:
        reasons.append(
            Reason(
                "expected-opioid-need",
                Status.INELIGIBLE,
                f"opioid pain relief is expected within {EXPECTED_OPIOID_NEED_DAYS} days: "
                "naltrexone would block it",
                _OPIOID_NEED_SOURCE,
            )
        )
    reasons += _opioid_window(last_opioid_use, start_date, rules)
    reasons += _liver(alt, ast, rules)
    reasons += _exclusion("pregnancy", pregnant, rules.exclude_pregnancy)
    reasons += _exclusion("breastfeeding", breastfeeding, rules.exclude_breastfeeding)

    notes = []
    if unrecognised:
        notes.append(
            "not in the medicines table, so not checked for opioids: "
            + "; ".join(repr(u) for u in unrecognised)
            + ". The clinician checks each one."
        )
    ordered = tuple(sorted(reasons, key=lambda r: -r.status.rank))
    return Screening(
        status=Status.worst(r.status for r in reasons),
        reasons=ordered,
        medicines=tuple(matches),
        unrecognised=tuple(unrecognised),
        notes=tuple(notes),
        rules=rules,
    )
