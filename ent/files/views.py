"""The pages of "My documents" (UTI-UTL-ESF): folders, a document, the trash, shared with me."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ent.directory.models import User
from ent.rights.decorators import service_required

from . import actions, queries
from .forms import MoveForm, NameForm, ShareForm, UploadForm
from .models import SERVICE, Document, Folder, ScanStatus
from .permissions import Item, can_delete, can_modify, can_share, is_owner


def _person(request: HttpRequest) -> User:
    return cast(User, request.user)


def _folder(request: HttpRequest, folder_id: int | None) -> Folder | None:
    if folder_id is None:
        return None
    return get_object_or_404(Folder.objects.visible_to(_person(request)), pk=folder_id)


def _document(request: HttpRequest, document_id: int) -> Document:
    documents = Document.objects.visible_to(_person(request)).select_related("folder", "owner")
    return get_object_or_404(documents, pk=document_id)


def _item(request: HttpRequest, kind: str, pk: int) -> Item:
    if kind == "folder":
        return cast(Folder, _folder(request, pk))
    return _document(request, pk)


def _back(item: Item | None) -> HttpResponse:
    if isinstance(item, Document):
        return redirect("files:document", item.pk)
    return redirect("files:folder", item.pk) if item is not None else redirect("files:home")


def _upload_message(document: Document) -> str:
    if document.scan_status == ScanStatus.QUARANTINED:
        return _(
            "“%(name)s” is stored but held: the antivirus could not check it. It may be "
            "downloaded once a new scan finds it clean."
        ) % {"name": document.name}
    if document.scan_status == ScanStatus.UNSCANNED:
        return _("“%(name)s” is stored; no antivirus checked it.") % {"name": document.name}
    return _("“%(name)s” is stored.") % {"name": document.name}


def _held_message(document: Document) -> str:
    if document.scan_status == ScanStatus.INFECTED:
        return _("This file was infected (%(signature)s): it cannot be downloaded.") % {
            "signature": document.scan_detail
        }
    return _("This file waits for the antivirus: it cannot be downloaded yet.")


def _scan_message(document: Document) -> str:
    if document.downloadable:
        return _("The antivirus checked the file: it may be downloaded.")
    return _held_message(document)


def _folder_page(
    request: HttpRequest, folder: Folder | None, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "page": queries.folder_page(_person(request), folder),
        "usage": queries.usage_of(_person(request)),
        "upload_form": forms.get("upload_form") or UploadForm(),
        "folder_form": forms.get("folder_form") or NameForm(),
        "max_bytes": settings.ENT_UPLOAD_MAX_BYTES,
    }
    return render(request, "files/folder.html", context, status=status)


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """Show the person's own documents at the top of their tree (UTI-UTL-ESF-01)."""
    return _folder_page(request, None)


@require_GET
@service_required(SERVICE)
def folder(request: HttpRequest, folder_id: int) -> HttpResponse:
    """Show a folder: its sub-folders and documents."""
    return _folder_page(request, _folder(request, folder_id))


@require_POST
@service_required(SERVICE)
def folder_create(request: HttpRequest, folder_id: int | None = None) -> HttpResponse:
    """Create a sub-folder in a folder, or at the top."""
    parent = _folder(request, folder_id)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            created = actions.create_folder(
                actor=_person(request), name=form.cleaned_data["name"], parent=parent
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Folder “%(name)s” created.") % {"name": created.name})
            return _back(parent)
    return _folder_page(request, parent, status=422, folder_form=form)


@require_POST
@service_required(SERVICE)
def upload(request: HttpRequest, folder_id: int | None = None) -> HttpResponse:
    """Add a file to a folder, or at the top: size cap, quota and antivirus first."""
    parent = _folder(request, folder_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            if uploaded.size > settings.ENT_UPLOAD_MAX_BYTES:
                raise actions.too_large()
            document = actions.upload(
                actor=_person(request), folder=parent, name=uploaded.name, data=uploaded.read()
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _upload_message(document))
            return _back(parent)
    return _folder_page(request, parent, status=422, upload_form=form)


def _item_page(request: HttpRequest, item: Item, status: int = 200, **forms: Any) -> HttpResponse:
    person = _person(request)
    classes, groups = queries.share_targets(person)
    targets = queries.move_targets(person, item)
    context = {
        "item": item,
        "is_folder": isinstance(item, Folder),
        "kind": "folder" if isinstance(item, Folder) else "document",
        "breadcrumbs": queries.breadcrumbs(
            person, item if isinstance(item, Folder) else item.folder
        ),
        "may_modify": can_modify(person, item),
        "may_delete": can_delete(person, item),
        "may_share": can_share(person, item),
        "owned": is_owner(person, item),
        "rename_form": forms.get("rename_form") or NameForm(initial={"name": item.name}),
        "move_form": forms.get("move_form")
        or MoveForm(targets=targets, root=is_owner(person, item)),
        "share_form": forms.get("share_form") or ShareForm(classes=classes, groups=groups),
        "shares": queries.shares_of_item(item) if can_share(person, item) else [],
    }
    return render(request, "files/item.html", context, status=status)


@require_GET
@service_required(SERVICE)
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    """Show a document: its details, its antivirus state and what one may do with it."""
    return _item_page(request, _document(request, document_id))


@require_GET
@service_required(SERVICE)
def folder_manage(request: HttpRequest, folder_id: int) -> HttpResponse:
    """Show what one may do with a folder: rename, move, share, delete."""
    return _item_page(request, cast(Folder, _folder(request, folder_id)))


@require_GET
@service_required(SERVICE)
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    """Send a document as an attachment, never rendered by the browser; held ones answer 409."""
    document = _document(request, document_id)
    if not document.downloadable:
        messages.error(request, _held_message(document))
        return _item_page(request, document, status=409)
    response = HttpResponse(queries.read_content(document), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@service_required(SERVICE)
def rename(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Rename a folder or a document."""
    item = _item(request, kind, pk)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            actions.rename(actor=_person(request), item=item, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Renamed."))
            return _back(item)
    item.refresh_from_db()
    return _item_page(request, item, status=422, rename_form=form)


@require_POST
@service_required(SERVICE)
def move(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Move a folder or a document to another folder of the same space."""
    item = _item(request, kind, pk)
    person = _person(request)
    form = MoveForm(
        request.POST, targets=queries.move_targets(person, item), root=is_owner(person, item)
    )
    if form.is_valid():
        target = _folder(request, int(form.cleaned_data["target"] or 0) or None)
        try:
            actions.move(actor=person, item=item, target=target)
        except ValidationError as error:
            form.add_error("target", error)
        else:
            messages.success(request, _("Moved."))
            return _back(item)
    return _item_page(request, item, status=422, move_form=form)


@require_POST
@service_required(SERVICE)
def trash(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Put a folder or a document in its owner's trash."""
    item = _item(request, kind, pk)
    parent = item.parent if isinstance(item, Folder) else item.folder
    actions.trash(actor=_person(request), item=item)
    messages.success(request, _("“%(name)s” is in the trash.") % {"name": item.name})
    return _back(parent)


@require_GET
@service_required(SERVICE)
def trash_page(request: HttpRequest) -> HttpResponse:
    """List what the person deleted, to restore or delete for good."""
    folders, documents = queries.trash_of(_person(request))
    context = {"folders": folders, "documents": documents, "days": actions.TRASH_DAYS}
    return render(request, "files/trash.html", context)


def _trashed(request: HttpRequest, kind: str, pk: int) -> Item:
    person = _person(request)
    rows = (
        queries.trashed_folders(person) if kind == "folder" else queries.trashed_documents(person)
    )
    return cast(Item, get_object_or_404(rows, pk=pk))


@require_POST
@service_required(SERVICE)
def restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Take a folder or a document out of the trash."""
    item = actions.restore(actor=_person(request), item=_trashed(request, kind, pk))
    messages.success(request, _("“%(name)s” is back.") % {"name": item.name})
    return redirect("files:trash")


@require_POST
@service_required(SERVICE)
def purge(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Delete for good a folder or a document of the trash."""
    item = _trashed(request, kind, pk)
    actions.purge(actor=_person(request), item=item)
    messages.success(request, _("“%(name)s” is deleted for good.") % {"name": item.name})
    return redirect("files:trash")


@require_POST
@service_required(SERVICE)
def empty_trash(request: HttpRequest) -> HttpResponse:
    """Delete for good everything in the trash."""
    actions.empty_trash(actor=_person(request))
    messages.success(request, _("The trash is empty."))
    return redirect("files:trash")


@require_GET
@service_required(SERVICE)
def shared(request: HttpRequest) -> HttpResponse:
    """List the folders and documents others shared with the person (UTI-UTL-ESF-06)."""
    folders, documents = queries.shared_with_me(_person(request))
    return render(request, "files/shared.html", {"folders": folders, "documents": documents})


@require_POST
@service_required(SERVICE)
def share(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Let a person, a class or a teaching group read, modify or delete an item."""
    item = _item(request, kind, pk)
    person = _person(request)
    classes, groups = queries.share_targets(person)
    form = ShareForm(request.POST, classes=classes, groups=groups)
    if form.is_valid():
        data = form.cleaned_data
        grantee = data["school_class"] or data["teaching_group"]
        if data["login"]:
            grantee = queries.find_person(person, data["login"])
        if grantee is None:
            form.add_error("login", _("No one you may see has this login."))
        else:
            try:
                actions.share_item(actor=person, item=item, with_=grantee, role=data["role"])
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal) or _("You may not share with them."))
            else:
                messages.success(request, _("Shared."))
                return _back(item)
    return _item_page(request, item, status=422, share_form=form)


@require_POST
@service_required(SERVICE)
def unshare(request: HttpRequest, kind: str, pk: int, share_id: int) -> HttpResponse:
    """Stop sharing an item with one grantee."""
    item = _item(request, kind, pk)
    row = get_object_or_404(queries.shares_of_item(item), pk=share_id)
    actions.unshare_item(actor=_person(request), item=item, with_=queries.grantee_of(row))
    messages.success(
        request, _("No longer shared with %(who)s.") % {"who": queries.grantee_label(row)}
    )
    return _back(item)


@require_POST
@service_required(SERVICE)
def rescan(request: HttpRequest, document_id: int) -> HttpResponse:
    """Ask the antivirus again about a document in quarantine."""
    document = actions.rescan(actor=_person(request), document=_document(request, document_id))
    messages.info(request, _scan_message(document))
    return redirect("files:document", document.pk)
