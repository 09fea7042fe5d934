"""Demo discussion spaces for `ent demo setup`: in one collège, the forum of a class (its
pupils and teachers, kept in sync with the directory) and a free "Club maths" with threads
and replies. Idempotent and fast."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count

from ent.directory import lists
from ent.directory.models import Membership, Profile, School, TeachingAssignment

from .actions import create_space, invite_list, reply_to_post, start_thread
from .models import AccessRule, Space

CLUB = "Club maths"


def _fill(school: School, log: Callable[[str], None]) -> None:
    assignment = (
        TeachingAssignment.objects.filter(school_class__school=school)
        .annotate(pupils=Count("school_class__enrolments"))
        .filter(pupils__gte=3)
        .select_related("teacher", "school_class")
        .order_by("school_class__code", "pk")
        .first()
    )
    if assignment is None or assignment.school_class is None:
        return
    teacher, school_class = assignment.teacher, assignment.school_class
    pupil_list = lists.get_list(f"class-{school_class.pk}-pupils")
    pupils = list(lists.members(pupil_list)) if pupil_list else []
    if len(pupils) < 3:
        return
    class_forum = create_space(
        actor=teacher,
        school=school,
        title=f"Forum de la {school_class}",
        description="Questions sur les cours et les devoirs de la classe.",
        access_rule=AccessRule.INVITATION,
        structure=school_class,
        with_pupils=True,
        with_teachers=True,
    )
    question = start_thread(
        actor=pupils[0],
        space=class_forum,
        subject="Exercice 12 page 84",
        body="Bonjour, je ne comprends pas la question b) de l'exercice 12. Quelqu'un peut "
        "m'expliquer ?",
    )
    answer = reply_to_post(
        actor=teacher,
        post=question,
        body="Relis la propriété du cours, puis regarde la fiche méthode :\n"
        "https://eduscol.education.fr",
    )
    reply_to_post(actor=pupils[1], post=answer, body="Merci, c'est plus clair !")
    club = create_space(
        actor=teacher,
        school=school,
        title=CLUB,
        description="Défis, énigmes et rallye mathématique.",
        access_rule=AccessRule.APPROVAL,
    )
    invite_list(actor=teacher, space=club, list_key=f"class-{school_class.pk}-pupils")
    challenge = start_thread(
        actor=teacher,
        space=club,
        subject="Défi de la semaine",
        body="Trouvez le plus petit entier qui, divisé par 2, 3, 4, 5 et 6, donne toujours "
        "un reste de 1.",
    )
    reply_to_post(actor=pupils[2], post=challenge, body="61 ? Parce que 60 est divisible par tous.")
    reply_to_post(actor=teacher, post=challenge, body="Bravo ! Qui trouve le suivant ?")
    start_thread(
        actor=teacher,
        space=club,
        subject="Rallye mathématique",
        body="Inscriptions ouvertes jusqu'à vendredi. Le règlement : https://www.education.gouv.fr",
    )
    log(f"  forums: {school.name}, {school_class} and {CLUB}")


def populate(*, log: Callable[[str], None]) -> None:
    """Add a class forum and a "Club maths" to one collège, once."""
    if Space.objects.filter(title=CLUB).exists():
        return
    taught = TeachingAssignment.objects.filter(school_class__isnull=False).values(
        "school_class__school"
    )
    school = (
        School.objects.filter(degree=2, pk__in=taught, is_active=True)
        .filter(pk__in=Membership.objects.filter(profile=Profile.ELV).values("school"))
        .order_by("uai")
        .first()
    )
    if school is not None:
        _fill(school, log)
