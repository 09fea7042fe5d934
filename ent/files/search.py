"""What the search service indexes from "My documents": names of folders and documents, found
only by the people who may open them."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import SERVICE, Document, Folder

SOURCES = (
    SearchSource(
        code="files.document",
        label=_("Documents"),
        model=Document,
        text=lambda document: (document.name,),
        url=lambda document: reverse("files:document", args=[document.pk]),
        visible_to=lambda person: Document.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda document: str(filesizeformat(document.size)),
        author=lambda document: document.owner.display_name,
        happened_at=lambda document: document.updated_at,
        queryset=lambda: Document.objects.filter(trashed_at=None).select_related("owner"),
    ),
    SearchSource(
        code="files.folder",
        label=_("Folders"),
        model=Folder,
        text=lambda folder: (folder.name,),
        url=lambda folder: reverse("files:folder", args=[folder.pk]),
        visible_to=lambda person: Folder.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        author=lambda folder: folder.owner.display_name,
        happened_at=lambda folder: folder.updated_at,
        queryset=lambda: Folder.objects.filter(trashed_at=None).select_related("owner"),
    ),
)
