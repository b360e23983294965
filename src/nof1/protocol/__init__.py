"""Trial protocols: the declared design, the participant's schedule and the printed sheets.

`load_protocol` / `load_template` give a validated `Protocol`; `build_schedule` turns it,
a start date and the kit codes into the participant's days; `nof1.protocol.calendar` writes
reminders; `nof1.protocol.sheets` writes the pharmacist, participant and clinician sheets.
Only the pharmacist sheet names arms or doses.
"""

from nof1.protocol.loading import (
    ProtocolValidationError,
    load_protocol,
    load_template,
    parse_protocol,
    template_names,
    template_text,
)
from nof1.protocol.model import (
    AdverseEvent,
    Arm,
    Design,
    Drug,
    Eligibility,
    Outcome,
    Protocol,
    Scale,
    Source,
    StoppingRule,
    Titration,
    TitrationStep,
    format_mg,
)
from nof1.protocol.schedule import BLINDING_GUESS, Schedule, ScheduleDay, build_schedule

__all__ = [
    "BLINDING_GUESS",
    "AdverseEvent",
    "Arm",
    "Design",
    "Drug",
    "Eligibility",
    "Outcome",
    "Protocol",
    "ProtocolValidationError",
    "Scale",
    "Schedule",
    "ScheduleDay",
    "Source",
    "StoppingRule",
    "Titration",
    "TitrationStep",
    "build_schedule",
    "format_mg",
    "load_protocol",
    "load_template",
    "parse_protocol",
    "template_names",
    "template_text",
]
