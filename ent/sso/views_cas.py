"""The CAS endpoints. /cas/login and /cas/logout are pages for people; the others answer
services and are public by nature (a service, not a person, calls them). A protocol endpoint
answers with the protocol's own error, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.identity.session import client_address

from . import cas_responses as answer
from .cas import (
    CasError,
    Code,
    ServiceNotAuthorised,
    answer_login,
    answer_logout,
    approved_service,
    flag,
    grant_proxy_ticket,
    parse_saml_request,
    validate_saml_ticket,
    validate_service_ticket,
)
from .permissions import may_use_connector

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]
Failure = Callable[[HttpRequest, CasError], HttpResponse]


def _as_json(request: HttpRequest) -> bool:
    return request.GET.get("format", "XML").upper() == "JSON"


def _check_format(request: HttpRequest) -> None:
    if request.GET.get("format", "XML").upper() not in {"XML", "JSON"}:
        raise CasError(Code.INVALID_REQUEST, "format must be XML or JSON")


def protocol_endpoint(failure: Failure) -> Callable[[View], View]:
    """Make a view public, uncached, and answer any unexpected error with INTERNAL_ERROR."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Exception:  # a service gets the protocol's error, never a 500
                logger.exception("CAS endpoint %s failed", request.path)
                error = CasError(Code.INTERNAL_ERROR, "internal error")
                return failure(request, error)

        return login_not_required(never_cache(wrapper))

    return decorate


def _validation_failure(request: HttpRequest, error: CasError) -> HttpResponse:
    return answer.validation_failure(error, as_json=_as_json(request))


def _proxy_failure(request: HttpRequest, error: CasError) -> HttpResponse:
    return answer.proxy_failure(error, as_json=_as_json(request))


def _saml_failure(request: HttpRequest, error: CasError) -> HttpResponse:
    return answer.saml_failure(error, target=request.GET.get("TARGET", ""), in_response_to="")


def _text_failure(request: HttpRequest, error: CasError) -> HttpResponse:
    return answer.validate_text(None)


def _not_granted(request: HttpRequest, service_url: str) -> bool:
    """Tell whether the signed-in person may not use the connector `service_url` names (its
    service code is not granted to them); audit the refusal."""
    if not service_url or not request.user.is_authenticated:
        return False
    service = approved_service(service_url)
    if service is None or may_use_connector(request.user, service):
        return False
    record(
        actor=request.user,
        action="sso.cas.login.refuse",
        target=service,
        outcome=Outcome.FAILURE,
        address=client_address(request),
        data={"service_url": service_url[:500], "reason": "service not granted"},
    )
    return True


@login_not_required
@never_cache
@require_GET
def login(request: HttpRequest) -> HttpResponse:
    """/cas/login: a ticket for the service, the login page, or the signed-in page."""
    service_url = request.GET.get("service", "")
    if _not_granted(request, service_url):
        message = gettext(
            "You have not been given access to this service. Ask your school's ENT administrator."
        )
        context = {"service_url": service_url, "message": message}
        return render(request, "sso/cas_unauthorised.html", context, status=403)
    try:
        target = answer_login(
            request,
            service_url=service_url,
            renew=flag(request.GET.get("renew")),
            gateway=flag(request.GET.get("gateway")),
        )
    except ServiceNotAuthorised:
        return render(
            request, "sso/cas_unauthorised.html", {"service_url": service_url}, status=403
        )
    if target:
        return HttpResponseRedirect(target)
    return render(request, "sso/cas_signed_in.html")


@login_not_required
@never_cache
@require_GET
def logout(request: HttpRequest) -> HttpResponse:
    """/cas/logout: end the session everywhere; go back to `service` (or the CAS 2.0 `url`)
    only when it is an approved service."""
    service_url = request.GET.get("service") or request.GET.get("url") or ""
    target = answer_logout(request, service_url=service_url)
    if target:
        return HttpResponseRedirect(target)
    return render(request, "sso/cas_logged_out.html")


@require_GET
@protocol_endpoint(_text_failure)
def validate(request: HttpRequest) -> HttpResponse:
    """/cas/validate (CAS 1.0): `yes\\n<user>\\n` or `no\\n`; proxy tickets are refused."""
    try:
        validation = validate_service_ticket(
            value=request.GET.get("ticket", ""),
            service_url=request.GET.get("service", ""),
            accept_proxy=False,
            release=False,
            renew=flag(request.GET.get("renew")),
            address=client_address(request),
        )
    except CasError:
        return answer.validate_text(None)
    return answer.validate_text(validation.user)


@require_GET
@protocol_endpoint(_validation_failure)
def service_validate(request: HttpRequest, *, accept_proxy: bool, release: bool) -> HttpResponse:
    """/serviceValidate and /proxyValidate (CAS 2.0), /p3/… (CAS 3.0, with attributes)."""
    try:
        _check_format(request)
        validation = validate_service_ticket(
            value=request.GET.get("ticket", ""),
            service_url=request.GET.get("service", ""),
            accept_proxy=accept_proxy,
            release=release,
            renew=flag(request.GET.get("renew")),
            pgt_url=request.GET.get("pgtUrl", ""),
            address=client_address(request),
        )
    except CasError as error:
        return answer.validation_failure(error, as_json=_as_json(request))
    return answer.validation_success(validation, as_json=_as_json(request))


@require_GET
@protocol_endpoint(_proxy_failure)
def proxy(request: HttpRequest) -> HttpResponse:
    """/cas/proxy: a proxy ticket for `targetService` on the strength of a PGT."""
    try:
        _check_format(request)
        ticket = grant_proxy_ticket(
            pgt=request.GET.get("pgt", ""),
            target_service=request.GET.get("targetService", ""),
            address=client_address(request),
        )
    except CasError as error:
        return answer.proxy_failure(error, as_json=_as_json(request))
    return answer.proxy_success(ticket.ticket, as_json=_as_json(request))


@csrf_exempt
@require_POST
@protocol_endpoint(_saml_failure)
def saml_validate(request: HttpRequest) -> HttpResponse:
    """/cas/samlValidate (CAS 3.0): a SAML 1.1 Request in, a SAML 1.1 Response out."""
    target = request.GET.get("TARGET", "")
    request_id = ""
    try:
        artifact, request_id = parse_saml_request(request.body)
        validation = validate_saml_ticket(
            value=artifact, target=target, address=client_address(request)
        )
    except CasError as error:
        return answer.saml_failure(error, target=target, in_response_to=request_id)
    return answer.saml_success(
        validation, target=target, issuer=request.get_host(), in_response_to=request_id
    )
