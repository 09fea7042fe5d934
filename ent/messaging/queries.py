"""Reads of mailboxes for the webmail, the API and IMAP (UTI-CCO-CEL-02)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from ent.directory.lists import school_lists
from ent.directory.models import Membership, User
from ent.rights.communication import writable_people

from . import addresses
from .models import Attachment, Entry, Folder, PersonalList, Role
from .permissions import WORKING_PROFILES

ROLE_ORDER: dict[str, int] = {
    Role.INBOX: 0,
    Role.DRAFTS: 1,
    Role.SENT: 2,
    Role.JUNK: 3,
    Role.TRASH: 4,
}
# Folders whose unread messages are news: not what one wrote, threw away or set aside.
QUIET_ROLES = (Role.SENT, Role.DRAFTS, Role.TRASH, Role.JUNK)


@dataclass(frozen=True)
class FolderRow:
    folder: Folder
    depth: int  # 0 at the top
    unread: int
    total: int


@dataclass(frozen=True)
class Suggestion:
    token: str  # what goes in To/Cc/Bcc: an address, "list:…" or "plist:…"
    label: str
    kind: str  # "person", "list" or "plist"


def folders_with_counts(person: User) -> list[FolderRow]:
    """The folders of `person`'s box as a tree (special ones first), with their counts (two
    queries)."""
    folders = list(Folder.objects.filter(owner=person))
    counts = {
        row["folder_id"]: (row["unread"], row["total"])
        for row in Entry.objects.filter(owner=person)
        .values("folder_id")
        .annotate(total=Count("pk"), unread=Count("pk", filter=Q(seen=False)))
    }
    children: dict[int | None, list[Folder]] = defaultdict(list)
    for folder in folders:
        children[folder.parent_id].append(folder)
    for items in children.values():
        items.sort(key=lambda f: (ROLE_ORDER.get(f.role, 9), f.name.lower(), f.pk))
    rows: list[FolderRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for folder in children.get(parent_id, []):
            unread, total = counts.get(folder.pk, (0, 0))
            rows.append(FolderRow(folder, depth, unread, total))
            walk(folder.pk, depth + 1)

    walk(None, 0)
    return rows


def _listing(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return (
        entries.select_related("message", "folder")
        .defer("message__body_html", "message__headers", "message__body_text")
        .annotate(has_attachments=Exists(Attachment.objects.filter(message=OuterRef("message_id"))))
    )


def folder_page(
    person: User, folder: Folder, *, page: int, per_page: int = 50, unread_only: bool = False
) -> Page[Entry]:
    """One page of a folder, newest first (two queries: the count and the page). Raise Http404
    for another person's folder and EmptyPage past the end."""
    if folder.owner_id != person.pk:
        raise Http404
    entries = Entry.objects.filter(folder=folder)
    if unread_only:
        entries = entries.filter(seen=False)
    ordered = _listing(entries.order_by("-filed_at", "-pk"))
    paginator: Paginator[Entry] = Paginator(ordered, per_page)
    paginator.count = entries.count()  # a plain COUNT, without the join of the listing
    return paginator.page(page)


def search(
    person: User, text: str, *, folder: Folder | None = None, limit: int = 100
) -> QuerySet[Entry]:
    """The messages of `person`'s box whose subject, sender or text hold every word of
    `text`, newest first."""
    words = [word for word in (text or "").split() if word][:8]
    if not words:
        return Entry.objects.none()
    entries = Entry.objects.visible_to(person)
    if folder is not None:
        entries = entries.filter(folder=folder)
    for word in words:
        entries = entries.filter(
            Q(message__subject__icontains=word)
            | Q(message__sender_name__icontains=word)
            | Q(message__sender_address__icontains=word)
            | Q(message__body_text__icontains=word)
        )
    return _listing(entries.order_by("-filed_at", "-pk"))[:limit]


def message_for(person: User, entry_id: int) -> Entry:
    """An entry of `person`'s box with its message and attachments; 404 otherwise."""
    entry = (
        Entry.objects.visible_to(person)
        .select_related("message", "folder", "message__author")
        .prefetch_related("message__attachments")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def recipient_suggestions(person: User, text: str, limit: int = 20) -> list[Suggestion]:
    """Whom `person` may write to, matching `text`: people within the communication rules,
    the class and group lists of their schools (staff only) and their own lists."""
    text = (text or "").strip()
    if not text:
        return []
    found: list[Suggestion] = []
    for own in PersonalList.objects.filter(owner=person, name__icontains=text).order_by("name")[
        :limit
    ]:
        found.append(Suggestion(f"plist:{own.pk}", own.name, "plist"))
    schools = list(
        Membership.objects.current()
        .filter(person=person, profile__in=WORKING_PROFILES)
        .values_list("school_id", flat=True)
        .distinct()
    )
    if schools:
        lowered = text.lower()
        for item in school_lists(schools):
            if lowered in item.label.lower() or lowered in item.structure.lower():
                found.append(Suggestion(addresses.list_address(item), item.label, "list"))
                if len(found) >= limit:
                    return found
    condition = Q()
    for word in text.split()[:4]:
        condition &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(login__icontains=word)
        )
    people = (
        writable_people(person)
        .filter(condition)
        .exclude(pk=person.pk)
        .order_by("last_name", "first_name", "pk")[: max(0, limit - len(found))]
    )
    for other in people:
        found.append(
            Suggestion(
                addresses.address_of(other),
                f"{other.display_name} <{addresses.address_of(other)}>",
                "person",
            )
        )
    return found[:limit]


def unread_count(person: User) -> int:
    """How many unread messages `person` has outside Sent, Drafts, Trash and Junk."""
    if not getattr(person, "is_authenticated", False):
        return 0
    return (
        Entry.objects.filter(owner=person, seen=False).exclude(folder__role__in=QUIET_ROLES).count()
    )
