from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from ent.announcements import actions
from ent.announcements.models import Announcement, Kind, Status
from ent.announcements.queries import current_alerts, current_news
from ent.audit.models import AuditEvent
from ent.notifications.models import Notification

from .factories import draft, published


def _shown(person) -> list[str]:
    return [item.title for item in Announcement.objects.visible_to(person)]


@pytest.mark.sdet("UTI-CCO-AIN-01", "UTI-CCO-AIN-02", "UTI-CCO-AIN-04")
def test_scenario_13_validation_audience_and_expiry(
    world, fabre, django_capture_on_commit_callbacks
):
    """Spec scenario 13, with the cast's Léa in 3eA standing for « Élèves 4B »."""
    cast = world.cast
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ends = timezone.localtime(start + timedelta(days=3))
        item = actions.write_announcement(
            actor=fabre,
            school=cast.school,
            draft=draft(
                whole_community=False, lists=[f"class-{world.class_3a.pk}-pupils"], ends_at=ends
            ),
        )
        everyone = [cast.pupil, world.tom, cast.guardian, cast.teacher, cast.head, fabre]
        assert all(_shown(person) == [] for person in everyone)
        item = actions.submit_announcement(actor=fabre, announcement=item)
        assert all(_shown(person) == [] for person in everyone)
        with django_capture_on_commit_callbacks(execute=True):
            item = actions.validate_announcement(actor=cast.head, announcement=item)
        assert (item.validated_by, item.validated_at) == (cast.head, start)
        assert AuditEvent.objects.filter(
            action="announcements.announcement.validate", actor=cast.head
        ).exists()
        assert _shown(cast.pupil) == ["Fermeture du CDI jeudi"]
        assert [n.title for n in Notification.objects.filter(recipient=cast.pupil)] == [
            "News: Fermeture du CDI jeudi"
        ]
        assert _shown(world.tom) == _shown(cast.guardian) == []
        assert not Notification.objects.filter(recipient=world.tom).exists()
    with time_machine.travel(start + timedelta(days=4), tick=False):
        assert all(_shown(person) == [] for person in everyone)
        alert = published(fabre, cast.head, cast.school, kind=Kind.ALERT, title="Alerte météo")
        for person in (cast.pupil, world.tom, cast.guardian, cast.teacher, world.cpe):
            assert [a.title for a in current_alerts(person)] == ["Alerte météo"]
        assert current_alerts(cast.outsider) == []
        call_command("expire_announcements")
        item.refresh_from_db()
        assert item.status == Status.EXPIRED
        alert.refresh_from_db()
        assert alert.status == Status.VALIDATED


@pytest.mark.sdet("UTI-CCO-AIN-02")
def test_an_item_needs_an_end_after_its_start_and_within_a_year(world, fabre):
    school, now = world.cast.school, timezone.now()
    cases = [
        (draft(ends_at=None), "end_required"),
        (draft(ends_at=now - timedelta(hours=1), starts_at=now), "end_before_start"),
        (draft(ends_at=now + timedelta(days=400)), "end_too_far"),
        (draft(ends_at=None, duration_days=400), "end_too_far"),
        (draft(ends_at=None, duration_days=0), "end_invalid"),
        (
            draft(starts_at=now - timedelta(days=5), ends_at=now - timedelta(days=1)),
            "end_past",
        ),
        (draft(title="  "), "title_required"),
        (draft(whole_community=False), "audience"),
        (draft(profiles=["XYZ"]), "audience"),
        (draft(lists=[f"class-{world.class_6b.pk}-pupils"]), "audience"),
        (draft(kind="POSTER"), "kind"),
    ]
    for bad, code in cases:
        with pytest.raises(ValidationError) as refused:
            actions.write_announcement(actor=fabre, school=school, draft=bad)
        assert refused.value.code == code
    assert not Announcement.objects.exists()
    item = actions.write_announcement(
        actor=fabre, school=school, draft=draft(ends_at=None, duration_days=10)
    )
    assert item.ends_at - item.starts_at == timedelta(days=10)


def test_rich_text_is_cleaned(world, fabre):
    item = actions.write_announcement(
        actor=fabre,
        school=world.cast.school,
        draft=draft(body='<p onclick="x()">Bonjour<script>alert(1)</script></p>'),
    )
    assert "script" not in item.body
    assert "onclick" not in item.body
    assert "Bonjour" in item.body


@pytest.mark.sdet("UTI-CCO-AIN-01", "UTI-CCO-AIN-04")
def test_only_authorised_authors_write_and_only_the_head_validates(world, fabre):
    cast = world.cast
    for outsider in (cast.pupil, cast.guardian, cast.outsider):
        with pytest.raises(PermissionDenied):
            actions.write_announcement(actor=outsider, school=cast.school, draft=draft())
    item = actions.write_announcement(actor=cast.teacher, school=cast.school, draft=draft())
    with pytest.raises(PermissionDenied):
        actions.submit_announcement(actor=fabre, announcement=item)
    actions.submit_announcement(actor=cast.teacher, announcement=item)
    item.refresh_from_db()
    for author_or_other in (cast.teacher, fabre, cast.outsider):
        with pytest.raises(PermissionDenied):
            actions.validate_announcement(actor=author_or_other, announcement=item)
        with pytest.raises(PermissionDenied):
            actions.reject_announcement(actor=author_or_other, announcement=item)
    with pytest.raises(PermissionDenied):
        actions.edit_announcement(actor=cast.teacher, announcement=item, draft=draft())
    item = actions.reject_announcement(actor=cast.head, announcement=item, reason="Date à revoir")
    assert (item.status, item.rejection_reason) == (Status.REJECTED, "Date à revoir")
    item = actions.edit_announcement(
        actor=cast.teacher, announcement=item, draft=draft(title="Fermeture du CDI vendredi")
    )
    assert (item.status, item.title) == (Status.DRAFT, "Fermeture du CDI vendredi")
    item = actions.submit_announcement(actor=cast.teacher, announcement=item)
    with pytest.raises(ValidationError):
        actions.reject_announcement(actor=cast.head, announcement=item, reason="x" * 2001)


def test_the_head_validates_their_own_item_and_withdraws_any(world, fabre):
    cast = world.cast
    own = published(cast.head, cast.head, cast.school, title="Mot du principal")
    assert own.status == Status.VALIDATED
    other = published(fabre, cast.head, cast.school)
    with pytest.raises(PermissionDenied):
        actions.withdraw_announcement(actor=cast.teacher, announcement=other)
    other = actions.withdraw_announcement(actor=cast.head, announcement=other)
    assert _shown(cast.pupil) == ["Mot du principal"]
    with pytest.raises(PermissionDenied):
        actions.withdraw_announcement(actor=cast.head, announcement=other)


def test_an_expired_draft_cannot_be_submitted_nor_validated(world, fabre):
    cast = world.cast
    item = actions.write_announcement(actor=fabre, school=cast.school, draft=draft())
    later = time_machine.travel(timezone.now() + timedelta(days=5))
    with later, pytest.raises(ValidationError) as refused:
        actions.submit_announcement(actor=fabre, announcement=item)
    assert refused.value.code == "end_past"
    actions.submit_announcement(actor=fabre, announcement=item)
    later = time_machine.travel(timezone.now() + timedelta(days=5))
    with later, pytest.raises(ValidationError) as refused:
        actions.validate_announcement(actor=cast.head, announcement=Announcement.objects.get())
    assert refused.value.code == "end_past"


def test_profiles_and_parents_lists_reach_their_people(world, fabre):
    cast = world.cast
    published(
        fabre,
        cast.head,
        cast.school,
        title="Réunion parents 3eA",
        whole_community=False,
        lists=[f"class-{world.class_3a.pk}-guardians"],
    )
    published(
        fabre,
        cast.head,
        cast.school,
        title="Conseil pédagogique",
        whole_community=False,
        profiles=["ENS"],
    )
    assert _shown(cast.guardian) == ["Réunion parents 3eA"]
    assert _shown(cast.teacher) == ["Conseil pédagogique"]
    assert _shown(cast.pupil) == []
    assert _shown(cast.outsider) == []


def test_submission_and_decision_are_notified(world, fabre, django_capture_on_commit_callbacks):
    cast = world.cast
    with django_capture_on_commit_callbacks(execute=True):
        item = actions.write_announcement(
            actor=fabre, school=cast.school, draft=draft(), submit=True
        )
    assert Notification.objects.filter(recipient=cast.head, kind="announcements.submitted").exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.validate_announcement(actor=cast.head, announcement=item)
    assert Notification.objects.filter(recipient=fabre, kind="announcements.decision").exists()
    assert Notification.objects.filter(recipient=cast.guardian, kind="announcements.news").exists()


def test_local_authority_news_shows_only_where_the_head_accepts_it(
    world, authority, django_capture_on_commit_callbacks
):
    cast = world.cast
    with pytest.raises(ValidationError) as refused:
        actions.write_announcement(actor=authority, school=None, draft=draft())
    assert refused.value.code == "schools"
    with pytest.raises(PermissionDenied):
        actions.write_announcement(
            actor=cast.teacher, school=None, draft=draft(offered_to=[cast.school])
        )
    offered = draft(title="Transports scolaires", offered_to=[cast.school, cast.other_school])
    with django_capture_on_commit_callbacks(execute=True):
        item = actions.write_announcement(actor=authority, school=None, draft=offered, submit=True)
    assert Notification.objects.filter(recipient=cast.head, kind="announcements.submitted").exists()
    assert _shown(cast.pupil) == _shown(cast.outsider) == []
    with pytest.raises(PermissionDenied):
        actions.accept_announcement(actor=cast.teacher, announcement=item, school=cast.school)
    with pytest.raises(PermissionDenied):
        actions.accept_announcement(actor=cast.head, announcement=item, school=cast.other_school)
    actions.accept_announcement(actor=cast.head, announcement=item, school=cast.school)
    assert _shown(cast.pupil) == _shown(cast.guardian) == ["Transports scolaires"]
    assert _shown(cast.outsider) == []
    assert [n.title for n in current_news(cast.pupil)] == ["Transports scolaires"]


def test_news_can_be_reported_and_hidden_by_the_head(world, fabre):
    from ent.moderation import actions as moderation

    cast = world.cast
    item = published(fabre, cast.head, cast.school)
    report = moderation.report(
        actor=cast.guardian, kind="announcements.announcement", object_id=item.pk, reason="Erreur"
    )
    moderation.decide(actor=cast.head, report=report, decision="hide")
    assert _shown(cast.guardian) == []
