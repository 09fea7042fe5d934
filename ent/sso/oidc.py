"""The OpenID Connect provider, built on django-oauth-toolkit (DOT): client registration, the
validator that binds every code and token to the service registry and to the ENT session, the
claims released, and back-channel logout (OpenID Connect Back-Channel Logout 1.0).

An authorization records a `ServiceLogin` whose `data` holds the session id (`sid`) given to
the service, how the session was authenticated, a digest of the code, and, once the code is
exchanged, the refresh-token family. The token endpoint finds the session through the code
(then through the family on refresh), and single logout revokes that family and posts a
logout token to the service.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError
from urllib.parse import unquote, urlencode, urlparse
from urllib.request import Request as UrlRequest
from urllib.request import urlopen

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from jwcrypto import jwt
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem
from oauthlib.common import Request as OauthlibRequest
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.identity.models import Method
from ent.identity.session import (
    LEVELS,
    authenticated_at,
    client_address,
    login_url,
    session_level,
    session_method,
)

from .actions import (
    ensure_subject,
    record_service_login,
    register_logout_sender,
    release_attributes,
)
from .models import Protocol, Service, ServiceLogin

if TYPE_CHECKING:
    from ent.directory.models import User

logger = logging.getLogger(__name__)

# The scope the ENT's own apps ask for to call /api/v1/ (SOC-INT-PSE-03).
API_SCOPE = "api"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120
LOGOUT_TIMEOUT_SECONDS = 5
CONFIDENTIAL = "confidential"
PUBLIC = "public"

# Registry attribute -> claim: the standard OIDC name where there is one, "ent_…" otherwise.
CLAIM_NAMES = {
    "login": "preferred_username",
    "first_name": "given_name",
    "last_name": "family_name",
    "display_name": "name",
    "email": "email",
    "uuid": "ent_uuid",
    "profiles": "ent_profiles",
    "schools": "ent_schools",
    "classes": "ent_classes",
    "aaf_joint_key": "ent_aaf_joint_key",
}
SINGLE_VALUED = {"login", "first_name", "last_name", "display_name", "email", "uuid"}
# SOC-SEC-PII-02: the means of authentication, as RFC 8176 `amr` values.
AMR = {
    Method.PASSWORD: ["pwd"],
    Method.TOTP: ["pwd", "otp", "mfa"],
    Method.FEDERATION: ["fed"],
    Method.CARD: ["card"],
}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- the registry side -------------------------------------------------------------------


def service_for_client(client_id: str) -> Service | None:
    """Return the OIDC service registered with `client_id`, approved or not."""
    if not client_id:
        return None
    found: Service | None = Service.objects.filter(
        protocol=Protocol.OIDC, client_id=client_id
    ).first()
    return found


def approved_service_for_client(client_id: str) -> Service | None:
    """Return the OIDC service of `client_id` if the data controller approved it and it is on."""
    service = service_for_client(client_id)
    return service if service is not None and service.is_approved else None


def client_exists(client_id: str) -> bool:
    """Say whether an OAuth client `client_id` is registered at all."""
    return bool(client_id) and get_application_model().objects.filter(client_id=client_id).exists()


def register_oidc_client(
    *,
    actor: User | None,
    service: Service,
    redirect_uris: list[str],
    client_type: str = CONFIDENTIAL,
) -> str:
    """Create the OAuth client of an OIDC service (authorization code with PKCE, ID tokens
    signed RS256) and return its secret in clear, this once: DOT keeps only its hash."""
    if client_type not in {CONFIDENTIAL, PUBLIC}:
        raise ValidationError(_("The client type is confidential or public."))
    application_model = get_application_model()
    secret = generate_client_secret()
    application = application_model(
        client_id=service.client_id or generate_client_id(),
        name=service.name[:255],
        client_type=client_type,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(redirect_uris),
        # A public client (the mobile app) never shows this secret: it proves itself by PKCE.
        client_secret=secret,
        hash_client_secret=True,
        # Nobody is asked to consent: the data controller approved the service for everyone.
        skip_authorization=True,
        algorithm=application_model.RS256_ALGORITHM,
    )
    application.full_clean()
    application.save()
    service.client_id = application.client_id
    service.save(update_fields=["client_id"])
    record(
        actor=actor,
        action="sso.oidc.client.register",
        target=service,
        data={"client_id": service.client_id, "type": client_type, "redirect_uris": redirect_uris},
    )
    return secret if client_type == CONFIDENTIAL else ""


# --- the ENT session side ----------------------------------------------------------------


def issuer(request: HttpRequest | OauthlibRequest) -> str:
    """Return the issuer: ENT_OIDC_ISSUER, or the scheme and host the request came to."""
    configured: str = oauth2_settings.OIDC_ISS_ENDPOINT
    if configured:
        return configured
    if isinstance(request, HttpRequest):
        return request.build_absolute_uri("/").rstrip("/")
    http = _ForwardedRequest(secure=bool(request.headers.get("X_DJANGO_OAUTH_TOOLKIT_SECURE")))
    http.META = dict(request.headers)
    return http.build_absolute_uri("/").rstrip("/")


class _ForwardedRequest(HttpRequest):
    """A Django request rebuilt from the headers oauthlib carries, to read the host from."""

    def __init__(self, *, secure: bool) -> None:
        super().__init__()
        self._secure = secure

    def _get_scheme(self) -> str:
        return "https" if self._secure else "http"


def session_id(service: Service, session_key: str) -> str:
    """Return the `sid` `service` knows this ENT session by: opaque and different for each
    service, so two services cannot link their sessions (SOC-SEC-PII-03)."""
    return salted_hmac("ent.sso.oidc.sid", f"{service.pk}:{session_key}").hexdigest()[:32]


def session_snapshot(request: HttpRequest) -> dict[str, str]:
    """Return what an authorization keeps of the ENT session: its key, level, method and time."""
    at = authenticated_at(request)
    return {
        "session_key": request.session.session_key or "",
        "level": str(session_level(request)),
        "method": session_method(request),
        "auth_time": str(int(at.timestamp() if at else time.time())),
        "address": client_address(request) or "",
    }


def _requested_level(acr_values: str) -> int:
    for value in acr_values.split():
        if value.isdigit() and int(value) in LEVELS:
            return int(value)
    return 0


def _path_without_login_prompt(request: HttpRequest) -> str:
    query = request.GET.copy()
    prompts = [p for p in query.get("prompt", "").split() if p != "login"]
    if prompts:
        query["prompt"] = " ".join(prompts)
    else:
        query.pop("prompt", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def login_redirect(request: HttpRequest) -> str:
    """Return the login page for an anonymous visitor, coming back here afterwards."""
    return login_url(_path_without_login_prompt(request))


def reauthentication_url(request: HttpRequest, service: Service) -> str | None:
    """Return where to sign in again before `service` gets this person, or None: a stronger
    level (SOC-SEC-IAU-12: the service's `min_level`, or the client's `acr_values`), or a fresh
    login (prompt=login, max_age)."""
    required = max(service.min_level, _requested_level(request.GET.get("acr_values", "")))
    if session_level(request) < required:
        return login_url(request.get_full_path(), level=required)
    if "login" in request.GET.get("prompt", "").split():
        return login_url(_path_without_login_prompt(request), renew=True)
    max_age = request.GET.get("max_age", "")
    at = authenticated_at(request)
    if (
        max_age.isdigit()
        and at is not None
        and timezone.now() - at > timedelta(seconds=int(max_age))
    ):
        return login_url(request.get_full_path(), renew=True)
    return None


@transaction.atomic
def record_authorization(
    *, service: Service, person: User, code: str, session: dict[str, str], issued_by: str
) -> ServiceLogin:
    """Remember that `service` got an authorization code for `person` in this ENT session, so
    the token endpoint finds the session and single logout reaches the service; audit it."""
    sid = session_id(service, session["session_key"])
    login = record_service_login(
        service=service,
        person=person,
        session_key=session["session_key"],
        data={
            "sid": sid,
            "grant": _digest(code),
            "level": session["level"],
            "method": session["method"],
            "auth_time": session["auth_time"],
            "iss": issued_by,
        },
    )
    record(
        actor=person,
        action="sso.oidc.code.issue",
        target=service,
        address=session["address"] or None,
        data={"sid": sid, "level": session["level"], "method": session["method"]},
    )
    return login


def record_refusal(
    *,
    endpoint: str,
    error: str,
    client_id: str = "",
    actor: User | None = None,
    address: str | None = None,
) -> None:
    """Audit a request the provider refused, with the protocol's error code."""
    record(
        actor=actor,
        action=f"sso.oidc.{endpoint}.refuse",
        target=service_for_client(client_id[:100]),
        outcome=Outcome.FAILURE,
        address=address,
        data={"error": error[:100], "client_id": client_id[:100]},
    )


def client_id_of(request: HttpRequest) -> str:
    """Return the client id a token request names, in its body or its Basic credentials."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return ""
        return unquote(decoded.partition(":")[0])
    return str(request.POST.get("client_id", ""))


# --- claims --------------------------------------------------------------------------------


def claims_for(*, service: Service, person: User, session_key: str = "") -> dict[str, Any]:
    """Return the claims `service` may receive about `person`: `sub` (the per-service subject,
    SOC-SEC-PII-03) and exactly the registry's attributes (SOC-INT-ASE-04); audit the release."""
    released = release_attributes(service=service, person=person, session_key=session_key)
    claims: dict[str, Any] = {"sub": released.pop("subject")[0]}
    for name, values in released.items():
        claim = CLAIM_NAMES.get(name, f"ent_{name}")
        if name in SINGLE_VALUED:
            if values:
                claims[claim] = values[0]
        else:
            claims[claim] = values
    return claims


def authentication_claims(login: ServiceLogin) -> dict[str, Any]:
    """Return the ID token's proof of authentication (SOC-SEC-PII-02): level, means, time and
    the session id back-channel logout will name."""
    method = login.data.get("method", "")
    return {
        "acr": login.data.get("level", ""),
        "amr": AMR.get(method, [method.lower()] if method else []),
        "auth_time": int(login.data.get("auth_time", "0")),
        "sid": login.data.get("sid", ""),
    }


def provider_metadata(request: HttpRequest) -> dict[str, Any]:
    """Return the discovery document (OpenID Connect Discovery 1.0, with Back-Channel Logout)."""
    base = issuer(request)
    origin = "{0.scheme}://{0.netloc}".format(urlparse(base))

    def endpoint(name: str) -> str:
        return origin + reverse(f"sso:{name}")

    return {
        "issuer": base,
        "authorization_endpoint": endpoint("oidc-authorize"),
        "token_endpoint": endpoint("oidc-token"),
        "userinfo_endpoint": endpoint("oidc-userinfo"),
        "jwks_uri": endpoint("oidc-jwks"),
        "revocation_endpoint": endpoint("oidc-revoke"),
        "end_session_endpoint": endpoint("oidc-logout"),
        "scopes_supported": list(oauth2_settings.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": list(oauth2_settings.OIDC_SUBJECT_TYPES_SUPPORTED),
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": list(
            oauth2_settings.OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED
        ),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": sorted(
            {"sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "sid", "nonce"}
            | set(CLAIM_NAMES.values())
        ),
        "acr_values_supported": [str(level) for level in LEVELS],
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }


class EntScopes(BaseScopes):  # type: ignore[misc]  # misc: DOT ships no type information
    """Scopes: every client may ask for openid, profile and email; only the ENT's own apps
    (ENT_OIDC_API_CLIENTS) may ask for "api", which opens /api/v1/ with their tokens."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        scopes = [scope for scope in oauth2_settings.SCOPES if scope != API_SCOPE]
        if application is not None and application.client_id in settings.ENT_OIDC_API_CLIENTS:
            scopes.append(API_SCOPE)
        return scopes

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return ["openid"]


# --- the validator -------------------------------------------------------------------------


def _login_for_code(service: Service, code: str, *, person: User | None = None) -> ServiceLogin:
    logins = ServiceLogin.objects.filter(service=service, data__grant=_digest(code))
    if person is not None:
        logins = logins.filter(person=person)
    found: ServiceLogin | None = logins.order_by("-pk").first()
    if found is None:
        raise ServiceLogin.DoesNotExist
    return found


def _login_for_family(service: Service, person: Any, family: uuid.UUID | None) -> ServiceLogin:
    if family is None:
        raise ServiceLogin.DoesNotExist
    found: ServiceLogin | None = (
        ServiceLogin.objects.open()
        .filter(service=service, person=person, data__family=str(family))
        .order_by("-pk")
        .first()
    )
    if found is None:
        raise ServiceLogin.DoesNotExist
    return found


class EntValidator(OAuth2Validator):  # type: ignore[misc]  # misc: DOT ships no type information
    """DOT's validator, bound to the registry (only approved services get codes and tokens)
    and to the ENT session (`sub`, claims, acr/amr/sid, single logout)."""

    def _load_application(self, client_id: str, request: OauthlibRequest) -> Any:
        application = super()._load_application(client_id, request)
        if application is None:
            return None
        cached = getattr(request, "ent_service", None)
        if cached is not None and cached.client_id == application.client_id:
            return application
        service = approved_service_for_client(application.client_id)
        if service is None:
            request.client = None
            return None
        request.ent_service = service
        return application

    def _service(self, request: OauthlibRequest) -> Service:
        service: Service | None = getattr(request, "ent_service", None)
        if service is None or service.client_id != request.client.client_id:
            service = approved_service_for_client(request.client.client_id)
            if service is None:
                raise oauth_errors.UnauthorizedClientError(request=request)
            request.ent_service = service
        return service

    def validate_silent_login(self, request: OauthlibRequest) -> bool:
        # prompt=none: the authorization view already answered login_required to anonymous
        # visitors, so whoever reaches this point is signed in.
        return True

    def validate_silent_authorization(self, request: OauthlibRequest) -> bool:
        # No consent is asked: the data controller approved the service for everyone.
        return True

    def save_authorization_code(
        self,
        client_id: str,
        code: dict[str, str],
        request: OauthlibRequest,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        session: dict[str, str] | None = getattr(request, "ent_session", None)
        if not session or not session["session_key"]:
            raise oauth_errors.AccessDeniedError(request=request)
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        record_authorization(
            service=self._service(request),
            person=request.user,
            code=code["code"],
            session=session,
            issued_by=self.get_oidc_issuer_endpoint(request),
        )

    def validate_code(
        self,
        client_id: str,
        code: str,
        client: Any,
        request: OauthlibRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        service = self._service(request)
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            _revoke_replayed_code(service, code)
            return False
        try:
            login = _login_for_code(service, code, person=request.user)
        except ServiceLogin.DoesNotExist:
            return False
        if login.logged_out_at is not None:
            return False
        request.ent_login = login
        return True

    def _create_refresh_token(
        self, request: OauthlibRequest, refresh_token_code: str, access_token: Any, previous: Any
    ) -> Any:
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous
        )
        login: ServiceLogin | None = getattr(request, "ent_login", None)
        if login is not None and "family" not in login.data:
            login.data["family"] = str(refresh_token.token_family)
            login.save(update_fields=["data"])
        return refresh_token

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: OauthlibRequest, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        stored = request.refresh_token_instance
        try:
            login = _login_for_family(self._service(request), stored.user, stored.token_family)
        except ServiceLogin.DoesNotExist:
            return False
        request.ent_login = login
        return True

    def save_bearer_token(
        self, token: dict[str, Any], request: OauthlibRequest, *args: Any, **kwargs: Any
    ) -> Any:
        saved = super().save_bearer_token(token, request, *args, **kwargs)
        login: ServiceLogin = request.ent_login
        record(
            actor=request.user,
            action="sso.oidc.token.issue",
            target=login.service,
            data={
                "grant_type": request.grant_type,
                "scope": token.get("scope", ""),
                "sid": login.data.get("sid", ""),
                "id_token": "id_token" in token,
            },
        )
        return saved

    def get_oidc_issuer_endpoint(self, request: HttpRequest | OauthlibRequest) -> str:
        return issuer(request)

    def get_discovery_claims(self, request: Any) -> list[str]:
        return ["sub", *CLAIM_NAMES.values()]

    def get_oidc_claims(self, token: Any, token_handler: Any, request: OauthlibRequest) -> Any:
        login: ServiceLogin | None = getattr(request, "ent_login", None)
        return claims_for(
            service=self._service(request),
            person=request.user,
            session_key=login.session_key if login is not None else "",
        )

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: OauthlibRequest
    ) -> tuple[dict[str, Any], Any]:
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        claims.update(authentication_claims(request.ent_login))
        return claims, expires

    def get_userinfo_claims(self, request: OauthlibRequest) -> Any:
        request.ent_login = _login_for_access_token(request.access_token)
        return self.get_oidc_claims(request.access_token, None, request)

    def validate_bearer_token(self, token: str, scopes: Any, request: OauthlibRequest) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        person = request.user
        service = approved_service_for_client(request.client.client_id)
        if service is None or not person.is_active or person.suspended_at is not None:
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The access token is no longer valid.",
            }
            return False
        request.ent_service = service
        return True

    def revoke_token(
        self, token: str, token_type_hint: str, request: OauthlibRequest, *args: Any, **kwargs: Any
    ) -> None:
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        client_id = getattr(request.client, "client_id", "")
        if client_id:
            record(
                actor=None,
                action="sso.oidc.token.revoke",
                target=service_for_client(client_id),
                data={"client_id": client_id, "hint": token_type_hint or ""},
            )


def person_for_access_token(
    token: str, *, scopes: list[str], address: str | None = None
) -> User | None:
    """Return whose access token `token` is, if it is valid for `scopes` (see EntValidator);
    audit a refused token."""
    request = OauthlibRequest("")
    if EntValidator().validate_bearer_token(token, scopes, request):
        person: User = request.user
        return person
    error = getattr(request, "oauth2_error", None) or {}
    record_refusal(
        endpoint="bearer", error=str(error.get("error", "invalid_token")), address=address
    )
    return None


def _login_for_access_token(access_token: Any) -> ServiceLogin | None:
    family = (
        get_refresh_token_model()
        .objects.filter(access_token=access_token)
        .values_list("token_family", flat=True)
        .first()
    )
    if family is None:
        return None
    found: ServiceLogin | None = ServiceLogin.objects.filter(
        person=access_token.user_id, data__family=str(family)
    ).first()
    return found


def _revoke_replayed_code(service: Service, code: str) -> None:
    # RFC 6749 §4.1.2: a code used twice SHOULD revoke the tokens issued with it.
    try:
        login = _login_for_code(service, code)
    except ServiceLogin.DoesNotExist:
        return
    revoked = revoke_session_tokens(login)
    record(
        actor=login.person,
        action="sso.oidc.code.replay",
        target=service,
        outcome=Outcome.FAILURE,
        data={"sid": login.data.get("sid", ""), "tokens_revoked": revoked},
    )


# --- single logout -------------------------------------------------------------------------


def revoke_session_tokens(login: ServiceLogin) -> int:
    """Revoke the tokens `login`'s service obtained in that ENT session (its refresh-token
    family, their access and ID tokens); return how many refresh tokens were still live."""
    family = login.data.get("family")
    if not family:
        return 0
    refresh_tokens = get_refresh_token_model().objects.filter(token_family=family)
    live = refresh_tokens.filter(revoked__isnull=True).count()
    id_tokens = list(
        get_access_token_model()
        .objects.filter(pk__in=refresh_tokens.values("access_token_id"), id_token__isnull=False)
        .values_list("id_token_id", flat=True)
    )
    get_refresh_token_model().revoke_family(uuid.UUID(family))
    get_id_token_model().objects.filter(pk__in=id_tokens).delete()
    return int(live)


def logout_token(login: ServiceLogin) -> str:
    """Return the signed logout token telling `login`'s service that the session ended."""
    key = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    now = int(time.time())
    claims = {
        "iss": login.data.get("iss", ""),
        "aud": login.service.client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_SECONDS,
        "jti": uuid.uuid4().hex,
        "sub": ensure_subject(service=login.service, person=login.person),
        "sid": login.data.get("sid", ""),
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    header = {"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return str(token.serialize())


def send_backchannel_logout(login: ServiceLogin) -> str:
    """Revoke the tokens the service got in the ended session, then post it a logout token
    (SOC-SEC-PII-02); return the outcome for the audit trail."""
    revoked = revoke_session_tokens(login)
    service = login.service
    if not service.logout_url:
        return f"{revoked} token(s) revoked, no logout URL"
    sid = login.data.get("sid", "")
    told = (
        ServiceLogin.objects.filter(
            service=service,
            session_key=login.session_key,
            data__sid=sid,
            logout_outcome__startswith="sent",
        )
        .exclude(pk=login.pk)
        .exists()
    )
    if told:
        return f"sent with another login of the session; {revoked} token(s) revoked"
    body = urlencode({"logout_token": logout_token(login)}).encode("ascii")
    # S310: logout_url is a URLField, so its scheme is http or https, never file:.
    request = UrlRequest(  # noqa: S310
        service.logout_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urlopen(request, timeout=LOGOUT_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except HTTPError as error:
        return f"failed: HTTP {error.code}; {revoked} token(s) revoked"
    return f"sent, HTTP {status}; {revoked} token(s) revoked"


register_logout_sender(Protocol.OIDC, send_backchannel_logout)
