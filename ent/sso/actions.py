"""Every change to the service registry, per-service identifiers and service logins."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import School
from ent.rights.actions import grant_service
from ent.rights.permissions import is_head_of
from ent.rights.registry import CODE, declared_services

from .attributes import ATTRIBUTES, unknown_attributes
from .models import Protocol, Service, ServiceLogin, ServiceSubject, SubjectKind, validate_regex

if TYPE_CHECKING:
    from ent.directory.models import User

logger = logging.getLogger(__name__)

# protocol -> function that tells one service the person logged out; returns an outcome label.
# Each protocol module registers its sender when it is imported (see SsoConfig.ready).
LogoutSender = Callable[[ServiceLogin], str]
LOGOUT_SENDERS: dict[str, LogoutSender] = {}


def register_logout_sender(protocol: str, sender: LogoutSender) -> None:
    """Register how single logout reaches services of `protocol`."""
    LOGOUT_SENDERS[protocol] = sender


def _check_may_manage(actor: User | None) -> None:
    if actor is not None and not actor.has_perm("sso.change_service"):
        raise PermissionDenied(_("Only operators may manage the service registry."))


@transaction.atomic
def register_service(
    *,
    actor: User | None,
    protocol: str,
    name: str,
    url_pattern: str = "",
    attributes: Iterable[str] = (),
    subject_kind: str = SubjectKind.OPAQUE,
    min_level: int = 1,
    logout_url: str = "",
    entity_id: str = "",
    metadata_xml: str = "",
    attribute_profile: str = "",
    client_id: str = "",
    approve: bool = False,
    redirect_uris: Iterable[str] = (),
    client_type: str = "confidential",
    code: str = "",
    launch_url: str = "",
    school: School | None = None,
) -> Service:
    """Add a service to the registry, disabled until the data controller approves it, unless
    `approve` is set by an operator who is that controller's delegate.

    OIDC: also creates the OAuth client (see oidc.register_oidc_client) with `redirect_uris`
    (or, when none are given, the space-separated URIs of `url_pattern`), confidential or
    public (a mobile app, PKCE only); `client_id` is kept if given. The clear client secret
    is attached as `service.client_secret`, on this instance only, to be shown once."""
    _check_may_manage(actor)
    if protocol not in Protocol.values:
        raise ValidationError(_("Unknown protocol %(protocol)s.") % {"protocol": protocol})
    names = list(dict.fromkeys(a.strip() for a in attributes if a.strip()))
    unknown = unknown_attributes(names)
    if unknown:
        raise ValidationError(
            _("Unknown attributes: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(sorted(ATTRIBUTES))}
        )
    if url_pattern:
        validate_regex(url_pattern)
    _check_code(code)
    if Service.objects.filter(protocol=protocol, name=name).exists():
        raise ValidationError(
            _("A %(protocol)s service named %(name)s already exists.")
            % {"protocol": protocol, "name": name}
        )
    service = Service.objects.create(
        protocol=protocol,
        name=name,
        url_pattern=url_pattern,
        attributes=names,
        subject_kind=subject_kind,
        min_level=min_level,
        logout_url=logout_url,
        entity_id=entity_id,
        metadata_xml=metadata_xml,
        attribute_profile=attribute_profile,
        client_id=client_id,
        code=code,
        launch_url=launch_url,
        school=school,
    )
    if protocol == Protocol.OIDC:
        from .oidc import register_oidc_client

        uris = [uri for uri in redirect_uris if uri.strip()] or url_pattern.split()
        secret = register_oidc_client(
            actor=actor, service=service, redirect_uris=uris, client_type=client_type
        )
        service.client_secret = secret  # type: ignore[attr-defined]  # transient: never stored
    record(
        actor=actor,
        action="sso.service.register",
        target=service,
        data={"protocol": protocol, "attributes": names, "url_pattern": url_pattern},
    )
    if approve:
        approve_service(actor=actor, service=service)
    return service


def _check_code(code: str) -> None:
    if not code:
        return
    if not CODE.match(code):
        raise ValidationError(_("A service code is lower-case letters, digits and _."))
    if code in declared_services() or Service.objects.filter(code=code).exists():
        raise ValidationError(_("The service code %(code)s is taken.") % {"code": code})


def _check_may_approve(actor: User | None, service: Service) -> None:
    """SDET §5.2.1: the data controller approves: an operator, or the head of the school."""
    if actor is None or actor.has_perm("sso.change_service"):
        return
    if service.school_id is not None and is_head_of(actor, service.school_id):
        return
    raise PermissionDenied(_("Only the head of the school or an operator may approve it."))


@transaction.atomic
def approve_service(
    *, actor: User | None, service: Service, profiles: Iterable[str] = ()
) -> Service:
    """Record the data controller's approval: from now on the service receives identities,
    and, when it has a service code, the people of `profiles` find it on their portal."""
    _check_may_approve(actor, service)
    service.approved_at = timezone.now()
    service.approved_by = actor
    service.is_enabled = True
    service.save(update_fields=["approved_at", "approved_by", "is_enabled"])
    record(
        actor=actor,
        action="sso.service.approve",
        target=service,
        data={"profiles": sorted(profiles)},
    )
    if service.code:
        for profile in sorted(set(profiles)):
            grant_service(actor=None, service=service.code, profile=profile, school=service.school)
    return service


@transaction.atomic
def disable_service(*, actor: User | None, service: Service) -> Service:
    """Stop releasing identities to a service; its tickets no longer validate. Whoever may
    approve it may disable it: an operator, or the head of its school."""
    _check_may_approve(actor, service)
    service.is_enabled = False
    service.save(update_fields=["is_enabled"])
    record(actor=actor, action="sso.service.disable", target=service)
    return service


def ensure_subject(*, service: Service, person: User) -> str:
    """Return the identifier `service` knows `person` by, creating the opaque one once."""
    if service.subject_kind == SubjectKind.LOGIN:
        return person.login
    if service.subject_kind == SubjectKind.UUID:
        return str(person.uuid)
    existing = (
        ServiceSubject.objects.filter(service=service, person=person)
        .values_list("value", flat=True)
        .first()
    )
    if existing:
        return existing
    try:
        with transaction.atomic():
            subject = ServiceSubject.objects.create(
                service=service, person=person, value=secrets.token_hex(16)
            )
    except IntegrityError:
        # Two first logins raced: the other one's identifier stands.
        return ServiceSubject.objects.get(service=service, person=person).value
    return subject.value


def release_attributes(
    *, service: Service, person: User, session_key: str = ""
) -> dict[str, list[str]]:
    """Return the identity `service` may receive about `person` and audit the release:
    the subject, then only the attributes the registry lists (SOC-INT-ASE-04)."""
    released = {"subject": [ensure_subject(service=service, person=person)]}
    for name in service.attributes:
        getter = ATTRIBUTES.get(name)
        if getter is not None:
            released[name] = getter(person)
    record(
        actor=person,
        action="sso.attributes.release",
        target=service,
        data={"attributes": sorted(released), "session": session_key[:8]},
    )
    return released


def record_service_login(
    *, service: Service, person: User, session_key: str, data: dict[str, str]
) -> ServiceLogin:
    """Remember that `service` holds a session for `person`, so single logout can reach it."""
    return ServiceLogin.objects.create(
        service=service,
        person=person,
        session_key=session_key,
        data=data,
        created_at=timezone.now(),
    )


def log_out_services(person: User, session_key: str) -> None:
    """Close every service login of this ENT session and tell the services after commit
    (SOC-SEC-PII-02: logout propagates to every service that received the identity)."""
    logins = list(ServiceLogin.objects.open().filter(person=person, session_key=session_key))
    if not logins:
        return
    ServiceLogin.objects.filter(pk__in=[login.pk for login in logins]).update(
        logged_out_at=timezone.now()
    )
    ids = [login.pk for login in logins]

    def enqueue() -> None:
        from .tasks import send_service_logouts

        send_service_logouts.enqueue(login_ids=ids)

    transaction.on_commit(enqueue)


def deliver_service_logouts(*, login_ids: list[int]) -> dict[int, str]:
    """Send each closed service login its protocol's logout message; audit each outcome."""
    outcomes: dict[int, str] = {}
    logins = ServiceLogin.objects.filter(pk__in=login_ids).select_related("service", "person")
    for login in logins:
        sender = LOGOUT_SENDERS.get(login.service.protocol)
        try:
            outcome = sender(login) if sender else "no sender"
        except Exception as error:  # any failure of a remote service must not stop the others
            logger.warning("single logout to %s failed: %s", login.service, error)
            outcome = f"failed: {type(error).__name__}"
        outcomes[login.pk] = outcome
        ServiceLogin.objects.filter(pk=login.pk).update(logout_outcome=outcome[:200])
        record(
            actor=login.person,
            action="sso.service.logout",
            target=login.service,
            outcome=Outcome.SUCCESS if not outcome.startswith("failed") else Outcome.FAILURE,
            data={"outcome": outcome},
        )
    return outcomes
