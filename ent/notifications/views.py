"""The notification pages: the feed, the person's channel choices, a head's alert."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ent.directory.models import School, User
from ent.rights.decorators import service_exempt, service_required
from ent.rights.registry import Level

from .actions import mark_all_read, mark_read, save_preferences, send_school_alert
from .forms import AlertForm, PreferencesForm
from .models import Notification
from .queries import inbox as feed
from .queries import preference_grid, unread_count

PAGE_SIZE = 20


def _me(request: HttpRequest) -> User:
    """Return the signed-in person (LoginRequiredMiddleware let only them through)."""
    return cast("User", request.user)


@require_http_methods(["GET", "HEAD"])
@service_exempt
def inbox(request: HttpRequest) -> HttpResponse:
    """Show the person's notifications, unread first."""
    page = Paginator(feed(_me(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "unread": unread_count(_me(request))}
    return render(request, "notifications/inbox.html", context)


@require_POST
@service_exempt
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with "open", follow its link."""
    notification = get_object_or_404(Notification.objects.visible_to(_me(request)), pk=pk)
    mark_read(actor=_me(request), notification=notification)
    target = notification.url
    if (
        "open" in request.POST
        and target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@require_POST
@service_exempt
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification of the person read."""
    mark_all_read(actor=_me(request))
    return redirect("notifications:inbox")


@require_http_methods(["GET", "HEAD", "POST"])
@service_exempt
def preferences(request: HttpRequest) -> HttpResponse:
    """Let the person choose, per kind of event, the channels that reach them."""
    grid = preference_grid(_me(request))
    form = PreferencesForm(grid, request.POST or None)
    if request.method == "POST" and form.is_valid():
        choices = form.changed_choices()
        save_preferences(actor=_me(request), person=_me(request), choices=choices)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"grid": grid, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@service_required("school_admin", level=Level.MANAGE, school_kwarg="school_id")
def alert(request: HttpRequest, school_id: int) -> HttpResponse:
    """Let a head of school alert parents, pupils or staff of the school or of one class."""
    school = get_object_or_404(School.objects.filter(is_active=True), pk=school_id)
    form = AlertForm(school, request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = send_school_alert(actor=_me(request), school=school, **form.cleaned_data)
        text = ngettext(
            "The alert was sent to %(count)d person.",
            "The alert was sent to %(count)d people.",
            count,
        )
        messages.success(request, text % {"count": count})
        return redirect("notifications:alert", school_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "notifications/alert.html", {"form": form, "school": school}, status=status
    )
