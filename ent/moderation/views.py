"""The moderation pages: report content, and the moderators' list of open reports."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import User
from ent.rights.decorators import service_exempt

from . import actions, queries
from .forms import DecisionForm, ReportForm


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _home(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    person = _person(request)
    context = {
        "rows": queries.reports_to_moderate(person),
        "mine": queries.reports_of(person)[:20],
        **extra,
    }
    return render(request, "moderation/home.html", context, status=status)


@require_GET
@service_exempt
def home(request: HttpRequest) -> HttpResponse:
    """List the open reports on what the person moderates, and their own reports."""
    return _home(request)


@require_http_methods(["GET", "POST"])
@service_exempt
def report(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Report a message, post or comment the person can see, with a reason."""
    try:
        entry, target = queries.reportable(_person(request), kind, object_id)
    except LookupError:
        raise Http404 from None
    form = ReportForm(request.POST or None)
    context = {"form": form, "entry": entry, "target": target, "back": entry.url(target)}
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        return render(request, "moderation/report_form.html", context, status=status)
    try:
        actions.report(actor=_person(request), kind=kind, object_id=object_id, **form.cleaned_data)
    except ValidationError as refusal:
        form.add_error(None, refusal.messages[0])
        return render(request, "moderation/report_form.html", context, status=422)
    messages.success(request, _("Thank you: the moderators have been told."))
    return redirect(entry.url(target))


@require_POST
@service_exempt
def decide(request: HttpRequest, report_id: int) -> HttpResponse:
    """Hide the reported content or dismiss the report."""
    try:
        found = queries.report_to_moderate(_person(request), report_id)
    except LookupError:
        raise Http404 from None
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _home(request, 422, error=_("Choose to hide the content or to dismiss the report."))
    try:
        actions.decide(actor=_person(request), report=found, **form.cleaned_data)
    except ValidationError as refusal:
        return _home(request, 422, error=refusal.messages[0])
    messages.success(request, _("Your decision has been recorded."))
    return redirect("moderation:home")
