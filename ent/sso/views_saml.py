"""SAML 2.0 endpoints: the ENT's identity provider (/saml/idp/), its federation service
provider (/saml/sp/) and the discovery page. Every endpoint is public: services, identity
providers and not-yet-signed-in browsers call them; each decides itself who may go on.
Refusals show a page (never a 500) and are audited by the actions they come from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from ent.identity.session import client_address, login_url

from . import saml_idp, saml_sp
from .models import Audience, IdentityProvider
from .saml import Outgoing, SamlError, idp_config, signed_metadata, sp_config

if TYPE_CHECKING:
    from ent.directory.models import User

METADATA_TYPE = "application/samlmetadata+xml"
BAD_INPUT = {"missing", "malformed", "too_large"}


def _actor(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None


def _message(request: HttpRequest) -> tuple[str, dict[str, str]]:
    if request.method == "POST":
        return BINDING_HTTP_POST, request.POST.dict()
    return BINDING_HTTP_REDIRECT, request.GET.dict()


def _refused(request: HttpRequest, error: SamlError) -> HttpResponse:
    status = 400 if error.reason in BAD_INPUT else 403
    return render(request, "sso/saml_error.html", {"error": error}, status=status)


def _send(request: HttpRequest, outgoing: Outgoing | None) -> HttpResponse:
    if outgoing is None:
        return render(request, "sso/saml_logged_out.html")
    if outgoing.is_post:
        return render(request, "sso/saml_post.html", {"outgoing": outgoing})
    return HttpResponseRedirect(outgoing.url)


@login_not_required
@require_GET
def idp_metadata(request: HttpRequest) -> HttpResponse:
    return HttpResponse(signed_metadata(idp_config()), content_type=METADATA_TYPE)


@login_not_required
@require_GET
def sp_metadata(request: HttpRequest) -> HttpResponse:
    return HttpResponse(signed_metadata(sp_config()), content_type=METADATA_TYPE)


@csrf_exempt  # a SAML binding: the service's form carries a signed message, not our token
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def idp_sso(request: HttpRequest) -> HttpResponse:
    binding, params = _message(request)
    try:
        pending = saml_idp.receive_authn_request(
            actor=_actor(request),
            address=client_address(request),
            binding=binding,
            message=params.get("SAMLRequest", ""),
            relay_state=params.get("RelayState", ""),
            sig_alg=params.get("SigAlg"),
            signature=params.get("Signature"),
        )
    except SamlError as error:
        return _refused(request, error)
    return HttpResponseRedirect(pending.url())


@login_not_required  # sends to the login page itself, with the level the service needs
@never_cache
@require_GET
def idp_continue(request: HttpRequest) -> HttpResponse:
    try:
        outgoing = saml_idp.answer_authn_request(request, token=request.GET.get("request", ""))
    except SamlError as error:
        return _refused(request, error)
    return _send(request, outgoing)


@csrf_exempt  # a SAML binding
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def idp_slo(request: HttpRequest) -> HttpResponse:
    binding, params = _message(request)
    try:
        pending = saml_idp.receive_logout_request(
            actor=_actor(request),
            address=client_address(request),
            binding=binding,
            message=params.get("SAMLRequest", ""),
            relay_state=params.get("RelayState", ""),
            sig_alg=params.get("SigAlg"),
            signature=params.get("Signature"),
        )
    except SamlError as error:
        return _refused(request, error)
    return HttpResponseRedirect(pending.url())


@login_not_required
@never_cache
@require_GET
def idp_slo_continue(request: HttpRequest) -> HttpResponse:
    try:
        outgoing = saml_idp.answer_logout_request(request, token=request.GET.get("request", ""))
    except SamlError as error:
        return _refused(request, error)
    return _send(request, outgoing)


@login_not_required
@never_cache
@require_GET
def sp_login(request: HttpRequest, slug: str) -> HttpResponse:
    provider = get_object_or_404(IdentityProvider.objects.filter(is_enabled=True), slug=slug)
    try:
        outgoing = saml_sp.start_federated_login(
            actor=_actor(request),
            address=client_address(request),
            provider=provider,
            next_url=request.GET.get("next", ""),
        )
    except SamlError as error:
        return _refused(request, error)
    return _send(request, outgoing)


@csrf_exempt  # a SAML binding: the identity provider posts a signed response
@login_not_required
@never_cache
@require_POST
def sp_acs(request: HttpRequest) -> HttpResponse:
    try:
        federated = saml_sp.receive_response(
            actor=_actor(request),
            address=client_address(request),
            message=request.POST.get("SAMLResponse", ""),
            relay_state=request.POST.get("RelayState", ""),
        )
    except SamlError as error:
        return _refused(request, error)
    if len(federated.people) > 1:
        saml_sp.offer_choice(request, federated)
        return HttpResponseRedirect(reverse("sso:saml-sp-choose"))
    person_id = federated.people[0]
    return HttpResponseRedirect(
        saml_sp.sign_in_federated(request, federated=federated, person_id=person_id)
    )


@login_not_required  # between the identity provider's answer and the session
@never_cache
@require_http_methods(["GET", "POST"])
def sp_choose(request: HttpRequest) -> HttpResponse:
    federated = saml_sp.pending_choice(request)
    if federated is None:
        raise Http404
    if request.method == "POST":
        try:
            person_id = int(request.POST.get("person", ""))
        except ValueError:
            person_id = 0
        if person_id in federated.people:
            return HttpResponseRedirect(saml_sp.choose_account(request, person_id=person_id))
    people = saml_sp.choice_people(federated)
    return render(request, "sso/saml_choose.html", {"people": people})


@csrf_exempt  # a SAML binding
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sp_slo(request: HttpRequest) -> HttpResponse:
    binding, params = _message(request)
    try:
        pending = saml_sp.receive_federation_logout(
            actor=_actor(request), address=client_address(request), binding=binding, params=params
        )
    except SamlError as error:
        return _refused(request, error)
    if pending is None:
        return render(request, "sso/saml_logged_out.html")
    return HttpResponseRedirect(pending.url())


@login_not_required
@never_cache
@require_GET
def sp_slo_continue(request: HttpRequest) -> HttpResponse:
    try:
        outgoing = saml_sp.answer_federation_logout(request, token=request.GET.get("request", ""))
    except SamlError as error:
        return _refused(request, error)
    return _send(request, outgoing)


@login_not_required
@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    next_url = saml_sp.safe_next(request.GET.get("next", ""))
    providers = saml_sp.providers_by_audience()
    context = {
        "next": next_url,
        "pupils_and_parents": providers[Audience.PUPILS_AND_PARENTS],
        "staff": providers[Audience.STAFF],
        "login": login_url(next_url or "/"),
    }
    return render(request, "sso/discovery.html", context)
