"""Help and support pages: the online guide, the contextual help, and support tickets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import School, User
from ent.rights.decorators import service_exempt, service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, guide, queries
from .forms import CommentForm, StatusFilterForm, TicketForm, TransitionForm
from .models import OVERSIGHT, SUPPORT, Ticket, is_operator

PAGE_SIZE = 50
Transition = Callable[..., Ticket]


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _profiles(request: HttpRequest) -> set[str]:
    return {role.profile for role in rights_of(request).roles}


# The guide (UTI-UTL-AID-02) and contextual help (UTI-UTL-AID-01) are for every signed-in
# person, whatever their grants: help must never be the thing that is missing.


@require_GET
@service_exempt
def guide_index(request: HttpRequest) -> HttpResponse:
    """Show the guides of the person's profiles, the table of contents and their support desks."""
    yours = guide.guides_for(_profiles(request))
    context = {
        "yours": [(topic, guide.topic_template(topic)) for topic in yours],
        "others": [topic for topic in guide.PROFILE_GUIDES if topic not in yours],
        "topics": guide.TOPICS,
        "desks": queries.desks(request.user, rights_of(request)),
    }
    return render(request, "support/guide.html", context)


@require_GET
@service_exempt
def guide_topic(request: HttpRequest, slug: str) -> HttpResponse:
    """Show one topic of the guide."""
    topic = guide.ALL_TOPICS.get(slug)
    if topic is None:
        raise Http404
    context = {"topic": topic, "fragment": guide.topic_template(topic), "topics": guide.TOPICS}
    return render(request, "support/topic.html", context)


@require_GET
@service_exempt
def page_help(request: HttpRequest, view_name: str) -> HttpResponse:
    """Show the help of one page, else the closest topic of its app, else the guide's index."""
    found = guide.page_help(view_name)
    if found is None:
        return redirect("support:guide")
    fragment = found.template or guide.topic_template(cast(guide.Topic, found.topic))
    context = {"help": found, "fragment": fragment}
    return render(request, "support/page_help.html", context)


# Tickets (SOC-SUP-ASU-02): no opening hours, the desk is open whenever the ENT is.


def _page(request: HttpRequest, tickets: Any) -> Any:
    return Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
@service_required(SUPPORT)
def ticket_list(request: HttpRequest) -> HttpResponse:
    """List the tickets the person opened."""
    page = _page(request, queries.my_tickets(request.user))
    return render(request, "support/ticket_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@service_required(SUPPORT, level=Level.USE)
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Open a ticket to the school's référent."""
    rights = rights_of(request)
    form = TicketForm(request.POST or None, schools=queries.ticket_schools(rights))
    if request.method == "GET" or not form.is_valid():
        status = 422 if request.method == "POST" else 200
        return render(request, "support/ticket_form.html", {"form": form}, status=status)
    ticket = actions.open_ticket(actor=_person(request), rights=rights, **form.cleaned_data)
    messages.success(request, _("Your request has been sent to your school's référent."))
    return redirect("support:ticket-detail", ticket.pk)


def _visible_ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    tickets = Ticket.objects.visible_to(request.user, rights=rights_of(request))
    return get_object_or_404(
        tickets.select_related("school", "author", "assigned_to"), pk=ticket_id
    )


@require_GET
@service_exempt
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Show a ticket with its history, and the actions open to the reader."""
    ticket = _visible_ticket(request, ticket_id)
    context = {
        "page": queries.ticket_page(request.user, rights_of(request), ticket),
        "comment_form": CommentForm(),
        "transition_form": TransitionForm(),
    }
    return render(request, "support/ticket_detail.html", context)


@require_POST
@service_exempt
def ticket_comment(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Add a comment to a ticket."""
    ticket = _visible_ticket(request, ticket_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment before sending it."))
        return redirect("support:ticket-detail", ticket.pk)
    actions.comment_ticket(
        actor=_person(request),
        ticket=ticket,
        text=form.cleaned_data["text"],
        rights=rights_of(request),
    )
    return redirect("support:ticket-detail", ticket.pk)


def _transition(
    request: HttpRequest, ticket_id: int, action: Transition, **extra: Any
) -> HttpResponse:
    ticket = _visible_ticket(request, ticket_id)
    form = TransitionForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    action(actor=_person(request), ticket=ticket, text=text, rights=rights_of(request), **extra)
    return redirect("support:ticket-detail", ticket.pk)


@require_POST
@service_exempt
def ticket_acknowledge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Take a ticket in hand as the school's référent."""
    return _transition(request, ticket_id, actions.acknowledge_ticket)


@require_POST
@service_exempt
def ticket_escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Pass a ticket on to the project's support."""
    site_url = request.build_absolute_uri("/")
    return _transition(request, ticket_id, actions.escalate_ticket, site_url=site_url)


@require_POST
@service_exempt
def ticket_resolve(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Mark a ticket resolved."""
    return _transition(request, ticket_id, actions.resolve_ticket)


@require_POST
@service_exempt
def ticket_close(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Close a ticket."""
    return _transition(request, ticket_id, actions.close_ticket)


@require_POST
@service_exempt
def ticket_reopen(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Reopen a resolved or closed ticket."""
    return _transition(request, ticket_id, actions.reopen_ticket)


def _queue(
    request: HttpRequest, title: str, tickets: Callable[[str], Any], **extra: Any
) -> HttpResponse:
    form = StatusFilterForm(request.GET)
    page = _page(request, tickets(form.status_value()))
    context = {"title": title, "form": form, "page": page, **extra}
    return render(request, "support/queue.html", context)


@require_GET
@service_required(SUPPORT, level=Level.MANAGE)
def school_queue(request: HttpRequest, school_id: int) -> HttpResponse:
    """List the requests of one school for its référents, filtered by status."""
    school = get_object_or_404(School, pk=school_id)
    title = _("Requests of %(school)s") % {"school": school.name}
    return _queue(
        request, title, lambda status: queries.school_queue(school, status), school=school
    )


@require_GET
@service_exempt
def level_two_queue(request: HttpRequest) -> HttpResponse:
    """List the requests escalated to the project's support, for operators."""
    if not is_operator(request.user):
        raise PermissionDenied
    return _queue(request, _("Project support: escalated requests"), queries.level_two_queue)


@require_GET
@service_required(OVERSIGHT)
def oversight(request: HttpRequest) -> HttpResponse:
    """List every request the person oversees, read-only (SOC-SUP-ASU-04)."""
    person, rights = request.user, rights_of(request)
    title = _("Reported incidents (read-only)")
    return _queue(request, title, lambda status: queries.oversight_queue(person, rights, status))
