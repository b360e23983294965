"""Named refusals the trial and diary services raise, each with a message a person can act on.

Permission failures are Django's `PermissionDenied` (views turn it into 403 and the security
log records it); these are the others.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """The step cannot happen now: e.g. enrolling someone who has not consented, overriding an
    ineligible screening, unblinding before the last period has ended."""


class EntryError(ValueError):
    """What was entered is not acceptable: a rating outside the scale, an unknown side
    effect, a diary day outside the backfill window."""


class KeyUnavailableError(Exception):
    """An allocation key cannot be unwrapped with the server key this process holds (the
    NOF1_KEY_ENCRYPTION_KEY in use differs from the one that wrapped it)."""
