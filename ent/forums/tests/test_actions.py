"""The forums' actions: who may create and manage, class spaces that follow the directory,
invitations within the communication rules, notifications, moderation, purge and archive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ent.directory.actions import purge_person
from ent.directory.models import Enrolment
from ent.forums import actions
from ent.forums.models import Post, Space, Status, Subscription
from ent.forums.queries import archive, readers
from ent.moderation.actions import decide, report
from ent.notifications.models import Notification
from ent.rights.tests.factories import pupil_in

from .factories import club, reply, thread

pytestmark = pytest.mark.django_db


def kinds(person) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person).order_by("pk").values_list("kind", flat=True)
    )


@pytest.mark.sdet("UTI-CCO-EEC-01")
def test_teachers_and_heads_open_spaces_but_pupils_and_families_do_not(world):
    cast = world.cast
    for person in (cast.teacher, cast.head, world.cpe):
        assert club(person, title=f"Espace {person.pk}").pk
    for person in (cast.pupil, cast.guardian):
        with pytest.raises(PermissionDenied):
            club(person)
    with pytest.raises(PermissionDenied):
        actions.create_space(actor=cast.outsider, school=cast.school, title="Intrus")
    assert Space.objects.count() == 3


@pytest.mark.sdet("UTI-CCO-EEC-01")
def test_a_space_needs_a_title_and_a_known_rule(world):
    with pytest.raises(ValidationError):
        club(world.cast.teacher, title="   ")
    with pytest.raises(ValidationError):
        club(world.cast.teacher, access_rule="WHATEVER")
    with pytest.raises(ValidationError):
        club(world.cast.teacher, title="x" * 201)
    assert not Space.objects.exists()


@pytest.mark.sdet("UTI-CCO-EEC-13")
def test_a_class_space_follows_the_directory_with_no_manual_step(world):
    cast = world.cast
    space = actions.create_space(
        actor=cast.teacher,
        school=cast.school,
        title="Forum de la 3eA",
        structure=world.class_3a,
        with_pupils=True,
        with_teachers=True,
    )
    newcomer = pupil_in(world.class_3a, first_name="Nina")
    assert set(readers(space)) == {cast.teacher, cast.pupil, newcomer}
    assert space in Space.objects.visible_to(newcomer)
    # The feed moves Léa to 5C: she leaves the space, no one acts.
    Enrolment.objects.filter(pupil=cast.pupil).update(school_class=world.class_5c)
    assert space not in Space.objects.visible_to(cast.pupil)
    assert cast.pupil not in readers(space)
    # A teacher may only attach a space to a class they teach.
    with pytest.raises(PermissionDenied):
        actions.create_space(
            actor=cast.teacher, school=cast.school, title="5C", structure=world.class_5c
        )


@pytest.mark.sdet("UTI-CCO-EEC-02")
def test_an_invitation_the_communication_rules_forbid_is_refused(world):
    cast = world.cast
    space = club(cast.teacher)
    with pytest.raises(actions.RefusedInvitationError, match="communication rules"):
        actions.invite_person(actor=cast.teacher, space=space, person=cast.outsider)
    assert not Subscription.objects.filter(person=cast.outsider).exists()
    # A list counts the people the rules keep out instead of adding them.
    done = actions.invite_list(
        actor=cast.teacher, space=space, list_key=f"class-{world.class_3a.pk}-pupils"
    )
    assert (done.added, done.refused) == (1, 0)
    with pytest.raises(ValidationError):
        actions.invite_list(
            actor=cast.teacher, space=space, list_key=f"class-{world.class_6b.pk}-pupils"
        )
    with pytest.raises(PermissionDenied):
        actions.invite_person(actor=cast.pupil, space=space, person=world.tom)


@pytest.mark.sdet("UTI-CCO-EEC-06")
def test_open_spaces_are_joined_freely_and_invitation_spaces_not_at_all(world):
    cast = world.cast
    open_space = club(cast.teacher, title="Ouvert", access_rule="OPEN")
    closed = club(cast.teacher, title="Fermé", access_rule="INVITATION")
    assert actions.join_space(actor=world.tom, space=open_space).status == Status.ACTIVE
    assert open_space in Space.objects.visible_to(world.tom)
    with pytest.raises(PermissionDenied):
        actions.join_space(actor=world.tom, space=closed)
    with pytest.raises(PermissionDenied):
        actions.join_space(actor=cast.outsider, space=open_space)


@pytest.mark.sdet("UTI-CCO-EEC-06")
def test_a_refused_request_gives_no_access_and_may_be_renewed(world):
    space = club(world.cast.teacher)
    asked = actions.join_space(actor=world.tom, space=space)
    assert "forums.membership" in kinds(world.cast.teacher)
    actions.refuse_request(actor=world.cast.teacher, subscription=asked)
    assert space not in Space.objects.visible_to(world.tom)
    assert actions.join_space(actor=world.tom, space=space).status == Status.PENDING


@pytest.mark.sdet("UTI-CCO-EEC-05", "UTI-CCO-EEC-12")
def test_managers_set_end_dates_and_delegate_moderation_but_keep_a_manager(world):
    cast = world.cast
    space = club(cast.teacher, cast.pupil, world.tom)
    lea = Subscription.objects.get(space=space, person=cast.pupil)
    mine = Subscription.objects.get(space=space, person=cast.teacher)
    with pytest.raises(ValidationError):
        actions.set_membership(
            actor=cast.teacher,
            subscription=lea,
            role="MEMBER",
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    with pytest.raises(ValidationError):
        actions.set_membership(
            actor=cast.teacher, subscription=mine, role="MEMBER", valid_until=None
        )
    with pytest.raises(ValidationError):
        actions.leave_space(actor=cast.teacher, space=space)
    actions.set_membership(actor=cast.teacher, subscription=lea, role="MODERATOR", valid_until=None)
    post = thread(world.tom, space)
    actions.hide_post(actor=cast.pupil, post=post)
    post.refresh_from_db()
    assert post.is_hidden
    with pytest.raises(PermissionDenied):
        actions.hide_post(actor=world.tom, post=thread(world.tom, space))
    with pytest.raises(PermissionDenied):
        actions.set_membership(actor=cast.pupil, subscription=mine, role="MEMBER", valid_until=None)


def test_a_removed_member_may_not_join_again_by_themselves(world):
    space = club(world.cast.teacher, world.tom, access_rule="OPEN")
    tom = Subscription.objects.get(space=space, person=world.tom)
    actions.remove_member(actor=world.cast.teacher, subscription=tom)
    assert space not in Space.objects.visible_to(world.tom)
    assert space not in Space.objects.joinable_by(world.tom)
    actions.invite_person(actor=world.cast.teacher, space=space, person=world.tom)
    assert space in Space.objects.visible_to(world.tom)


@pytest.mark.sdet("UTI-CCO-EEC-07")
def test_posts_are_plain_text_with_clickable_links_and_bounded_length(world):
    space = club(world.cast.teacher, world.cast.pupil)
    post = thread(
        world.cast.pupil,
        space,
        body='<script>alert(1)</script> voir https://eduscol.education.fr <a href="javascript:x">',
    )
    html = post.body_html
    assert '<a href="https://eduscol.education.fr"' in html
    assert "<script>" not in html
    assert 'href="javascript:' not in html
    for body in ("", "   ", "x" * 10001):
        with pytest.raises(ValidationError):
            reply(world.cast.teacher, post, body)
    with pytest.raises(PermissionDenied):
        thread(world.tom, space)
    assert Post.objects.count() == 1


@pytest.mark.sdet("UTI-CCO-EEC-11")
def test_members_hear_of_new_posts_and_authors_of_replies_once(world):
    cast = world.cast
    space = club(cast.teacher, cast.pupil, world.tom)
    first = thread(cast.pupil, space)
    assert kinds(world.tom)[-1] == "forums.post"
    assert kinds(cast.teacher)[-1] == "forums.post"
    reply(world.tom, first)
    # Léa hears it as a reply to her message, not twice.
    assert kinds(cast.pupil)[-1:] == ["forums.reply"]
    assert kinds(cast.pupil).count("forums.post") == 0
    actions.set_delivery(
        actor=cast.teacher,
        space=space,
        pause_starts_on=None,
        pause_ends_on=None,
        notify_posts=False,
        notify_replies=True,
    )
    before = len(kinds(cast.teacher))
    reply(world.tom, first, "Encore")
    assert len(kinds(cast.teacher)) == before
    with pytest.raises(ValidationError):
        actions.set_delivery(
            actor=cast.pupil,
            space=space,
            pause_starts_on=timezone.localdate(),
            pause_ends_on=None,
            notify_posts=True,
            notify_replies=True,
        )


@pytest.mark.sdet("UTI-CCO-EEC-12")
def test_a_reported_post_reaches_the_moderators_who_hide_it(
    world, django_capture_on_commit_callbacks
):
    cast = world.cast
    space = club(cast.teacher, cast.pupil, world.tom)
    post = thread(world.tom, space, body="Message déplacé")
    with django_capture_on_commit_callbacks(execute=True):
        opened = report(actor=cast.pupil, kind="forums.post", object_id=post.pk, reason="Insulte")
    assert "moderation.report" in kinds(cast.teacher)
    with pytest.raises(LookupError):
        report(actor=cast.outsider, kind="forums.post", object_id=post.pk, reason="x")
    decide(actor=cast.teacher, report=opened, decision="hide")
    post.refresh_from_db()
    assert post.hidden_by == cast.teacher


@pytest.mark.sdet("UTI-CCO-EEC-10")
def test_a_purged_authors_posts_stay_without_their_name(world):
    space = club(world.cast.teacher, world.tom)
    post = thread(world.tom, space, body="Ma réponse reste.")
    purge_person(actor=None, person=world.tom)
    post.refresh_from_db()
    assert post.author is None
    assert post.body == "Ma réponse reste."
    text = archive(space, world.cast.teacher, "txt")
    assert "Ma réponse reste." in text
    assert "Tom" not in text


@pytest.mark.sdet("UTI-CCO-EEC-08", "UTI-CCO-EEC-09")
def test_the_archive_pseudonymises_the_other_authors(world):
    cast = world.cast
    space = club(cast.teacher, cast.pupil, world.tom)
    first = thread(cast.pupil, space, subject="Énigme", body="Voir https://eduscol.education.fr")
    reply(world.tom, first, "Trouvé")
    hidden = reply(world.tom, first, "Texte masqué")
    actions.hide_post(actor=cast.teacher, post=hidden)
    text = archive(space, cast.pupil, "txt")
    assert cast.pupil.display_name in text
    assert "Participant 1" in text
    assert world.tom.first_name not in text
    assert "Texte masqué" not in text
    page = archive(space, cast.teacher, "html")
    assert "Participant 1" in page
    assert "Participant 2" in page
    assert cast.pupil.display_name not in page
    assert '<a href="https://eduscol.education.fr"' in page


@pytest.mark.sdet("UTI-CCO-EEC-01")
def test_deleting_a_space_removes_it_and_its_posts_for_everyone(world):
    space = club(world.cast.teacher, world.tom)
    reply(world.cast.teacher, thread(world.tom, space))
    with pytest.raises(PermissionDenied):
        actions.delete_space(actor=world.tom, space=space)
    actions.delete_space(actor=world.cast.teacher, space=space)
    assert not Post.objects.exists()
    assert not Space.objects.exists()
