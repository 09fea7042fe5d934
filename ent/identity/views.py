"""Sign-in, one-time code, code-generator enrolment and sign-out pages (SOC-SEC-IAU).

The login page is the only page of the ENT that receives a password (SOC-SEC-IAU-06): the CAS,
SAML and OIDC endpoints send people here and read the session through `session.py`.

A sign-in in two steps keeps the person "in progress" in the anonymous session for a few minutes
between their password and their code: nobody is signed in until the last step succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ent.directory.models import User

from .actions import (
    Verdict,
    check_code,
    check_password_login,
    confirm_totp_enrolment,
    refuse_forged_request,
    refuse_redirect,
    start_totp_enrolment,
)
from .forms import CodeForm, LoginForm
from .models import Method, TotpDevice
from .session import (
    LEVEL_PASSWORD,
    LEVEL_STRONG,
    LEVELS,
    client_address,
    end_session,
    login_url,
    raise_level,
    renew_session,
    session_level,
    start_session,
)
from .totp import CODE, decrypt_secret, grouped, has_generator, issuer, provisioning_uri, qr_svg
from .totp import second_step as second_step_of

PENDING = "identity.pending"
PENDING_SECONDS = 300


@dataclass(frozen=True)
class Flow:
    """What the caller asked for: where to go after signing in, the level, a renewed login."""

    next_url: str
    level: int
    renew: bool

    @classmethod
    def of(cls, request: HttpRequest) -> Flow:
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        try:
            level = int(request.GET.get("level") or LEVEL_PASSWORD)
        except ValueError:
            level = LEVEL_PASSWORD
        level = min(max(level, LEVEL_PASSWORD), max(LEVELS))
        return cls(next_url, level, request.GET.get("renew") == "1")

    def query(self) -> str:
        """Return the query string that carries this flow to the next step's page."""
        params = {"next": self.next_url} if self.next_url else {}
        if self.level > LEVEL_PASSWORD:
            params["level"] = str(self.level)
        return f"?{urlencode(params)}" if params else ""


def _signed_in(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _pending(request: HttpRequest) -> User | None:
    """Return the person between their password and their code, if they typed it recently."""
    pending = request.session.get(PENDING) or {}
    if timezone.now().timestamp() - float(pending.get("at", 0)) >= PENDING_SECONDS:
        return None
    person: User | None = (
        User.objects.active().filter(pk=pending.get("person"), suspended_at=None).first()
    )
    return person


def _sign_in(request: HttpRequest, person: User, *, method: str, level: int) -> None:
    current = _signed_in(request)
    if current is not None and current.pk == person.pk:
        renew_session(request, method=method, level=level)
    else:
        if current is not None:
            end_session(request, reason="switch")
        start_session(request, person, method=method, level=level)
    request.session.pop(PENDING, None)


def _redirect_next(request: HttpRequest, flow: Flow) -> HttpResponse:
    url = flow.next_url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(url)
    if url:
        refuse_redirect(actor=_signed_in(request), url=url, address=client_address(request))
    return redirect(settings.LOGIN_REDIRECT_URL)


def _go_on(request: HttpRequest, flow: Flow) -> HttpResponse:
    """Send a signed-in person on, or to the one-time code page when the level is too low."""
    if session_level(request) >= flow.level:
        return _redirect_next(request, flow)
    return redirect(reverse("identity:code") + flow.query())


def _after_password(request: HttpRequest, person: User, flow: Flow) -> HttpResponse:
    step = second_step_of(person, wanted_level=flow.level)
    if step:
        request.session[PENDING] = {"person": person.pk, "at": timezone.now().timestamp()}
        page = "identity:code" if step == CODE else "identity:totp"
        return redirect(reverse(page) + flow.query())
    _sign_in(request, person, method=Method.PASSWORD, level=LEVEL_PASSWORD)
    return _go_on(request, flow)


def _after_code(request: HttpRequest, person: User, flow: Flow, *, pending: bool) -> HttpResponse:
    if pending:
        _sign_in(request, person, method=Method.TOTP, level=LEVEL_STRONG)
    else:
        raise_level(request, method=Method.TOTP, level=LEVEL_STRONG)
    return _go_on(request, flow)


def _login_page(
    request: HttpRequest, form: LoginForm, flow: Flow, verdict: Verdict | None = None
) -> HttpResponse:
    context = {
        "form": form,
        "flow": flow,
        "renew": flow.renew and _signed_in(request) is not None,
        "refused": verdict is not None and verdict.lock is None,
        "lock": verdict.lock if verdict is not None else None,
    }
    status = 429 if context["lock"] else 200
    return render(request, "identity/login.html", context, status=status)


@login_not_required
@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Ask for a login and password, then for whatever second step the person needs."""
    flow = Flow.of(request)
    signed_in = _signed_in(request)
    if signed_in is not None and not flow.renew:
        return _go_on(request, flow)
    initial = {"username": signed_in.login} if signed_in is not None else {}
    form = LoginForm(request.POST or None, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return _login_page(request, form, flow)
    verdict = check_password_login(
        login=form.cleaned_data["username"],
        password=form.cleaned_data["password"],
        address=client_address(request),
    )
    if verdict.person is None or not verdict.ok:
        return _login_page(request, form, flow, verdict)
    return _after_password(request, verdict.person, flow)


@login_not_required
@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time code: the second step of a sign-in, or a step-up (SOC-SEC-IAU-12)."""
    flow = Flow.of(request)
    pending = _pending(request)
    person = pending or _signed_in(request)
    if person is None:
        return redirect(reverse("identity:login") + flow.query())
    if not has_generator(person):
        return render(request, "identity/enrol_first.html", {"flow": flow}, status=403)
    form = CodeForm(request.POST or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        verdict = check_code(person=person, code=form.cleaned_data["code"], address=address)
        if verdict.ok:
            return _after_code(request, person, flow, pending=pending is not None)
    context = {"form": form, "flow": flow, "verdict": verdict, "person": person}
    status = 429 if verdict is not None and verdict.lock else 200
    return render(request, "identity/code.html", context, status=status)


def _enrolment(device: TotpDevice, person: User) -> dict[str, Any]:
    secret = decrypt_secret(device.secret)
    uri = provisioning_uri(secret, account=person.login, issuer=issuer())
    title = gettext("QR code to scan with your authenticator app")
    # segno writes the SVG from our own URI; nothing typed by anyone goes into it.
    return {"qr": mark_safe(qr_svg(uri, title=title)), "secret": grouped(secret)}  # noqa: S308


@login_not_required
@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def totp(request: HttpRequest) -> HttpResponse:
    """Enrol a one-time-code generator: scan the QR code (or type the key), then give a code."""
    flow = Flow.of(request)
    pending = _pending(request)
    person = pending or _signed_in(request)
    if person is None:
        return redirect(login_url(reverse("identity:totp")))
    if has_generator(person):
        return render(request, "identity/totp_done.html", {"flow": flow})
    device = start_totp_enrolment(actor=person)
    form = CodeForm(request.POST or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        verdict = confirm_totp_enrolment(
            actor=person, code=form.cleaned_data["code"], address=address
        )
        if verdict.ok:
            messages.success(request, gettext("Your one-time code generator is set up."))
            return _after_code(request, person, flow, pending=pending is not None)
    context = {"form": form, "flow": flow, "verdict": verdict, **_enrolment(device, person)}
    return render(request, "identity/totp.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """Confirm, then sign out here and in every service that holds a session (IAU-04)."""
    if _signed_in(request) is None:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if request.method == "POST":
        end_session(request)
        messages.success(request, gettext("You are signed out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "identity/logout.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Refuse a form post without a valid CSRF token, and trace it (CSRF_FAILURE_VIEW)."""
    user = getattr(request, "user", None)
    actor = user if isinstance(user, User) and user.is_authenticated else None
    address = client_address(request)
    refuse_forged_request(actor=actor, path=request.path, reason=reason, address=address)
    return render(request, "identity/csrf_failure.html", status=403)
