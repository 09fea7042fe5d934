"""Demo chat for `ent demo setup`: the channel of a class of the first collège, where its
teacher and two pupils exchange a few messages. Idempotent."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count

from ent.directory.models import Enrolment, TeachingAssignment

from .actions import open_channel, post_message
from .models import Conversation, Kind

LINES = (
    "Bonjour à tous, pensez à apporter votre calculatrice demain.",
    "D'accord, merci madame !",
    "Est-ce qu'il faut aussi le cahier d'exercices ?",
    "Oui, le cahier d'exercices aussi.",
)


def populate(*, log: Callable[[str], None]) -> None:
    """Open one class channel with a short exchange, once."""
    if Conversation.objects.filter(kind=Kind.CLASS, deleted_at=None).exists():
        return
    assignment = (
        TeachingAssignment.objects.filter(school_class__isnull=False, teacher__is_active=True)
        .annotate(pupils=Count("school_class__enrolments"))
        .filter(pupils__gte=2)
        .select_related("school_class__school", "teacher")
        .order_by("-school_class__school__degree", "school_class__school__uai", "pk")
        .first()
    )
    if assignment is None or assignment.school_class is None:
        return
    school_class = assignment.school_class
    pupils = [
        row.pupil
        for row in Enrolment.objects.filter(school_class=school_class, pupil__is_active=True)
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__pk")[:2]
    ]
    try:
        channel = open_channel(
            actor=assignment.teacher, school=school_class.school, division=school_class
        )
        speakers = [assignment.teacher, pupils[0], pupils[1], assignment.teacher]
        for speaker, line in zip(speakers, LINES, strict=True):
            post_message(actor=speaker, conversation=channel, body=line)
    except (PermissionDenied, ValidationError) as refusal:
        log(f"chat: no demo channel ({refusal})")
        return
    log(f"chat: channel {channel.name} with {len(LINES)} messages")
