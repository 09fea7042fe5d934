"""The personalisation pages: a person's own choices, a level's layout, a school's public page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from ent.directory.models import School
from ent.rights.decorators import service_exempt

from .actions import save_layout, save_preferences, save_school_page
from .forms import LayoutForm, LevelForm, PreferencesForm, SchoolPageForm
from .permissions import can_edit_layout, can_edit_school_page
from .personalisation import layout_page, layout_schools, preference_page, school_page_of


@require_http_methods(["GET", "POST"])
@service_exempt
def preferences(request: HttpRequest) -> HttpResponse:
    """Let the person choose their services, theme and presentation aids."""
    page = preference_page(request.user)  # type: ignore[arg-type]  # arg-type: login is required
    form = PreferencesForm(request.POST or None, page=page)
    if request.method == "POST" and form.is_valid():
        try:
            save_preferences(actor=request.user, **form.preference_data())  # type: ignore[arg-type]  # arg-type: login is required
        except ValidationError as error:
            form.add_error(None, error)
        else:
            moved = form.moved()
            if not moved:
                messages.success(request, gettext("Your preferences are saved."))
                return redirect("portal:preferences")
            # Back to the button pressed: autofocus (a fragment would make Chrome ignore it).
            return redirect(reverse("portal:preferences") + f"?moved={moved}")
    context = {"form": form, "page": page, "moved": request.GET.get("moved", "")}
    return render(request, "portal/preferences.html", context, status=422 if form.errors else 200)


def _school(request: HttpRequest, school_id: int) -> School:
    """Return the school `school_id`: 404 unless the person belongs to it."""
    return get_object_or_404(layout_schools(request.user), pk=school_id)  # type: ignore[arg-type]  # arg-type: login is required


@require_http_methods(["GET", "POST"])
@service_exempt
def layout(request: HttpRequest, school_id: int) -> HttpResponse:
    """Let a school, a profile, a class or a group set its defaults and limits (PPO-05, -06)."""
    school = _school(request, school_id)
    level_form = LevelForm(request.GET, school=school)
    if not level_form.is_valid():
        raise Http404
    level = level_form.level()
    if not can_edit_layout(request.user, school=school, **level):  # type: ignore[arg-type]  # arg-type: login is required
        raise PermissionDenied
    page = layout_page(request.user, school, **level)  # type: ignore[arg-type]  # arg-type: login is required
    form = LayoutForm(request.POST or None, services=list(page.services), initial=page.initial())
    if request.method == "POST" and form.is_valid():
        try:
            save_layout(actor=request.user, school=school, **level, **form.layout_data())  # type: ignore[arg-type]  # arg-type: login is required
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("The layout is saved."))
            return redirect(request.get_full_path())
    context = {"form": form, "page": page, "level": level}
    return render(request, "portal/layout.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@service_exempt
def school_page_edit(request: HttpRequest, school_id: int) -> HttpResponse:
    """Let the school's administrators write its public page."""
    school = _school(request, school_id)
    if not can_edit_school_page(request.user, school):  # type: ignore[arg-type]  # arg-type: login is required
        raise PermissionDenied
    form = SchoolPageForm(request.POST or None, initial=school_page_of(school))
    if request.method == "POST" and form.is_valid():
        save_school_page(actor=request.user, school=school, **form.cleaned_data)  # type: ignore[arg-type]  # arg-type: login is required
        messages.success(request, gettext("The public page is saved."))
        return redirect("portal:school-page-edit", school.pk)
    context = {"form": form, "school": school}
    return render(
        request, "portal/school_page_form.html", context, status=422 if form.errors else 200
    )
