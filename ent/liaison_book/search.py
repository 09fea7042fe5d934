"""What the search service indexes from the liaison book: the notes a person may read."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import SERVICE, Note

SOURCES = (
    SearchSource(
        code="liaison_book.note",
        label=_("Liaison book notes"),
        model=Note,
        text=lambda note: (note.title, note.body),
        url=lambda note: reverse("liaison_book:note-open", args=[note.pk]),
        visible_to=lambda person: Note.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda note: note.get_kind_display(),
        author=lambda note: note.author.display_name if note.author else "",
        happened_at=lambda note: note.created_at,
        queryset=lambda: Note.objects.select_related("author"),
    ),
)
