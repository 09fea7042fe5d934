"""Reads of the file storage: a folder's page, "shared with me", the trash, the space used, and
the file source other services pick attachments from (ent.core.attachments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from ent.core.attachments import FileSource, StoredFile
from ent.directory.models import Membership, SchoolClass, TeachingGroup, User
from ent.rights.communication import visible_people
from ent.rights.models import Share, ShareRole
from ent.rights.queries import Grantee, ProfileInSchool, shares_of, visible_ids

from .actions import QUOTA_WARNING_RATIO, usage
from .models import Content, Document, Folder, ScanStatus
from .permissions import Item, role_of

PICKER_LIMIT = 500


@dataclass(frozen=True)
class Usage:
    used: int
    quota: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.quota)) if self.quota else 100

    @property
    def warning(self) -> bool:
        """UTI-UTL-ESF-07: the space is nearly full."""
        return self.used >= self.quota * QUOTA_WARNING_RATIO


@dataclass(frozen=True)
class FolderPage:
    folder: Folder | None
    breadcrumbs: list[Folder]
    folders: list[Folder]
    documents: list[Document]
    role: ShareRole | None
    owned: bool

    @property
    def may_add(self) -> bool:
        return self.role is not None and self.role >= ShareRole.CONTRIBUTE

    @property
    def may_delete(self) -> bool:
        return self.role == ShareRole.MANAGE


def usage_of(person: User) -> Usage:
    """The space `person` uses and may use."""
    return Usage(used=usage(person), quota=settings.ENT_FILES_QUOTA_BYTES)


def breadcrumbs(person: User, folder: Folder | None) -> list[Folder]:
    """The folders above `folder` that `person` may open, from the top down."""
    if folder is None:
        return []
    above = [pk for pk in folder.ancestor_ids if pk != folder.pk]
    found = {row.pk: row for row in Folder.objects.visible_to(person).filter(pk__in=above)}
    return [found[pk] for pk in above if pk in found]


def folder_page(person: User, folder: Folder | None) -> FolderPage:
    """What a folder (None: the person's root) holds, sorted by name, and what `person` may do."""
    if folder is None:
        folders = Folder.objects.filter(owner=person, parent=None, trashed_at=None)
        documents = Document.objects.filter(owner=person, folder=None, trashed_at=None)
        role: ShareRole | None = ShareRole.MANAGE
    else:
        folders = Folder.objects.filter(parent=folder, trashed_at=None)
        documents = Document.objects.filter(folder=folder, trashed_at=None)
        role = role_of(person, folder)
    return FolderPage(
        folder=folder,
        breadcrumbs=breadcrumbs(person, folder),
        folders=list(folders.order_by("name", "pk")),
        documents=list(documents.select_related("uploaded_by").order_by("name", "pk")),
        role=role,
        owned=folder is None or folder.owner_id == person.pk,
    )


def shared_with_me(person: User) -> tuple[list[Folder], list[Document]]:
    """The folders and documents others shared with `person` directly, newest first."""
    folders = (
        Folder.objects.visible_to(person)
        .filter(pk__in=visible_ids(person, Folder))
        .exclude(owner=person)
        .select_related("owner")
        .order_by("-updated_at", "pk")
    )
    documents = (
        Document.objects.visible_to(person)
        .filter(pk__in=visible_ids(person, Document))
        .exclude(owner=person)
        .select_related("owner")
        .order_by("-updated_at", "pk")
    )
    return list(folders), list(documents)


def trash_of(person: User) -> tuple[list[Folder], list[Document]]:
    """What `person`'s trash lists, most recently deleted first."""
    folders = Folder.objects.filter(owner=person, in_trash=True).order_by("-trashed_at", "pk")
    documents = Document.objects.filter(owner=person, in_trash=True).order_by("-trashed_at", "pk")
    return list(folders), list(documents)


def trashed_folders(person: User) -> QuerySet[Folder]:
    """Folders of `person`'s trash that may be restored or purged."""
    return Folder.objects.filter(owner=person, in_trash=True)


def trashed_documents(person: User) -> QuerySet[Document]:
    """Documents of `person`'s trash that may be restored or purged."""
    return Document.objects.filter(owner=person, in_trash=True)


def share_targets(person: User) -> tuple[QuerySet[SchoolClass], QuerySet[TeachingGroup]]:
    """The classes and teaching groups of the schools `person` belongs to, to share with."""
    schools = Membership.objects.current().filter(person=person).values("school")
    classes = SchoolClass.objects.filter(school__in=schools).order_by("school__name", "code")
    groups = TeachingGroup.objects.filter(school__in=schools).order_by("school__name", "code")
    return classes.select_related("school"), groups.select_related("school")


def find_person_by_id(viewer: User, person_id: int) -> User | None:
    """The person of this id whom `viewer` may see in the directory, if any."""
    return visible_people(viewer).filter(pk=person_id).first()


def find_person(viewer: User, login: str) -> User | None:
    """The person of this login whom `viewer` may see in the directory, if any."""
    return visible_people(viewer).filter(login__iexact=login.strip()).first()


def move_targets(person: User, item: Item) -> list[tuple[Folder, str]]:
    """Folders of the item owner's space `person` may move `item` into, with their paths."""
    folders = list(Folder.objects.visible_to(person).filter(owner_id=item.owner_id))
    names = {row.pk: row.name for row in folders}
    targets = [
        (row, " / ".join(names.get(pk, "…") for pk in row.ancestor_ids))
        for row in folders
        if not (isinstance(item, Folder) and row.path.startswith(item.path))
    ]
    return sorted(targets, key=lambda target: target[1].casefold())


def shares_of_item(item: Item) -> QuerySet[Share]:
    """Who `item` is shared with, for its owner's panel."""
    return shares_of(item).select_related("person", "school_class", "teaching_group", "school")


def grantee_of(row: Share) -> Grantee:
    """The person or group a share row names."""
    if row.person is not None:
        return row.person
    if row.school_class is not None:
        return row.school_class
    if row.teaching_group is not None:
        return row.teaching_group
    assert row.school is not None  # noqa: S101 (the table's check constraint)
    return ProfileInSchool(row.profile, row.school)


def grantee_label(row: Share) -> str:
    """How the owner's panel names a share's grantee."""
    grantee = grantee_of(row)
    if isinstance(grantee, User):
        return grantee.display_name
    if isinstance(grantee, ProfileInSchool):
        return f"{grantee.profile} ({grantee.school.name})"
    return str(grantee)


def read_content(document: Document) -> bytes:
    """The bytes of a document."""
    return bytes(Content.objects.values_list("data", flat=True).get(document=document))


def _paths(documents: Sequence[Document]) -> dict[int, str]:
    """The folder path of each document's folder, in one query."""
    ids = {pk for doc in documents if doc.folder for pk in doc.folder.ancestor_ids}
    names = dict(Folder.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        doc.pk: "/".join(names.get(pk, "") for pk in doc.folder.ancestor_ids) if doc.folder else ""
        for doc in documents
    }


def _stored(document: Document, path: str) -> StoredFile:
    return StoredFile(
        id=document.pk,
        name=document.name,
        content_type=document.content_type,
        size=document.size,
        path=path,
    )


def downloadable_to(person: User) -> QuerySet[Document]:
    """Documents `person` may download: visible, and not held by the antivirus."""
    return Document.objects.visible_to(person).filter(
        Q(scan_status=ScanStatus.CLEAN) | Q(scan_status=ScanStatus.UNSCANNED)
    )


def list_files(person: User) -> list[StoredFile]:
    """The documents `person` may attach elsewhere, newest first (UTI-CCO-CEL-07)."""
    documents = list(
        downloadable_to(person)
        .select_related("folder")
        .order_by("-updated_at", "-pk")[:PICKER_LIMIT]
    )
    paths = _paths(documents)
    return [_stored(doc, paths[doc.pk]) for doc in documents]


def open_file(person: User, document_id: int) -> tuple[StoredFile, bytes]:
    """A document `person` may attach and its bytes; LookupError when they may not."""
    document = downloadable_to(person).select_related("folder").filter(pk=document_id).first()
    if document is None:
        raise LookupError(document_id)
    return _stored(document, _paths([document])[document.pk]), read_content(document)


def file_source() -> FileSource:
    return FileSource(list_files=list_files, open_file=open_file)
