"""The file storage REST endpoints (UTI-UTL-ESF): the same actions and visibility as the pages.

A folder or document one may not see is a 404, a refused change a 403, a bad name, an oversized,
over-quota or infected upload a 422, and the download of a held document a 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Router, Schema
from ninja import Status as Answer
from ninja.errors import HttpError
from ninja.files import UploadedFile

from ent.directory.models import User
from ent.rights.decorators import ServiceAuth
from ent.rights.queries import Grantee

from . import actions, queries
from .models import NAME_MAX, SERVICE, Document, Folder, ScanStatus
from .permissions import Item

router = Router(tags=["files"], auth=ServiceAuth(SERVICE))
Kind = Literal["folders", "documents"]


class FolderOut(Schema):
    id: int
    name: str
    parent_id: int | None
    owner_id: int
    updated_at: datetime


class DocumentOut(Schema):
    id: int
    name: str
    folder_id: int | None
    owner_id: int
    content_type: str
    size: int
    sha256: str
    scan_status: ScanStatus
    scan_detail: str
    downloadable: bool
    created_at: datetime
    updated_at: datetime


class FolderPageOut(Schema):
    folder: FolderOut | None
    folders: list[FolderOut]
    documents: list[DocumentOut]
    may_add: bool


class ListingOut(Schema):
    folders: list[FolderOut]
    documents: list[DocumentOut]


class UsageOut(Schema):
    used: int
    quota: int
    percent: int
    warning: bool
    max_upload: int


class FolderIn(Schema):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    parent_id: int | None = None


class RenameIn(Schema):
    name: str = Field(min_length=1, max_length=NAME_MAX)


class MoveIn(Schema):
    folder_id: int | None = None


class ShareIn(Schema):
    """Exactly one of person_id, school_class_id, teaching_group_id."""

    person_id: int | None = None
    school_class_id: int | None = None
    teaching_group_id: int | None = None
    role: Literal["read", "modify", "delete"] = "read"


ROLES = {"read": 10, "modify": 30, "delete": 50}


def _me(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: set by ServiceAuth


def _folder(request: HttpRequest, folder_id: int | None) -> Folder | None:
    if folder_id is None:
        return None
    return get_object_or_404(Folder.objects.visible_to(_me(request)), pk=folder_id)


def _document(request: HttpRequest, document_id: int) -> Document:
    documents = Document.objects.visible_to(_me(request)).select_related("folder")
    return get_object_or_404(documents, pk=document_id)


def _item(request: HttpRequest, kind: Kind, pk: int) -> Item:
    if kind == "folders":
        return cast(Folder, _folder(request, pk))
    return _document(request, pk)


@router.get("/usage", response=UsageOut)
def usage(request: HttpRequest) -> dict[str, int | bool]:
    """The space used and the quota (UTI-UTL-ESF-07)."""
    used = queries.usage_of(_me(request))
    return {
        "used": used.used,
        "quota": used.quota,
        "percent": used.percent,
        "warning": used.warning,
        "max_upload": settings.ENT_UPLOAD_MAX_BYTES,
    }


@router.get("/folders/root", response=FolderPageOut)
def root(request: HttpRequest) -> queries.FolderPage:
    """The top of one's own tree."""
    return queries.folder_page(_me(request), None)


@router.get("/folders/{folder_id}", response=FolderPageOut)
def folder(request: HttpRequest, folder_id: int) -> queries.FolderPage:
    """A folder and what it holds."""
    return queries.folder_page(_me(request), _folder(request, folder_id))


@router.post("/folders", response={201: FolderOut})
def create_folder(request: HttpRequest, payload: FolderIn) -> Answer[Folder]:
    """Create a folder at the top (no parent_id) or inside a folder (UTI-UTL-ESF-01)."""
    parent = _folder(request, payload.parent_id)
    created = actions.create_folder(actor=_me(request), name=payload.name, parent=parent)
    return Answer(201, created)


@router.post("/documents", response={201: DocumentOut})
def upload(
    request: HttpRequest, file: File[UploadedFile], folder_id: Form[int | None] = None
) -> Answer[Document]:
    """Add a file (multipart): size cap, quota, then the antivirus (UTI-UTL-ESF-09)."""
    parent = _folder(request, folder_id)
    if (file.size or 0) > settings.ENT_UPLOAD_MAX_BYTES:
        raise actions.too_large()
    document = actions.upload(
        actor=_me(request), folder=parent, name=file.name or "file", data=file.read()
    )
    return Answer(201, document)


@router.get("/documents/{document_id}", response=DocumentOut)
def document(request: HttpRequest, document_id: int) -> Document:
    """A document's description and antivirus state."""
    return _document(request, document_id)


@router.get("/documents/{document_id}/content", response={200: None})
def content(request: HttpRequest, document_id: int) -> HttpResponse:
    """The document's bytes, as an attachment; 409 while the antivirus holds it."""
    document = _document(request, document_id)
    if not document.downloadable:
        raise HttpError(409, f"The document is not downloadable: {document.scan_status}.")
    response = HttpResponse(queries.read_content(document), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/documents/{document_id}/rescan", response=DocumentOut)
def rescan(request: HttpRequest, document_id: int) -> Document:
    """Scan a quarantined document again."""
    return actions.rescan(actor=_me(request), document=_document(request, document_id))


@router.post("/{kind}/{pk}/rename", response={200: FolderOut | DocumentOut})
def rename(request: HttpRequest, kind: Kind, pk: int, payload: RenameIn) -> Item:
    """Rename a folder or a document."""
    return actions.rename(actor=_me(request), item=_item(request, kind, pk), name=payload.name)


@router.post("/{kind}/{pk}/move", response={200: FolderOut | DocumentOut})
def move(request: HttpRequest, kind: Kind, pk: int, payload: MoveIn) -> Item:
    """Move a folder or a document (folder_id null: the owner's top)."""
    item = _item(request, kind, pk)
    return actions.move(actor=_me(request), item=item, target=_folder(request, payload.folder_id))


@router.delete("/folders/{folder_id}", response={204: None})
def trash_folder(request: HttpRequest, folder_id: int) -> Answer[None]:
    """Put a folder, with all it holds, in its owner's trash."""
    actions.trash(actor=_me(request), item=_item(request, "folders", folder_id))
    return Answer(204, None)


@router.delete("/documents/{document_id}", response={204: None})
def trash_document(request: HttpRequest, document_id: int) -> Answer[None]:
    """Put a document in its owner's trash."""
    actions.trash(actor=_me(request), item=_document(request, document_id))
    return Answer(204, None)


@router.get("/trash", response=ListingOut)
def trash_list(request: HttpRequest) -> dict[str, object]:
    """What one's trash holds."""
    folders, documents = queries.trash_of(_me(request))
    return {"folders": folders, "documents": documents}


def _trashed(request: HttpRequest, kind: Kind, pk: int) -> Item:
    me = _me(request)
    rows = queries.trashed_folders(me) if kind == "folders" else queries.trashed_documents(me)
    return cast(Item, get_object_or_404(rows, pk=pk))


@router.post("/trash/{kind}/{pk}/restore", response={200: FolderOut | DocumentOut})
def restore(request: HttpRequest, kind: Kind, pk: int) -> Item:
    """Take a folder or a document out of the trash."""
    return actions.restore(actor=_me(request), item=_trashed(request, kind, pk))


@router.delete("/trash/{kind}/{pk}", response={204: None})
def purge(request: HttpRequest, kind: Kind, pk: int) -> Answer[None]:
    """Delete for good a folder or a document of the trash."""
    actions.purge(actor=_me(request), item=_trashed(request, kind, pk))
    return Answer(204, None)


@router.get("/shared", response=ListingOut)
def shared(request: HttpRequest) -> dict[str, object]:
    """What others shared with me (UTI-UTL-ESF-06)."""
    folders, documents = queries.shared_with_me(_me(request))
    return {"folders": folders, "documents": documents}


def _grantee(request: HttpRequest, payload: ShareIn) -> Grantee:
    chosen = [payload.person_id, payload.school_class_id, payload.teaching_group_id]
    if sum(value is not None for value in chosen) != 1:
        raise HttpError(422, "Give exactly one of person_id, school_class_id, teaching_group_id.")
    me = _me(request)
    classes, groups = queries.share_targets(me)
    if payload.school_class_id is not None:
        return get_object_or_404(classes, pk=payload.school_class_id)
    if payload.teaching_group_id is not None:
        return get_object_or_404(groups, pk=payload.teaching_group_id)
    person = queries.find_person_by_id(me, cast(int, payload.person_id))
    if person is None:
        raise HttpError(404, "Not found.")
    return person


@router.post("/{kind}/{pk}/shares", response={204: None})
def share(request: HttpRequest, kind: Kind, pk: int, payload: ShareIn) -> Answer[None]:
    """Let a person, a class or a teaching group read, modify or delete an item."""
    item = _item(request, kind, pk)
    actions.share_item(
        actor=_me(request), item=item, with_=_grantee(request, payload), role=ROLES[payload.role]
    )
    return Answer(204, None)


@router.delete("/{kind}/{pk}/shares", response={204: None})
def unshare(request: HttpRequest, kind: Kind, pk: int, payload: ShareIn) -> Answer[None]:
    """Stop sharing an item with a person, a class or a teaching group."""
    item = _item(request, kind, pk)
    actions.unshare_item(actor=_me(request), item=item, with_=_grantee(request, payload))
    return Answer(204, None)
