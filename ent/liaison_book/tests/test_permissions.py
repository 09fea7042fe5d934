"""The liaison book's predicates and visibility rules, person by person."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from ent.liaison_book import actions, permissions
from ent.liaison_book.models import Note, Reply, books_visible_to
from ent.notifications.models import Notification
from ent.rights.tests.factories import guardian_of

from .factories import class_note

pytestmark = pytest.mark.django_db


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_who_may_write_in_leas_book(world, blanc):
    cast = world.cast
    lea, school = cast.pupil, cast.school
    writers = (cast.teacher, cast.head, world.cpe, cast.guardian)
    for person in writers:
        assert permissions.can_write_to_book(person, lea, school)
    for person in (lea, blanc, world.tom, cast.outsider, cast.school_admin):
        assert not permissions.can_write_to_book(person, lea, school)
    assert permissions.writes_as_family(cast.guardian, lea, school)
    assert not permissions.writes_as_family(cast.teacher, lea, school)


def test_who_may_follow_a_class_note(world, blanc, outing):
    cast = world.cast
    for person in (cast.teacher, cast.head, world.cpe):
        assert permissions.can_track_note(person, outing)
        assert permissions.can_remind(person, outing)
    for person in (cast.guardian, cast.pupil, blanc, cast.outsider, AnonymousUser()):
        assert not permissions.can_track_note(person, outing)
        assert not permissions.can_remind(person, outing)


def test_nobody_signed_out_or_deactivated_sees_or_does_anything(world, outing):
    cast = world.cast
    anonymous = AnonymousUser()
    assert not books_visible_to(anonymous).exists()
    assert not Note.objects.visible_to(anonymous).exists()
    assert not Reply.objects.visible_to(anonymous).exists()
    assert not permissions.teaches_division(anonymous, world.class_3a)
    assert not permissions.can_edit_note(anonymous, outing)
    cast.guardian.is_active = False
    cast.guardian.save(update_fields=["is_active"])
    assert not Note.objects.visible_to(cast.guardian).exists()
    assert not permissions.can_sign(cast.guardian, outing, cast.pupil)
    assert not permissions.is_legal_guardian(cast.guardian, cast.pupil)


def test_a_teacher_who_is_also_a_parent_of_the_class_signs_her_own_note_silently(
    world, django_capture_on_commit_callbacks
):
    cast = world.cast
    guardian_of(cast.pupil, cast.teacher)
    note = class_note(cast.teacher, world.class_3a)
    assert not note.is_from_family
    with django_capture_on_commit_callbacks(execute=True):
        signature = actions.sign_note(actor=cast.teacher, note=note, pupil=cast.pupil)
    assert signature.guardian == cast.teacher
    assert not Notification.objects.filter(kind=actions.SIGNATURE_EVENT).exists()


def test_a_note_too_long_is_refused(world):
    with pytest.raises(ValidationError):
        actions.write_note(
            actor=world.cast.teacher,
            pupils=[world.cast.pupil],
            title="x",
            body="y" * (actions.BODY_MAX + 1),
        )
    assert not Note.objects.exists()
