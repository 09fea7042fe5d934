"""What the search service indexes from mail: each box's messages, found by their owner only."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import SERVICE, Entry


def _url(entry: Entry) -> str:
    return reverse("messaging:message", args=[entry.pk])


SOURCES = (
    SearchSource(
        code="messaging.entry",
        label=_("Mail"),
        model=Entry,
        text=lambda entry: (entry.message.subject, entry.message.body_text),
        url=_url,
        # A box is private: an entry is found by the person whose box holds it, nobody else.
        visible_to=lambda person: Entry.objects.visible_to(person),
        service=SERVICE,
        summary=lambda entry: entry.message.sender_name or entry.message.sender_address,
        author=lambda entry: entry.message.sender_name or entry.message.sender_address,
        happened_at=lambda entry: entry.filed_at,
        queryset=lambda: Entry.objects.select_related("message").exclude(folder__role="trash"),
    ),
)
