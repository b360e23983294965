"""A trial as a FHIR R5 Bundle: the study, its participants, their diary days and wearable days.

Every resource is built through the `fhir.resources` models, which validate each field, and
the whole Bundle is validated again when it is assembled. The export is deterministic: ids are
UUIDs derived from the study, participant and day, so exporting the same table twice gives the
same Bundle (given the same study metadata).

Pseudonymised research tables carry trial days, not dates. Each diary day and wearable day
carries its trial day in the extension `TRIAL_DAY_URL` (valueInteger, 1 = first trial day);
when the table has a `date` column the date is also written, as `QuestionnaireResponse.authored`
and `Observation.effectiveDateTime`, and otherwise no date is invented. The period, pair, arm and
dose of a day are extensions too, and arm and dose appear only when the table has an `arm`
column, i.e. after unblinding. `fhir.resources` is imported when an export runs, not when this
module is imported.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from nof1.interop._table import Prepared, StudyMetadata, iso_date, prepare
from nof1.protocol.model import Outcome, Protocol

if TYPE_CHECKING:
    from fhir.resources.bundle import Bundle

__all__ = [
    "ARM_URL",
    "DOSE_URL",
    "PAIR_URL",
    "PERIOD_URL",
    "TRIAL_DAY_URL",
    "WEARABLES",
    "Wearable",
    "fhir_bundle",
    "fhir_json",
]

NOF1 = "urn:nof1:fhir"
TRIAL_DAY_URL = f"{NOF1}:trial-day"  # valueInteger: 1 = the participant's first trial day
PERIOD_URL = f"{NOF1}:period"  # valueInteger: 0 = run-in
PAIR_URL = f"{NOF1}:pair"  # valueInteger: 0 = run-in
ARM_URL = f"{NOF1}:arm"  # valueCode: the arm id; only in unblinded exports
DOSE_URL = f"{NOF1}:dose"  # valueQuantity in mg; only in unblinded exports
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ARM_TYPE = "http://hl7.org/fhir/research-study-arm-type"
OBJECTIVE_TYPE = "http://terminology.hl7.org/CodeSystem/research-study-objective-type"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_NAMESPACE = uuid.UUID("8d4f1c3e-5b2a-4f6e-9c1d-2a7b3e4f5a60")  # fixed: ids must be stable


@dataclass(frozen=True)
class Wearable:
    """A daily wearable value: its LOINC code and display, UCUM unit, observation category."""

    code: str
    display: str
    unit: str
    ucum: str
    category: str | None


# Daily-table column (as nof1.wearables names them) -> LOINC. hrv_rmssd_ms has no LOINC code
# of its own and is not exported. The vital-signs category is not used: its profile asks for a
# date, which pseudonymised exports do not have, and for 8867-4 alongside resting heart rate.
WEARABLES: dict[str, Wearable] = {
    "steps": Wearable("55423-8", "Number of steps in unspecified time Pedometer",
                      "steps", "{steps}", "activity"),
    "resting_hr": Wearable("40443-4", "Heart rate --resting", "beats/minute", "/min", None),
    "hrv_sdnn_ms": Wearable("80404-7", "R-R interval.standard deviation (Heart rate variability)",
                    "ms", "ms", None),
    "sleep_hours": Wearable("93832-4", "Sleep duration", "h", "h", "activity"),
}


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(str(p) for p in parts)))


def _id_safe(text: str) -> str:
    """FHIR `id` values allow letters, digits, '-' and '.' only."""
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)[:64]


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _day_extensions(row: pd.Series, prepared: Prepared) -> list[dict[str, Any]]:
    ext: list[dict[str, Any]] = [{"url": TRIAL_DAY_URL, "valueInteger": int(row["day"])}]
    for name, url in (("period", PERIOD_URL), ("pair", PAIR_URL)):
        if name in row.index:
            ext.append({"url": url, "valueInteger": int(row[name])})
    if prepared.unblinded:
        ext.append({"url": ARM_URL, "valueCode": str(row["arm"])})
        if _present(row.get("dose_mg")):
            ext.append({"url": DOSE_URL, "valueQuantity": {
                "value": float(row["dose_mg"]), "unit": "mg", "system": UCUM, "code": "mg"}})
    return ext


def _study(protocol: Protocol, meta: StudyMetadata, outcomes: Sequence[Outcome]) -> Any:
    from fhir.resources.researchstudy import ResearchStudy

    groups = [
        {
            "linkId": _id_safe(arm.id),
            "name": arm.label,
            "type": {"coding": [{
                "system": ARM_TYPE,
                "code": "placebo-comparator" if arm.is_placebo else "experimental",
                "display": "Placebo Comparator" if arm.is_placebo else "Experimental",
            }]},
            "description": f"{arm.label}: {arm.dose_mg:g} mg a day (arm id {arm.id})",
        }
        for arm in protocol.arms
    ]
    measures = []
    for outcome in outcomes:
        scale = outcome.scale
        words = [outcome.question or outcome.label,
                 f"Scale {scale.min:g} to {scale.max:g} {scale.unit}, {outcome.better} is better",
                 f"rated {outcome.frequency}"]
        if outcome.mcid is not None:
            words.append(f"MCID {outcome.mcid:g}")
        kind = "primary" if outcome.primary else "secondary"
        measures.append({
            "name": outcome.label,
            "type": [{"coding": [{"system": OBJECTIVE_TYPE, "code": kind}]}],
            "description": f"{'; '.join(words)} (outcome id {outcome.id}).",
        })
    return ResearchStudy.model_validate({
        "resourceType": "ResearchStudy",
        "id": _uuid("study", meta.study_id),
        "identifier": [{"system": f"{NOF1}:study", "value": meta.study_id}],
        "title": meta.name,
        "version": protocol.version,
        "status": "active",
        "description": meta.description,
        "comparisonGroup": groups,
        "outcomeMeasure": measures,
    })


def _questionnaire(protocol: Protocol, meta: StudyMetadata, outcomes: Sequence[Outcome]) -> Any:
    from fhir.resources.questionnaire import Questionnaire

    items = [
        {
            "linkId": outcome.id,
            "text": outcome.question or outcome.label,
            "type": "decimal",
            "extension": [{"url": MIN_VALUE, "valueDecimal": outcome.scale.min},
                          {"url": MAX_VALUE, "valueDecimal": outcome.scale.max}],
        }
        for outcome in outcomes
    ]
    return Questionnaire.model_validate({
        "resourceType": "Questionnaire",
        "id": _uuid("questionnaire", meta.study_id),
        "url": questionnaire_url(protocol),
        "version": protocol.version,
        "title": f"{protocol.title}: diary",
        "status": "active",
        "item": items,
    })


def questionnaire_url(protocol: Protocol) -> str:
    """The canonical URL that every diary day's QuestionnaireResponse points at."""
    return f"urn:nof1:questionnaire:{protocol.id}"


def _subject(meta: StudyMetadata, participant: str) -> dict[str, Any]:
    """A logical reference: pseudonymised exports hold no Patient resource."""
    return {"type": "Patient", "identifier": {
        "system": f"{NOF1}:{meta.study_id}:participant", "value": participant}}


def _resources(protocol: Protocol, prepared: Prepared, meta: StudyMetadata) -> list[Any]:
    from fhir.resources.observation import Observation
    from fhir.resources.questionnaireresponse import QuestionnaireResponse
    from fhir.resources.researchsubject import ResearchSubject

    table = prepared.table
    wearables = [name for name in WEARABLES if name in table.columns]
    diary = [o for o in prepared.outcomes if o.id not in WEARABLES]
    study = _study(protocol, meta, prepared.outcomes)
    out: list[Any] = [study]
    if diary:
        out.append(_questionnaire(protocol, meta, diary))
    for participant in table["participant"].unique():
        out.append(ResearchSubject.model_validate({
            "resourceType": "ResearchSubject",
            "id": _uuid("subject", meta.study_id, participant),
            "identifier": [_subject(meta, participant)["identifier"]],
            "status": "active",
            "study": {"reference": f"urn:uuid:{study.id}"},
            "subject": _subject(meta, participant),
        }))
    for _, row in table.iterrows():
        participant, day = str(row["participant"]), int(row["day"])
        ext = _day_extensions(row, prepared)
        date = iso_date(row["date"]) if prepared.has_date else None
        answers = [
            {"linkId": o.id, "answer": [{"valueDecimal": float(row[o.id])}]}
            for o in diary if _present(row[o.id])
        ]
        if answers:
            response: dict[str, Any] = {
                "resourceType": "QuestionnaireResponse",
                "id": _uuid("diary", meta.study_id, participant, day),
                "extension": ext,
                "questionnaire": f"{questionnaire_url(protocol)}|{protocol.version}",
                "status": "completed",
                "subject": _subject(meta, participant),
                "item": answers,
            }
            if date is not None:
                response["authored"] = date
            out.append(QuestionnaireResponse.model_validate(response))
        for name in wearables:
            if not _present(row[name]):
                continue
            kind = WEARABLES[name]
            observation: dict[str, Any] = {
                "resourceType": "Observation",
                "id": _uuid("wearable", meta.study_id, participant, day, name),
                "extension": ext,
                "status": "final",
                "code": {"coding": [{"system": LOINC, "code": kind.code,
                                     "display": kind.display}], "text": name},
                "subject": _subject(meta, participant),
                "valueQuantity": {"value": float(row[name]), "unit": kind.unit,
                                  "system": UCUM, "code": kind.ucum},
            }
            if kind.category is not None:
                observation["category"] = [{"coding": [{"system": CATEGORY,
                                                        "code": kind.category}]}]
            if date is not None:
                observation["effectiveDateTime"] = date
            out.append(Observation.model_validate(observation))
    return out


def fhir_bundle(
    protocol: Protocol,
    table: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    study: StudyMetadata | None = None,
) -> Bundle:
    """A FHIR R5 Bundle (type collection) of one trial or a series: a ResearchStudy (arms as
    comparisonGroup, one outcomeMeasure per outcome), the diary Questionnaire, a
    ResearchSubject per participant, a QuestionnaireResponse per diary day with at least one
    value (linkId = outcome id), and an Observation per wearable value (`WEARABLES`).
    `outcomes` picks protocol outcomes (default: those that are columns of the table).
    Raises `DataError` on a bad table or an unknown outcome."""
    from fhir.resources.bundle import Bundle

    prepared = prepare(protocol, table, outcomes)
    meta = (study or StudyMetadata()).resolved(protocol)
    entries = [
        {"fullUrl": f"urn:uuid:{resource.id}", "resource": resource}
        for resource in _resources(protocol, prepared, meta)
    ]
    return Bundle.model_validate({
        "resourceType": "Bundle",
        "id": _uuid("bundle", meta.study_id),
        "type": "collection",
        "entry": entries,
    })


def fhir_json(
    protocol: Protocol,
    table: pd.DataFrame,
    *,
    outcomes: Sequence[str] | None = None,
    study: StudyMetadata | None = None,
) -> str:
    """`fhir_bundle` as FHIR JSON text."""
    bundle = fhir_bundle(protocol, table, outcomes=outcomes, study=study)
    return bundle.model_dump_json(exclude_none=True)
