"""Every change of the blogs: open a blog, give rights, write, validate, comment, upload.

Each action checks its predicate and its input before any write, so a refused or invalid
request saves nothing: uploads are measured, scanned and recognised before the post exists.
Rich text is cleaned once, here (`clean_html(media=True)`), and stored cleaned. The people
told of a change hear of it after the commit.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ent.audit.actions import record
from ent.core import antivirus
from ent.core.html import clean_html, linkify, to_text
from ent.directory.models import Profile, School, SchoolClass, TeachingGroup, User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.communication import visible_people
from ent.rights.queries import Rights, effective_rights

from .models import (
    Blog,
    Comment,
    Media,
    MediaKind,
    Members,
    Page,
    Post,
    Right,
    Role,
    Status,
    Visibility,
)
from .permissions import (
    can_comment,
    can_create_blog,
    can_edit_page,
    can_edit_post,
    can_manage_blog,
    can_moderate_blog,
    can_moderate_page,
    can_write_post,
    may_use_service,
)
from .queries import blog_export, moderators_of

PENDING_EVENT = "blogs.pending"
DECISION_EVENT = "blogs.decision"
COMMENT_EVENT = "blogs.comment"
TITLE_MAX = 200
BODY_MAX = 100_000
COMMENT_MAX = 5_000
NOTE_MAX = 500
_GRANTEE = re.compile(
    r"^(?:person-(?P<person>\d+)"
    r"|(?P<structure>class|group)-(?P<structure_id>\d+)-(?P<members>pupils|guardians|teachers)"
    r"|school-(?P<school>\d+)(?:-(?P<profile>[A-Z]{3}))?)$"
)


@dataclass(frozen=True)
class Upload:
    """An image or a video sent with a post or a page, as the browser or the API gave it."""

    name: str
    data: bytes


@dataclass(frozen=True)
class _Checked:
    name: str
    data: bytes
    kind: str
    content_type: str
    scan_status: str


# ---------------------------------------------------------------- input


def _text(title: str, body: str, *, uploads: Sequence[Upload]) -> tuple[str, str]:
    title = title.strip()
    if not title:
        raise ValidationError(_("Give a title."))
    if len(title) > TITLE_MAX:
        raise ValidationError(_("The title is too long (200 characters at most)."))
    if len(body) > BODY_MAX:
        raise ValidationError(_("The text is too long."))
    if "<" not in body:
        # Plain text: each blank-line-separated block is a paragraph, addresses are links.
        blocks = [block.strip() for block in re.split(r"\n\s*\n", body) if block.strip()]
        body = "".join(f"<p>{linkify(block)}</p>" for block in blocks)
    cleaned = clean_html(body, media=True).strip()
    if not to_text(cleaned) and "<img" not in cleaned and "<video" not in cleaned and not uploads:
        raise ValidationError(_("Write a text, or add an image or a video."))
    return title, cleaned


def _sniff(data: bytes) -> tuple[str, str] | None:
    """Return the kind and content type that the first bytes of `data` prove, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.IMAGE, "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return MediaKind.IMAGE, "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return MediaKind.IMAGE, "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return MediaKind.IMAGE, "image/webp"
    if data[4:8] == b"ftyp":
        return MediaKind.VIDEO, "video/mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return MediaKind.VIDEO, "video/webm"
    if data[:4] == b"OggS":
        return MediaKind.VIDEO, "video/ogg"
    return None


def _without_metadata(data: bytes, name: str) -> bytes:
    """Return a still image saved again without its metadata: a pupil's photo must not carry
    where it was taken. Animated images are kept as they are."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if getattr(image, "is_animated", False):
                return data
            kept = io.BytesIO()
            image.save(
                kept, format=image.format, **({"quality": 90} if image.format == "JPEG" else {})
            )
            return kept.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("%(name)s cannot be read as an image.") % {"name": name}) from None


def _check_uploads(uploads: Sequence[Upload]) -> list[_Checked]:
    """Measure, scan and recognise every upload; refuse them all at the first bad one."""
    checked = []
    limit = settings.ENT_UPLOAD_MAX_BYTES
    for upload in uploads:
        name = upload.name.strip()[:255] or "media"
        if len(upload.data) > limit:
            raise ValidationError(
                _("%(name)s is too large: %(limit)s at most.")
                % {"name": name, "limit": filesizeformat(limit)}
            )
        if not upload.data:
            raise ValidationError(_("%(name)s is empty.") % {"name": name})
        verdict = antivirus.scan(upload.data)
        if verdict.status == antivirus.Status.INFECTED:
            raise ValidationError(
                _("%(name)s contains a virus (%(virus)s): it was refused.")
                % {"name": name, "virus": verdict.detail}
            )
        if not verdict.deliverable:
            raise ValidationError(
                _("The antivirus cannot check %(name)s right now: try again in a few minutes.")
                % {"name": name}
            )
        found = _sniff(upload.data)
        if found is None:
            raise ValidationError(
                _(
                    "%(name)s is neither an image (PNG, JPEG, GIF, WebP) nor a video "
                    "(MP4, WebM, Ogg)."
                )
                % {"name": name}
            )
        kind, content_type = found
        data = _without_metadata(upload.data, name) if kind == MediaKind.IMAGE else upload.data
        checked.append(_Checked(name, data, kind, content_type, verdict.status.value))
    return checked


def _figures(media: Iterable[Media], description: str) -> str:
    """Return the HTML that shows uploaded media in a post or a page."""
    parts = []
    for item in media:
        alt = html.escape(description.strip() or item.name, quote=True)
        url = item.get_absolute_url()
        if item.kind == MediaKind.IMAGE:
            parts.append(f'<figure><img src="{url}" alt="{alt}"></figure>')
        else:
            caption = f"<figcaption>{alt}</figcaption>" if description.strip() else ""
            parts.append(f'<figure><video src="{url}" controls></video>{caption}</figure>')
    return "".join(parts)


def _store(
    actor: User, blog: Blog, checked: Sequence[_Checked], *, post: Post | None, page: Page | None
) -> list[Media]:
    stored = []
    for item in checked:
        media = Media(
            blog=blog,
            post=post,
            page=page,
            uploaded_by=actor,
            name=item.name,
            kind=item.kind,
            content_type=item.content_type,
            size=len(item.data),
            scan_status=item.scan_status,
        )
        media.file.save(item.name, ContentFile(item.data), save=False)
        media.save()
        stored.append(media)
    return stored


def _tell(people: Iterable[User], actor: User | None, event: Event) -> None:
    """Notify `people` (never the actor) once the transaction has committed."""
    ids = {person.pk for person in people if person.is_active} - {getattr(actor, "pk", None)}
    if not ids:
        return
    recipients = User.objects.filter(pk__in=ids, is_active=True)
    transaction.on_commit(lambda: notify(recipients=recipients, event=event))


def _rights(actor: User, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(actor)


def _needs_service(actor: User, blog: Blog, rights: Rights | None) -> None:
    if not may_use_service(actor, blog, _rights(actor, rights)):
        raise PermissionDenied(_("Your school has not opened the blogs to you for writing."))


# ---------------------------------------------------------------- blogs and rights


def parse_grantee(key: str, blog: Blog, actor: User) -> dict[str, Any]:
    """Return the fields of a `Right` that name the grantee `key` ("class-12-pupils",
    "login:lea.petit"…);
    refuse a structure of another school or a person the actor may not see."""
    key = key.strip()
    if key.startswith("login:"):
        person = visible_people(actor).filter(login=key.removeprefix("login:").strip()).first()
        if person is None:
            raise ValidationError(_("Nobody with this login is in your directory."))
        return {"person": person}
    match = _GRANTEE.match(key)
    if not match:
        raise ValidationError(_("Choose whom the right is given to."))
    if match["person"]:
        person = visible_people(actor).filter(pk=int(match["person"])).first()
        if person is None:
            raise ValidationError(_("This person is not in your directory."))
        return {"person": person}
    if match["structure"]:
        model: type[SchoolClass] | type[TeachingGroup]
        model = SchoolClass if match["structure"] == "class" else TeachingGroup
        structure = model.objects.filter(pk=int(match["structure_id"]), school=blog.school).first()
        if structure is None:
            raise ValidationError(_("Choose a class or a group of the blog's school."))
        field = "school_class" if match["structure"] == "class" else "teaching_group"
        return {field: structure, "members": Members(match["members"])}
    if int(match["school"]) != blog.school_id:
        raise ValidationError(_("Choose the blog's own school."))
    profile = match["profile"] or ""
    if profile and profile not in Profile.values:
        raise ValidationError(_("Choose a profile from the list."))
    return {"school": blog.school, "profile": profile}


def _role(role: int) -> Role:
    if role not in Role.values:
        raise ValidationError(_("Choose a role from the list."))
    return Role(role)


def _visibility(visibility: str) -> Visibility:
    if visibility not in Visibility.values:
        raise ValidationError(_("Choose public or intranet."))
    return Visibility(visibility)


@transaction.atomic
def create_blog(
    *,
    actor: User,
    school: School,
    title: str,
    description: str = "",
    visibility: str = Visibility.INTRANET,
    allows_comments: bool = True,
    readers: Sequence[str] = (),
    rights: Rights | None = None,
) -> Blog:
    """Open a blog in `school` (PWE-01), readable by `readers` when it is intranet-only."""
    if not can_create_blog(actor, school.pk, _rights(actor, rights)):
        raise PermissionDenied(_("You may not open a blog in this school."))
    title = title.strip()
    if not title or len(title) > TITLE_MAX:
        raise ValidationError(_("Give the blog a title of 200 characters at most."))
    blog = Blog.objects.create(
        school=school,
        owner=actor,
        title=title,
        description=description.strip()[:2000],
        visibility=_visibility(visibility),
        allows_comments=allows_comments,
    )
    for key in dict.fromkeys(readers):
        Right.objects.create(blog=blog, role=Role.READ, **parse_grantee(key, blog, actor))
    record(actor=actor, action="blogs.blog.create", target=blog)
    return blog


@transaction.atomic
def update_blog(
    *,
    actor: User,
    blog: Blog,
    title: str,
    description: str,
    visibility: str,
    allows_comments: bool,
) -> Blog:
    """Change a blog's title, description, visibility (PWE-02) and comment setting."""
    if not can_manage_blog(actor, blog):
        raise PermissionDenied(_("Only the blog's managers may change its settings."))
    title = title.strip()
    if not title or len(title) > TITLE_MAX:
        raise ValidationError(_("Give the blog a title of 200 characters at most."))
    blog.title = title
    blog.description = description.strip()[:2000]
    blog.visibility = _visibility(visibility)
    blog.allows_comments = allows_comments
    blog.updated_at = timezone.now()
    blog.save(update_fields=["title", "description", "visibility", "allows_comments", "updated_at"])
    record(actor=actor, action="blogs.blog.update", target=blog, data={"visibility": visibility})
    return blog


@transaction.atomic
def delete_blog(*, actor: User, blog: Blog) -> None:
    """Delete a blog with its posts, pages, comments and media."""
    if not can_manage_blog(actor, blog):
        raise PermissionDenied(_("Only the blog's managers may delete it."))
    files = [str(media.file.name) for media in Media.objects.filter(blog=blog)]
    record(actor=actor, action="blogs.blog.delete", target=blog, data={"title": blog.title})
    blog.delete()
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: Sequence[str]) -> None:
    storage = Media.file.field.storage
    for name in names:
        storage.delete(name)


@transaction.atomic
def grant_right(
    *, actor: User, blog: Blog, grantee: str, role: int, page: Page | None = None
) -> Right:
    """Give `grantee` a role on `blog`, or on one of its pages only (PWE-03); a second grant
    to the same people on the same place changes the role."""
    if not can_manage_blog(actor, blog):
        raise PermissionDenied(_("Only the blog's managers may give rights."))
    if page is not None and page.blog_id != blog.pk:
        raise ValidationError(_("This page is not part of the blog."))
    fields = parse_grantee(grantee, blog, actor)
    role = _role(role)
    right, created = Right.objects.get_or_create(
        blog=blog, page=page, **fields, defaults={"role": role}
    )
    if not created and right.role != role:
        right.role = role
        right.save(update_fields=["role"])
    record(
        actor=actor,
        action="blogs.right.grant",
        target=blog,
        data={"grantee": right.grantee_key, "role": int(role), "page": page.pk if page else None},
    )
    return right


@transaction.atomic
def revoke_right(*, actor: User, right: Right) -> None:
    """Take a right back."""
    if not can_manage_blog(actor, right.blog):
        raise PermissionDenied(_("Only the blog's managers may take rights back."))
    record(
        actor=actor,
        action="blogs.right.revoke",
        target=right.blog,
        data={"grantee": right.grantee_key, "role": right.role},
    )
    right.delete()


# ---------------------------------------------------------------- posts


def _pending_event(blog: Blog, title: str, url: str) -> Event:
    return Event(
        kind=PENDING_EVENT,
        title=_("To validate in the blog “%(blog)s”: %(title)s") % {"blog": blog, "title": title},
        url=url,
        school_id=blog.school_id,
    )


@transaction.atomic
def write_post(
    *,
    actor: User,
    blog: Blog,
    title: str,
    body: str,
    uploads: Sequence[Upload] = (),
    media_description: str = "",
    rights: Rights | None = None,
) -> Post:
    """Write a post with its images and videos (PWE-01). It is published at once by a
    moderator; anyone else's post waits for a moderator's validation (PWE-04)."""
    _needs_service(actor, blog, rights)
    if not can_write_post(actor, blog):
        raise PermissionDenied(_("You may not write in this blog."))
    title, body = _text(title, body, uploads=uploads)
    checked = _check_uploads(uploads)
    publishes = can_moderate_blog(actor, blog)
    now = timezone.now()
    post = Post.objects.create(
        blog=blog,
        author=actor,
        title=title,
        body=body,
        status=Status.PUBLISHED if publishes else Status.PENDING,
        published_at=now if publishes else None,
        moderated_by=actor if publishes else None,
        created_at=now,
        updated_at=now,
    )
    media = _store(actor, blog, checked, post=post, page=None)
    if media:
        post.body = clean_html(body + _figures(media, media_description), media=True)
        post.save(update_fields=["body"])
    record(actor=actor, action="blogs.post.write", target=post, data={"status": post.status})
    if not publishes:
        _tell(moderators_of(blog), actor, _pending_event(blog, title, post.get_absolute_url()))
    return post


@transaction.atomic
def edit_post(
    *,
    actor: User,
    post: Post,
    title: str,
    body: str,
    uploads: Sequence[Upload] = (),
    media_description: str = "",
    rights: Rights | None = None,
) -> Post:
    """Change a post; a change by someone without the publish right sends it back to the
    moderators (PWE-04: editing goes through validation too)."""
    blog = post.blog
    _needs_service(actor, blog, rights)
    if not can_edit_post(actor, post):
        raise PermissionDenied(_("You may not change this post."))
    title, body = _text(title, body, uploads=uploads)
    checked = _check_uploads(uploads)
    media = _store(actor, blog, checked, post=post, page=None)
    post.title = title
    post.body = clean_html(body + _figures(media, media_description), media=True)
    post.updated_at = timezone.now()
    publishes = can_moderate_blog(actor, blog)
    if not publishes and post.status != Status.PENDING:
        post.status = Status.PENDING
        _tell(moderators_of(blog), actor, _pending_event(blog, title, post.get_absolute_url()))
    post.save(update_fields=["title", "body", "updated_at", "status"])
    record(actor=actor, action="blogs.post.edit", target=post, data={"status": post.status})
    return post


@transaction.atomic
def delete_post(*, actor: User, post: Post) -> None:
    """Delete a post with its comments and media."""
    if not can_edit_post(actor, post):
        raise PermissionDenied(_("You may not delete this post."))
    files = [str(media.file.name) for media in post.media.all()]
    record(actor=actor, action="blogs.post.delete", target=post, data={"title": post.title})
    post.delete()
    transaction.on_commit(lambda: _remove_files(files))


def _decide(actor: User, post: Post | Page, status: str, note: str, action: str) -> None:
    post.status = status
    post.moderation_note = note.strip()[:NOTE_MAX]
    fields = ["status", "moderation_note"]
    if isinstance(post, Post):
        post.moderated_by = actor
        fields.append("moderated_by")
        if status == Status.PUBLISHED and post.published_at is None:
            post.published_at = timezone.now()
            fields.append("published_at")
    post.save(update_fields=fields)
    record(actor=actor, action=action, target=post, data={"note": post.moderation_note})
    if post.author is None:
        return
    if status == Status.PUBLISHED:
        title = _("Published: %(title)s") % {"title": post.title}
    else:
        title = _("Not published: %(title)s") % {"title": post.title}
    event = Event(
        kind=DECISION_EVENT,
        title=title,
        body=post.moderation_note,
        url=post.get_absolute_url(),
        school_id=post.blog.school_id,
    )
    _tell([post.author], actor, event)


@transaction.atomic
def approve_post(*, actor: User, post: Post) -> Post:
    """Validate a post: it is published to the blog's readers (PWE-04)."""
    if not can_moderate_blog(actor, post.blog):
        raise PermissionDenied(_("Only the blog's moderators may validate posts."))
    _decide(actor, post, Status.PUBLISHED, "", "blogs.post.approve")
    return post


@transaction.atomic
def reject_post(*, actor: User, post: Post, note: str = "") -> Post:
    """Refuse a post, telling its author why; it stays theirs to correct."""
    if not can_moderate_blog(actor, post.blog):
        raise PermissionDenied(_("Only the blog's moderators may refuse posts."))
    _decide(actor, post, Status.REJECTED, note, "blogs.post.reject")
    return post


@transaction.atomic
def hide_post(*, actor: User, post: Post) -> None:
    """Hide a reported post from its readers (ent.moderation)."""
    if not can_moderate_blog(actor, post.blog):
        raise PermissionDenied(_("Only the blog's moderators may hide posts."))
    post.status = Status.HIDDEN
    post.save(update_fields=["status"])
    record(actor=actor, action="blogs.post.hide", target=post)


# ---------------------------------------------------------------- comments


@transaction.atomic
def add_comment(*, actor: User, post: Post, body: str, rights: Rights | None = None) -> Comment:
    """Comment a post; the comment is shown once a moderator approved it."""
    _needs_service(actor, post.blog, rights)
    if not can_comment(actor, post):
        raise PermissionDenied(_("You may not comment this post."))
    body = body.replace("\x00", "").strip()
    if not body:
        raise ValidationError(_("Write a comment."))
    if len(body) > COMMENT_MAX:
        raise ValidationError(_("The comment is too long (5,000 characters at most)."))
    publishes = can_moderate_blog(actor, post.blog)
    comment = Comment.objects.create(
        post=post, author=actor, body=body, status=Status.PUBLISHED if publishes else Status.PENDING
    )
    record(actor=actor, action="blogs.comment.write", target=comment)
    if publishes:
        _comment_published(actor, comment)
    else:
        event = Event(
            kind=PENDING_EVENT,
            title=_("A comment to validate on “%(title)s”") % {"title": post.title},
            url=post.get_absolute_url(),
            school_id=post.blog.school_id,
        )
        _tell(moderators_of(post.blog), actor, event)
    return comment


def _comment_published(actor: User, comment: Comment) -> None:
    post = comment.post
    if post.author is None or post.author_id == comment.author_id:
        return
    event = Event(
        kind=COMMENT_EVENT,
        title=_("New comment on your post “%(title)s”") % {"title": post.title},
        url=post.get_absolute_url() + f"#comment-{comment.pk}",
        school_id=post.blog.school_id,
    )
    _tell([post.author], actor, event)


@transaction.atomic
def approve_comment(*, actor: User, comment: Comment) -> Comment:
    """Show a comment to the post's readers; tell the post's author."""
    if not can_moderate_blog(actor, comment.post.blog):
        raise PermissionDenied(_("Only the blog's moderators may validate comments."))
    comment.status = Status.PUBLISHED
    comment.updated_at = timezone.now()
    comment.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="blogs.comment.approve", target=comment)
    _comment_published(actor, comment)
    return comment


@transaction.atomic
def reject_comment(*, actor: User, comment: Comment) -> Comment:
    """Refuse a comment: it is never shown."""
    if not can_moderate_blog(actor, comment.post.blog):
        raise PermissionDenied(_("Only the blog's moderators may refuse comments."))
    comment.status = Status.REJECTED
    comment.updated_at = timezone.now()
    comment.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="blogs.comment.reject", target=comment)
    return comment


@transaction.atomic
def hide_comment(*, actor: User, comment: Comment) -> None:
    """Hide a reported comment (ent.moderation)."""
    if not can_moderate_blog(actor, comment.post.blog):
        raise PermissionDenied(_("Only the blog's moderators may hide comments."))
    comment.status = Status.HIDDEN
    comment.updated_at = timezone.now()
    comment.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="blogs.comment.hide", target=comment)


# ---------------------------------------------------------------- pages


@transaction.atomic
def write_page(
    *,
    actor: User,
    blog: Blog,
    title: str,
    body: str,
    uploads: Sequence[Upload] = (),
    media_description: str = "",
    rights: Rights | None = None,
) -> Page:
    """Add a simple page to a blog (PWE-01); it waits for validation unless its author may
    publish (PWE-04)."""
    _needs_service(actor, blog, rights)
    if not can_write_post(actor, blog):
        raise PermissionDenied(_("You may not write in this blog."))
    title, body = _text(title, body, uploads=uploads)
    checked = _check_uploads(uploads)
    publishes = can_moderate_blog(actor, blog)
    position = (Page.objects.filter(blog=blog).aggregate(last=Max("position"))["last"] or 0) + 1
    page = Page.objects.create(
        blog=blog,
        author=actor,
        title=title,
        body=body,
        position=position,
        status=Status.PUBLISHED if publishes else Status.PENDING,
    )
    media = _store(actor, blog, checked, post=None, page=page)
    if media:
        page.body = clean_html(body + _figures(media, media_description), media=True)
        page.save(update_fields=["body"])
    record(actor=actor, action="blogs.page.write", target=page, data={"status": page.status})
    if not publishes:
        _tell(moderators_of(blog), actor, _pending_event(blog, title, page.get_absolute_url()))
    return page


@transaction.atomic
def edit_page(
    *,
    actor: User,
    page: Page,
    title: str,
    body: str,
    uploads: Sequence[Upload] = (),
    media_description: str = "",
    rights: Rights | None = None,
) -> Page:
    """Change a page; a change by someone who may not publish it waits for validation."""
    _needs_service(actor, page.blog, rights)
    if not can_edit_page(actor, page):
        raise PermissionDenied(_("You may not change this page."))
    title, body = _text(title, body, uploads=uploads)
    checked = _check_uploads(uploads)
    media = _store(actor, page.blog, checked, post=None, page=page)
    page.title = title
    page.body = clean_html(body + _figures(media, media_description), media=True)
    page.updated_at = timezone.now()
    if not can_moderate_page(actor, page) and page.status != Status.PENDING:
        page.status = Status.PENDING
        event = _pending_event(page.blog, title, page.get_absolute_url())
        _tell(moderators_of(page.blog), actor, event)
    page.save(update_fields=["title", "body", "updated_at", "status"])
    record(actor=actor, action="blogs.page.edit", target=page, data={"status": page.status})
    return page


@transaction.atomic
def approve_page(*, actor: User, page: Page) -> Page:
    """Validate a page: it is shown to the blog's readers."""
    if not can_moderate_page(actor, page):
        raise PermissionDenied(_("Only the page's moderators may validate it."))
    _decide(actor, page, Status.PUBLISHED, "", "blogs.page.approve")
    return page


@transaction.atomic
def reject_page(*, actor: User, page: Page, note: str = "") -> Page:
    """Refuse a page or its change, telling its author why."""
    if not can_moderate_page(actor, page):
        raise PermissionDenied(_("Only the page's moderators may refuse it."))
    _decide(actor, page, Status.REJECTED, note, "blogs.page.reject")
    return page


@transaction.atomic
def set_page_public(*, actor: User, page: Page, is_public: bool) -> Page:
    """Open one page of an intranet blog to the Internet, or close it again (PWE-02)."""
    if not can_manage_blog(actor, page.blog):
        raise PermissionDenied(_("Only the blog's managers may open a page to the Internet."))
    page.is_public = is_public
    page.updated_at = timezone.now()
    page.save(update_fields=["is_public", "updated_at"])
    record(actor=actor, action="blogs.page.visibility", target=page, data={"public": is_public})
    return page


@transaction.atomic
def delete_page(*, actor: User, page: Page) -> None:
    """Delete a page with its media."""
    if not can_moderate_page(actor, page) and not (
        page.author_id == actor.pk and can_edit_page(actor, page)
    ):
        raise PermissionDenied(_("You may not delete this page."))
    files = [str(media.file.name) for media in page.media.all()]
    record(actor=actor, action="blogs.page.delete", target=page, data={"title": page.title})
    page.delete()
    transaction.on_commit(lambda: _remove_files(files))


# ---------------------------------------------------------------- export


def export_blog(*, actor: User, blog: Blog) -> dict[str, Any]:
    """Return everything of a blog, for its managers (PWE-05), and record who took it."""
    if not can_manage_blog(actor, blog):
        raise PermissionDenied(_("Only the blog's managers may export it."))
    data = blog_export(blog)
    record(actor=actor, action="blogs.blog.export", target=blog)
    return data


def forget_person(person: User) -> None:
    """Drop the rights that name a purged person; what they wrote stays, anonymous."""
    Right.objects.filter(person=person).delete()
