from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ent.audit.actions import record
from ent.audit.models import AuditEvent


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_events_name_actor_action_target_time_and_outcome(cast):
    event = record(
        actor=cast.head,
        action="directory.class.change",
        target=cast.pupil,
        outcome="FAILURE",
        address="192.0.2.1",
        data={"to": "3B"},
    )
    assert event.actor_label == "marc.bernard"
    assert event.target_type == "directory.user"
    assert event.target_id == str(cast.pupil.pk)
    assert event.outcome == "FAILURE"
    assert event.at <= timezone.now()
    assert AuditEvent.objects.about("directory.user", cast.pupil.pk).get() == event


def test_prune_keeps_the_retention_period_and_records_itself(cast, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        record(actor=None, action="old.event")
    record(actor=None, action="new.event")
    out = io.StringIO()
    call_command("audit", "prune", stdout=out)
    assert "1 audit event(s)" in out.getvalue()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions == {"new.event", "audit.trail.prune"}
    # A job run by the host is recorded as the platform.
    assert AuditEvent.objects.get(action="audit.trail.prune").actor_label == "platform"


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_one_persons_chain_is_rebuilt_in_time_order(cast):
    record(actor=None, action="identity.login.fail", target=cast.pupil, data={"reason": "x"})
    record(actor=cast.pupil, action="identity.session.start", target=cast.pupil)
    record(actor=cast.school_admin, action="identity.account.suspend", target=cast.pupil)
    record(actor=cast.teacher, action="identity.session.start", target=cast.teacher)
    out = io.StringIO()
    call_command("audit", "trail", cast.pupil.login, "--json", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["action"] for row in rows] == [
        "identity.login.fail",
        "identity.session.start",
        "identity.account.suspend",
    ]
    assert rows[2]["actor"] == cast.school_admin.login
    assert all(row["at"] for row in rows)


def test_trail_of_an_unknown_login_says_so(db):
    with pytest.raises(CommandError, match="No person"):
        call_command("audit", "trail", "nobody.here")
