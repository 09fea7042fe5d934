"""notify(), delivery on each channel, preferences within the school's policy, alerts."""

from __future__ import annotations

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ent.audit.models import AuditEvent
from ent.directory.models import User
from ent.notifications.actions import (
    ChannelForbidden,
    UnknownKindError,
    deliver_batch,
    mark_all_read,
    mark_read,
    notify,
    retry_deliveries,
    save_preferences,
    send_school_alert,
    set_channel_policy,
    subscribe_push,
    unsubscribe_push,
)
from ent.notifications.events import (
    Event,
    NotificationKind,
    check_kinds,
    register_kind,
    unregister_kind,
)
from ent.notifications.models import (
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Notification,
    PushSubscription,
)
from ent.notifications.queries import latest_for, unread_count

from .conftest import read_outbox
from .factories import alert_for, guardian_of, many_people, pupil_of

ALERT = "school.alert"


@pytest.fixture
def private_kind():
    """A kind whose body is personal: it never leaves the ENT."""
    kind = NotificationKind(
        code="test.grade",
        label="Nouvelle note",
        default_channels=frozenset({"app", "email", "sms"}),
        sms_profiles=frozenset({"TUT"}),
    )
    register_kind(kind)
    yield kind
    unregister_kind(kind.code)


# notify() -----------------------------------------------------------------------------------


def test_notify_stores_one_unread_notification_per_active_recipient(cast):
    cast.outsider.is_active = False
    cast.outsider.save(update_fields=["is_active"])
    people = [cast.teacher, cast.pupil, cast.teacher, cast.outsider]
    count = notify(
        recipients=people, event=Event(kind=ALERT, title="Grève", school_id=cast.school.pk)
    )
    assert count == 2
    stored = Notification.objects.order_by("recipient_id")
    assert [item.recipient_id for item in stored] == sorted([cast.teacher.pk, cast.pupil.pk])
    assert {item.read_at for item in stored} == {None}
    assert len({item.batch for item in stored}) == 1


def test_notify_accepts_a_queryset_and_enqueues_one_task_after_commit(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        count = notify(
            recipients=User.objects.filter(pk__in=[cast.teacher.pk, cast.head.pk]),
            event=Event(kind=ALERT, title="Réunion"),
        )
    assert count == 2
    assert len(callbacks) == 1


def test_notify_refuses_an_undeclared_kind_and_a_dangerous_link(cast):
    with pytest.raises(UnknownKindError):
        notify(recipients=[cast.pupil], event=Event(kind="nope.kind", title="x"))
    with pytest.raises(ValueError, match="link"):
        notify(recipients=[cast.pupil], event=Event(kind=ALERT, title="x", url="javascript:1"))
    with pytest.raises(ValueError, match="title"):
        notify(recipients=[cast.pupil], event=Event(kind=ALERT, title="  "))
    assert notify(recipients=[], event=Event(kind=ALERT, title="x")) == 0


@pytest.mark.django_db
def test_notify_to_a_thousand_people_costs_as_many_queries_as_to_ten():
    def queries(people: list[User], prefix: str) -> int:
        recipients = User.objects.filter(login__startswith=prefix)
        with CaptureQueriesContext(connection) as captured:
            assert notify(recipients=recipients, event=Event(kind=ALERT, title="Cantine")) == len(
                people
            )
        return len(captured)

    few = queries(many_people(10, "few"), "few.")
    crowd = queries(many_people(1000, "crowd"), "crowd.")
    # A savepoint, the recipients, their in-app choices, one insert, the release.
    assert few == crowd == 5
    assert Notification.objects.count() == 1010


def test_a_person_who_turned_the_app_channel_off_finds_it_already_read(cast):
    save_preferences(actor=cast.teacher, person=cast.teacher, choices={(ALERT, "app"): False})
    alert_for(cast.teacher, cast.head)
    assert unread_count(cast.teacher) == 0
    assert unread_count(cast.head) == 1
    assert Notification.objects.filter(recipient=cast.teacher).count() == 1


# Reads --------------------------------------------------------------------------------------


def test_unread_count_and_latest_take_one_query_each(cast, django_assert_num_queries):
    for number in range(7):
        alert_for(cast.pupil, title=f"Info {number}")
    alert_for(cast.teacher)
    with django_assert_num_queries(1):
        assert unread_count(cast.pupil) == 7
    with django_assert_num_queries(1):
        latest = latest_for(cast.pupil)
    assert [item.title for item in latest] == [f"Info {n}" for n in (6, 5, 4, 3, 2)]


def test_mark_read_and_mark_all_read(cast):
    alert_for(cast.pupil, title="Un")
    alert_for(cast.pupil, title="Deux")
    alert_for(cast.guardian, title="Autre")
    first = Notification.objects.get(title="Un")
    mark_read(actor=cast.pupil, notification=first)
    assert unread_count(cast.pupil) == 1
    with pytest.raises(PermissionDenied):
        mark_read(actor=cast.pupil, notification=Notification.objects.get(title="Autre"))
    assert mark_all_read(actor=cast.pupil) == 1
    assert unread_count(cast.pupil) == 0
    assert unread_count(cast.guardian) == 1


# Scenario 20 --------------------------------------------------------------------------------


@pytest.mark.sdet("UTI-UTL-NOT-01")
def test_scenario_20_canteen_closure_sms_to_parents_who_chose_it_never_to_pupils(
    client, enrolled, grants, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    cast = enrolled
    # Paul chose SMS instead of e-mail for school alerts.
    save_preferences(
        actor=cast.guardian,
        person=cast.guardian,
        choices={(ALERT, "sms"): True, (ALERT, "email"): False},
    )
    # Tom's mother, known only through the feed's guardianship, keeps the defaults.
    tom = pupil_of(cast.school_class, email="tom@example.test")
    mother = guardian_of(tom, email="mere.tom@example.test", phone_mobile="0699999999")
    # Léa may not choose SMS; a choice left from an earlier profile does not count either.
    with pytest.raises(ChannelForbidden):
        save_preferences(actor=cast.pupil, person=cast.pupil, choices={(ALERT, "sms"): True})
    ChannelPreference.objects.create(person=cast.pupil, kind=ALERT, channel="sms", is_enabled=True)

    client.force_login(cast.head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/notifications/alerte/{cast.school.pk}/",
            {
                "audiences": ["guardians", "pupils"],
                "title": "Cantine fermée jeudi",
                "body": "Prévoir un pique-nique.",
            },
        )
    assert response.status_code == 302

    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {cast.guardian.pk, mother.pk, cast.pupil.pk, tom.pk}
    sms = read_outbox(sms_outbox)
    assert [message["to"] for message in sms] == ["06 12 34 56 78"]
    assert sms[0]["text"].startswith("Cantine fermée jeudi: Prévoir un pique-nique.")
    assert "/notifications/" in sms[0]["text"]
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        ["mere.tom@example.test", "lea.petit@example.test", "tom@example.test"]
    )
    pupil_sms = Delivery.objects.get(notification__recipient=cast.pupil, channel="sms")
    assert (pupil_sms.status, pupil_sms.error) == (DeliveryStatus.SKIPPED, "forbidden")
    paul_sms = Delivery.objects.get(notification__recipient=cast.guardian, channel="sms")
    assert paul_sms.status == DeliveryStatus.SENT
    assert not Delivery.objects.filter(notification__recipient=cast.guardian, channel="email")
    assert AuditEvent.objects.filter(action="notifications.alert.send").count() == 1


def test_an_alert_to_a_class_reaches_only_its_pupils_guardians_and_teachers(cast, grants):
    from ent.directory.models import TeachingAssignment

    lea = pupil_of(cast.school_class)
    other_class = cast.school.classes.create(code="4B")
    other_pupil = pupil_of(other_class)
    father = guardian_of(lea)
    TeachingAssignment.objects.create(teacher=cast.teacher, school_class=cast.school_class)
    count = send_school_alert(
        actor=cast.head,
        school=cast.school,
        audiences={"guardians", "pupils", "staff"},
        title="Sortie",
        body="",
        school_class=cast.school_class,
    )
    assert count == 3
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {lea.pk, father.pk, cast.teacher.pk}
    assert other_pupil.pk not in notified


def test_only_the_school_administration_may_send_an_alert(cast, grants):
    for person in (cast.teacher, cast.guardian, cast.outsider):
        with pytest.raises(PermissionDenied):
            send_school_alert(
                actor=person, school=cast.school, audiences={"staff"}, title="x", body=""
            )
    with pytest.raises(PermissionDenied):
        send_school_alert(
            actor=cast.head, school=cast.other_school, audiences={"staff"}, title="x", body=""
        )
    with pytest.raises(ValidationError):
        send_school_alert(actor=cast.head, school=cast.school, audiences=set(), title="x", body="")
    foreign = cast.other_school.classes.create(code="6C")
    with pytest.raises(ValidationError):
        send_school_alert(
            actor=cast.head,
            school=cast.school,
            audiences={"pupils"},
            title="x",
            body="",
            school_class=foreign,
        )
    staff = send_school_alert(
        actor=cast.school_admin, school=cast.school, audiences={"staff"}, title="x", body=""
    )
    assert staff == 3  # the teacher, the head and the school admin of X


# Delivery -----------------------------------------------------------------------------------


def test_email_and_sms_carry_the_title_and_a_link_not_a_personal_body(
    enrolled, private_kind, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    cast = enrolled
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[cast.guardian],
            event=Event(
                kind="test.grade", title="Nouvelle note", body="Léa : 4/20 en maths", url="/notes/"
            ),
        )
    (mail,) = mailoutbox
    assert "Nouvelle note" in mail.subject
    assert "4/20" not in mail.body
    assert "/notes/" in mail.body
    (sms,) = read_outbox(sms_outbox)
    assert "4/20" not in sms["text"]
    assert sms["text"].endswith("/notes/")
    assert Notification.objects.get().body == "Léa : 4/20 en maths"


def test_missing_addresses_and_unconfigured_push_are_kept_as_skipped(
    cast, sms_outbox, django_capture_on_commit_callbacks
):
    kind = NotificationKind(
        code="test.everything",
        label="Tout",
        default_channels=frozenset({"app", "email", "sms", "push"}),
        sms_profiles=frozenset({"ENS"}),
    )
    register_kind(kind)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[cast.teacher], event=Event(kind=kind.code, title="x"))
    finally:
        unregister_kind(kind.code)
    outcome = dict(Delivery.objects.values_list("channel", "error"))
    assert outcome == {"email": "no_email", "sms": "no_phone", "push": "not_configured"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SKIPPED}


def test_delivery_runs_in_a_bounded_number_of_queries(cast, mailoutbox):
    def queries(count: int, prefix: str) -> int:
        many_people(count, prefix)
        notify(
            recipients=User.objects.filter(login__startswith=prefix),
            event=Event(kind=ALERT, title="x"),
        )
        batch = str(Notification.objects.filter(recipient__login__startswith=prefix)[0].batch)
        with CaptureQueriesContext(connection) as captured:
            outcome = deliver_batch(batch=batch)
        assert outcome == {DeliveryStatus.SENT: count}
        return len(captured)

    assert queries(20, "small.") == queries(60, "large.")
    assert len(mailoutbox) == 80


def test_delivery_is_idempotent(cast, mailoutbox):
    cast.teacher.email = "agnes@example.test"
    cast.teacher.save(update_fields=["email"])
    alert_for(cast.teacher)
    batch = str(Notification.objects.get().batch)
    assert deliver_batch(batch=batch) == {DeliveryStatus.SENT: 1}
    assert deliver_batch(batch=batch) == {}
    assert len(mailoutbox) == 1
    assert deliver_batch(batch="00000000-0000-0000-0000-000000000000") == {}


def test_a_failing_gateway_keeps_the_delivery_and_a_retry_sends_it(
    enrolled, settings, monkeypatch, django_capture_on_commit_callbacks
):
    cast = enrolled
    settings.ENT_SMS_BACKEND = "http"
    settings.ENT_SMS_URL = "https://sms.example.test/send"
    settings.ENT_SMS_TOKEN = "gateway-token"
    save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "sms"): True})
    calls = []

    def refuse(url, **kwargs):
        calls.append((url, kwargs))
        raise requests.ConnectionError("gateway down")

    monkeypatch.setattr("ent.notifications.sms.requests.post", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        alert_for(cast.guardian, title="Bus en retard", school_id=cast.school.pk)
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert "ConnectionError" in delivery.error
    assert "06" not in delivery.error

    class Accepted:
        status_code = 202

        def raise_for_status(self) -> None:
            return None

    def accept(url, **kwargs):
        calls.append((url, kwargs))
        return Accepted()

    monkeypatch.setattr("ent.notifications.sms.requests.post", accept)
    assert retry_deliveries() == {DeliveryStatus.SENT: 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert delivery.sent_at is not None
    url, options = calls[-1]
    assert url == "https://sms.example.test/send"
    assert options["headers"] == {"Authorization": "Bearer gateway-token"}
    assert options["json"]["to"] == "06 12 34 56 78"
    assert options["json"]["text"].startswith("Bus en retard")
    assert options["timeout"] == 10
    assert retry_deliveries() == {}


def test_retries_stop_after_the_maximum_attempts(enrolled, settings, monkeypatch):
    cast = enrolled
    settings.ENT_SMS_BACKEND = "http"
    settings.ENT_SMS_URL = "https://sms.example.test/send"
    save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "sms"): True})

    def refuse(url, **kwargs):
        raise requests.Timeout("slow")

    monkeypatch.setattr("ent.notifications.sms.requests.post", refuse)
    alert_for(cast.guardian, school_id=cast.school.pk)
    deliver_batch(batch=str(Notification.objects.get().batch))
    assert retry_deliveries(max_attempts=3) == {DeliveryStatus.FAILED: 1}
    assert retry_deliveries(max_attempts=3) == {DeliveryStatus.FAILED: 1}
    assert retry_deliveries(max_attempts=3) == {}
    assert Delivery.objects.get(channel="sms").attempts == 3


# Preferences and policies -------------------------------------------------------------------


def test_preferences_are_refused_for_a_channel_the_school_forbids(enrolled, grants):
    cast = enrolled
    set_channel_policy(actor=cast.head, school=cast.school, channel="sms", profiles=[])
    with pytest.raises(ChannelForbidden):
        save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "sms"): True})
    with pytest.raises(ChannelForbidden):
        save_preferences(actor=cast.guardian, person=cast.guardian, choices={("*", "sms"): True})
    # Turning a channel off is always possible.
    save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "sms"): False})
    set_channel_policy(actor=cast.head, school=cast.school, channel="sms", profiles=["TUT"])
    save_preferences(actor=cast.guardian, person=cast.guardian, choices={("*", "sms"): True})
    assert AuditEvent.objects.filter(action="notifications.policy.change").count() == 2
    assert AuditEvent.objects.filter(action="notifications.preferences.change").count() == 2


def test_a_forbidden_channel_is_not_delivered_even_if_chosen_before(
    enrolled, grants, sms_outbox, django_capture_on_commit_callbacks
):
    cast = enrolled
    save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "sms"): True})
    set_channel_policy(actor=cast.head, school=cast.school, channel="sms", profiles=["ENS"])
    with django_capture_on_commit_callbacks(execute=True):
        alert_for(cast.guardian, school_id=cast.school.pk)
    assert read_outbox(sms_outbox) == []
    assert Delivery.objects.get(channel="sms").error == "forbidden"


def test_preferences_need_an_address_and_a_known_kind_and_channel(cast):
    with pytest.raises(ValidationError):
        save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "sms"): True})
    with pytest.raises(ValidationError):
        save_preferences(
            actor=cast.guardian, person=cast.guardian, choices={(ALERT, "email"): True}
        )
    with pytest.raises(ValidationError):
        save_preferences(actor=cast.guardian, person=cast.guardian, choices={("x.y", "app"): True})
    with pytest.raises(ValidationError):
        save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "fax"): True})
    with pytest.raises(ValidationError):
        save_preferences(actor=cast.guardian, person=cast.guardian, choices={(ALERT, "push"): True})
    with pytest.raises(PermissionDenied):
        save_preferences(actor=cast.teacher, person=cast.guardian, choices={(ALERT, "app"): True})


def test_only_the_school_administration_sets_the_channel_policy(cast, grants):
    with pytest.raises(PermissionDenied):
        set_channel_policy(actor=cast.teacher, school=cast.school, channel="sms", profiles=[])
    with pytest.raises(ValidationError):
        set_channel_policy(actor=cast.head, school=cast.school, channel="app", profiles=[])
    with pytest.raises(ValidationError):
        set_channel_policy(actor=cast.head, school=cast.school, channel="sms", profiles=["XYZ"])


# Web push -----------------------------------------------------------------------------------


def test_push_subscriptions_are_kept_per_device(cast):
    subscribe_push(actor=cast.pupil, endpoint="https://push.example/1", p256dh="k", auth="a")
    subscribe_push(actor=cast.teacher, endpoint="https://push.example/1", p256dh="k", auth="b")
    assert PushSubscription.objects.get().person == cast.teacher
    with pytest.raises(ValidationError):
        subscribe_push(actor=cast.pupil, endpoint="http://push.example/2", p256dh="k", auth="a")
    assert not unsubscribe_push(actor=cast.pupil, endpoint="https://push.example/1")
    assert unsubscribe_push(actor=cast.teacher, endpoint="https://push.example/1")


# Kinds --------------------------------------------------------------------------------------


def test_the_kinds_check_fails_malformed_declarations(monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("notifications")
    bad = (
        NotificationKind(code="Bad", label="x"),
        NotificationKind(code="a.b", label="x", default_channels=frozenset({"fax"})),
        NotificationKind(code="a.b", label="x", sms_profiles=frozenset({"XYZ"})),
    )
    monkeypatch.setattr(config, "notification_kinds", bad)
    codes = sorted(str(error.id) for error in check_kinds())
    assert codes == [
        "notifications.E001",
        "notifications.E002",
        "notifications.E003",
        "notifications.E004",
    ]
    monkeypatch.undo()
    assert check_kinds() == []


def test_marking_read_twice_keeps_the_first_moment_and_no_choice_records_nothing(cast):
    alert_for(cast.pupil)
    notification = Notification.objects.get()
    first = mark_read(actor=cast.pupil, notification=notification).read_at
    assert mark_read(actor=cast.pupil, notification=notification).read_at == first
    assert save_preferences(actor=cast.pupil, person=cast.pupil, choices={}) == 0
    assert not AuditEvent.objects.filter(action="notifications.preferences.change").exists()


def test_an_external_link_is_sent_as_it_is(cast, mailoutbox):
    cast.teacher.email = "agnes@example.test"
    cast.teacher.save(update_fields=["email"])
    alert_for(cast.teacher, url="https://www.education.gouv.fr/calendrier")
    deliver_batch(batch=str(Notification.objects.get().batch))
    assert "https://www.education.gouv.fr/calendrier" in mailoutbox[0].body
