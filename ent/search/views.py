"""The search page (SOC-POR-MDR-01, UTI-IDO-REC) and its history (SOC-POR-MDR-06).

Searching is open to every signed-in person, whatever their profile (UTI-IDO-REC-04): the
page belongs to no service. Each source's service gates its own results.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ent.directory.models import User
from ent.rights.decorators import service_exempt
from ent.rights.queries import rights_of

from . import actions
from .forms import SearchForm
from .queries import search_history, searchable_sources

HISTORY_SHOWN = actions.HISTORY_LENGTH + actions.SAVED_LIMIT


def _person(request: HttpRequest) -> User:
    # LoginRequiredMiddleware let only signed-in people through.
    return cast(User, request.user)


@require_GET
@service_exempt
def results(request: HttpRequest) -> HttpResponse:
    """Show the results of a search, its criteria and the person's recent searches."""
    person, rights = _person(request), rights_of(request)
    choices = [(code, source.label) for code, source in searchable_sources(rights).items()]
    form = SearchForm(request.GET, sources=choices)
    context = {
        "form": form,
        "search_query": request.GET.get("q", "")[:200],
        "history": search_history(person)[:HISTORY_SHOWN],
    }
    if not form.is_valid():
        return render(request, "search/results.html", context, status=422)
    page = form.cleaned_data["page"] or 1
    context["results"] = actions.run_search(
        actor=person, rights=rights, criteria=form.criteria(), page=page
    )
    return render(request, "search/results.html", context)


@require_POST
@service_exempt
def history_delete(request: HttpRequest, search_id: int) -> HttpResponse:
    """Delete one search of the person's history."""
    past_search = get_object_or_404(search_history(_person(request)), pk=search_id)
    actions.forget_search(actor=_person(request), past_search=past_search)
    return redirect("search:results")


@require_POST
@service_exempt
def history_save(request: HttpRequest, search_id: int) -> HttpResponse:
    """Keep a search of the history until deleted, or stop keeping it."""
    past_search = get_object_or_404(search_history(_person(request)), pk=search_id)
    keep = request.POST.get("is_saved") != "0"
    try:
        actions.save_search(actor=_person(request), past_search=past_search, is_saved=keep)
    except actions.SavedSearchLimitError:
        messages.error(request, _("You already keep as many saved searches as allowed."))
    return redirect("search:results")


@require_POST
@service_exempt
def history_clear(request: HttpRequest) -> HttpResponse:
    """Delete the person's unsaved searches."""
    actions.clear_search_history(actor=_person(request))
    return redirect("search:results")
