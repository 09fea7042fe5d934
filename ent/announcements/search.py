"""What the search service indexes from news and alerts: the items shown to a person now."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.html import to_text
from ent.core.search import SearchSource

from .models import SERVICE, Announcement

SOURCES = (
    SearchSource(
        code="announcements.announcement",
        label=_("News and alerts"),
        model=Announcement,
        text=lambda item: (item.title, to_text(item.body)),
        url=lambda item: reverse("announcements:detail", args=[item.pk]),
        visible_to=lambda person: Announcement.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda item: item.get_kind_display(),
        author=lambda item: item.author.display_name if item.author else "",
        happened_at=lambda item: item.starts_at,
        queryset=lambda: Announcement.objects.select_related("author"),
    ),
)
