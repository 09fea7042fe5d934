"""What the CAS server answers: the CAS 1.0 text, the CAS 2.0/3.0 serviceResponse in XML or
JSON (spec Appendix A, §2.5.2), the SAML 1.1 response of /samlValidate (§4.2.5) and the
logoutRequest of single logout (Appendix C). Text built here is escaped here."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpResponse
from django.utils import timezone

if TYPE_CHECKING:
    from .cas import CasError, Validation

CAS_NS = "http://www.yale.edu/tp/cas"
CAS_ATTRIBUTE_NS = "http://www.ja-sig.org/products/cas/"
XML_TYPE = "application/xml; charset=utf-8"
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
SAML_VALIDITY = timedelta(seconds=30)
SAML_METHODS = {
    "PASSWORD": "urn:oasis:names:tc:SAML:1.0:am:password",
}
SAML_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.0:am:unspecified"


def _instant(at: datetime) -> str:
    """An xs:dateTime in UTC with milliseconds, as SAML writes it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _xml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type=XML_TYPE)


def _json(payload: Mapping[str, object]) -> HttpResponse:
    return HttpResponse(json.dumps({"serviceResponse": payload}), content_type=JSON_TYPE)


def _service_response(inner: str) -> HttpResponse:
    return _xml(f'<cas:serviceResponse xmlns:cas="{CAS_NS}">\n{inner}</cas:serviceResponse>\n')


# ---------------------------------------------------------------------------------------------
# CAS 1.0


def validate_text(user: str | None) -> HttpResponse:
    """`yes\\n<user>\\n` or `no\\n` (CAS 1.0 /validate)."""
    body = f"yes\n{user}\n" if user is not None else "no\n"
    return HttpResponse(body, content_type=TEXT_TYPE)


# ---------------------------------------------------------------------------------------------
# CAS 2.0 and 3.0


def validation_success(validation: Validation, *, as_json: bool) -> HttpResponse:
    """The authenticationSuccess block: user, attributes (3.0), PGT IOU, proxies."""
    attributes = {name: values for name, values in validation.attributes.items() if values}
    proxies = validation.proxies
    if as_json:
        success: dict[str, object] = {"user": validation.user}
        if attributes:
            success["attributes"] = attributes
        if validation.pgt_iou:
            success["proxyGrantingTicket"] = validation.pgt_iou
        if proxies:
            success["proxies"] = proxies
        return _json({"authenticationSuccess": success})
    lines = [f"  <cas:user>{escape(validation.user)}</cas:user>\n"]
    if attributes:
        lines.append("  <cas:attributes>\n")
        for name, values in attributes.items():
            lines.extend(f"    <cas:{name}>{escape(value)}</cas:{name}>\n" for value in values)
        lines.append("  </cas:attributes>\n")
    if validation.pgt_iou:
        lines.append(
            f"  <cas:proxyGrantingTicket>{escape(validation.pgt_iou)}</cas:proxyGrantingTicket>\n"
        )
    if proxies:
        lines.append("  <cas:proxies>\n")
        lines.extend(f"    <cas:proxy>{escape(proxy)}</cas:proxy>\n" for proxy in proxies)
        lines.append("  </cas:proxies>\n")
    body = "".join(lines)
    return _service_response(f" <cas:authenticationSuccess>\n{body} </cas:authenticationSuccess>\n")


def validation_failure(error: CasError, *, as_json: bool) -> HttpResponse:
    """The authenticationFailure block with the specification's code."""
    return _failure("authenticationFailure", error, as_json=as_json)


def proxy_success(ticket: str, *, as_json: bool) -> HttpResponse:
    """The proxySuccess block of /proxy."""
    if as_json:
        return _json({"proxySuccess": {"proxyTicket": ticket}})
    return _service_response(
        f" <cas:proxySuccess>\n  <cas:proxyTicket>{escape(ticket)}</cas:proxyTicket>\n"
        " </cas:proxySuccess>\n"
    )


def proxy_failure(error: CasError, *, as_json: bool) -> HttpResponse:
    """The proxyFailure block of /proxy."""
    return _failure("proxyFailure", error, as_json=as_json)


def _failure(element: str, error: CasError, *, as_json: bool) -> HttpResponse:
    if as_json:
        return _json({element: {"code": str(error.code), "description": error.description}})
    return _service_response(
        f" <cas:{element} code={quoteattr(str(error.code))}>{escape(error.description)}"
        f"</cas:{element}>\n"
    )


# ---------------------------------------------------------------------------------------------
# SAML 1.1 (/samlValidate)

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
    "<SOAP-ENV:Header/><SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
)
_RESPONSE_OPEN = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" '
    'MajorVersion="1" MinorVersion="1" ResponseID={response_id} IssueInstant={now}'
    "{recipient}{in_response_to}>"
)


def _saml_response(
    status: str, *, recipient: str, in_response_to: str, assertion: str = ""
) -> HttpResponse:
    now = timezone.now()
    opening = _RESPONSE_OPEN.format(
        response_id=quoteattr("_" + secrets.token_hex(16)),
        now=quoteattr(_instant(now)),
        recipient=f" Recipient={quoteattr(recipient)}" if recipient else "",
        in_response_to=f" InResponseTo={quoteattr(in_response_to)}" if in_response_to else "",
    )
    body = f"{opening}<samlp:Status>{status}</samlp:Status>{assertion}</samlp:Response>"
    return HttpResponse(_ENVELOPE.format(body=body), content_type="text/xml; charset=utf-8")


def _saml_subject(name: str) -> str:
    return (
        f"<saml:Subject><saml:NameIdentifier>{escape(name)}</saml:NameIdentifier>"
        "<saml:SubjectConfirmation><saml:ConfirmationMethod>"
        "urn:oasis:names:tc:SAML:1.0:cm:artifact"
        "</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>"
    )


def saml_success(
    validation: Validation, *, target: str, issuer: str, in_response_to: str
) -> HttpResponse:
    """A SAML 1.1 Response with the assertion: conditions bound to the service (its
    Audience), the attribute statement and the authentication statement."""
    now = timezone.now()
    subject = _saml_subject(validation.user)
    attributes = "".join(
        f"<saml:Attribute AttributeName={quoteattr(name)} "
        f"AttributeNamespace={quoteattr(CAS_ATTRIBUTE_NS)}>"
        + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for name, values in validation.attributes.items()
        if values
    )
    method = SAML_METHODS.get(validation.ticket.method, SAML_UNSPECIFIED)
    assertion = (
        f"<saml:Assertion AssertionID={quoteattr('_' + secrets.token_hex(16))} "
        f"IssueInstant={quoteattr(_instant(now))} Issuer={quoteattr(issuer)} "
        'MajorVersion="1" MinorVersion="1">'
        f"<saml:Conditions NotBefore={quoteattr(_instant(now))} "
        f"NotOnOrAfter={quoteattr(_instant(now + SAML_VALIDITY))}>"
        f"<saml:AudienceRestrictionCondition><saml:Audience>{escape(target)}</saml:Audience>"
        "</saml:AudienceRestrictionCondition></saml:Conditions>"
        f"<saml:AttributeStatement>{subject}{attributes}</saml:AttributeStatement>"
        f"<saml:AuthenticationStatement AuthenticationMethod={quoteattr(method)} "
        f"AuthenticationInstant={quoteattr(_instant(validation.authenticated_at))}>"
        f"{subject}</saml:AuthenticationStatement></saml:Assertion>"
    )
    return _saml_response(
        '<samlp:StatusCode Value="samlp:Success"/>',
        recipient=target,
        in_response_to=in_response_to,
        assertion=assertion,
    )


def saml_failure(error: CasError, *, target: str, in_response_to: str) -> HttpResponse:
    """A SAML 1.1 Response without assertion: the requester's fault (a bad or used ticket),
    or the responder's (INTERNAL_ERROR); the CAS code leads the status message."""
    top = "samlp:Responder" if str(error.code) == "INTERNAL_ERROR" else "samlp:Requester"
    status = (
        f'<samlp:StatusCode Value="{top}"><samlp:StatusCode Value="samlp:RequestDenied"/>'
        f"</samlp:StatusCode><samlp:StatusMessage>{escape(str(error))}</samlp:StatusMessage>"
    )
    return _saml_response(status, recipient=target, in_response_to=in_response_to)


# ---------------------------------------------------------------------------------------------
# Single logout


def logout_request_xml(*, ticket: str, request_id: str, at: datetime) -> str:
    """The logoutRequest POSTed to services: its SessionIndex is the service ticket."""
    return (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID={quoteattr(request_id)} Version="2.0" IssueInstant={quoteattr(_instant(at))}>'
        "<saml:NameID>@NOT_USED@</saml:NameID>"
        f"<samlp:SessionIndex>{escape(ticket)}</samlp:SessionIndex>"
        "</samlp:LogoutRequest>"
    )
