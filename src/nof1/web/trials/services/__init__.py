"""The trial workflow as plain functions: each takes the acting user first, checks their
permission, validates, writes, and records every clinical write in the audit trail.

Refusals: `django.core.exceptions.PermissionDenied` (wrong user), `WorkflowError` (not now),
`EntryError` (bad input), `nof1.exceptions.ProtocolError` (a protocol that does not validate).
"""

from nof1.web.trials.errors import EntryError, KeyUnavailableError, WorkflowError
from nof1.web.trials.services.enrolment import enrol
from nof1.web.trials.services.participants import (
    add_participant,
    add_proxy,
    change_start_date,
    revoke_proxy,
    withdraw,
)
from nof1.web.trials.services.pharmacy import confirm_dispensed, kit_sheet_rows
from nof1.web.trials.services.screening import (
    has_current_consent,
    latest_screening,
    override_review,
    passes,
    record_consent,
    screen_participant,
)
from nof1.web.trials.services.trial import (
    add_consent_version,
    close_trial,
    create_trial,
    current_consent_version,
    open_trial,
)
from nof1.web.trials.services.unblinding import full_unblinding, revealed_arms, unblind

__all__ = [
    "EntryError",
    "KeyUnavailableError",
    "WorkflowError",
    "add_consent_version",
    "add_participant",
    "add_proxy",
    "change_start_date",
    "close_trial",
    "confirm_dispensed",
    "create_trial",
    "current_consent_version",
    "enrol",
    "full_unblinding",
    "has_current_consent",
    "kit_sheet_rows",
    "latest_screening",
    "open_trial",
    "override_review",
    "passes",
    "record_consent",
    "revealed_arms",
    "revoke_proxy",
    "screen_participant",
    "unblind",
    "withdraw",
]
