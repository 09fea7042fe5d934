"""A person's file storage (UTI-UTL-ESF): nested folders, documents, their bytes and scan state.

Bytes live in the database (`Content`, one row per document, read only on download) so that an
upload, a move to the trash or a purge is one transaction on both engines: nothing half-applied,
no orphan file on disk. The upload cap (ENT_UPLOAD_MAX_BYTES) keeps rows reasonable.

`Folder.path` holds the ids from the root down to the folder itself ("/3/7/"), so "inside a
folder shared with me" is one prefix test in SQL, however deep the tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.rights.queries import visible_ids

if TYPE_CHECKING:
    from ent.directory.models import User

SERVICE = "files"
NAME_MAX = 200


class ScanStatus(models.TextChoices):
    """What the antivirus said of a document (UTI-UTL-ESF-09)."""

    CLEAN = "clean", _("checked by the antivirus")
    UNSCANNED = "unscanned", _("not checked: no antivirus configured")
    QUARANTINED = "quarantined", _("waiting for the antivirus")
    INFECTED = "infected", _("infected")


def _under_shared_folder(person: User, path: str) -> Exists:
    """Rows whose folder path starts with the path of a folder shared with `person`."""
    shared = (
        Folder.objects.filter(pk__in=visible_ids(person, Folder), trashed_at=None)
        .annotate(outer_path=ExpressionWrapper(OuterRef(path), output_field=models.CharField()))
        .filter(outer_path__startswith=F("path"))
    )
    return Exists(shared)


class DocumentFolderQuerySet(models.QuerySet["Folder"]):
    def visible_to(self, user: User) -> Self:
        """Folders `user` may open: their own and those in or under a folder shared with them."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(trashed_at=None).filter(
            Q(owner=user) | _under_shared_folder(user, "path")
        )


class Folder(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent folder"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    path = models.CharField(_("path"), max_length=1000, db_index=True)
    # In the trash since; `in_trash` marks what the trash lists (the content of a trashed
    # folder goes with it, unlisted, and comes back with it).
    trashed_at = models.DateTimeField(_("put in the trash at"), null=True, blank=True)
    in_trash = models.BooleanField(_("listed in the trash"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = DocumentFolderQuerySet.as_manager()

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(parent__isnull=False, trashed_at=None),
                name="files_folder_unique_name",
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(parent=None, trashed_at=None),
                name="files_folder_unique_root_name",
            ),
        ]
        indexes = [models.Index(fields=["owner", "parent"], name="files_folder_owner")]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this folder, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class DocumentQuerySet(models.QuerySet["Document"]):
    def visible_to(self, user: User) -> Self:
        """Documents `user` may see: their own, shared with them, or in a shared folder."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(trashed_at=None).filter(
            Q(owner=user)
            | Q(pk__in=visible_ids(user, Document))
            | Q(folder__isnull=False) & _under_shared_folder(user, "folder__path")
        )


class Document(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    folder = models.ForeignKey(
        Folder,
        verbose_name=_("folder"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan_status = models.CharField(_("antivirus"), max_length=12, choices=ScanStatus.choices)
    scan_detail = models.CharField(_("antivirus detail"), max_length=200, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trashed_at = models.DateTimeField(_("put in the trash at"), null=True, blank=True)
    in_trash = models.BooleanField(_("listed in the trash"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=["folder", "name"],
                condition=Q(folder__isnull=False, trashed_at=None),
                name="files_document_unique_name",
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(folder=None, trashed_at=None),
                name="files_document_unique_root_name",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "folder"], name="files_document_owner"),
            models.Index(fields=["scan_status"], name="files_document_scan"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def downloadable(self) -> bool:
        """Whether the bytes may leave the server: scanned clean, or no scanner configured."""
        return self.scan_status in (ScanStatus.CLEAN, ScanStatus.UNSCANNED)


class Content(models.Model):
    document = models.OneToOneField(
        Document,
        verbose_name=_("document"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="content",
    )
    data = models.BinaryField(_("bytes"))

    class Meta:
        verbose_name = _("document content")
        verbose_name_plural = _("document contents")

    def __str__(self) -> str:
        return f"content of {self.document_id}"
