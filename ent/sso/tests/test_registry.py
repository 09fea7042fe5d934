"""The service registry as data: what a service must be to receive identities, and the
operators' admin over it (approve, disable, trace an identifier back to a person)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from ent.audit.models import AuditEvent
from ent.directory.models import User
from ent.sso.actions import approve_service, disable_service, ensure_subject, register_service
from ent.sso.models import CasTicket, Protocol, Service, ServiceSubject, SubjectKind
from ent.sso.queries import person_for_subject, service_for_url

from .cas_support import APP, add_service, get_ticket, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("ops.root", "secret-Passw0rd!")


def test_a_registered_service_waits_for_approval(cast):
    service = add_service("Pending", r"https://pending\.example\.org/.*", approve=False)
    assert not service.is_approved
    assert service_for_url(Protocol.CAS, "https://pending.example.org/") is None
    approve_service(actor=None, service=service)
    assert service_for_url(Protocol.CAS, "https://pending.example.org/") == service


def test_unapproved_service_gets_no_ticket_until_approved(client, cast):
    service = add_service("Pending", r"https://pending\.example\.org/.*", approve=False)
    sign_in(client, cast.pupil)
    assert client.get("/cas/login", {"service": "https://pending.example.org/"}).status_code == 403
    approve_service(actor=None, service=service)
    assert get_ticket(client, "https://pending.example.org/").startswith("ST-")


@pytest.mark.sdet("SOC-SEC-PII-06")
def test_a_url_pattern_matches_whole_urls_only(db):
    add_service("App", r"https://app\.example\.org/.*")
    assert service_for_url(Protocol.CAS, "https://app.example.org/x") is not None
    assert service_for_url(Protocol.CAS, "https://app.example.org.evil.com/") is None
    assert service_for_url(Protocol.CAS, "http://app.example.org/x") is None
    assert service_for_url(Protocol.SAML, "https://app.example.org/x") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attributes": ["first_name", "password"]}, "Attributs inconnus : password"),
        ({"url_pattern": "https://("}, "Expression régulière invalide"),
    ],
)
def test_a_bad_registration_creates_nothing(db, change, message):
    arguments = {"actor": None, "protocol": Protocol.CAS, "name": "Bad", "url_pattern": "x"}
    with pytest.raises(ValidationError, match=message):
        register_service(**{**arguments, **change})
    assert not Service.objects.exists()


def test_a_name_is_registered_once_per_protocol(db):
    add_service("App", r"https://app\.example\.org/.*")
    with pytest.raises(ValidationError, match="existe déjà"):
        add_service("App", r"https://other\.example\.org/.*")
    assert Service.objects.count() == 1


def test_only_operators_manage_the_registry(cast):
    with pytest.raises(PermissionDenied):
        register_service(actor=cast.head, protocol=Protocol.CAS, name="Mine", url_pattern="x")


def test_registration_approval_and_disabling_are_audited(operator):
    service = register_service(
        actor=operator, protocol=Protocol.CAS, name="App", url_pattern="x", approve=True
    )
    disable_service(actor=operator, service=service)
    actions = list(
        AuditEvent.objects.filter(target_id=str(service.pk))
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("sso.service.register", "ops.root"),
        ("sso.service.approve", "ops.root"),
        ("sso.service.disable", "ops.root"),
    ]


@pytest.mark.sdet("SOC-SEC-PII-04")
@pytest.mark.parametrize("kind", [SubjectKind.OPAQUE, SubjectKind.LOGIN, SubjectKind.UUID])
def test_every_kind_of_identifier_maps_back_to_its_person(cast, kind):
    service = add_service("App", r"https://app\.example\.org/.*", subject=kind)
    subject = ensure_subject(service=service, person=cast.guardian)
    assert person_for_subject(service, subject) == cast.guardian
    assert person_for_subject(service, "not-an-identifier") is None


@pytest.mark.sdet("SOC-SEC-PII-04")
def test_operators_find_a_persons_identifiers_by_searching_their_login(client, cast, operator):
    service = add_service("App", r"https://app\.example\.org/.*")
    subject = ensure_subject(service=service, person=cast.pupil)
    ensure_subject(service=service, person=cast.teacher)
    client.force_login(operator)
    page = client.get("/admin/sso/servicesubject/", {"q": "lea.petit"}).content.decode()
    assert subject in page
    assert "agnes.dupont" not in page
    page = client.get("/admin/sso/servicesubject/", {"q": subject}).content.decode()
    assert "lea.petit" in page


@pytest.mark.sdet("SOC-SEC-PII-04")
def test_operators_find_the_person_of_a_ticket_from_a_services_log(client, cast, operator):
    add_service("App", r"https://app\.example\.org/.*")
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    get_ticket(sign_in(Client(), cast.teacher), APP)
    client.force_login(operator)
    page = client.get("/admin/sso/casticket/", {"q": ticket}).content.decode()
    assert "lea.petit" in page
    assert "agnes.dupont" not in page


def test_the_admin_lists_are_read_only(client, operator):
    client.force_login(operator)
    for model in ("service", "servicesubject", "casticket", "servicelogin"):
        assert client.get(f"/admin/sso/{model}/").status_code == 200
        assert client.get(f"/admin/sso/{model}/add/").status_code == 403


def test_operators_approve_and_disable_services_in_the_admin(client, operator):
    service = add_service("Pending", r"https://pending\.example\.org/.*", approve=False)
    client.force_login(operator)
    for action, approved in (("approve", True), ("disable", False)):
        response = client.post(
            "/admin/sso/service/", {"action": action, "_selected_action": [service.pk]}
        )
        assert response.status_code == 302
        service.refresh_from_db()
        assert service.is_approved is approved
    assert AuditEvent.objects.filter(action="sso.service.approve", actor=operator).exists()


def test_a_tickets_admin_page_does_not_show_the_ticket(client, cast, operator):
    add_service("App", r"https://app\.example\.org/.*")
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    row = CasTicket.objects.get(ticket=ticket)
    client.force_login(operator)
    page = client.get(f"/admin/sso/casticket/{row.pk}/change/").content.decode()
    assert page.count(ticket[:12]) >= 1
    assert ticket not in page
    assert ServiceSubject.objects.filter(person=cast.pupil).count() == 0  # not validated yet
