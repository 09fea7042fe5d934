"""Support tickets (SOC-SUP-ASU): a person's request to the school's référent (level 1), then
to the project's support (level 2), with an immutable history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ent.directory.models import School, User
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager

SUPPORT = "support"
OVERSIGHT = "support_oversight"
# SOC-SUP-ASU-04: ACA and COL staff belong to a structure of the académie or of the local
# authority, not to the schools: the project owner's oversight spans every school.
PROJECT_OWNER_VIA = frozenset({"ACA", "COL"})


class Category(models.TextChoices):
    ACCESS = "ACCESS", _("access or sign-in")
    BUG = "BUG", _("something does not work")
    QUESTION = "QUESTION", _("question")
    OTHER = "OTHER", _("other")


class Urgency(models.TextChoices):
    LOW = "LOW", _("low")
    NORMAL = "NORMAL", _("normal")
    HIGH = "HIGH", _("high: I cannot work")


class Status(models.TextChoices):
    # A context of their own: French agrees these with "demande" (feminine).
    NEW = "NEW", pgettext_lazy("request status", "new")
    ACKNOWLEDGED = "ACKNOWLEDGED", pgettext_lazy("request status", "acknowledged")
    ESCALATED = "ESCALATED", pgettext_lazy("request status", "escalated to the project's support")
    RESOLVED = "RESOLVED", pgettext_lazy("request status", "resolved")
    CLOSED = "CLOSED", pgettext_lazy("request status", "closed")


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.ESCALATED)


class SupportLevel(models.IntegerChoices):
    SCHOOL = 1, _("level 1: the school's référent")
    PROJECT = 2, _("level 2: the project's support")


class EventKind(models.TextChoices):
    COMMENT = "COMMENT", _("comment")
    STATUS = "STATUS", _("status change")
    ESCALATION = "ESCALATION", _("escalation")


def is_operator(person: Any) -> bool:
    """Say whether `person` is an operator of the project, the support's level 2."""
    return bool(person.is_authenticated and person.is_active and person.is_staff)


def oversight_school_ids(rights: Rights) -> set[int] | None:
    """Return the schools whose tickets `rights` oversee read-only; None means every school."""
    found: set[int] = set()
    for right in rights.rights:
        if right.service != OVERSIGHT or right.level < Level.READ:
            continue
        if right.school_id is None or right.via in PROJECT_OWNER_VIA:
            return None
        found.add(right.school_id)
    return found


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, person: Any, *, rights: Rights | None = None) -> Self:
        """Tickets `person` may read: their own (while they hold the service), their schools'
        as référent, all as an operator, and those they oversee read-only (SOC-SUP-ASU-04)."""
        if not person.is_authenticated or not person.is_active:
            return self.none()
        if is_operator(person):
            return self.all()
        held = rights if rights is not None else effective_rights(person)
        referent = held.school_ids(SUPPORT, level=Level.MANAGE)
        oversight = oversight_school_ids(held)
        if referent is None or oversight is None:
            return self.all()
        visible = Q(school_id__in=referent | oversight)
        if held.has(SUPPORT):
            visible |= Q(author=person)
        return self.filter(visible)

    def open(self) -> Self:
        """Tickets still waiting for an answer."""
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    """A request for help from one person, handled in one school."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    # A deleted account leaves its tickets behind for the support's history.
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="support_tickets",
    )
    subject = models.CharField(_("subject line"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    level = models.PositiveSmallIntegerField(
        _("support level"), choices=SupportLevel.choices, default=SupportLevel.SCHOOL
    )
    assigned_to = models.ForeignKey(
        User,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = TicketQuerySet.as_manager()

    if TYPE_CHECKING:
        events: RelatedManager[TicketEvent]

    class Meta:
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["level", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="support_ticket_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.ESCALATED) | Q(level=SupportLevel.PROJECT),
                name="support_ticket_escalated_at_level_2",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """One line of a ticket's history: written once, never changed."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        User, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    old_status = models.CharField(
        _("previous status"), max_length=12, choices=Status.choices, blank=True
    )
    new_status = models.CharField(
        _("new status"), max_length=12, choices=Status.choices, blank=True
    )
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
