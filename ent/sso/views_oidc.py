"""OpenID Connect endpoints: django-oauth-toolkit's views, bound to the service registry, the
ENT session and the audit trail (see oidc.py). Only the authorization and logout pages are
seen by people; the others are called by services and are public by nature."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from oauth2_provider import views as dot

from ent.identity.session import client_address, end_session

from .oidc import (
    client_exists,
    client_id_of,
    login_redirect,
    provider_metadata,
    reauthentication_url,
    record_refusal,
    service_for_client,
    session_snapshot,
)
from .permissions import may_use_connector

AUTHORIZE_TEMPLATE = "sso/oidc_authorize.html"


def _error_code(response: HttpResponse) -> str:
    try:
        return str(json.loads(response.content).get("error", ""))
    except (ValueError, AttributeError):
        return f"http_{response.status_code}"


def _actor(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _unapproved(request: HttpRequest, client_id: str) -> HttpResponse:
    """Refuse a registered client whose service is not approved, or disabled: shown to the
    person, never sent to a redirect URI the data controller did not approve."""
    record_refusal(
        endpoint="authorize",
        error="unauthorized_client",
        client_id=client_id,
        actor=_actor(request),
        address=client_address(request),
    )
    error = {
        "error": "unauthorized_client",
        "description": _("This service is not approved to receive your identity."),
    }
    return render(request, AUTHORIZE_TEMPLATE, {"error": error}, status=400)


def _not_granted(request: HttpRequest, client_id: str) -> HttpResponse:
    """Refuse a person who was not given the connector's service code: shown to the person,
    the client hears nothing."""
    record_refusal(
        endpoint="authorize",
        error="access_denied",
        client_id=client_id,
        actor=_actor(request),
        address=client_address(request),
    )
    error = {
        "error": "access_denied",
        "description": _(
            "You have not been given access to this service. Ask your school's ENT administrator."
        ),
    }
    return render(request, AUTHORIZE_TEMPLATE, {"error": error}, status=403)


@login_not_required
@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    """The provider's configuration, read by every relying party (public)."""
    response = JsonResponse(provider_metadata(request))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@method_decorator(login_not_required, name="dispatch")
class AuthorizeView(dot.AuthorizationView):  # type: ignore[misc]  # misc: DOT is untyped
    """The authorization endpoint: an ENT session, of the level the service needs, and a
    service the data controller approved, or the protocol's error."""

    template_name = AUTHORIZE_TEMPLATE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client_id = request.GET.get("client_id") or request.POST.get("client_id") or ""
        service = service_for_client(client_id)
        if client_exists(client_id) and (service is None or not service.is_approved):
            return _unapproved(request, client_id)
        if service is not None and request.user.is_authenticated:
            if not may_use_connector(request.user, service):
                return _not_granted(request, client_id)
            step_up = reauthentication_url(request, service)
            if step_up is not None:
                if "none" in request.GET.get("prompt", "").split():
                    refusal: HttpResponse = super().handle_no_permission()  # login_required
                    return refusal
                return redirect(step_up)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    def handle_no_permission(self) -> HttpResponse:
        if "none" in self.request.GET.get("prompt", "").split():
            # OIDC Core 3.1.2.6: no login page, but login_required sent to the client.
            refusal: HttpResponse = super().handle_no_permission()
            return refusal
        return redirect(login_redirect(self.request))

    def create_authorization_response(
        self, request: HttpRequest, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> Any:
        credentials["ent_session"] = session_snapshot(request)
        return super().create_authorization_response(request, scopes, credentials, allow)

    def error_response(self, error: Any, application: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        record_refusal(
            endpoint="authorize",
            error=error.oauthlib_error.error,
            client_id=request.GET.get("client_id") or request.POST.get("client_id") or "",
            actor=_actor(request),
            address=client_address(request),
        )
        response: HttpResponse = super().error_response(error, application, **kwargs)
        return response


class TokenView(dot.TokenView):  # type: ignore[misc]  # misc: DOT is untyped
    """The token endpoint (public, CSRF-exempt, client-authenticated); refusals are audited."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(request, *args, **kwargs)
        if response.status_code >= 400:
            record_refusal(
                endpoint="token",
                error=_error_code(response),
                client_id=client_id_of(request),
                address=client_address(request),
            )
        return response


class UserInfoView(dot.UserInfoView):  # type: ignore[misc]  # misc: DOT is untyped
    """The userinfo endpoint (public, bearer token); refusals are audited."""

    def _create_userinfo_response(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = super()._create_userinfo_response(request)
        if response.status_code >= 400:
            record_refusal(
                endpoint="userinfo", error=_error_code(response), address=client_address(request)
            )
        return response


@method_decorator(login_not_required, name="dispatch")
class LogoutView(dot.RPInitiatedLogoutView):  # type: ignore[misc]  # misc: DOT is untyped
    """RP-initiated logout: ends the ENT session, so every service hears of it."""

    template_name = "sso/oidc_logout.html"

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        if self.request.user.is_authenticated:
            end_session(self.request, reason="oidc-logout")
        response: HttpResponse = super().do_logout(
            application, post_logout_redirect_uri, state, token_user
        )
        return response

    def error_response(self, error: Any) -> HttpResponse:
        record_refusal(
            endpoint="logout",
            error=str(getattr(error, "error", "invalid_request")),
            client_id=self.request.GET.get("client_id") or self.request.POST.get("client_id") or "",
            actor=_actor(self.request),
            address=client_address(self.request),
        )
        response: HttpResponse = super().error_response(error)
        return response


revoke = dot.RevokeTokenView.as_view()
jwks = dot.JwksInfoView.as_view()
