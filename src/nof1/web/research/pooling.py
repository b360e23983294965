"""What researchers may pool, and the pooled, pseudonymised daily table.

Decision: a researcher sees every enrolment that is COMPLETED, that is, whose whole allocation
was unblinded at the end of its trial, across all trials; nothing else (screening, in-trial,
withdrawn). There is no per-researcher grant: every researcher account is invited by an admin
for exactly this use, and what they see is pseudonymised. A withdrawn participant's data stay
out, as their allocation was never opened.

Pseudonymised means: the participant column is the enrolment's random pseudonym; there are no
names, e-mail addresses, account or enrolment ids, trial titles (a clinician may put a name in
one) or calendar dates, only trial day numbers (day 1 = the first run-in day), and no free
text the participant typed (medicine and infection notes never enter the daily table).

The exported columns (`export_columns`): the canonical daily table's design columns
(participant, day, period, pair, arm, dose_mg), one column per daily and weekly outcome of the
protocols pooled, the wearable columns (steps, resting_hr, hrv_sdnn_ms, hrv_rmssd_ms,
sleep_hours; only when a pooled participant has wearable days; never the device or app names),
the diary's extras (diary, dose_taken, exertion_yesterday, crash_today, side_effects, and
concurrent_change: a 0/1 flag, never the note's text), then the covariates
protocol_id, protocol_version (written "v1", so that it stays text when the file is loaded)
and trial_id (the trial's UUID, so participants of the same trial can be grouped). No case
definition is recorded at screening yet, so there is no case_definition column; add it here
when screening stores one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from django.db.models import Exists, OuterRef, QuerySet

from nof1.data import validate
from nof1.protocol import Protocol
from nof1.web.diary.services import daily_table
from nof1.web.diary.table import EXTRAS, WEARABLE_COLUMNS
from nof1.web.trials.models import Enrolment, EnrolmentStatus, UnblindingEvent, UnblindingScope
from nof1.web.trials.permissions import enrolments_for

DESIGN = ("participant", "day", "period", "pair", "arm", "dose_mg")
DIARY_EXTRAS = EXTRAS
COVARIATES = ("protocol_id", "protocol_version", "trial_id")
TABLE_OUTCOMES = ("daily", "weekly")  # per-period instruments are not in the daily table


def completed_enrolments(user: Any) -> QuerySet[Enrolment]:
    """The enrolments this researcher may pool: completed, with the allocation unblinded."""
    unblinded = UnblindingEvent.objects.filter(
        enrolment=OuterRef("pk"), scope=UnblindingScope.FULL, outcome="revealed"
    )
    return (
        enrolments_for(user)
        .filter(status=EnrolmentStatus.COMPLETED)
        .filter(Exists(unblinded))
        .select_related("trial")
        .order_by("trial__protocol_id", "trial__protocol_version", "pseudonym")
    )


def protocols_of(enrolments: Iterable[Enrolment]) -> list[Protocol]:
    """The distinct protocols (by id and version) of these enrolments, in first-seen order."""
    seen: dict[tuple[str, str], Protocol] = {}
    for enrolment in enrolments:
        key = (enrolment.trial.protocol_id, enrolment.trial.protocol_version)
        if key not in seen:
            seen[key] = enrolment.trial.protocol
    return list(seen.values())


def outcome_ids(protocols: Sequence[Protocol]) -> list[str]:
    ids: dict[str, None] = {}
    for protocol in protocols:
        for frequency in TABLE_OUTCOMES:
            ids.update(dict.fromkeys(o.id for o in protocol.outcomes_by_frequency(frequency)))
    return list(ids)


def active_arms(protocols: Sequence[Protocol]) -> list[str]:
    arms: dict[str, None] = {}
    for protocol in protocols:
        arms.update(dict.fromkeys(arm.id for arm in protocol.arms if not arm.is_placebo))
    return list(arms)


def export_columns(protocols: Sequence[Protocol], *, wearables: bool = False) -> list[str]:
    worn = WEARABLE_COLUMNS if wearables else ()
    return [*DESIGN, *outcome_ids(protocols), *worn, *DIARY_EXTRAS, *COVARIATES]


def pooled_table(user: Any, enrolments: Sequence[Enrolment]) -> pd.DataFrame:
    """The pseudonymised daily tables of `enrolments`, one after another, validated by
    `nof1.data.validate` so that what is exported loads back with `nof1.data.load`."""
    if not enrolments:
        raise ValueError("no completed enrolments to pool")
    protocols = protocols_of(enrolments)
    frames = []
    for enrolment in enrolments:
        table = daily_table(user, enrolment)  # refused unless completed and unblinded
        table = table.drop(columns=["date"])  # day numbers only: no calendar dates
        table["protocol_id"] = enrolment.trial.protocol_id
        # "v1", not "1": a version of digits would load back as the number 1.0
        table["protocol_version"] = f"v{enrolment.trial.protocol_version}"
        table["trial_id"] = str(enrolment.trial_id)
        frames.append(table)
    worn = any(name in frame.columns for frame in frames for name in WEARABLE_COLUMNS)
    pooled = pd.concat(frames, ignore_index=True).reindex(
        columns=export_columns(protocols, wearables=worn)
    )
    return validate(pooled, source="research export", arms=active_arms(protocols))
