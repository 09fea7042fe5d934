from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ent.audit.models import AuditEvent
from ent.moderation import actions, registry
from ent.moderation.models import Report, Status
from ent.notifications.models import Notification

from .conftest import KIND


def test_a_parent_reports_what_they_see_and_the_head_is_told(
    cast, hidden, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.report(
            actor=cast.guardian,
            kind=KIND,
            object_id=cast.school_class.pk,
            reason="  Propos déplacés  ",
        )
    assert (report.status, report.reason, report.reporter) == (
        Status.OPEN,
        "Propos déplacés",
        cast.guardian,
    )
    assert report.object_label == str(cast.school_class)
    told = Notification.objects.filter(kind="moderation.report")
    assert [n.recipient_id for n in told] == [cast.head.pk]
    assert AuditEvent.objects.filter(
        action="moderation.report.create", actor=cast.guardian
    ).exists()


def test_one_cannot_report_what_one_cannot_see(cast, hidden):
    with pytest.raises(LookupError):
        actions.report(actor=cast.outsider, kind=KIND, object_id=cast.school_class.pk, reason="x")
    with pytest.raises(LookupError):
        actions.report(actor=cast.guardian, kind="nothing.here", object_id=1, reason="x")
    assert not Report.objects.exists()


def test_a_report_needs_a_reason_and_is_made_once(cast, hidden):
    with pytest.raises(ValidationError, match="Say why"):
        actions.report(actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="  ")
    with pytest.raises(ValidationError, match="too long"):
        actions.report(
            actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="x" * 2001
        )
    actions.report(actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="a")
    with pytest.raises(ValidationError, match="already reported"):
        actions.report(actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="b")
    assert Report.objects.count() == 1


def test_the_head_hides_the_content_and_every_open_report_on_it_closes(cast, hidden):
    first = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="a"
    )
    second = actions.report(actor=cast.pupil, kind=KIND, object_id=cast.school_class.pk, reason="b")
    decided = actions.decide(actor=cast.head, report=first, decision="hide", note="Retiré")
    assert (decided.status, decided.decided_by, decided.note) == (
        Status.HIDDEN,
        cast.head,
        "Retiré",
    )
    assert decided.decided_at is not None
    second.refresh_from_db()
    assert second.status == Status.HIDDEN
    assert hidden.items == [(cast.head.pk, cast.school_class.pk)]
    assert AuditEvent.objects.filter(action="moderation.report.hide", actor=cast.head).exists()
    with pytest.raises(actions.AlreadyDecidedError):
        actions.decide(actor=cast.head, report=first, decision="dismiss")


def test_dismissing_leaves_the_content_and_reporting_again_is_possible(cast, hidden):
    first = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="a"
    )
    actions.decide(actor=cast.head, report=first, decision="dismiss")
    first.refresh_from_db()
    assert first.status == Status.DISMISSED
    assert hidden.items == []
    again = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="b"
    )
    assert again.is_open


def test_only_a_moderator_decides_and_only_hide_or_dismiss(cast, hidden):
    report = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="a"
    )
    with pytest.raises(PermissionDenied):
        actions.decide(actor=cast.teacher, report=report, decision="hide")
    with pytest.raises(ValidationError):
        actions.decide(actor=cast.head, report=report, decision="delete")
    with pytest.raises(ValidationError, match="too long"):
        actions.decide(actor=cast.head, report=report, decision="hide", note="x" * 2001)
    report.refresh_from_db()
    assert report.is_open
    assert hidden.items == []


def test_a_report_on_deleted_content_cannot_be_decided(cast, hidden):
    report = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="a"
    )
    # The content is gone (its id no longer exists).
    Report.objects.filter(pk=report.pk).update(object_id=10**9)
    report.refresh_from_db()
    with pytest.raises(LookupError):
        actions.decide(actor=cast.head, report=report, decision="dismiss")


def test_the_registry_lists_and_forgets_kinds(hidden):
    assert KIND in [entry.kind for entry in registry.registered()]
    registry.unregister(KIND)
    with pytest.raises(LookupError):
        registry.get(KIND)
