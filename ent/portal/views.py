"""The portal's pages: the signed-in home, the launcher, the context and channel switches, and
the public pages (schools' pages, personal data, accessibility)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ent.directory.models import User
from ent.rights.decorators import service_exempt
from ent.rights.queries import rights_of

from .launch import choose_channel, choose_school, open_service
from .queries import current_school, home_page, public_schools, published_page


def _person(request: HttpRequest) -> User:
    # LoginRequiredMiddleware lets only signed-in people reach the views marked service_exempt.
    assert isinstance(request.user, User)  # noqa: S101  # S101: narrows the type for mypy
    return request.user


@require_GET
@service_exempt
def home(request: HttpRequest) -> HttpResponse:
    """Show the signed-in home: the person's services and the sections of their profiles."""
    return render(request, "portal/home.html", {"home": home_page(request, _person(request))})


@require_GET
@service_exempt
def launch(request: HttpRequest, code: str) -> HttpResponse:
    """Open a service the person holds (the gate is the code itself: 404 for any other)."""
    person = _person(request)
    target = open_service(
        actor=person, code=code, rights=rights_of(request), school_id=current_school(request)
    )
    return redirect(target)


@require_POST
@service_exempt
def context(request: HttpRequest) -> HttpResponse:
    """Switch the school the person works in (people in several schools)."""
    choose_school(actor=_person(request), request=request, school_id=request.POST.get("school", ""))
    return redirect(_next(request))


@require_POST
@login_not_required
def channel(request: HttpRequest) -> HttpResponse:
    """Switch between the mobile view and the classic site (SOC-POR-GMC-01)."""
    actor = request.user if isinstance(request.user, User) else None
    choose_channel(actor=actor, request=request, channel=request.POST.get("channel", ""))
    return redirect(_next(request))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else "/"


@require_GET
@login_not_required
def schools(request: HttpRequest) -> HttpResponse:
    """List the schools that publish a public page (SDET §10.2.2.2: no login)."""
    return render(request, "portal/schools.html", {"schools": list(public_schools())})


@require_GET
@login_not_required
def school_page(request: HttpRequest, uai: str) -> HttpResponse:
    """Show a school's public page when it is published, else 404."""
    return render(request, "portal/school_page.html", {"page": published_page(uai)})


@require_GET
@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    """Show the personal-data notice (SOC-POR-PPO-08, RGPD articles 13 and 14)."""
    return render(
        request,
        "portal/privacy.html",
        {
            "controller": settings.ENT_DATA_CONTROLLER,
            "dpo_email": settings.ENT_DPO_EMAIL,
            "purge_days": settings.ENT_PURGE_AFTER_DAYS,
            "log_days": settings.AUDIT_RETENTION_DAYS,
        },
    )


@require_GET
@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    """Show the accessibility statement (RGAA)."""
    return render(request, "portal/accessibility.html", {"dpo_email": settings.ENT_DPO_EMAIL})
