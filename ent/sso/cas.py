"""The CAS server (Apereo CAS protocol 1.0, 2.0 and 3.0): service and proxy tickets, their
validation, proxy-granting tickets with their callback, and single logout.

Tickets are random, single use, short-lived and bound to the exact service URL they were
issued for. A validation consumes its ticket with a conditional UPDATE … WHERE consumed_at IS
NULL, so two concurrent validations of one ticket cannot both succeed; a failed validation
burns the ticket too (spec §3.1.1). Every decision is audited (SOC-SEC-APS-03): ticket issued
(`sso.cas.ticket.issue`), validated (`sso.cas.ticket.validate`), refused with its reason
(`sso.cas.ticket.refuse`, `sso.cas.login.refuse`, `sso.cas.proxy.refuse`), proxy granted
(`sso.cas.pgt.issue`, `sso.cas.proxy.grant`); logout is `sso.service.logout` (actions.py).
"""

from __future__ import annotations

import logging
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import User
from ent.identity.models import UserSession
from ent.identity.session import (
    LEVEL_PASSWORD,
    client_address,
    consume_fresh_login,
    end_session,
    login_url,
    register_session_end_hook,
    session_level,
    session_method,
)

from . import cas_sql as fast_path
from .actions import (
    ensure_subject,
    record_service_login,
    register_logout_sender,
    release_attributes,
)
from .models import CasTicket, Protocol, Service, ServiceLogin, SubjectKind, TicketKind
from .queries import service_for_url

logger = logging.getLogger(__name__)

# Spec §3.7: tickets hold only A-Z, a-z, 0-9 and "-". 40 characters of 62: 238 random bits.
ALPHABET = string.ascii_letters + string.digits
RANDOM_LENGTH = 40
# Seconds the server waits for a proxy callback or a single-logout POST.
HTTP_TIMEOUT = 5.0
# What a ticket records as its method when the session did not say (a sign-in through
# Django's own login view, which knows nothing of levels: a password, level 1).
DEFAULT_METHOD = "PASSWORD"
FALSE_VALUES = frozenset({"false", "0", "no", "off"})


class Code(StrEnum):
    """The error codes of the specification (§2.5.3 and §2.7.3)."""

    INVALID_REQUEST = "INVALID_REQUEST"
    INVALID_TICKET_SPEC = "INVALID_TICKET_SPEC"
    UNAUTHORIZED_SERVICE_PROXY = "UNAUTHORIZED_SERVICE_PROXY"
    INVALID_PROXY_CALLBACK = "INVALID_PROXY_CALLBACK"
    INVALID_TICKET = "INVALID_TICKET"
    INVALID_SERVICE = "INVALID_SERVICE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    UNAUTHORIZED_SERVICE = "UNAUTHORIZED_SERVICE"


class CasError(Exception):
    """A refusal, answered with the protocol's own error code and a description."""

    def __init__(self, code: Code, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ServiceNotAuthorised(Exception):  # noqa: N818 (a refusal, not a programming error)
    """The `service` of /cas/login is not an approved CAS service of the registry."""


@dataclass(frozen=True)
class Validation:
    """What a successful validation tells the service."""

    ticket: CasTicket
    user: str
    attributes: dict[str, list[str]] = field(default_factory=dict)
    pgt_iou: str = ""

    @property
    def proxies(self) -> list[str]:
        """The proxy chain, the most recent proxy first (spec §2.6.2)."""
        return list(self.ticket.proxies)

    @property
    def authenticated_at(self) -> datetime:
        return _authenticated_at(self.ticket)


def flag(value: str | None) -> bool:
    """Read a CAS boolean parameter: set unless absent or false-like (`renew`, `gateway`)."""
    return value is not None and value.strip().lower() not in FALSE_VALUES


def new_ticket(prefix: str) -> str:
    """Return a fresh, unguessable ticket such as ST-…, PT-…, PGT-…, PGTIOU-…."""
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def with_ticket(service_url: str, ticket: str) -> str:
    """Return `service_url` with `ticket=…` added to its query, before any fragment."""
    base, hash_mark, fragment = service_url.partition("#")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}ticket={ticket}{hash_mark}{fragment}"


def approved_service(url: str) -> Service | None:
    """Return the approved CAS service whose pattern matches the http(s) `url`, if any."""
    if not url or urlsplit(url).scheme not in {"http", "https"}:
        return None
    return service_for_url(Protocol.CAS, url)


def current_level(request: HttpRequest) -> int:
    """The session's authentication level; a session opened by a sign-in that records no
    level (Django's own login view) counts as a password sign-in."""
    level = session_level(request)
    if level == 0 and request.user.is_authenticated:
        return LEVEL_PASSWORD
    return level


def _shorten(ticket: str) -> str:
    """A ticket as the audit trail shows it: enough to correlate, not enough to replay."""
    return ticket[:16] + "…" if len(ticket) > 16 else ticket


def _expiry(seconds: int) -> tuple[datetime, datetime]:
    now = timezone.now()
    return now, now + timedelta(seconds=seconds)


# ---------------------------------------------------------------------------------------------
# /cas/login and /cas/logout


@transaction.atomic
def issue_service_ticket(
    *,
    actor: User,
    service: Service,
    service_url: str,
    session_key: str,
    level: int,
    method: str,
    renewed: bool,
    address: str | None = None,
) -> CasTicket:
    """Issue a service ticket for `actor` to `service_url`, remembering the service login so
    that single logout reaches it (SOC-SEC-PII-02)."""
    created_at, expires_at = _expiry(settings.ENT_CAS_TICKET_SECONDS)
    ticket = CasTicket.objects.create(
        kind=TicketKind.SERVICE,
        ticket=new_ticket("ST"),
        service=service,
        service_url=service_url,
        person=actor,
        session_key=session_key,
        is_renewed=renewed,
        level=level,
        method=method,
        created_at=created_at,
        expires_at=expires_at,
    )
    record_service_login(
        service=service,
        person=actor,
        session_key=session_key,
        data={"ticket": ticket.ticket, "service_url": service_url},
    )
    record(
        actor=actor,
        action="sso.cas.ticket.issue",
        target=service,
        address=address,
        data={
            "ticket": _shorten(ticket.ticket),
            "ticket_id": ticket.pk,
            "service_url": service_url,
            "renewed": renewed,
            "level": level,
        },
    )
    return ticket


def answer_login(request: HttpRequest, *, service_url: str, renew: bool, gateway: bool) -> str:
    """Decide what /cas/login does and return where the browser goes next; "" means: show the
    "you are signed in" page. Raises ServiceNotAuthorised for a service outside the registry
    (never an open redirect). `renew` asks credentials again whatever the session (SOC-SEC-
    IAU-12: a session below the service's level is sent to the login page to step up)."""
    here = request.get_full_path()
    signed_in = request.user.is_authenticated
    if not service_url:
        return "" if signed_in else login_url(here)
    service = approved_service(service_url)
    if service is None:
        record(
            actor=request.user if signed_in else None,
            action="sso.cas.login.refuse",
            outcome=Outcome.FAILURE,
            address=client_address(request),
            data={"service_url": service_url[:500], "reason": "service not authorised"},
        )
        raise ServiceNotAuthorised(service_url)
    level = current_level(request)
    if renew:
        if signed_in and level >= service.min_level and consume_fresh_login(request):
            return _ticket_redirect(request, service, service_url, level=level, renewed=True)
        return login_url(here, renew=True, level=service.min_level)
    if not signed_in or level < service.min_level:
        return service_url if gateway else login_url(here, level=service.min_level)
    renewed = consume_fresh_login(request)
    return _ticket_redirect(request, service, service_url, level=level, renewed=renewed)


def _ticket_redirect(
    request: HttpRequest, service: Service, service_url: str, *, level: int, renewed: bool
) -> str:
    person: User = request.user  # type: ignore[assignment]  # assignment: signed in, checked by the caller
    if not request.session.session_key:
        request.session.save()
    ticket = issue_service_ticket(
        actor=person,
        service=service,
        service_url=service_url,
        session_key=request.session.session_key or "",
        level=level,
        method=session_method(request) or DEFAULT_METHOD,
        renewed=renewed,
        address=client_address(request),
    )
    return with_ticket(service_url, ticket.ticket)


def answer_logout(request: HttpRequest, *, service_url: str) -> str:
    """End the ENT session (which logs the person out of every service, SOC-SEC-PII-02) and
    return the approved service to go back to, or "" to show the signed-out page."""
    if request.user.is_authenticated:
        end_session(request)
    return service_url if approved_service(service_url) is not None else ""


# ---------------------------------------------------------------------------------------------
# Validation: /validate, /serviceValidate, /proxyValidate, /p3/…, /samlValidate


def _lost_refusal(ticket: CasTicket | None) -> CasError:
    """Why a ticket could not be consumed: unknown, not a service or proxy ticket, or used."""
    if ticket is None or ticket.kind == TicketKind.PROXY_GRANTING:
        return CasError(Code.INVALID_TICKET, "ticket not recognized")
    return CasError(Code.INVALID_TICKET, "ticket already used")


def _refusal(
    ticket: CasTicket, *, service_url: str, accept_proxy: bool, renew: bool, now: datetime
) -> CasError | None:
    """Return why the ticket just consumed may not be validated for `service_url`, or None."""
    if ticket.kind == TicketKind.PROXY and not accept_proxy:
        return CasError(
            Code.INVALID_TICKET_SPEC, "a proxy ticket was presented to a service-ticket endpoint"
        )
    if ticket.expires_at <= now:
        return CasError(Code.INVALID_TICKET, "ticket expired")
    if ticket.service_url != service_url:
        return CasError(Code.INVALID_SERVICE, "ticket was issued for another service")
    if not ticket.service.is_approved:
        return CasError(Code.INVALID_SERVICE, "service is not authorised")
    if not ticket.person.is_active or ticket.person.suspended_at is not None:
        return CasError(Code.INVALID_TICKET, "account is not active")
    if renew and not ticket.is_renewed:
        return CasError(Code.INVALID_TICKET, "ticket did not come from a new login (renew)")
    return None


def _callback_refusal(pgt_url: str) -> tuple[CasError | None, Service | None]:
    """Check a proxy callback URL: https (or http on 127.0.0.1 when allowed), and an
    approved service's URL (SOC-SEC-PII-06: the proxy is identified by its callback)."""
    parts = urlsplit(pgt_url)
    loopback = parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if parts.scheme != "https" and not (loopback and settings.ENT_CAS_ALLOW_HTTP_CALLBACK):
        return CasError(Code.INVALID_PROXY_CALLBACK, "the proxy callback must use https"), None
    service = approved_service(pgt_url)
    if service is None:
        return CasError(
            Code.UNAUTHORIZED_SERVICE_PROXY, "the proxy callback is not an approved service"
        ), None
    return None, service


def _record_refusal(
    error: CasError,
    ticket: CasTicket | None,
    value: str,
    service_url: str,
    address: str | None,
    action: str = "sso.cas.ticket.refuse",
) -> None:
    record(
        actor=ticket.person if ticket else None,
        action=action,
        target=ticket.service if ticket else None,
        outcome=Outcome.FAILURE,
        address=address,
        data={
            "code": str(error.code),
            "reason": error.description,
            "ticket": _shorten(value[:300]),
            "ticket_id": ticket.pk if ticket else None,
            "service_url": service_url[:500],
        },
    )


@dataclass(frozen=True)
class Consumed:
    """A ticket consumed by a validation, with what the validation needs next."""

    ticket: CasTicket
    subject: str | None  # the service's opaque identifier for the person, if one exists
    callback_service: Service | None = None


def consume_ticket(
    *,
    value: str,
    service_url: str,
    accept_proxy: bool,
    renew: bool = False,
    pgt_url: str = "",
    address: str | None = None,
) -> Consumed:
    """Consume a service (or proxy) ticket for `service_url`; check it, and the proxy
    callback if one was asked for. Whatever the outcome, the ticket cannot be presented
    again. Raises CasError after recording the refusal."""
    if not value or not service_url:
        missing = CasError(Code.INVALID_REQUEST, "'ticket' and 'service' parameters are required")
        _record_refusal(missing, None, value, service_url, address)
        raise missing
    now = timezone.now()
    callback_service = None
    with transaction.atomic():
        consumed = fast_path.consume(value, now)
        if consumed is None:
            ticket = (
                CasTicket.objects.select_related("service", "person").filter(ticket=value).first()
            )
            error: CasError | None = _lost_refusal(ticket)
            subject = None
        else:
            ticket, subject = consumed
            error = _refusal(
                ticket, service_url=service_url, accept_proxy=accept_proxy, renew=renew, now=now
            )
        if error is None and pgt_url:
            error, callback_service = _callback_refusal(pgt_url)
        if error is not None:
            _record_refusal(error, ticket, value, service_url, address)
        else:
            assert ticket is not None  # noqa: S101 (narrowing: a consumed ticket exists)
            record(
                actor=ticket.person,
                action="sso.cas.ticket.validate",
                target=ticket.service,
                address=address,
                data={
                    "ticket": _shorten(value),
                    "ticket_id": ticket.pk,
                    "kind": ticket.kind,
                    "service_url": service_url[:500],
                    "proxies": list(ticket.proxies),
                },
            )
    if error is not None:
        raise error
    assert ticket is not None  # noqa: S101 (narrowing, see above)
    return Consumed(ticket=ticket, subject=subject, callback_service=callback_service)


def grant_proxy_granting_ticket(
    *, origin: CasTicket, pgt_url: str, service: Service, address: str | None = None
) -> str:
    """Call the proxy callback with a new PGT and its IOU (spec §2.5.4) and return the IOU
    once the callback answered 200. Raises CasError(INVALID_PROXY_CALLBACK) otherwise."""
    pgt, iou = new_ticket("PGT"), new_ticket("PGTIOU")
    try:
        response = requests.get(
            pgt_url,
            params={"pgtId": pgt, "pgtIou": iou},
            timeout=HTTP_TIMEOUT,
            allow_redirects=False,
        )
        answered = f"HTTP {response.status_code}"
    except requests.RequestException as error:
        answered = type(error).__name__
    if answered != "HTTP 200":
        refusal = CasError(
            Code.INVALID_PROXY_CALLBACK, f"the proxy callback did not answer 200 ({answered})"
        )
        _record_refusal(
            refusal, origin, origin.ticket, pgt_url, address, action="sso.cas.proxy.refuse"
        )
        raise refusal
    created_at, expires_at = _expiry(settings.ENT_CAS_PGT_SECONDS)
    with transaction.atomic():
        granting = CasTicket.objects.create(
            kind=TicketKind.PROXY_GRANTING,
            ticket=pgt,
            pgt_iou=iou,
            service=service,
            service_url=pgt_url,
            person=origin.person,
            session_key=origin.session_key,
            is_renewed=origin.is_renewed,
            level=origin.level,
            method=origin.method,
            granted_by=origin,
            proxies=list(origin.proxies),
            created_at=created_at,
            expires_at=expires_at,
        )
        record(
            actor=origin.person,
            action="sso.cas.pgt.issue",
            target=service,
            address=address,
            data={"ticket_id": granting.pk, "from_ticket_id": origin.pk, "pgt_url": pgt_url},
        )
    return iou


def _authenticated_at(ticket: CasTicket) -> datetime:
    started = (
        UserSession.objects.filter(session_key=ticket.session_key, person_id=ticket.person_id)
        .values_list("started_at", flat=True)
        .first()
        if ticket.session_key
        else None
    )
    return started or ticket.created_at


def authentication_attributes(ticket: CasTicket) -> dict[str, list[str]]:
    """The CAS 3.0 authentication attributes, with how the person signed in and at which
    level (SOC-SEC-PII-02: the proof states the means of authentication)."""
    return {
        "authenticationDate": [_authenticated_at(ticket).isoformat()],
        "longTermAuthenticationRequestTokenUsed": ["false"],
        "isFromNewLogin": ["true" if ticket.is_renewed else "false"],
        "authenticationMethod": [ticket.method or DEFAULT_METHOD],
        "authenticationLevel": [str(ticket.level)],
    }


def identity_for(consumed: Consumed, *, release: bool) -> tuple[str, dict[str, list[str]]]:
    """Return the per-service subject (SOC-SEC-PII-03) and, when `release`, the attributes:
    the authentication ones, then exactly the registry's (SOC-INT-ASE-04)."""
    ticket = consumed.ticket
    if release:
        person = User.objects.get(pk=ticket.person_id)  # every attribute may be released
        released = release_attributes(
            service=ticket.service, person=person, session_key=ticket.session_key
        )
        subject = released.pop("subject")[0]
        return subject, {**authentication_attributes(ticket), **released}
    if consumed.subject and ticket.service.subject_kind == SubjectKind.OPAQUE:
        return consumed.subject, {}
    return ensure_subject(service=ticket.service, person=ticket.person), {}


def validate_service_ticket(
    *,
    value: str,
    service_url: str,
    accept_proxy: bool,
    release: bool,
    renew: bool = False,
    pgt_url: str = "",
    address: str | None = None,
) -> Validation:
    """Validate a ticket as /serviceValidate, /proxyValidate (accept_proxy) or their /p3/
    versions (release: attributes) do, issuing a PGT through `pgt_url` when asked."""
    consumed = consume_ticket(
        value=value,
        service_url=service_url,
        accept_proxy=accept_proxy,
        renew=renew,
        pgt_url=pgt_url,
        address=address,
    )
    iou = ""
    if consumed.callback_service is not None:
        iou = grant_proxy_granting_ticket(
            origin=consumed.ticket,
            pgt_url=pgt_url,
            service=consumed.callback_service,
            address=address,
        )
    user, attributes = identity_for(consumed, release=release)
    return Validation(ticket=consumed.ticket, user=user, attributes=attributes, pgt_iou=iou)


def validate_saml_ticket(*, value: str, target: str, address: str | None = None) -> Validation:
    """Validate a service ticket for /samlValidate. Registered attributes are released only
    to an https TARGET (spec §4.2.1: "SAML attributes MUST NOT be released to a non-SSL
    site"); the authentication attributes always are."""
    consumed = consume_ticket(value=value, service_url=target, accept_proxy=False, address=address)
    ticket = consumed.ticket
    if urlsplit(target).scheme == "https":
        user, attributes = identity_for(consumed, release=True)
        return Validation(ticket=ticket, user=user, attributes=attributes)
    user, _ = identity_for(consumed, release=False)
    return Validation(ticket=ticket, user=user, attributes=authentication_attributes(ticket))


SAML_PROTOCOL = "{urn:oasis:names:tc:SAML:1.0:protocol}"


def parse_saml_request(body: bytes) -> tuple[str, str]:
    """Read the service ticket (AssertionArtifact) and the RequestID of a SAML 1.1 Request in
    its SOAP envelope. Raises CasError(INVALID_REQUEST) for anything else."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise CasError(Code.INVALID_REQUEST, "the body is not a SAML 1.1 request") from None
    request = root.find(f".//{SAML_PROTOCOL}Request")
    artifact = root.find(f".//{SAML_PROTOCOL}AssertionArtifact")
    if request is None or artifact is None or not (artifact.text or "").strip():
        raise CasError(Code.INVALID_REQUEST, "samlp:Request with samlp:AssertionArtifact expected")
    return (artifact.text or "").strip(), request.get("RequestID", "")[:200]


# ---------------------------------------------------------------------------------------------
# /cas/proxy


def grant_proxy_ticket(*, pgt: str, target_service: str, address: str | None = None) -> CasTicket:
    """Issue a proxy ticket for `target_service` on the strength of a proxy-granting ticket.
    Raises CasError (INVALID_REQUEST, INVALID_TICKET, UNAUTHORIZED_SERVICE) after recording
    the refusal."""
    granting = None
    if not pgt or not target_service:
        error: CasError | None = CasError(
            Code.INVALID_REQUEST, "'pgt' and 'targetService' parameters are both required"
        )
    else:
        granting = (
            CasTicket.objects.select_related("service", "person")
            .filter(ticket=pgt, kind=TicketKind.PROXY_GRANTING)
            .first()
        )
        error = _proxy_refusal(granting, target_service)
    if error is not None:
        _record_refusal(error, granting, pgt, target_service, address, "sso.cas.proxy.refuse")
        raise error
    assert granting is not None  # noqa: S101 (narrowing: _proxy_refusal refuses a missing PGT)
    target = approved_service(target_service)
    assert target is not None  # noqa: S101 (narrowing, idem)
    return _issue_proxy_ticket(granting, target, target_service, address)


def _proxy_refusal(granting: CasTicket | None, target_service: str) -> CasError | None:
    if (
        granting is None
        or granting.consumed_at is not None
        or granting.expires_at <= timezone.now()
        or not granting.service.is_approved
        or not granting.person.is_active
        or granting.person.suspended_at is not None
    ):
        return CasError(Code.INVALID_TICKET, "proxy-granting ticket not recognized")
    target = approved_service(target_service)
    if target is None:
        return CasError(Code.UNAUTHORIZED_SERVICE, "the target service is not authorised")
    if target.min_level > granting.level:
        return CasError(
            Code.UNAUTHORIZED_SERVICE, "the target service needs a stronger authentication"
        )
    return None


@transaction.atomic
def _issue_proxy_ticket(
    granting: CasTicket, target: Service, target_service: str, address: str | None
) -> CasTicket:
    created_at, expires_at = _expiry(settings.ENT_CAS_TICKET_SECONDS)
    ticket = CasTicket.objects.create(
        kind=TicketKind.PROXY,
        ticket=new_ticket("PT"),
        service=target,
        service_url=target_service,
        person=granting.person,
        session_key=granting.session_key,
        level=granting.level,
        method=granting.method,
        granted_by=granting,
        proxies=[granting.service_url, *granting.proxies],
        created_at=created_at,
        expires_at=expires_at,
    )
    record_service_login(
        service=target,
        person=granting.person,
        session_key=granting.session_key,
        data={"ticket": ticket.ticket, "service_url": target_service},
    )
    record(
        actor=granting.person,
        action="sso.cas.proxy.grant",
        target=target,
        address=address,
        data={
            "ticket": _shorten(ticket.ticket),
            "ticket_id": ticket.pk,
            "pgt_id": granting.pk,
            "proxies": ticket.proxies,
            "service_url": target_service,
        },
    )
    return ticket


# ---------------------------------------------------------------------------------------------
# Single logout


def logout_request(ticket: str) -> str:
    """The SAML-style logoutRequest of the CAS specification (Appendix C)."""
    from .cas_responses import logout_request_xml

    return logout_request_xml(ticket=ticket, request_id=new_ticket("LR"), at=timezone.now())


def send_cas_logout(login: ServiceLogin) -> str:
    """POST the logoutRequest naming the service ticket to the service's logout URL, or else
    to the service URL the ticket was issued for; return the outcome for the audit."""
    ticket = str(login.data.get("ticket", ""))
    url = login.service.logout_url or str(login.data.get("service_url", ""))
    if not url and ticket:
        url = (
            CasTicket.objects.filter(ticket=ticket).values_list("service_url", flat=True).first()
            or ""
        )
    if not ticket or not re.match(r"https?://", url):
        return "not sent: no ticket or no logout URL"
    response = requests.post(
        url,
        data={"logoutRequest": logout_request(ticket)},
        timeout=HTTP_TIMEOUT,
        allow_redirects=False,
    )
    verdict = "sent" if response.status_code < 400 else "failed"
    return f"{verdict}: HTTP {response.status_code}"


def expire_session_tickets(person: User, session_key: str) -> None:
    """When an ENT session ends, its unused tickets and its proxy-granting tickets die with it
    (spec §3.3.1; SOC-SEC-PII-02: logout destroys every proof issued)."""
    if session_key:
        CasTicket.objects.filter(
            person=person, session_key=session_key, consumed_at__isnull=True
        ).update(consumed_at=timezone.now())


register_logout_sender(Protocol.CAS, send_cas_logout)
register_session_end_hook(expire_session_tickets)
