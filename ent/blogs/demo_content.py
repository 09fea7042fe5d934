"""Demo blogs for `ent demo setup`: a class blog of a collège with published posts, a pupil's
post waiting for validation and a comment, and a public school blog with its presentation
page readable without signing in. Idempotent and fast."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.db.models import Count
from PIL import Image

from ent.directory.models import Membership, Profile, School, TeachingAssignment

from .actions import (
    Upload,
    add_comment,
    approve_comment,
    create_blog,
    grant_right,
    write_page,
    write_post,
)
from .models import Blog, Role, Visibility

CLASS_BLOG = "Voyage en Espagne"
SCHOOL_BLOG = "La vie de l'établissement"


def _picture() -> bytes:
    """A small generated picture: a blue sky over a yellow field."""
    image = Image.new("RGB", (320, 200), (90, 160, 230))
    image.paste((240, 200, 60), (0, 130, 320, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _class_blog(school: School, log: Callable[[str], None]) -> None:
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
    blog = create_blog(
        actor=teacher,
        school=school,
        title=f"{CLASS_BLOG} {school_class.code}",
        description="Le carnet de bord de la classe pendant le voyage scolaire.",
        visibility=Visibility.INTRANET,
        readers=[f"class-{school_class.pk}-guardians", f"class-{school_class.pk}-teachers"],
    )
    grant_right(
        actor=teacher, blog=blog, grantee=f"class-{school_class.pk}-pupils", role=Role.WRITE
    )
    write_post(
        actor=teacher,
        blog=blog,
        title="Le programme du voyage",
        body="<p>Départ lundi à 7 h devant le collège. <strong>Madrid</strong>, puis Tolède "
        "et Séville.</p><ul><li>Pièce d'identité</li><li>Carte européenne d'assurance "
        "maladie</li></ul>",
    )
    first = write_post(
        actor=teacher,
        blog=blog,
        title="Arrivée à Madrid",
        body="Tout le monde est bien arrivé, il fait beau !",
        uploads=[Upload("madrid.png", _picture())],
        media_description="Le ciel de Madrid au-dessus d'un champ",
    )
    pupils = list(school_class.enrolments.select_related("pupil").order_by("pk")[:2])
    if pupils:
        write_post(
            actor=pupils[0].pupil,
            blog=blog,
            title="Notre visite du Prado",
            body="Nous avons vu les Ménines de Velázquez.",
        )
        comment = add_comment(actor=pupils[-1].pupil, post=first, body="Super journée !")
        approve_comment(actor=teacher, comment=comment)
    write_page(
        actor=teacher,
        blog=blog,
        title="Infos pratiques",
        body="<p>En cas d'urgence pendant le voyage, appelez le collège.</p>",
    )
    log(f"  blogs: {school.name}, {blog.title}")


def _school_blog(school: School, log: Callable[[str], None]) -> None:
    head = (
        Membership.objects.current()
        .filter(school=school, profile=Profile.DIR, person__is_active=True)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if head is None:
        return
    blog = create_blog(
        actor=head.person,
        school=school,
        title=SCHOOL_BLOG,
        description="Les actualités et la présentation de l'établissement.",
        visibility=Visibility.PUBLIC,
    )
    write_page(
        actor=head.person,
        blog=blog,
        title="Présentation de l'établissement",
        body=f"<p>Bienvenue sur le site de {school.name}.</p>"
        "<p>Le secrétariat est ouvert du lundi au vendredi, de 8 h à 17 h.</p>",
    )
    write_post(
        actor=head.person,
        blog=blog,
        title="Portes ouvertes samedi",
        body="Les familles sont invitées à visiter l'établissement samedi matin.",
    )
    log(f"  blogs: {school.name}, {blog.title} (public)")


def populate(*, log: Callable[[str], None]) -> None:
    """Add a class blog and a public school blog to the first collège, once."""
    school = (
        School.objects.filter(degree=2, is_active=True)
        .filter(pk__in=Membership.objects.filter(profile=Profile.ELV).values("school"))
        .order_by("uai")
        .first()
    )
    if school is None:
        return
    if not Blog.objects.filter(school=school, title__startswith=CLASS_BLOG).exists():
        _class_blog(school, log)
    if not Blog.objects.filter(school=school, title=SCHOOL_BLOG).exists():
        _school_blog(school, log)
