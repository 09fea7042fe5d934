"""`ent rights`: what an operator runs."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from ent.rights.models import ServiceGrant

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("rights", *args, stdout=out)
    return out.getvalue()


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_an_operator_grants_checks_lists_and_revokes_from_the_command_line(world):
    cast = world.cast
    assert "test_lesson_log" in run("services")
    with pytest.raises(SystemExit):
        run("check", "sophie.admin", "test_lesson_log")
    output = run(
        "grant",
        "test_lesson_log",
        "--login",
        "sophie.admin",
        "--school",
        "0000001B",
        "--until",
        "2999-01-01T00:00",
    )
    grant = ServiceGrant.objects.get(person=cast.school_admin)
    assert f"Grant {grant.pk}" in output
    assert run("check", "sophie.admin", "test_lesson_log", "--school", "0000001B") == (
        "yes: use (via person)\n"
    )
    assert run("check", "agnes.dupont", "test_lesson_log", "--school", "0000002C") == (
        "yes: read (via TUT)\n"
    )
    assert f"{grant.pk}\t" in run("list", "--service", "test_lesson_log", "--school", "0000001B")
    run("grant", "test_lesson_log", "--class", "3A", "--school", "0000001B", "--level", "read")
    run("revoke", str(grant.pk))
    with pytest.raises(SystemExit):
        run("check", "sophie.admin", "test_lesson_log", "--school", "0000001B")
    assert run("defaults") == "0 default grant(s) installed.\n"


def test_the_command_refuses_unknown_names_with_a_message(world):
    with pytest.raises(CommandError, match="No school"):
        run("grant", "test_lesson_log", "--profile", "ENS", "--school", "9999999Z")
    with pytest.raises(CommandError, match="ne déclare"):
        run("grant", "nothing_here", "--profile", "ENS")
    with pytest.raises(CommandError, match="No person"):
        run("check", "nobody", "test_lesson_log")
