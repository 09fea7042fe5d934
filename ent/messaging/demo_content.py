"""Demo mail for `ent demo setup`: in one school per degree, a teacher writes to a pupil who
answers, and to the whole class through its list (UTI-CCO-EEC-13). Idempotent and fast."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count

from ent.directory.lists import get_list, members
from ent.directory.models import Membership, Profile, School, TeachingAssignment

from .actions import deliver_message, send_message
from .addresses import address_of
from .models import Message, Status

WELCOME = "Bienvenue dans la messagerie de la classe"


def _deliver(message: Message) -> None:
    # The demo runs in a command: deliver now rather than leave it to the background threads.
    if message.status == Status.SENDING:
        deliver_message(message_id=message.pk)


def _fill(school: School, log: Callable[[str], None]) -> None:
    assignment = (
        TeachingAssignment.objects.filter(school_class__school=school)
        .annotate(pupils=Count("school_class__enrolments"))
        .filter(pupils__gte=2)
        .select_related("teacher", "school_class")
        .order_by("school_class__code", "pk")
        .first()
    )
    if assignment is None or assignment.school_class is None:
        return
    teacher, school_class = assignment.teacher, assignment.school_class
    key = f"class-{school_class.pk}-pupils"
    structure_list = get_list(key)
    pupils = list(members(structure_list)[:2]) if structure_list else []
    if not pupils:
        return
    welcome = send_message(
        actor=teacher,
        to=[f"list:{key}"],
        cc=[],
        bcc=[],
        subject=WELCOME,
        body_html="<p>Bonjour à toutes et à tous,</p><p>Vous pouvez m'écrire ici pour toute "
        "question sur le cours. <strong>Pensez à consulter votre messagerie chaque "
        "semaine.</strong></p>",
    )
    _deliver(welcome)
    homework = send_message(
        actor=teacher,
        to=[address_of(pupils[0])],
        cc=[],
        bcc=[],
        subject="Exercice à rendre",
        body_html="<p>Merci de me rendre l'exercice 4 p. 52 pour jeudi.</p>",
    )
    _deliver(homework)
    answer = send_message(
        actor=pupils[0],
        to=[address_of(teacher)],
        cc=[],
        bcc=[],
        subject="Re: Exercice à rendre",
        body_html="<p>Bonjour, c'est noté, merci.</p>",
        in_reply_to=homework.message_id,
    )
    _deliver(answer)
    log(f"  mail: {school.name}, {school_class}: 3 messages")


def populate(*, log: Callable[[str], None]) -> None:
    """Add the demo mail to one school per degree, once."""
    taught = TeachingAssignment.objects.filter(school_class__isnull=False).values(
        "school_class__school"
    )
    for degree in (2, 1):
        school = (
            School.objects.filter(degree=degree, pk__in=taught, is_active=True)
            .filter(pk__in=Membership.objects.filter(profile=Profile.ELV).values("school"))
            .order_by("uai")
            .first()
        )
        if school is None:
            continue
        teachers = TeachingAssignment.objects.filter(school_class__school=school).values("teacher")
        if Message.objects.filter(subject=WELCOME, author__in=teachers).exists():
            continue
        _fill(school, log)
