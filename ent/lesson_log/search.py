"""What the search service indexes from the cahier de textes: the lessons a person may read."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import SERVICE, LessonEntry

SOURCES = (
    SearchSource(
        code="lesson_log.entry",
        label=_("Lessons of the cahier de textes"),
        model=LessonEntry,
        text=lambda entry: (entry.title, entry.content),
        url=lambda entry: reverse("lesson_log:entry", args=[entry.pk]),
        visible_to=lambda person: LessonEntry.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda entry: f"{entry.log.division} · {entry.date:%d/%m/%Y}",
        author=lambda entry: entry.author.display_name if entry.author else "",
        happened_at=lambda entry: entry.date,
        queryset=lambda: LessonEntry.objects.select_related(
            "log__school_class", "log__teaching_group", "author"
        ),
    ),
)
