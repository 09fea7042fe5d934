"""Web push: subscriptions kept, the channel "not configured" until pywebpush and VAPID are."""

from __future__ import annotations

import sys
import types

import pytest

from ent.notifications import push
from ent.notifications.actions import deliver_batch, notify, subscribe_push
from ent.notifications.events import Event, NotificationKind, register_kind, unregister_kind
from ent.notifications.models import Delivery, DeliveryStatus, Notification

KIND = NotificationKind(code="test.push", label="Push", default_channels=frozenset({"app", "push"}))


@pytest.fixture
def push_kind():
    register_kind(KIND)
    yield KIND
    unregister_kind(KIND.code)


@pytest.fixture
def fake_pywebpush(settings, monkeypatch):
    """A stand-in for the pywebpush library, recording what it is asked to send."""
    sent: list[dict[str, object]] = []
    module = types.ModuleType("pywebpush")

    class WebPushError(Exception):
        pass

    def webpush(**kwargs: object) -> None:
        if "refuse" in str(kwargs["subscription_info"]):
            raise WebPushError("410 Gone")
        sent.append(kwargs)

    module.webpush = webpush  # type: ignore[attr-defined]  # attr-defined: a fake module
    module.WebPushException = WebPushError  # type: ignore[attr-defined]  # attr-defined: same
    monkeypatch.setitem(sys.modules, "pywebpush", module)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: object())
    settings.ENT_WEBPUSH_VAPID_PRIVATE_KEY = "vapid-key"
    return sent


def test_without_pywebpush_the_channel_is_not_configured(cast):
    assert not push.is_configured()
    with pytest.raises(push.PushNotConfiguredError):
        push.send([], payload={"title": "x"})


def test_push_goes_to_subscribed_devices_once_configured(cast, push_kind, fake_pywebpush):
    subscribe_push(actor=cast.teacher, endpoint="https://push.example/ok", p256dh="k", auth="a")
    subscribe_push(actor=cast.pupil, endpoint="https://push.example/refuse", p256dh="k", auth="a")
    notify(
        recipients=[cast.teacher, cast.pupil, cast.head],
        event=Event(kind=KIND.code, title="Nouveau message", body="secret", url="/m/"),
    )
    outcome = deliver_batch(batch=str(Notification.objects.first().batch))
    assert outcome == {DeliveryStatus.SENT: 1, DeliveryStatus.FAILED: 1}
    (sent,) = fake_pywebpush
    assert sent["subscription_info"]["endpoint"] == "https://push.example/ok"
    assert "secret" not in str(sent["data"])
    assert '"/m/"' not in str(sent["data"])
    assert "/m/" in str(sent["data"])
    head = Delivery.objects.get(notification__recipient=cast.head)
    assert (head.status, head.error) == (DeliveryStatus.SKIPPED, "no_subscription")
    failed = Delivery.objects.get(notification__recipient=cast.pupil)
    assert "410" in failed.error


def test_push_unconfigured_between_planning_and_sending_is_skipped(
    cast, push_kind, fake_pywebpush, settings
):
    subscribe_push(actor=cast.teacher, endpoint="https://push.example/ok", p256dh="k", auth="a")
    notify(recipients=[cast.teacher], event=Event(kind=KIND.code, title="x"))
    batch = str(Notification.objects.get().batch)
    real = push.is_configured
    calls = iter([True, False])
    push.is_configured = lambda: next(calls, False)
    try:
        assert deliver_batch(batch=batch) == {DeliveryStatus.SKIPPED: 1}
    finally:
        push.is_configured = real
    assert Delivery.objects.get().error == "not_configured"


def test_a_kind_no_longer_declared_is_kept_in_app_only(cast, push_kind):
    notify(recipients=[cast.teacher], event=Event(kind=KIND.code, title="x"))
    unregister_kind(KIND.code)
    assert deliver_batch(batch=str(Notification.objects.get().batch)) == {}
    assert not Delivery.objects.exists()
