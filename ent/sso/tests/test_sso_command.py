"""`ent sso services …`: operators register, list, approve and disable services."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ent.audit.models import AuditEvent
from ent.sso.models import Protocol, Service

pytestmark = pytest.mark.django_db


def ent_sso(*arguments: str) -> str:
    out = StringIO()
    call_command("sso", *arguments, stdout=out)
    return out.getvalue()


def test_an_operator_adds_a_cas_service_approved_at_once(client, cast):
    output = ent_sso(
        "services", "add", "--protocol", "cas", "--name", "Pronote",
        "--url-pattern", r"https://pronote\.example\.org/.*",
        "--attributes", "first_name,last_name,profiles",
        "--min-level", "2", "--logout-url", "https://pronote.example.org/logout",
    )  # fmt: skip
    assert "Pronote (CAS) registered, approved." in output
    service = Service.objects.get(name="Pronote")
    assert service.attributes == ["first_name", "last_name", "profiles"]
    assert (service.min_level, service.subject_kind) == (2, "OPAQUE")
    assert service.logout_url == "https://pronote.example.org/logout"
    assert service.is_approved
    assert service.approved_by is None
    approval = AuditEvent.objects.get(action="sso.service.approve")
    assert approval.actor_label == "platform"


def test_a_service_added_without_approval_gets_no_ticket_until_approved(client, cast):
    ent_sso(
        "services", "add", "--protocol", "cas", "--name", "Gepi",
        "--url-pattern", r"https://gepi\.example\.org/.*", "--no-approve",
    )  # fmt: skip
    client.force_login(cast.teacher)
    assert client.get("/cas/login", {"service": "https://gepi.example.org/"}).status_code == 403
    assert "Gepi (CAS) approved." in ent_sso("services", "approve", "Gepi")
    assert client.get("/cas/login", {"service": "https://gepi.example.org/"}).status_code == 302
    assert "Gepi (CAS) disabled." in ent_sso("services", "disable", "Gepi")
    assert client.get("/cas/login", {"service": "https://gepi.example.org/"}).status_code == 403


def test_subject_kind_and_saml_fields_are_recorded(tmp_path, db):
    metadata = tmp_path / "sp.xml"
    metadata.write_text("<EntityDescriptor/>", encoding="utf-8")
    ent_sso(
        "services", "add", "--protocol", "saml", "--name", "GAR",
        "--entity-id", "https://gar.example.org/sp", "--metadata", str(metadata),
        "--subject", "uuid",
    )  # fmt: skip
    service = Service.objects.get(protocol=Protocol.SAML)
    assert service.entity_id == "https://gar.example.org/sp"
    assert service.metadata_xml == "<EntityDescriptor/>"
    assert service.subject_kind == "UUID"


def test_services_are_listed_as_text_and_json(db):
    ent_sso("services", "add", "--protocol", "cas", "--name", "A", "--url-pattern", "https://a/.*",
            "--attributes", "email")  # fmt: skip
    ent_sso("services", "add", "--protocol", "cas", "--name", "B", "--url-pattern", "https://b/.*",
            "--no-approve")  # fmt: skip
    text = ent_sso("services", "list")
    assert "A\tCAS\thttps://a/.*\tapproved\temail" in text
    assert "B\tCAS\thttps://b/.*\tNOT approved\t-" in text
    rows = json.loads(ent_sso("services", "list", "--json"))
    assert rows[0] == {
        "name": "A",
        "protocol": "CAS",
        "pattern": "https://a/.*",
        "approved": True,
        "attributes": ["email"],
        "subject": "opaque",
        "min_level": 1,
    }
    assert rows[1]["approved"] is False


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--attributes", "first_name,secret"], "Attributs inconnus : secret"),
        (["--url-pattern", "https://(unclosed"], "Expression régulière invalide"),
        (["--min-level", "7"], "--min-level: one of 1"),
    ],
)
def test_a_bad_service_is_refused_with_a_clear_message_and_nothing_is_created(
    db, arguments, message
):
    base = ["services", "add", "--protocol", "cas", "--name", "Bad", "--url-pattern", "x"]
    with pytest.raises(CommandError, match=message):
        call_command("sso", *base, *arguments)
    assert not Service.objects.exists()


def test_a_duplicate_name_is_refused(db):
    ent_sso("services", "add", "--protocol", "cas", "--name", "A", "--url-pattern", "x")
    with pytest.raises(CommandError, match="existe déjà"):
        ent_sso("services", "add", "--protocol", "cas", "--name", "A", "--url-pattern", "y")
    assert Service.objects.count() == 1


def test_an_unreadable_metadata_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="--metadata"):
        ent_sso("services", "add", "--protocol", "saml", "--name", "S",
                "--metadata", str(tmp_path / "missing.xml"))  # fmt: skip
    assert not Service.objects.exists()


def test_approving_an_unknown_or_ambiguous_name_is_refused(db):
    with pytest.raises(CommandError, match="No service named 'Nope'"):
        ent_sso("services", "approve", "Nope")
    ent_sso("services", "add", "--protocol", "cas", "--name", "Twin", "--url-pattern", "x")
    ent_sso("services", "add", "--protocol", "saml", "--name", "Twin", "--entity-id", "urn:x")
    with pytest.raises(CommandError, match="give --protocol"):
        ent_sso("services", "disable", "Twin")
    assert "Twin (SAML) disabled." in ent_sso("services", "disable", "Twin", "--protocol", "saml")


def test_an_oidc_service_prints_its_client_id_and_secret_once(db, monkeypatch):
    """The OIDC side creates the OAuth client inside register_service and attaches the secret
    to the service it returns, on creation only; the command shows both."""
    from ent.sso.actions import register_service
    from ent.sso.management.commands import sso as command

    def with_client(**kwargs):
        service = register_service(**kwargs)
        service.client_id = "client-123"
        service.client_secret = "s3cret-shown-once"  # type: ignore[attr-defined]  # attr-defined: transient, set by the OIDC side
        return service

    monkeypatch.setattr(command, "register_service", with_client)
    output = ent_sso("services", "add", "--protocol", "oidc", "--name", "Mobile",
                     "--url-pattern", "https://m/cb")  # fmt: skip
    assert "client_id: client-123" in output
    assert output.count("s3cret-shown-once") == 1
    assert "s3cret-shown-once" not in ent_sso("services", "list", "--json")
