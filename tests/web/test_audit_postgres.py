"""The audit trail on PostgreSQL: its triggers, TRUNCATE, and concurrent writers.

Skipped unless DATABASE_URL names a PostgreSQL database (CI runs the web tests a second time
with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from nof1.web.audit import guard
from nof1.web.audit.models import GENESIS, Action, AuditEvent
from nof1.web.audit.services import BrokenChainError, record, verify_chain

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db,
]


@pytest.fixture
def chain(pharmacist):
    return [
        record(actor=pharmacist, action=Action.DISPENSE, table="pharmacy.Kit", object_id=f"K{n}")
        for n in range(1, 4)
    ]


def refused(sql: str, params: list | None = None) -> IntegrityError:
    with pytest.raises(IntegrityError, match="append-only") as error, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return error.value


def test_it_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_postgresql_refuses_update_delete_and_truncate(chain):
    assert "UPDATE refused" in str(refused("UPDATE audit_auditevent SET reason = 'x'"))
    assert "DELETE refused" in str(refused("DELETE FROM audit_auditevent WHERE seq = 1"))
    connection.check_constraints()  # TRUNCATE waits for no deferred foreign-key checks
    assert "TRUNCATE refused" in str(refused("TRUNCATE audit_auditevent"))
    refused(
        "INSERT INTO audit_auditevent SELECT * FROM audit_auditevent WHERE seq = 2 "
        "ON CONFLICT (id) DO UPDATE SET reason = 'x'"
    )
    assert [e.reason for e in AuditEvent.objects.all()] == ["", "", ""]
    assert verify_chain() == (3, chain[-1].hash)


def test_the_refusal_is_sqlstate_23000_so_django_raises_integrity_error(chain):
    assert refused("DELETE FROM audit_auditevent").__cause__.sqlstate == "23000"


def test_disabling_the_triggers_as_superuser_lets_an_edit_through_and_the_chain_finds_it(chain):
    connection.check_constraints()  # ALTER TABLE waits for no deferred foreign-key checks
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_update")
        assert guard.missing_triggers(connection) == ["audit_no_update"]
        with pytest.raises(CommandError, match="audit_no_update"):
            call_command("audit_verify")
        cursor.execute("UPDATE audit_auditevent SET object_id = 'K9' WHERE seq = 2")
        with pytest.raises(BrokenChainError, match="seq 2 was edited"):
            verify_chain()
        transaction.set_rollback(True)
    assert guard.missing_triggers(connection) == []
    assert verify_chain() == (3, chain[-1].hash)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_linear_chain():
    writers, per_writer = 4, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            start.wait()
            for n in range(per_writer):
                with transaction.atomic():  # as a view would: the change and its audit row
                    record(actor=None, action=Action.EXPORT, table=name, object_id=str(n))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = list(AuditEvent.objects.all())
    assert [e.seq for e in events] == list(range(1, writers * per_writer + 1))
    assert events[0].prev_hash == GENESIS
    assert verify_chain() == (writers * per_writer, events[-1].hash)


@pytest.mark.django_db(transaction=True)
def test_flush_truncates_the_trail_and_restores_the_triggers(chain):
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert guard.missing_triggers(connection) == []
    with pytest.raises(IntegrityError, match="TRUNCATE refused"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
