"""Every change of the moderation app: report content, decide on a report.

`report` only accepts what the person can see (the registering app's `visible_to`), and
`decide` only what they moderate (its `can_moderate`); a refused request writes nothing.
Moderators hear of a new report after the commit.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.directory.models import User
from ent.notifications.actions import notify
from ent.notifications.events import Event

from . import registry
from .models import NOTE_MAX, REASON_MAX, Report, Status

REPORT_EVENT = "moderation.report"
Decision = Literal["hide", "dismiss"]
DECISIONS: dict[str, Status] = {"hide": Status.HIDDEN, "dismiss": Status.DISMISSED}


class AlreadyDecidedError(ValidationError):
    """The report was already decided on."""


def reported_object(report: Report) -> Any:
    """Return the object a report is about; LookupError when it or its kind no longer exists."""
    entry = registry.get(report.kind)
    found = entry.model._default_manager.filter(pk=report.object_id).first()
    if found is None:
        raise LookupError(report.object_id)
    return found


@transaction.atomic
def report(*, actor: User, kind: str, object_id: int, reason: str) -> Report:
    """Report an object `actor` can see to its moderators, with a reason."""
    entry = registry.get(kind)
    found = entry.visible_to(actor).filter(pk=object_id).first()
    if found is None:
        raise LookupError(object_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why this should be looked at."), code="required")
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("The reason is too long (%(max)d characters at most).") % {"max": REASON_MAX},
            code="max_length",
        )
    if Report.objects.open().about(kind, found.pk).filter(reporter=actor).exists():
        raise ValidationError(
            _("You have already reported this; a moderator will look at it."),
            code="already_reported",
        )
    created = Report.objects.create(
        kind=kind,
        object_id=found.pk,
        object_label=str(found)[:300],
        reporter=actor,
        reason=reason,
        created_at=timezone.now(),
    )
    record(actor=actor, action="moderation.report.create", target=created, data={"kind": kind})
    moderator_ids = {person.pk for person in entry.moderators(found)} - {actor.pk}
    event = Event(
        kind=REPORT_EVENT,
        title=_("New report to review: %(label)s") % {"label": entry.label},
        url=reverse("moderation:home"),
    )
    recipients = User.objects.filter(pk__in=moderator_ids, is_active=True)
    transaction.on_commit(lambda: notify(recipients=recipients, event=event))
    return created


@transaction.atomic
def decide(*, actor: User, report: Report, decision: str, note: str = "") -> Report:
    """Hide the reported object or dismiss the report; every open report on it closes too."""
    if decision not in DECISIONS:
        raise ValidationError(_("Choose to hide the content or to dismiss the report."))
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            _("The note is too long (%(max)d characters at most).") % {"max": NOTE_MAX}
        )
    entry = registry.get(report.kind)
    found = reported_object(report)
    if not entry.can_moderate(actor, found):
        raise PermissionDenied(_("You do not moderate this content."))
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.is_open:
        raise AlreadyDecidedError(_("This report was already decided on."), code="already_decided")
    if decision == "hide":
        entry.hide(actor, found)
    now = timezone.now()
    status = DECISIONS[decision]
    Report.objects.open().about(report.kind, report.object_id).update(
        status=status, decided_by=actor, decided_at=now, note=note
    )
    report.refresh_from_db()
    record(
        actor=actor,
        action=f"moderation.report.{decision}",
        target=report,
        data={"kind": report.kind, "object_id": report.object_id},
    )
    return report
