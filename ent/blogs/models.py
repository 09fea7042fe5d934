"""Web publishing (UTI-CCO-PWE): school and class blogs, their posts, pages and comments.

A blog is public (readable on the Internet, without signing in) or intranet (PWE-02): then
only the people its rights name may read it. A right (`Right`) gives a role on the whole
blog or on one page (PWE-03) to a person, to a structure list ("pupils of 4B", "parents of
4B", "teachers of 4B"), to a whole school or to one profile of a school. Roles include each
other: read < write < publish and moderate < manage.

A post or page written by someone without the publish right waits, pending, until a
moderator validates it (PWE-04); comments always wait for a moderator. An intranet blog may
open one page to the Internet: that page only, never the rest of the blog.

Who reads what is written once, in the QuerySets' `visible_to`, and nowhere else.
"""

from __future__ import annotations

import uuid
from typing import Any, Self

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)

SERVICE = "blogs"


class Visibility(models.TextChoices):
    PUBLIC = "PUBLIC", _("public: readable on the Internet")
    INTRANET = "INTRANET", _("intranet: only the people given a right")


class Role(models.IntegerChoices):
    """What a right allows; each role includes the ones below it."""

    READ = 10, _("read")
    WRITE = 20, _("write")
    MODERATE = 30, _("publish and moderate")
    MANAGE = 40, _("manage")


class Members(models.TextChoices):
    """Who of a class or teaching group a right names (the structure lists of EEC-13)."""

    PUPILS = "pupils", _("pupils")
    GUARDIANS = "guardians", _("parents")
    TEACHERS = "teachers", _("teachers")


class Status(models.TextChoices):
    PENDING = "PENDING", _("waiting for validation")
    PUBLISHED = "PUBLISHED", _("published")
    REJECTED = "REJECTED", _("refused")
    # Hidden by a moderator after a report (ent.moderation).
    HIDDEN = "HIDDEN", _("hidden by a moderator")


def _signed_in(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def matching_rights(person: Any) -> Q:
    """Return the condition on `Right` rows that name `person`, directly or through a class,
    a teaching group, a school or a profile. Builds subqueries only: runs no query."""
    wards = Guardianship.objects.filter(guardian=person).values("pupil")
    enrolled = Enrolment.objects.filter(pupil=person)
    wards_enrolled = Enrolment.objects.filter(pupil__in=wards)
    taught = TeachingAssignment.objects.filter(teacher=person)
    memberships = Membership.objects.current().filter(person=person)
    return (
        Q(person=person)
        | Q(members=Members.PUPILS, school_class__in=enrolled.values("school_class"))
        | Q(members=Members.PUPILS, teaching_group__in=enrolled.values("teaching_group"))
        | Q(members=Members.GUARDIANS, school_class__in=wards_enrolled.values("school_class"))
        | Q(members=Members.GUARDIANS, teaching_group__in=wards_enrolled.values("teaching_group"))
        | Q(members=Members.TEACHERS, school_class__in=taught.values("school_class"))
        | Q(members=Members.TEACHERS, teaching_group__in=taught.values("teaching_group"))
        | Q(school__in=memberships.values("school"), profile="")
        | Q(
            Exists(memberships.filter(school=OuterRef("school"), profile=OuterRef("profile"))),
            school__isnull=False,
        )
    )


def headed_schools(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the schools `person` is now the head of: they manage its blogs."""
    return Membership.objects.current().filter(person=person, profile=Profile.DIR).values("school")


def blogs_with_role(person: Any, role: int) -> models.QuerySet[Any]:
    """Return the ids of the blogs where `person` holds at least `role` on the whole blog."""
    if not _signed_in(person):
        return Blog.objects.none().values("pk")
    granted = Right.objects.filter(matching_rights(person), page=None, role__gte=role)
    return Blog.objects.filter(
        Q(owner=person) | Q(school__in=headed_schools(person)) | Q(pk__in=granted.values("blog"))
    ).values("pk")


def pages_with_role(person: Any, role: int) -> models.QuerySet[Any]:
    """Return the ids of the pages where `person` holds at least `role`, by a right on the
    page itself or on its whole blog."""
    if not _signed_in(person):
        return Page.objects.none().values("pk")
    granted = Right.objects.filter(matching_rights(person), page__isnull=False, role__gte=role)
    return Page.objects.filter(
        Q(blog__in=blogs_with_role(person, role)) | Q(pk__in=granted.values("page"))
    ).values("pk")


class BlogQuerySet(models.QuerySet["Blog"]):
    def visible_to(self, person: Any) -> Self:
        """Blogs `person` may open: public ones, and intranet ones where a right names them
        (on the blog or on one of its pages). Builds lazily: no query."""
        if not _signed_in(person):
            return self.filter(visibility=Visibility.PUBLIC)
        paged = Right.objects.filter(matching_rights(person), page__isnull=False)
        return self.filter(
            Q(visibility=Visibility.PUBLIC)
            | Q(pk__in=blogs_with_role(person, Role.READ))
            | Q(pk__in=paged.values("blog"))
        )

    def readable_by(self, person: Any) -> Self:
        """Blogs whose posts `person` may read: public ones and those read as a whole."""
        if not _signed_in(person):
            return self.filter(visibility=Visibility.PUBLIC)
        return self.filter(
            Q(visibility=Visibility.PUBLIC) | Q(pk__in=blogs_with_role(person, Role.READ))
        )


class Blog(models.Model):
    """A school or class blog: its posts, its pages and who may do what in it."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="owned_blogs",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTRANET
    )
    allows_comments = models.BooleanField(_("comments allowed"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = BlogQuerySet.as_manager()

    class Meta:
        verbose_name = _("blog")
        verbose_name_plural = _("blogs")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blogs:blog-read", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class RightQuerySet(models.QuerySet["Right"]):
    def naming(self, person: Any) -> Self:
        """Rights that name `person`."""
        if not _signed_in(person):
            return self.none()
        return self.filter(matching_rights(person))


class Right(models.Model):
    """A role on a blog (or on one of its pages) given to a person or a group of people."""

    blog = models.ForeignKey(
        Blog, verbose_name=_("blog"), on_delete=models.CASCADE, related_name="rights"
    )
    # A right on one page only (PWE-03: per page or per part of the site).
    page = models.ForeignKey(
        "Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rights",
    )
    role = models.PositiveSmallIntegerField(_("role"), choices=Role.choices)
    # Whom: one person, a structure list (class or group + members), a school or a profile.
    person = models.ForeignKey(
        User,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    members = models.CharField(_("members"), max_length=10, choices=Members.choices, blank=True)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # With `school`: the people of that profile only; empty: the whole school.
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RightQuerySet.as_manager()

    class Meta:
        verbose_name = _("blog right")
        verbose_name_plural = _("blog rights")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        person__isnull=False,
                        school_class=None,
                        teaching_group=None,
                        school=None,
                        members="",
                        profile="",
                    )
                    | Q(
                        person=None,
                        school_class__isnull=False,
                        teaching_group=None,
                        school=None,
                        profile="",
                    )
                    & ~Q(members="")
                    | Q(
                        person=None,
                        school_class=None,
                        teaching_group__isnull=False,
                        school=None,
                        profile="",
                    )
                    & ~Q(members="")
                    | Q(
                        person=None,
                        school_class=None,
                        teaching_group=None,
                        school__isnull=False,
                        members="",
                    )
                ),
                name="blogs_right_one_grantee",
            ),
        ]
        indexes = [models.Index(fields=["blog", "page"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on {self.blog_id} to {self.grantee_key}"

    @property
    def grantee_key(self) -> str:
        """The grantee as the forms and the API name it: "person-3", "class-12-pupils",
        "group-4-teachers", "school-1", "school-1-ELV"."""
        if self.person_id:
            return f"person-{self.person_id}"
        if self.school_class_id:
            return f"class-{self.school_class_id}-{self.members}"
        if self.teaching_group_id:
            return f"group-{self.teaching_group_id}-{self.members}"
        return f"school-{self.school_id}" + (f"-{self.profile}" if self.profile else "")


class PostQuerySet(models.QuerySet["Post"]):
    def visible_to(self, person: Any) -> Self:
        """Posts `person` may read: published ones of a blog they read; their own; every post
        of a blog they moderate. Builds lazily: no query."""
        published = Q(
            status=Status.PUBLISHED, blog__in=Blog.objects.readable_by(person).values("pk")
        )
        if not _signed_in(person):
            return self.filter(published)
        return self.filter(
            published | Q(author=person) | Q(blog__in=blogs_with_role(person, Role.MODERATE))
        )

    def published(self) -> Self:
        """Posts readers see."""
        return self.filter(status=Status.PUBLISHED)

    def pending(self) -> Self:
        """Posts waiting for a moderator."""
        return self.filter(status=Status.PENDING)


class Post(models.Model):
    """A dated article of a blog: rich text with its images and videos."""

    blog = models.ForeignKey(
        Blog, verbose_name=_("blog"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    # Cleaned by ent.core.html.clean_html(media=True) before it is stored.
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Why a moderator refused it, for its author.
    moderation_note = models.CharField(_("moderator's note"), max_length=500, blank=True)
    moderated_by = models.ForeignKey(
        User,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["blog", "status", "published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blogs:post-read", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class PageQuerySet(models.QuerySet["Page"]):
    def visible_to(self, person: Any) -> Self:
        """Pages `person` may read: a published page open to the Internet (for everyone) or
        of a blog or page they read; their own; those they moderate. Builds lazily."""
        published = Q(status=Status.PUBLISHED) & (
            Q(is_public=True) | Q(blog__visibility=Visibility.PUBLIC)
        )
        if not _signed_in(person):
            return self.filter(published)
        return self.filter(
            published
            | Q(status=Status.PUBLISHED, pk__in=pages_with_role(person, Role.READ))
            | Q(author=person)
            | Q(pk__in=pages_with_role(person, Role.MODERATE))
        )


class Page(models.Model):
    """A simple web page of a blog (« Le voyage », « Infos pratiques »)."""

    blog = models.ForeignKey(
        Blog, verbose_name=_("blog"), on_delete=models.CASCADE, related_name="pages"
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # PWE-02: one page of an intranet blog opened to the Internet, and nothing else.
    is_public = models.BooleanField(_("open to the Internet"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    moderation_note = models.CharField(_("moderator's note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blogs:page-read", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible_to(self, person: Any) -> Self:
        """Comments `person` may read: approved ones on a post they read; their own; every
        comment of a blog they moderate. Builds lazily."""
        approved = Q(status=Status.PUBLISHED, post__in=Post.objects.visible_to(person).published())
        if not _signed_in(person):
            return self.filter(approved)
        return self.filter(
            approved | Q(author=person) | Q(post__blog__in=blogs_with_role(person, Role.MODERATE))
        )


class Comment(models.Model):
    """A reader's comment on a post, shown once a moderator approved it."""

    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Plain text, made clickable with ent.core.html.linkify when shown.
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["post", "status"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.post_id}"


class MediaKind(models.TextChoices):
    IMAGE = "IMAGE", _("image")
    VIDEO = "VIDEO", _("video")


def _media_path(instance: Media, filename: str) -> str:
    # A random name: the original one may carry personal data and is kept in `name` only.
    return f"blogs/{instance.blog_id}/{uuid.uuid4().hex}"


class MediaQuerySet(models.QuerySet["Media"]):
    def visible_to(self, person: Any) -> Self:
        """Images and videos `person` may see: those of a post or page they may read."""
        return self.filter(
            Q(post__in=Post.objects.visible_to(person).values("pk"))
            | Q(page__in=Page.objects.visible_to(person).values("pk"))
        )


class Media(models.Model):
    """An image or a video uploaded into a post or a page, scanned by the antivirus."""

    blog = models.ForeignKey(
        Blog, verbose_name=_("blog"), on_delete=models.CASCADE, related_name="media"
    )
    post = models.ForeignKey(
        Post,
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="media",
    )
    page = models.ForeignKey(
        Page,
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="media",
    )
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=5, choices=MediaKind.choices)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size"))
    file = models.FileField(_("file"), upload_to=_media_path, max_length=255)
    # "clean" or "unscanned" (no antivirus configured): nothing else is ever stored.
    scan_status = models.CharField(_("antivirus verdict"), max_length=10)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = MediaQuerySet.as_manager()

    class Meta:
        verbose_name = _("image or video")
        verbose_name_plural = _("images and videos")
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, page=None) | Q(post=None, page__isnull=False),
                name="blogs_media_in_post_or_page",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blogs:media-read", args=[self.pk])
