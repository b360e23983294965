"""The pooled research table in standard formats: FHIR R5, CDISC ODM 1.3.2 and REDCap.

Every file is built by `nof1.interop` from the same pseudonymised table the CSV export gives
(`pooling.pooled_table`), one protocol at a time, since the interop functions describe one
protocol: the view picks the protocol (see `views.standard_export`). Nothing here reads a name,
an e-mail address, an account or enrolment id, a trial title or a calendar date into a file.

ODM audit records (`odm_audit`) come from the audit trail of the diary entries and weekly
responses of the exported enrolments: one entry per change of an exported outcome value
(the first entry of a value counts as a change from blank), so that a value changed after it
was first entered shows who changed it, when and why.

- **Who** is a role word only, never a name, user name, e-mail or account id: "participant"
  (the enrolment's own participant), "carer" (a proxy registered for that enrolment, now or
  before), otherwise the role the account had at the time ("clinician", ...), or "system"
  when no one was signed in. The words become ODM `User` elements with that `LoginName`.
- **When** is shifted into trial time. ODM's `DateTimeStamp` must be an ISO date-time, but a
  research export carries no calendar dates (`pooling`), so every timestamp is moved so that
  midnight at the start of the participant's trial day 1 (in the site's time zone,
  settings.TIME_ZONE, the zone trial days are counted in) is `1900-01-01T00:00:00+00:00`, the
  usual anchor of date-shifted data sets. The elapsed time since that midnight is kept to the
  second: a change made on trial day 12 at 14:05 (site time) reads `1900-01-12T14:05:00+00:00`,
  so the stamp's date is the trial day on which the change was made. The `+00:00` marks the
  shifted clock, not a real zone. Each participant has their own anchor, as each has their own
  day 1. The file's own `CreationDateTime` (and the `EffectiveDate` of its `Location`) is the
  real time of the download: it says when the file was made, nothing about a participant.
- **Why** is said in fixed words ("first entry: 5", "changed from 5 to 7: the same day
  entered again"). Reasons are written by the services today, never typed, but a reason that
  is not one of the known phrases (`REASONS`) is not copied: it could be free text.

REDCap comes as one zip (`redcap_zip`): the data dictionary, the records and a short
read-me on importing them. Its entries carry the zip format's earliest time (1980-01-01), not
the time of the download.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from django.utils import timezone

from nof1.interop import fhir_json, odm_xml, redcap_files
from nof1.interop.odm import AuditKey, decimal_text
from nof1.protocol import Protocol
from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.diary.models import DiaryEntry, WeeklyResponse
from nof1.web.trials.models import Enrolment, Proxy

__all__ = [
    "EPOCH",
    "REASONS",
    "fhir_file",
    "odm_audit",
    "odm_file",
    "redcap_zip",
    "trial_time",
]

EPOCH = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # midnight starting trial day 1, shifted
LOCATION = "nof1"
# The reasons the diary services write, and how a file says them; anything else is withheld.
REASONS = {
    "": "",
    "backfilled": "entered after the day (backfilled)",
    "the same day entered again": "the same day entered again",
    "the same week entered again": "the same week entered again",
}
WITHHELD = "reason kept in the site's audit trail"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


def base_name(protocol: Protocol) -> str:
    """`nof1-<protocol id>-v<version>`: the stem of every download of this protocol."""
    return f"nof1-{_name(protocol.id)}-v{_name(str(protocol.version))}"


# -- FHIR and REDCap -----------------------------------------------------------------------------


def fhir_file(protocol: Protocol, table: pd.DataFrame) -> bytes:
    """The FHIR R5 Bundle (JSON, UTF-8) of one protocol's pooled table."""
    return fhir_json(protocol, table).encode()


def redcap_zip(protocol: Protocol, table: pd.DataFrame) -> bytes:
    """A zip of the REDCap data dictionary, the records to import, and how to import them."""
    stem = base_name(protocol)
    dictionary, records = f"{stem}-redcap-dictionary.csv", f"{stem}-redcap-records.csv"
    readme = (
        f"REDCap import of the pooled, pseudonymised daily table of protocol {protocol.id} "
        f"version {protocol.version}, exported by nof1.\n\n"
        f"1. Create a project and upload {dictionary} as its data dictionary.\n"
        "2. Enable repeating instruments and make the instrument 'daily' repeating.\n"
        f"3. Import {records} (flat format, one 'daily' instance per trial day).\n\n"
        "record_id is the participant's pseudonym; 'day' is the trial day (1 = the first "
        "run-in day). There are no calendar dates. See docs/interop.md.\n"
    )
    dictionary_text, records_text = redcap_files(protocol, table)
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            (dictionary, dictionary_text),
            (records, records_text),
            ("README.txt", readme),
        ):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode())
    return body.getvalue()


# -- ODM and its audit records -------------------------------------------------------------------


def odm_file(protocol: Protocol, table: pd.DataFrame, enrolments: Sequence[Enrolment]) -> bytes:
    """The ODM 1.3.2 snapshot of one protocol's pooled table, with the diary's audit records."""
    return odm_xml(protocol, table, audit=odm_audit(enrolments, protocol, table))


def trial_time(moment: dt.datetime, first_day: dt.date) -> dt.datetime:
    """`moment` on the shifted clock: midnight starting trial day 1 (site time) is `EPOCH`."""
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=timezone.get_default_timezone())
    return (EPOCH + (moment - start)).replace(microsecond=0)


def role_word(event: AuditEvent, enrolment: Enrolment, carers: set[tuple[Any, Any]]) -> str:
    """Who made a change, as a role word: never a name, user name, e-mail or account id."""
    if event.actor_id is None:
        return "system"
    if event.actor_id == enrolment.participant_id:
        return "participant"
    if (enrolment.pk, event.actor_id) in carers:
        return "carer"
    return event.actor_role if event.actor_role in Role.values else "staff"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _said(value: float | None) -> str:
    return "blank" if value is None else decimal_text(value)


def _reason(event: AuditEvent, old: float | None, new: float | None) -> str:
    what = (
        f"first entry: {_said(new)}"
        if event.action == Action.CREATE
        else f"changed from {_said(old)} to {_said(new)}"
    )
    why = REASONS.get(event.reason, WITHHELD)
    return f"{what}: {why}" if why else what


def _values(event: AuditEvent, side: str, kind: str, item: str | None) -> dict[str, float | None]:
    """The exported values one side (old/new) of a diary or weekly event holds."""
    snapshot = getattr(event, side)
    if not isinstance(snapshot, dict):
        return {}
    if kind == "diary":
        values = snapshot.get("values")
        return {str(k): _number(v) for k, v in values.items()} if isinstance(values, dict) else {}
    assert item is not None
    return {item: _number(snapshot.get("score"))} if "score" in snapshot else {}


def odm_audit(
    enrolments: Iterable[Enrolment], protocol: Protocol, table: pd.DataFrame
) -> dict[AuditKey, list[dict[str, Any]]]:
    """(pseudonym, trial day, outcome id) -> every change of that value, oldest first, as
    `nof1.interop.odm_xml` takes them: role word, shifted time, fixed-word reason."""
    items = {o.id for o in protocol.outcomes if o.id in table.columns}
    rows = set(zip(table["participant"].astype(str), table["day"].astype(int), strict=True))
    enrolments = list(enrolments)
    carers = set(
        Proxy.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", "user_id")
    )
    diary_label, weekly_label = DiaryEntry._meta.label, WeeklyResponse._meta.label
    audit: dict[AuditKey, list[dict[str, Any]]] = {}
    for enrolment in enrolments:  # one query each: `object_id__in` stays small
        first = enrolment.start_date  # trial day 1, as the schedule starts
        # object id -> (kind, trial day, the weekly instrument)
        targets: dict[str, tuple[str, int, str | None]] = {
            str(pk): ("diary", (day - first).days + 1, None)
            for pk, day in DiaryEntry.objects.filter(enrolment=enrolment).values_list("pk", "day")
        }
        for pk, week_start, instrument in WeeklyResponse.objects.filter(
            enrolment=enrolment
        ).values_list("pk", "week_start", "instrument"):
            due = week_start + dt.timedelta(days=6)  # the day the table holds the score
            targets[str(pk)] = ("weekly", (due - first).days + 1, instrument)
        events = AuditEvent.objects.filter(
            table__in=(diary_label, weekly_label),
            object_id__in=list(targets),
            action__in=(Action.CREATE, Action.UPDATE),
        ).order_by("seq")
        for event in events:
            kind, day, instrument = targets[event.object_id]
            if (enrolment.pseudonym, day) not in rows:
                continue
            old = _values(event, "old", kind, instrument) if event.action == Action.UPDATE else {}
            new = _values(event, "new", kind, instrument)
            for item in sorted(set(old) | set(new)):
                before, after = old.get(item), new.get(item)
                if item not in items or before == after:
                    continue
                audit.setdefault((enrolment.pseudonym, day, item), []).append({
                    "user": role_word(event, enrolment, carers),
                    "time": trial_time(event.at, first),
                    "reason": _reason(event, before, after),
                    "location": LOCATION,
                })
    return audit
