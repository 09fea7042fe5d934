"""Instant messaging (UTI-CCO-MIN): conversations, their messages, presence and access rules.

A conversation is a channel (of a class, of a teaching group, or on a topic with chosen
members: MIN-02) or a private conversation between two people (MIN-03). The members of a class
or group channel are read live from the directory (its pupils and teachers), so a pupil who
changes class changes channel without anybody's action; the members of a topic channel and of a
private conversation are `Participant` rows. Joining a class channel only files it among the
person's conversations.

Each person has a `ChatProfile`: their chosen status (MIN-04), how many live connections they
have (no connection: offline), and whether only approved contacts may start a private
conversation with them (MIN-05). `AccessPolicy` closes the chat, or opens it only between two
hours, to one profile of one school (MIN-06).
"""

from __future__ import annotations

from datetime import time
from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.directory.models import (
    Enrolment,
    HeadTeacher,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)

SERVICE = "chat"
# A chat message is a line of conversation, not a letter: mail is there for long texts.
BODY_MAX = 2000
NAME_MAX = 100


class Kind(models.TextChoices):
    CLASS = "CLASS", _("class channel")
    GROUP = "GROUP", _("teaching group channel")
    TOPIC = "TOPIC", _("topic channel")
    DIRECT = "DIRECT", _("private conversation")


CHANNEL_KINDS = (Kind.CLASS, Kind.GROUP, Kind.TOPIC)


class Status(models.TextChoices):
    AVAILABLE = "AVAILABLE", _("available")
    BUSY = "BUSY", _("busy")
    AWAY = "AWAY", _("away")
    OFFLINE = "OFFLINE", _("offline")


class Mode(models.TextChoices):
    OPEN = "OPEN", _("open at any time")
    HOURS = "HOURS", _("open between two hours")
    FORBIDDEN = "FORBIDDEN", _("closed")


def _active(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def classes_of(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the classes `person` is enrolled in, teaches or heads."""
    return SchoolClass.objects.filter(
        Q(pk__in=Enrolment.objects.filter(pupil=person).values("school_class"))
        | Q(pk__in=TeachingAssignment.objects.filter(teacher=person).values("school_class"))
        | Q(pk__in=HeadTeacher.objects.filter(teacher=person).values("school_class"))
    ).values("pk")


def groups_of(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the teaching groups `person` is enrolled in or teaches."""
    return TeachingGroup.objects.filter(
        Q(pk__in=Enrolment.objects.filter(pupil=person).values("teaching_group"))
        | Q(pk__in=TeachingAssignment.objects.filter(teacher=person).values("teaching_group"))
    ).values("pk")


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def visible_to(self, person: Any) -> Self:
        """Conversations `person` may read: their private conversations and topic channels,
        and the channels of the classes and groups they belong to. Builds lazily: no query."""
        if not _active(person):
            return self.none()
        joined = Participant.objects.filter(person=person).values("conversation")
        return self.filter(deleted_at=None).filter(
            Q(kind__in=(Kind.DIRECT, Kind.TOPIC), pk__in=joined)
            | Q(kind=Kind.CLASS, school_class__in=classes_of(person))
            | Q(kind=Kind.GROUP, teaching_group__in=groups_of(person))
        )

    def joined_by(self, person: Any) -> Self:
        """Conversations `person` filed among theirs (joined, started or was added to)."""
        return self.filter(pk__in=Participant.objects.filter(person=person).values("conversation"))

    def channels(self) -> Self:
        """Channels only, private conversations left out."""
        return self.filter(kind__in=CHANNEL_KINDS)


class Conversation(models.Model):
    """A channel, or a private conversation between two people."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX, blank=True)
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
    # "small-large" person ids: one private conversation per pair of people.
    direct_key = models.CharField(_("pair"), max_length=50, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class"],
                condition=Q(kind="CLASS", deleted_at=None),
                name="chat_one_channel_per_class",
            ),
            models.UniqueConstraint(
                fields=["teaching_group"],
                condition=Q(kind="GROUP", deleted_at=None),
                name="chat_one_channel_per_group",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("chat:conversation", args=[self.pk])

    @property
    def is_direct(self) -> bool:
        return self.kind == Kind.DIRECT

    @property
    def group_name(self) -> str:
        """The channel-layer group that carries this conversation's live events."""
        return f"chat.conversation.{self.pk}"


class Participant(models.Model):
    """A person who joined, started or was added to a conversation."""

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "person"], name="chat_unique_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.conversation_id}"


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, person: Any) -> Self:
        """Messages `person` may read: those of conversations they may read, not hidden."""
        return self.filter(hidden_at=None, conversation__in=Conversation.objects.visible_to(person))


class Message(models.Model):
    """One message of a conversation."""

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("text"), max_length=BODY_MAX)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        User,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.conversation_id}/{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("chat:conversation", args=[self.conversation_id]) + f"#message-{self.pk}"


class ChatProfile(models.Model):
    """A person's status, live connections and incoming-chat rule."""

    person = models.OneToOneField(
        User,
        verbose_name=_("person"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="chat_profile",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE
    )
    # MIN-05: only the approved contacts may start a private conversation.
    is_approved_only = models.BooleanField(_("only my approved contacts may chat"), default=False)
    connections = models.PositiveIntegerField(_("live connections"), default=0)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat profile")
        verbose_name_plural = _("chat profiles")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.status}"

    @property
    def shown_status(self) -> str:
        """The status others see: offline without a live connection."""
        return self.status if self.connections else Status.OFFLINE


class ApprovedContact(models.Model):
    """A person `owner` lets start private conversations with them (MIN-05)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        User, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("approved contact")
        verbose_name_plural = _("approved contacts")
        constraints = [
            models.UniqueConstraint(fields=["owner", "contact"], name="chat_unique_contact")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} approves {self.contact_id}"


class AccessPolicy(models.Model):
    """When one profile of one school may use the chat (MIN-06). No row: open at any time."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices)
    mode = models.CharField(_("access"), max_length=10, choices=Mode.choices, default=Mode.OPEN)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("chat access policy")
        verbose_name_plural = _("chat access policies")
        constraints = [
            models.UniqueConstraint(fields=["school", "profile"], name="chat_unique_policy"),
            models.CheckConstraint(
                condition=~Q(mode="HOURS") | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="chat_hours_need_both_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.profile}: {self.mode}"

    def is_open_at(self, moment: time) -> bool:
        """Tell whether the chat is open at `moment` (local time) under this policy."""
        if self.mode == Mode.OPEN:
            return True
        if self.mode == Mode.FORBIDDEN or self.opens_at is None or self.closes_at is None:
            return False
        if self.opens_at <= self.closes_at:
            return self.opens_at <= moment < self.closes_at
        # A window across midnight (22:00-06:00).
        return moment >= self.opens_at or moment < self.closes_at
