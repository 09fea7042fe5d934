"""Every change to a person's file storage (UTI-UTL-ESF): folders, uploads, rename, move, trash,
sharing, antivirus rescans and the purge of a departed person's files."""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.core import antivirus
from ent.directory.models import User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.actions import share, unshare
from ent.rights.models import ShareRole
from ent.rights.queries import Grantee

from .models import NAME_MAX, Content, Document, Folder, ScanStatus
from .permissions import Item, can_delete, can_modify, can_share, can_upload_into, is_owner

# UTI-UTL-ESF-07: people are told when their space is this full.
QUOTA_WARNING_RATIO = 0.9
TRASH_DAYS = 30
SHARE_ROLES = (ShareRole.READ, ShareRole.CONTRIBUTE, ShareRole.MANAGE)


class UploadRefusedError(ValidationError):
    """An upload was refused: too large, over quota or infected (API: 422)."""


def clean_name(name: str) -> str:
    """Return `name` fit to name a file or folder, or raise ValidationError saying why."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name or name in {".", ".."}:
        raise ValidationError(_("Give a name."))
    if len(name) > NAME_MAX:
        raise ValidationError(_("A name has at most %(max)d characters.") % {"max": NAME_MAX})
    if any(char in name for char in "/\\") or any(unicodedata.category(c)[0] == "C" for c in name):
        raise ValidationError(_("A name may not contain “/”, “\\” or control characters."))
    return name


def usage(owner: User) -> int:
    """Bytes `owner`'s space holds, the trash included."""
    return int(Document.objects.filter(owner=owner).aggregate(total=Sum("size"))["total"] or 0)


def _siblings(model: type[Item], owner_id: int, folder: Folder | None) -> set[str]:
    """Names already used by live folders (or documents) directly in `folder`."""
    if model is Folder:
        where = {"parent": folder} if folder else {"owner_id": owner_id, "parent": None}
        return set(Folder.objects.filter(trashed_at=None, **where).values_list("name", flat=True))
    where = {"folder": folder} if folder else {"owner_id": owner_id, "folder": None}
    return set(Document.objects.filter(trashed_at=None, **where).values_list("name", flat=True))


def _free_name(taken: set[str], name: str) -> str:
    """`name`, or "name (2).ext", "name (3).ext"… when it is taken."""
    if name not in taken:
        return name
    stem, ext = posixpath.splitext(name)
    number = 2
    while f"{stem} ({number}){ext}"[:NAME_MAX] in taken:
        number += 1
    return f"{stem[: NAME_MAX - len(ext) - 8]} ({number}){ext}"


def _refuse_taken(item: Item, folder: Folder | None, name: str) -> None:
    model = Folder if isinstance(item, Folder) else Document
    taken = _siblings(model, item.owner_id, folder) - (
        {item.name} if _parent(item) == folder else set()
    )
    if name in taken:
        raise ValidationError(_("Something with this name is already there."))


def _parent(item: Item) -> Folder | None:
    return item.parent if isinstance(item, Folder) else item.folder


@transaction.atomic
def create_folder(*, actor: User, name: str, parent: Folder | None = None) -> Folder:
    """Create a folder in `parent` (None: the actor's root) (UTI-UTL-ESF-01)."""
    if not can_upload_into(actor, parent):
        raise PermissionDenied(_("You may not add to this folder."))
    name = clean_name(name)
    owner = parent.owner if parent is not None else actor
    if name in _siblings(Folder, owner.pk, parent):
        raise ValidationError(_("Something with this name is already there."))
    folder = Folder.objects.create(owner=owner, parent=parent, name=name, path="")
    folder.path = (parent.path if parent else "/") + f"{folder.pk}/"
    folder.save(update_fields=["path"])
    record(actor=actor, action="files.folder.create", target=folder)
    return folder


def too_large() -> UploadRefusedError:
    """The refusal of a file over ENT_UPLOAD_MAX_BYTES."""
    limit = settings.ENT_UPLOAD_MAX_BYTES
    return UploadRefusedError(
        _("The file is too large: at most %(size)s.") % {"size": filesizeformat(limit)},
        code="too_large",
    )


def upload(
    *, actor: User, folder: Folder | None, name: str, data: bytes, content_type: str = ""
) -> Document:
    """Scan and store a file in `folder` (None: the actor's root) (UTI-UTL-ESF-09).

    The scan runs before the transaction opens (clamd may take seconds). INFECTED is refused
    and the refusal audited; UNAVAILABLE is stored in quarantine, not downloadable until a
    rescan finds it clean; UNSCANNED (no antivirus configured) is stored and marked.
    """
    if not can_upload_into(actor, folder):
        raise PermissionDenied(_("You may not add to this folder."))
    name = clean_name(name)
    if len(data) > settings.ENT_UPLOAD_MAX_BYTES:
        raise too_large()
    verdict = antivirus.scan(data)
    if verdict.status is antivirus.Status.INFECTED:
        record(
            actor=actor,
            action="files.document.refused",
            outcome=Outcome.FAILURE,
            data={"name": name, "signature": verdict.detail},
        )
        raise UploadRefusedError(
            _("“%(name)s” was refused: the antivirus found %(signature)s.")
            % {"name": name, "signature": verdict.detail},
            code="infected",
        )
    return _store(actor=actor, folder=folder, name=name, data=data, verdict=verdict)


@transaction.atomic
def _store(
    *, actor: User, folder: Folder | None, name: str, data: bytes, verdict: antivirus.Verdict
) -> Document:
    owner = folder.owner if folder is not None else actor
    # Lock the owner so that two uploads cannot both pass the quota.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    before = usage(owner)
    quota = settings.ENT_FILES_QUOTA_BYTES
    if before + len(data) > quota:
        raise UploadRefusedError(
            _("There is not enough room: %(free)s left of %(quota)s.")
            % {"free": filesizeformat(max(quota - before, 0)), "quota": filesizeformat(quota)},
            code="over_quota",
        )
    status = {
        antivirus.Status.CLEAN: ScanStatus.CLEAN,
        antivirus.Status.UNSCANNED: ScanStatus.UNSCANNED,
    }.get(verdict.status, ScanStatus.QUARANTINED)
    now = timezone.now()
    document = Document.objects.create(
        owner=owner,
        folder=folder,
        name=_free_name(_siblings(Document, owner.pk, folder), name),
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        scan_status=status,
        scan_detail=verdict.detail[:200],
        scanned_at=now if status is ScanStatus.CLEAN else None,
        uploaded_by=actor,
        created_at=now,
        updated_at=now,
    )
    Content.objects.create(document=document, data=data)
    record(actor=actor, action="files.document.upload", target=document, data={"scan": status})
    _warn_when_nearly_full(owner, before, before + len(data))
    return document


def _warn_when_nearly_full(owner: User, before: int, after: int) -> None:
    threshold = settings.ENT_FILES_QUOTA_BYTES * QUOTA_WARNING_RATIO
    if before < threshold <= after:
        percent = round(100 * after / settings.ENT_FILES_QUOTA_BYTES)
        notify(
            recipients=[owner],
            event=Event(
                kind="files.quota",
                title=_("Your documents space is %(percent)d%% full") % {"percent": percent},
                body=_("Delete files or empty the trash to make room."),
                url=reverse("files:home"),
            ),
        )


@transaction.atomic
def rename(*, actor: User, item: Item, name: str) -> Item:
    """Rename a folder or a document."""
    if not can_modify(actor, item):
        raise PermissionDenied(_("You may not rename this."))
    name = clean_name(name)
    _refuse_taken(item, _parent(item), name)
    item.name = name
    item.updated_at = timezone.now()
    item.save(update_fields=["name", "updated_at"])
    record(actor=actor, action=f"files.{_noun(item)}.rename", target=item)
    return item


def _noun(item: Item) -> str:
    return "folder" if isinstance(item, Folder) else "document"


def _reroot(folder: Folder, parent: Folder | None) -> None:
    """Give `folder` and everything under it the paths of its new place."""
    old = folder.path
    new = (parent.path if parent else "/") + f"{folder.pk}/"
    subtree = list(Folder.objects.filter(owner_id=folder.owner_id, path__startswith=old))
    for row in subtree:
        row.path = new + row.path[len(old) :]
    Folder.objects.bulk_update(subtree, ["path"])
    folder.path = new


@transaction.atomic
def move(*, actor: User, item: Item, target: Folder | None) -> Item:
    """Move a folder or a document to `target` (None: the owner's root) in the same space."""
    if not can_delete(actor, item):
        raise PermissionDenied(_("You may not move this."))
    if target is None and not is_owner(actor, item):
        raise PermissionDenied(_("You may not move this."))
    if target is not None and (target.owner_id != item.owner_id or not can_modify(actor, target)):
        raise PermissionDenied(_("You may not add to this folder."))
    if isinstance(item, Folder) and target is not None and target.path.startswith(item.path):
        raise ValidationError(_("A folder cannot go inside itself."))
    _refuse_taken(item, target, item.name)
    if isinstance(item, Folder):
        _reroot(item, target)
        item.parent = target
        fields = ["parent", "path", "updated_at"]
    else:
        item.folder = target
        fields = ["folder", "updated_at"]
    item.updated_at = timezone.now()
    item.save(update_fields=fields)
    record(actor=actor, action=f"files.{_noun(item)}.move", target=item)
    return item


@transaction.atomic
def trash(*, actor: User, item: Item) -> Item:
    """Put a folder (with all it holds) or a document in its owner's trash."""
    if not can_delete(actor, item):
        raise PermissionDenied(_("You may not delete this."))
    now = timezone.now()
    if isinstance(item, Folder):
        inside = Folder.objects.filter(owner_id=item.owner_id, path__startswith=item.path)
        inside.filter(trashed_at=None).exclude(pk=item.pk).update(trashed_at=now, in_trash=False)
        Document.objects.filter(folder__in=inside, trashed_at=None).update(
            trashed_at=now, in_trash=False
        )
    item.trashed_at = now
    item.in_trash = True
    item.save(update_fields=["trashed_at", "in_trash"])
    record(actor=actor, action=f"files.{_noun(item)}.trash", target=item)
    return item


@transaction.atomic
def restore(*, actor: User, item: Item) -> Item:
    """Take an item out of the trash, back where it was, or to the root if that is gone."""
    if not is_owner(actor, item) or not item.in_trash:
        raise PermissionDenied(_("You may not restore this."))
    parent = _parent(item)
    if parent is not None and parent.trashed_at is not None:
        parent = None
        if isinstance(item, Folder):
            _reroot(item, None)
            item.parent = None
        else:
            item.folder = None
    model = Folder if isinstance(item, Folder) else Document
    item.name = _free_name(_siblings(model, item.owner_id, parent), item.name)
    if isinstance(item, Folder):
        inside = Folder.objects.filter(owner_id=item.owner_id, path__startswith=item.path)
        went_with = {"trashed_at": item.trashed_at, "in_trash": False}
        Document.objects.filter(folder__in=inside, **went_with).update(trashed_at=None)
        inside.filter(**went_with).exclude(pk=item.pk).update(trashed_at=None)
    item.trashed_at = None
    item.in_trash = False
    place = ["parent", "path"] if isinstance(item, Folder) else ["folder"]
    item.save(update_fields=["name", "trashed_at", "in_trash", *place])
    record(actor=actor, action=f"files.{_noun(item)}.restore", target=item)
    return item


@transaction.atomic
def purge(*, actor: User | None, item: Item) -> None:
    """Delete for good an item of the trash, and all a folder held."""
    if actor is not None and (not is_owner(actor, item) or not item.in_trash):
        raise PermissionDenied(_("You may not delete this for good."))
    record(actor=actor, action=f"files.{_noun(item)}.purge", data={"name": item.name})
    if isinstance(item, Folder):
        inside = Folder.objects.filter(owner_id=item.owner_id, path__startswith=item.path)
        Document.objects.filter(folder__in=inside).delete()
        inside.delete()
    else:
        item.delete()


@transaction.atomic
def empty_trash(*, actor: User) -> int:
    """Delete for good everything in the actor's trash; return how many items went."""
    folders = Folder.objects.filter(owner=actor, in_trash=True)
    documents = Document.objects.filter(owner=actor, in_trash=True)
    count = folders.count() + documents.count()
    # Shallow folders first: purging one takes what it held, listed or not.
    for folder in folders.order_by("path"):
        if Folder.objects.filter(pk=folder.pk).exists():
            purge(actor=actor, item=folder)
    for document in documents:
        purge(actor=actor, item=document)
    return count


@transaction.atomic
def purge_old_trash(*, actor: User | None, days: int = TRASH_DAYS) -> int:
    """Delete for good what has been in any trash for more than `days` days."""
    since = timezone.now() - timedelta(days=days)
    folders = Folder.objects.filter(in_trash=True, trashed_at__lt=since)
    count = 0
    for folder in folders:
        if Folder.objects.filter(pk=folder.pk).exists():
            purge(actor=actor, item=folder)
            count += 1
    documents = Document.objects.filter(in_trash=True, trashed_at__lt=since)
    count += documents.count()
    documents.delete()
    if count:
        record(actor=actor, action="files.trash.expire", data={"count": count, "days": days})
    return count


@transaction.atomic
def share_item(*, actor: User, item: Item, with_: Grantee, role: int) -> None:
    """Let a person, a class or a teaching group read, modify or delete `item` (UTI-UTL-ESF-06)."""
    if not can_share(actor, item):
        raise PermissionDenied(_("Only the owner may share this."))
    if role not in SHARE_ROLES:
        raise ValidationError(_("Choose read, modify or delete."))
    share(actor=actor, resource=item, with_=with_, role=role, owner=item.owner)
    if isinstance(with_, User):
        url = (
            reverse("files:folder", args=[item.pk])
            if isinstance(item, Folder)
            else reverse("files:shared")
        )
        notify(
            recipients=[with_],
            event=Event(
                kind="files.shared",
                title=_("%(name)s shared “%(item)s” with you")
                % {"name": actor.display_name, "item": item.name},
                url=url,
            ),
        )


@transaction.atomic
def unshare_item(*, actor: User, item: Item, with_: Grantee) -> bool:
    """Stop sharing `item` with a grantee; tell whether a share was removed."""
    if not can_share(actor, item):
        raise PermissionDenied(_("Only the owner may share this."))
    return unshare(actor=actor, resource=item, with_=with_, owner=item.owner)


@transaction.atomic
def _rescanned(*, actor: User | None, document: Document, verdict: antivirus.Verdict) -> Document:
    if verdict.status is antivirus.Status.UNAVAILABLE:
        return document
    now = timezone.now()
    if verdict.status is antivirus.Status.INFECTED:
        # The bytes go; the row stays, so the owner sees what was found.
        Content.objects.filter(document=document).update(data=b"")
        document.scan_status = ScanStatus.INFECTED
        document.size = 0
    else:
        document.scan_status = (
            ScanStatus.CLEAN if verdict.status is antivirus.Status.CLEAN else ScanStatus.UNSCANNED
        )
    document.scan_detail = verdict.detail[:200]
    document.scanned_at = now
    document.save(update_fields=["scan_status", "scan_detail", "scanned_at", "size"])
    record(
        actor=actor,
        action="files.document.rescan",
        target=document,
        data={"scan": document.scan_status, "signature": verdict.detail},
    )
    notify(
        recipients=[document.owner],
        event=Event(
            kind="files.scan",
            title=(
                _("“%(name)s” was deleted: the antivirus found %(signature)s")
                % {"name": document.name, "signature": verdict.detail}
                if document.scan_status == ScanStatus.INFECTED
                else _("“%(name)s” was checked and may be downloaded") % {"name": document.name}
            ),
            url=reverse("files:document", args=[document.pk]),
        ),
    )
    return document


def rescan(*, actor: User | None, document: Document) -> Document:
    """Scan a quarantined document again; clean, it becomes downloadable (UTI-UTL-ESF-09)."""
    if actor is not None and not is_owner(actor, document):
        raise PermissionDenied(_("Only the owner may ask for a new scan."))
    if document.scan_status != ScanStatus.QUARANTINED:
        return document
    data = bytes(Content.objects.values_list("data", flat=True).get(document=document))
    return _rescanned(actor=actor, document=document, verdict=antivirus.scan(data))


def rescan_quarantined(*, actor: User | None) -> int:
    """Scan every quarantined document again; return how many left the quarantine."""
    released = 0
    for document in Document.objects.filter(scan_status=ScanStatus.QUARANTINED).select_related(
        "owner"
    ):
        if rescan(actor=actor, document=document).scan_status != ScanStatus.QUARANTINED:
            released += 1
    return released


def erase_person_files(person: User) -> None:
    """Purge hook: a purged person's folders and documents go, with their bytes."""
    Document.objects.filter(owner=person).delete()
    Folder.objects.filter(owner=person).delete()
