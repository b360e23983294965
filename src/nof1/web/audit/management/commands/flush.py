"""Django's `flush`, which empties every table, the append-only audit table included.

The audit triggers refuse DELETE and TRUNCATE, so this lifts them for the flush's own
transaction and restores them before it commits (`guard.lifted`). Test runs flush after every
transactional test; an operator wiping a database means to wipe its audit trail too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from nof1.web.audit import guard


class Command(flush.Command):
    help = flush.Command.help + " Audit rows are removed too."

    def handle(self, **options: Any) -> None:
        with guard.lifted(connections[options["database"]]):
            super().handle(**options)
