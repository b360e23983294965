"""The audit trail: a hash chain the database will not let anyone edit.

Runs on SQLite and, in CI, again on PostgreSQL (PostgreSQL-only checks are in
test_audit_postgres.py). Tamper tests lift the triggers on purpose, as only someone with the
database owner's rights could, and show that the chain still gives the edit away.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from nof1.exceptions import TamperedError
from nof1.web.audit import guard
from nof1.web.audit.models import GENESIS, Action, AppendOnlyError, AuditEvent
from nof1.web.audit.services import (
    BrokenChainError,
    model_snapshot,
    record,
    record_change,
    verify_chain,
)

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own triggers")


@pytest.fixture
def chain(clinician):
    """Four events by the clinician, seq 1-4."""
    return [
        record(actor=clinician, action=Action.UPDATE, table="diary.Entry", object_id=str(n),
               old={"fatigue": n}, new={"fatigue": n + 1}, reason=f"typo {n}")
        for n in range(1, 5)
    ]  # fmt: skip


def tamper(sql: str, params: list | None = None) -> None:
    """Run SQL with the append-only guard lifted (needs the table owner's rights)."""
    with guard.lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def stored(seq: int) -> AuditEvent:
    return AuditEvent.objects.get(seq=seq)


# -- writing ---------------------------------------------------------------------------------


def test_record_starts_at_genesis_and_links_each_event_to_the_one_before(chain):
    assert [e.seq for e in AuditEvent.objects.all()] == [1, 2, 3, 4]
    assert chain[0].prev_hash == GENESIS
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(e.hash == e.compute_hash() for e in AuditEvent.objects.all())
    assert verify_chain() == (4, chain[-1].hash)


def test_an_empty_trail_verifies_with_the_genesis_head():
    assert verify_chain() == (0, GENESIS)


def test_record_keeps_who_when_what_and_why(clinician):
    now = datetime.now(UTC)
    before = now.replace(microsecond=now.microsecond // 1000 * 1000)  # kept to the millisecond
    event = record(actor=clinician, action="unblind", target=clinician, reason="end of trial")
    event = stored(event.seq)
    assert event.actor == clinician
    assert (event.actor_username, event.actor_role) == (clinician.username, "clinician")
    assert event.at.utcoffset() == timedelta(0) and before <= event.at <= datetime.now(UTC)
    assert (event.action, event.reason) == (Action.UNBLIND, "end of trial")
    assert (event.table, event.object_id) == ("accounts.User", str(clinician.pk))


def test_the_actor_snapshot_outlives_a_change_of_role(clinician):
    event = record(actor=clinician, action=Action.EXPORT)
    clinician.role = "researcher"
    clinician.save()
    assert stored(event.seq).actor_role == "clinician"
    assert verify_chain()[0] == 1


def test_record_without_anyone_signed_in_has_no_actor():
    event = record(actor=AnonymousUser(), action=Action.LOGIN_FAILED, new={"username": "mallory"})
    assert (event.actor, event.actor_username, event.actor_role) == (None, "", "")
    assert record(actor=None, action=Action.LOGIN_FAILED).actor_id is None
    assert verify_chain()[0] == 2


def test_record_refuses_an_unknown_action_and_a_doubly_named_target(clinician):
    with pytest.raises(ValueError):
        record(actor=clinician, action="peek")
    with pytest.raises(ValueError, match="not both"):
        record(actor=clinician, action=Action.DELETE, target=clinician, table="accounts.User")
    assert not AuditEvent.objects.exists()


def test_values_are_stored_json_safe_and_the_chain_still_verifies(clinician):
    kit = uuid.uuid4()
    values = {
        "dose_mg": Decimal("4.50"),
        "day": date(2025, 3, 1),
        "at": datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
        "kit": kit,
        "washout": timedelta(days=7),
        "ratings": (0.1, 1e-7, 1.0, -3),
        "arms": {"placebo", "active"},
        "note": 'Übelkeit "quoted" <b>',
    }
    event = record(actor=clinician, action=Action.CREATE, table="t.T", object_id="1", new=values)
    assert stored(event.seq).new == {
        "dose_mg": "4.50",
        "day": "2025-03-01",
        "at": "2025-03-01T08:30:00+00:00",
        "kit": str(kit),
        "washout": "P7DT00H00M00S",
        "ratings": [0.1, 1e-7, 1.0, -3],
        "arms": ["active", "placebo"],
        "note": 'Übelkeit "quoted" <b>',
    }
    assert verify_chain() == (1, event.hash)


def test_model_snapshot_takes_named_fields_and_never_a_password(clinician):
    snapshot = model_snapshot(clinician)
    assert "password" not in snapshot
    assert snapshot["id"] == str(clinician.pk) and snapshot["username"] == clinician.username
    assert isinstance(snapshot["date_joined"], str)
    assert model_snapshot(clinician, fields=["email", "role"]) == {
        "email": clinician.email,
        "role": "clinician",
    }
    with pytest.raises(ValueError, match="no column named shoe_size"):
        model_snapshot(clinician, fields=["shoe_size"])


def test_record_change_keeps_only_the_fields_that_changed(clinician):
    address = clinician.email
    before = model_snapshot(clinician, fields=["email", "role", "first_name"])
    clinician.email = "carla@clinic.example"
    clinician.first_name = "Carla"
    clinician.save()
    event = record_change(clinician, clinician, before, "new address")
    assert event is not None
    assert event.old == {"email": address, "first_name": ""}
    assert event.new == {"email": "carla@clinic.example", "first_name": "Carla"}
    assert (event.action, event.object_id, event.reason) == (
        "update",
        str(clinician.pk),
        "new address",
    )
    unchanged = model_snapshot(clinician, fields=["email"])
    assert record_change(clinician, clinician, unchanged, "nothing") is None
    assert AuditEvent.objects.count() == 1


def test_a_user_with_audit_events_cannot_be_deleted(clinician):
    record(actor=clinician, action=Action.LOGIN)
    with pytest.raises(ProtectedError), transaction.atomic():
        clinician.delete()
    assert get_user_model().objects.filter(pk=clinician.pk).exists()


# -- the model refuses changes ---------------------------------------------------------------


def test_the_model_refuses_to_save_or_delete_a_written_event(chain):
    event = stored(2)
    event.reason = "nicer reason"
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        event.save()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=2).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert stored(2).reason == "typo 2"


def test_the_model_refuses_events_that_bypass_the_chain(clinician):
    forged = AuditEvent(seq=1, at=datetime.now(UTC), action="login", prev_hash=GENESIS, hash="0")
    with pytest.raises(AppendOnlyError, match="services.record"):
        forged.save()
    with pytest.raises(AppendOnlyError, match="services.record"):
        AuditEvent.objects.bulk_create([forged])
    assert not AuditEvent.objects.exists()


# -- the database refuses changes, even in raw SQL -------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET reason = 'x'",
        "UPDATE audit_auditevent SET reason = 'x' WHERE seq = 2",
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditevent WHERE seq = 4",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(chain, sql):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert [(e.seq, e.reason) for e in AuditEvent.objects.all()] == [
        (n, f"typo {n}") for n in range(1, 5)
    ]
    assert verify_chain() == (4, chain[-1].hash)


@sqlite_only
def test_sqlite_refuses_insert_or_replace_over_an_event(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT OR REPLACE INTO audit_auditevent "
                'SELECT id, seq, at, actor_id, actor_username, actor_role, action, "table", '
                "object_id, old, new, 'rewritten', prev_hash, hash "
                "FROM audit_auditevent WHERE seq = 2"
            )
    assert stored(2).reason == "typo 2"


def test_every_trigger_of_the_guard_is_installed():
    assert guard.missing_triggers(connection) == []


CONCURRENT_WRITERS = textwrap.dedent(
    """
    import threading, django
    django.setup()
    from django.db import connection, transaction
    from nof1.web.audit.services import record, verify_chain

    errors, start = [], threading.Barrier(4)

    def write(name):
        try:
            start.wait()
            for n in range(50):
                with transaction.atomic():
                    record(actor=None, action="export", table=name, object_id=str(n))
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(4)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    print(verify_chain()[0], errors)
    """
)


@sqlite_only
def test_concurrent_writers_on_a_sqlite_file_queue_and_keep_one_chain(tmp_path):
    """The test database lives in memory, where SQLite locks differently; this is the real
    thing: a fresh database file and four threads appending at once. Without the write lock
    that `record` takes first, most of them fail with "database is locked"."""
    env = {**os.environ, "NOF1_DEBUG": "1", "NOF1_DATA_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
    env.pop("DATABASE_URL", None)
    python = [sys.executable, "-m", "django"]
    subprocess.run([*python, "migrate", "-v0"], env=env, check=True, timeout=120)
    wrote = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert wrote.stdout.strip() == "200 []"
    verified = subprocess.run(
        [*python, "audit_verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0
    assert verified.stdout.startswith("audit chain intact: 200 events, head ")


# -- verify_chain finds tampering ------------------------------------------------------------


def test_an_edited_event_is_found(chain):
    tamper("UPDATE audit_auditevent SET reason = 'no reason' WHERE seq = 2")
    with pytest.raises(TamperedError, match="seq 2 was edited") as found:
        verify_chain()
    assert found.value.seq == 2


@sqlite_only
def test_dropping_the_sqlite_trigger_lets_an_edit_through_and_the_chain_finds_it(chain):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER audit_no_update")
        cursor.execute("UPDATE audit_auditevent SET new = '{\"fatigue\": 0}' WHERE seq = 3")
        assert guard.missing_triggers(connection) == ["audit_no_update"]
        with pytest.raises(BrokenChainError, match="seq 3 was edited"):
            verify_chain()
        transaction.set_rollback(True)
    assert guard.missing_triggers(connection) == []


def test_a_deleted_event_leaves_a_gap_that_is_found(chain):
    tamper("DELETE FROM audit_auditevent WHERE seq = 2")
    with pytest.raises(BrokenChainError, match="seq 2 is missing") as found:
        verify_chain()
    assert found.value.seq == 2


def test_an_event_relinked_past_a_deleted_one_is_found(chain):
    """A forger who knows the hash recipe re-links seq 3 to seq 1 and fixes its own hash."""
    forged = stored(3)
    forged.prev_hash = chain[0].hash
    tamper(
        "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = 3",
        [forged.prev_hash, forged.compute_hash()],
    )
    with pytest.raises(BrokenChainError, match="seq 3 does not link to seq 2") as found:
        verify_chain()
    assert found.value.seq == 3


def test_removing_the_newest_events_is_found_only_against_a_head_kept_elsewhere(chain):
    _, head = verify_chain()
    tamper("DELETE FROM audit_auditevent WHERE seq >= 3")
    assert verify_chain() == (2, chain[1].hash)  # the limit of a chain on its own
    with pytest.raises(BrokenChainError, match="head recorded earlier") as found:
        verify_chain(expected_head=head)
    assert found.value.seq is None
    assert verify_chain(expected_head=chain[0].hash) == (2, chain[1].hash)


# -- the audit_verify command ----------------------------------------------------------------


def test_audit_verify_reports_an_intact_chain(chain, capsys):
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == f"audit chain intact: 4 events, head {chain[-1].hash}"


def test_audit_verify_fails_naming_the_first_bad_event(chain):
    tamper("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 3")
    with pytest.raises(CommandError, match="audit chain broken: audit event seq 3") as failed:
        call_command("audit_verify")
    assert failed.value.returncode == 1


def test_audit_verify_fails_when_the_guard_is_off(chain):
    with guard.lifted(connection):
        with pytest.raises(CommandError, match="no longer refuses") as failed:
            call_command("audit_verify")
    assert failed.value.returncode == 1
    call_command("audit_verify")


# -- flush, which test runs use between transactional tests ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_leaves_the_guard_in_place(clinician):
    record(actor=clinician, action=Action.LOGIN)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert guard.missing_triggers(connection) == []
    event = record(actor=None, action=Action.LOGIN_FAILED)
    assert event.seq == 1 and event.prev_hash == GENESIS
    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
