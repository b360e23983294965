"""The database's append-only guard on the audit table: is it there, and lifting it for `flush`.

The triggers themselves are created by migration 0002 (kept there so the migration is frozen).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

TABLE = "audit_auditevent"
TRIGGERS = {
    "sqlite": ("audit_no_update", "audit_no_delete", "audit_no_replace"),
    "postgresql": ("audit_no_update", "audit_no_delete", "audit_no_truncate"),
}


def missing_triggers(connection: Any) -> list[str]:
    """The guard's triggers that are absent or disabled on this database (empty when whole).

    On SQLite, a later migration that alters the audit table rebuilds it and loses its
    triggers; `audit_verify` reports that through this function.
    """
    expected = TRIGGERS.get(connection.vendor)
    if expected is None:
        return [f"(no guard exists for {connection.vendor})"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                "AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]


@contextmanager
def lifted(connection: Any) -> Iterator[None]:
    """Let UPDATE, DELETE and TRUNCATE through inside this block only.

    For `flush` (which empties the whole database) and for tests that tamper on purpose. It
    takes the rights that could drop the triggers for good (table owner), so it opens nothing
    those rights did not. The block runs in a savepoint: the guard is back when it ends, or,
    if it raises, everything since the guard was lifted is undone with it.
    """
    if TABLE not in connection.introspection.table_names():
        yield
        return
    with transaction.atomic(using=connection.alias):
        restore = _lift(connection)
        yield
        if connection.vendor == "postgresql":
            connection.check_constraints()  # see _lift
        with connection.cursor() as cursor:
            for sql in restore:
                cursor.execute(sql)


def _lift(connection: Any) -> list[str]:
    """Switch the guard off; returns the SQL that switches it back on."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            saved = cursor.fetchall()
            for name, _ in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
            return [sql for _, sql in saved]  # exactly as installed, by whichever migration
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks on the table are pending
            # (rows written earlier in this transaction): run them now, as Django does.
            connection.check_constraints()
            cursor.execute(f'ALTER TABLE "{TABLE}" DISABLE TRIGGER USER')
            return [f'ALTER TABLE "{TABLE}" ENABLE TRIGGER USER']
    return []
