"""`audit_verify`: check the audit chain and the database's append-only guard."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from nof1.exceptions import TamperedError
from nof1.web.audit import guard
from nof1.web.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Check that the audit trail's hash chain is whole and that the database still refuses "
        "to change or delete audit rows. Exit status 1 if either is not so."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--expected-head",
            metavar="HASH",
            help="a head printed by an earlier run and kept elsewhere: it must still be in the "
            "chain (this catches deletion of the newest events)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, choices=tuple(connections))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count, head = verify_chain(options["expected_head"], using=options["database"])
        except TamperedError as error:
            raise CommandError(f"audit chain broken: {error}", returncode=1) from error
        missing = guard.missing_triggers(connections[options["database"]])
        if missing:
            raise CommandError(
                f"audit chain intact ({count} events) but the database no longer refuses "
                f"changes to it: missing or disabled trigger(s) {', '.join(missing)}",
                returncode=1,
            )
        self.stdout.write(f"audit chain intact: {count} events, head {head}")
