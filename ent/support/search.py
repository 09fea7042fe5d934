"""What the search service indexes from support: the tickets a person may read."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import Ticket

SOURCES = (
    SearchSource(
        code="support.ticket",
        label=_("Requests for help"),
        model=Ticket,
        text=lambda ticket: (ticket.subject, ticket.description),
        url=lambda ticket: reverse("support:ticket-detail", args=[ticket.pk]),
        visible_to=lambda person: Ticket.objects.visible_to(person),
        service="support",
        updated_field="updated_at",
        summary=lambda ticket: f"#{ticket.pk} · {ticket.get_status_display()}",
    ),
)
