"""The nightly safety and adherence checks (`nof1 web nightly_checks`, once a day).

For every participant in a running trial it looks at the last days of the diary and raises an
`Alert` for the trial's clinician, who also gets one e-mail listing the day's new alerts:

- missing days: nothing logged on any of the last MISSING_DAYS days of the trial (a
  "too unwell" day counts as logged: the person told us);
- low adherence: capsules marked "not taken" on at least LOW_ADHERENCE_DAYS of the last 7
  days;
- opioids: a medicine written in the diary's "anything new" notes that the safety table
  recognises as an opioid. The naltrexone label makes opioids and naltrexone incompatible,
  and the stopping rules say pause (nof1.safety.evaluate_stopping_rules);
- a medicine that may contain an opioid (an opioid-receptor antidiarrhoeal or cough
  medicine, a brand only some of whose products contain one, a name said to be "free" of
  one): the table's "needs review" class, the same as at screening. The clinician checks it
  against the stopping rules; nothing is decided here.

The two thresholds are operational design choices of nof1 (how soon a clinician hears of a
silent diary), not clinical facts; the opioid rule and its source come from nof1.safety.
Nothing here changes the trial: alerts inform the clinician, who decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from nof1.safety import Event, Status, evaluate_stopping_rules, lookup_medicine
from nof1.web.diary.models import DiaryEntry, DoseTaken
from nof1.web.trials.models import Alert, AlertKind, Enrolment, EnrolmentStatus

MISSING_DAYS = 3
LOW_ADHERENCE_DAYS = 3
RUNNING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE)


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    source: str = ""


def findings(enrolment: Enrolment, today: dt.date) -> list[Finding]:
    """What the checks find for one participant on `today` (nothing before the trial starts)."""
    schedule = enrolment.schedule()
    start, end = enrolment.start_date, schedule.end
    if today <= start or today > end + dt.timedelta(days=1):
        return []
    last = min(today - dt.timedelta(days=1), end)  # today's diary may still come
    recent = DiaryEntry.objects.filter(
        enrolment=enrolment, day__gte=last - dt.timedelta(days=6), day__lte=last
    )
    found: list[Finding] = []
    window = [last - dt.timedelta(days=k) for k in range(MISSING_DAYS)]
    if all(day >= start for day in window):
        logged = set(recent.filter(day__in=window).values_list("day", flat=True))
        if not logged:
            found.append(
                Finding(
                    AlertKind.MISSING_DAYS,
                    f"nothing logged from {window[-1]:%d %b} to {window[0]:%d %b}",
                )
            )
    not_taken = recent.filter(dose_taken=DoseTaken.NO).count()
    if not_taken >= LOW_ADHERENCE_DAYS:
        found.append(
            Finding(
                AlertKind.LOW_ADHERENCE,
                f"capsules not taken on {not_taken} of the last 7 days",
            )
        )
    review: Finding | None = None
    for entry in recent.exclude(other_medicines="").order_by("-day"):
        matches = lookup_medicine(entry.other_medicines)
        opioids = [m for m in matches if m.status is Status.INELIGIBLE]
        if opioids:
            [action] = evaluate_stopping_rules([Event(kind="opioid-use", date=entry.day)])
            names = ", ".join(sorted({m.medicine.name for m in opioids}))
            found.append(
                Finding(
                    AlertKind.OPIOID,
                    f"{entry.day:%d %b}: '{entry.other_medicines}' ({names}): {action.reason}",
                    action.source,
                )
            )
            return found
        unsure = [m for m in matches if m.status is Status.NEEDS_REVIEW]
        if unsure and review is None:
            review = Finding(
                AlertKind.OPIOID_REVIEW,
                f"{entry.day:%d %b}: " + "; ".join(m.message for m in unsure),
                "; ".join(sorted({m.source for m in unsure})),
            )
    if review is not None:
        found.append(review)
    return found


def run(today: dt.date) -> list[Alert]:
    """Raise today's alerts for every running participant; e-mail each clinician once."""
    created: list[Alert] = []
    for enrolment in Enrolment.objects.filter(status__in=RUNNING).select_related("trial"):
        for finding in findings(enrolment, today):
            try:
                with transaction.atomic():
                    created.append(
                        Alert.objects.create(
                            enrolment=enrolment,
                            kind=finding.kind,
                            day=today,
                            message=finding.message,
                            source=finding.source,
                        )
                    )
            except IntegrityError:
                continue  # already raised today
    by_clinician: dict[object, list[Alert]] = {}
    for alert in created:
        by_clinician.setdefault(alert.enrolment.trial.clinician, []).append(alert)
    for clinician, alerts in by_clinician.items():
        if not getattr(clinician, "email", ""):
            continue
        lines = [f"{a.enrolment.pseudonym}: {a.get_kind_display()}: {a.message}" for a in alerts]
        send_mail(
            f"nof1: {len(alerts)} new alert(s) for your trial participants",
            "\n".join(lines) + f"\n\n{settings.SITE_URL}/clinic/",
            None,
            [clinician.email],
        )
    return created
