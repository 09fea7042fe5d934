"""`ent users`: operators' account commands, thin calls into the lifecycle actions."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from ent.audit.models import AuditEvent
from ent.directory.models import ExternalId, Source, User

from .accounts_support import NEW_PASSWORD, PASSWORD, sign_in


def run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    call_command("users", *args, stdout=out, stderr=out, stdin=io.StringIO(stdin))
    return out.getvalue()


@pytest.mark.sdet("SOC-SEC-IAU-14", "SOC-SEC-APS-03")
def test_set_password_reads_stdin_and_never_echoes_or_logs_it(client, cast, caplog):
    caplog.set_level(logging.DEBUG)
    output = run("set-password", "lea.petit", stdin=NEW_PASSWORD + "\n")
    assert output == "Password of lea.petit set.\n"
    assert NEW_PASSWORD not in caplog.text
    event = AuditEvent.objects.get(action="identity.password.set")
    assert (event.actor, event.actor_label) == (None, "platform")
    assert NEW_PASSWORD not in json.dumps(list(AuditEvent.objects.values_list("data", flat=True)))
    assert sign_in(client, cast.pupil, PASSWORD).status_code != 302
    assert sign_in(client, cast.pupil, NEW_PASSWORD).status_code == 302


def test_a_weak_password_is_refused_with_the_policys_reason(cast):
    with pytest.raises(CommandError) as refused:
        run("set-password", "lea.petit", stdin="azerty\n")
    assert "azerty" not in str(refused.value)
    assert User.objects.get(pk=cast.pupil.pk).check_password(PASSWORD)
    with pytest.raises(CommandError, match="No password"):
        run("set-password", "lea.petit", stdin="")


def test_bad_input_exits_with_1_and_a_message_without_traceback(cast, capsys):
    with pytest.raises(SystemExit) as exit_status:
        ManagementUtility(["ent", "users", "show", "nobody.here"]).execute()
    assert exit_status.value.code == 1
    error = capsys.readouterr().err
    assert "No person has the login 'nobody.here'." in error
    assert "Traceback" not in error


@pytest.mark.sdet("SOC-SEC-IAU-01", "SOC-SEC-IAU-02")
def test_show_describes_identifiers_per_source_memberships_and_dates(cast):
    ExternalId.objects.create(person=cast.pupil, source=Source.AAF, value="AAF-1234")
    ExternalId.objects.create(person=cast.pupil, source=Source.PREVIOUS_ENT, value="old-987")
    account = json.loads(run("show", "lea.petit", "--json"))
    assert account["uuid"] == str(cast.pupil.uuid)
    assert (account["login"], account["first_name"], account["last_name"]) == (
        "lea.petit",
        "Léa",
        "Petit",
    )
    assert account["is_active"] is True
    assert {"suspended_at", "activated_at", "deactivated_at"} <= account.keys()
    assert account["external_ids"] == [
        {"source": "AAF", "value": "AAF-1234"},
        {"source": "PREVIOUS_ENT", "value": "old-987"},
    ]
    assert [(m["profile"], m["school_uai"]) for m in account["memberships"]] == [
        ("ELV", "0000001B")
    ]
    text = run("show", "lea.petit")
    assert f"uuid: {cast.pupil.uuid}" in text
    assert "external id: AAF AAF-1234" in text


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-IAU-14")
def test_suspend_reactivate_and_revoke_run_the_lifecycle_actions(client, cast):
    assert "suspended" in run("suspend", "lea.petit", "--reason", "ticket 42")
    assert not User.objects.get(pk=cast.pupil.pk).is_active
    with pytest.raises(CommandError, match="déjà suspendu"):
        run("suspend", "lea.petit")
    assert "reactivated" in run("reactivate", "lea.petit")
    assert sign_in(client, cast.pupil).status_code == 302
    assert "revoked" in run("revoke", "lea.petit", "--reason", "STOLEN")
    assert not User.objects.get(pk=cast.pupil.pk).has_usable_password()
    actions = list(
        AuditEvent.objects.filter(actor_label="platform", action__startswith="identity.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[0] == "identity.account.suspend"
    assert "identity.account.reactivate" in actions
    assert actions[-1] == "identity.credentials.revoke"
