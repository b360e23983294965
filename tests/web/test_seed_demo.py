"""`nof1 web seed_demo`: the demo that `make run` serves."""

from io import StringIO

import pytest
from django.core.management import call_command

from nof1.web.accounts.models import User
from nof1.web.audit.services import verify_chain
from nof1.web.diary.models import DiaryEntry
from nof1.web.trials.models import Enrolment

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_has_a_login_per_role_one_trial_running_and_one_unblinded():
    printed = seed()
    for username in ("demo-clinician", "demo-pharmacist", "demo-researcher", "demo-admin",
                     "demo-participant", "demo-finished"):
        assert username in printed
        assert User.objects.filter(username=username).exists()
    statuses = {e.participant.username: e.status for e in Enrolment.objects.all()}
    assert statuses == {"demo-participant": "active", "demo-finished": "completed"}
    assert DiaryEntry.objects.filter(enrolment__participant__username="demo-finished").count() > 150
    count, _ = verify_chain()
    assert count > 0


def test_seeding_twice_adds_no_second_trial_but_new_passwords():
    first = seed()
    second = seed()
    assert Enrolment.objects.count() == 2
    assert first != second  # passwords are drawn afresh and printed again
