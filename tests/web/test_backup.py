"""`nof1 backup` and `nof1 restore`: every record back, the audit chain still intact."""

from io import StringIO

import pytest
from click.testing import CliRunner
from django.core.management import call_command

from nof1.web.accounts.models import User
from nof1.web.audit.models import AuditEvent
from nof1.web.audit.services import verify_chain
from nof1.web.cli import backup, restore
from nof1.web.diary.models import DiaryEntry
from nof1.web.trials.models import Enrolment

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (User.objects.count(), Enrolment.objects.count(), DiaryEntry.objects.count(),
            AuditEvent.objects.count())


def test_a_backup_restores_into_an_empty_database_with_the_chain_intact(tmp_path):
    call_command("seed_demo", stdout=StringIO())
    before, head = counts(), verify_chain()[1]
    file = tmp_path / "backup.json.gz"
    runner = CliRunner()
    assert runner.invoke(backup, [str(file)]).exit_code == 0
    assert runner.invoke(backup, [str(file)]).exit_code != 0  # never overwrites

    call_command("flush", interactive=False, verbosity=0)
    assert counts() == (0, 0, 0, 0)
    result = runner.invoke(restore, [str(file)])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    assert counts() == before
    assert verify_chain()[1] == head


def test_restore_refuses_a_database_that_already_holds_accounts(tmp_path):
    call_command("seed_demo", stdout=StringIO())
    file = tmp_path / "backup.json"
    CliRunner().invoke(backup, [str(file)])
    result = CliRunner().invoke(restore, [str(file)])
    assert result.exit_code != 0
    assert "empty database" in result.output
