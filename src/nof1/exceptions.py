"""Named failure modes, each with a message a user can act on."""

from __future__ import annotations


class Nof1Error(Exception):
    """Base class for every error nof1 raises on purpose."""


class DataError(Nof1Error, ValueError):
    """A daily table is malformed. Names the file, the row and the column when known."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.row = row
        self.column = column
        where = []
        if source is not None:
            where.append(str(source))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class InsufficientDataError(Nof1Error, ValueError):
    """Too few usable days, periods or participants to fit the model that was asked for."""


class ProtocolError(Nof1Error, ValueError):
    """A trial design is inconsistent (e.g. a pair without both arms)."""


class ApproximationWarning(UserWarning):
    """A numerical shortcut may be inaccurate for these data (e.g. mass at a grid edge)."""


class AllocationMismatchError(ProtocolError):
    """An allocation list is not what its seed gives, or a block does not give each arm once.

    `period` is the first period that differs (when one does), `block` its block."""

    def __init__(
        self, message: str, *, period: int | None = None, block: int | None = None
    ) -> None:
        self.period = period
        self.block = block
        super().__init__(message)


class KitCodeError(Nof1Error, ValueError):
    """A kit code is mistyped: wrong length, a character kit codes never use, a bad check."""


class UnsealError(Nof1Error):
    """A sealed allocation cannot be opened as asked: the key does not open it, the key is not
    a nof1 key, or who is unblinding and why was not given."""


class TamperedError(Nof1Error):
    """A sealed allocation or an unblinding log was edited, truncated or reordered after it was
    written. Keep the file as evidence; do not repair it."""
