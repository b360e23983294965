"""Safety for low-dose naltrexone n-of-1 trials: screening before enrolment, adverse-event
grading, and the stopping rules watched during the trial.

    >>> from nof1.safety import screen
    >>> screen(medications=["Co-codamol 30/500"], alt_iu_per_l=20, ast_iu_per_l=22,
    ...        pregnant=False, breastfeeding=False).status.value
    'ineligible'

Every finding names its rule and its source (shared/domain/ldn-mecfs.md section 3 and what it
cites; ICH E2A for seriousness). Core code: no Django here.
"""

from nof1.safety.adverse import (
    Action,
    ActionKind,
    AdverseEventGrade,
    Event,
    EventKind,
    Grade,
    SeriousCriterion,
    Severity,
    evaluate_stopping_rules,
    grade_adverse_event,
)
from nof1.safety.medicines import (
    MEDICINE_RULES,
    MEDICINES,
    Medicine,
    MedicineMatch,
    MedicineRule,
    Status,
    lookup_medicine,
)
from nof1.safety.screening import (
    CONDITIONS,
    DEFAULT_RULES,
    EXPECTED_OPIOID_NEED_DAYS,
    EligibilityRules,
    Reason,
    Screening,
    screen,
)

__all__ = [
    "CONDITIONS",
    "DEFAULT_RULES",
    "EXPECTED_OPIOID_NEED_DAYS",
    "MEDICINES",
    "MEDICINE_RULES",
    "Action",
    "ActionKind",
    "AdverseEventGrade",
    "EligibilityRules",
    "Event",
    "EventKind",
    "Grade",
    "Medicine",
    "MedicineMatch",
    "MedicineRule",
    "Reason",
    "Screening",
    "SeriousCriterion",
    "Severity",
    "Status",
    "evaluate_stopping_rules",
    "grade_adverse_event",
    "lookup_medicine",
    "screen",
]
