"""Every change of the notification service, and `notify()`, the one entry point of all apps.

`notify()` stores the in-app notifications in one insert and, after commit, hands one task the
delivery on the other channels (e-mail, SMS, web push), each person's choice within what their
school allows. Delivery runs outside any transaction, so a slow gateway never holds a lock;
every attempt is kept as a `Delivery` row, and `retry_deliveries` tries failures again.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ent.audit.actions import record
from ent.core.bulk import insert_rows
from ent.directory.models import School, SchoolClass, User

from . import push, sms
from .channels import absolute, is_allowed, is_wanted, roles_in, sms_text
from .events import (
    ANY_KIND,
    APP,
    CHANNELS,
    DIGEST,
    EMAIL,
    PROFILES,
    PUSH,
    SMS,
    Event,
    NotificationKind,
    declared_kinds,
    get_kind,
)
from .models import (
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    LastDigest,
    Notification,
    PushSubscription,
    SchoolChannelPolicy,
)
from .permissions import (
    can_change_preferences,
    can_read_notification,
    can_send_alert,
    can_set_channel_policy,
)
from .queries import AUDIENCES, alert_recipients, choices_of, policies_for, roles_of

logger = logging.getLogger(__name__)

ALERT_KIND = "school.alert"
# Channels delivered right after `notify()`; the digest goes out with `ent notifications digest`.
IMMEDIATE = (EMAIL, SMS, PUSH)
MAX_ATTEMPTS = 5
# A delivery still queued this long after its creation lost its worker: it is tried again.
STALE_AFTER = timedelta(minutes=15)
# The first digest of a person covers one day; no digest reaches further back than a week.
FIRST_DIGEST_COVERS = timedelta(days=1)
DIGEST_COVERS_AT_MOST = timedelta(days=7)
SEND_CHUNK = 100


class UnknownKindError(ValueError):
    """No app declares this kind of event."""


class ChannelForbidden(PermissionDenied):
    """The person's school does not let this channel reach them."""


# Sending ------------------------------------------------------------------------------------


def _check_event(event: Event) -> NotificationKind:
    kind = get_kind(event.kind)
    if kind is None:
        raise UnknownKindError(f"No app declares the notification kind {event.kind!r}.")
    if not event.title.strip():
        raise ValueError("A notification needs a title.")
    url = event.url
    if url and not (
        (url.startswith("/") and not url.startswith("//"))
        or url.startswith(("https://", "http://"))
    ):
        raise ValueError("A notification links to a path of the ENT or an http(s) address.")
    return kind


def _recipient_ids(recipients: Iterable[User] | QuerySet[User]) -> list[int]:
    if isinstance(recipients, QuerySet):
        found = recipients.filter(is_active=True).values_list("pk", flat=True)
        return list(dict.fromkeys(found))
    return list(dict.fromkeys(person.pk for person in recipients if person.is_active))


@transaction.atomic
def notify(*, recipients: Iterable[User] | QuerySet[User], event: Event) -> int:
    """Tell `recipients` about `event`: one in-app notification each, then, after commit, one
    background task for their other channels. Return how many people were notified."""
    kind = _check_event(event)
    ids = _recipient_ids(recipients)
    if not ids:
        return 0
    # A person who turned the in-app channel off for this kind still finds it in their feed,
    # already read: nothing is lost, nothing is announced.
    choices = choices_of(ids, [kind.code])
    now = timezone.now()
    batch = uuid.uuid4()
    title = event.title.strip()[:200]
    rows = (
        (
            person_id,
            kind.code,
            title,
            event.body,
            event.url,
            event.school_id,
            batch,
            now,
            None if is_wanted(APP, kind=kind, choices=choices.get(person_id, {})) else now,
        )
        for person_id in ids
    )
    names = (
        "recipient_id",
        "kind",
        "title",
        "body",
        "url",
        "school_id",
        "batch",
        "created_at",
        "read_at",
    )
    count = insert_rows(Notification, names, rows)

    def enqueue() -> None:
        from .tasks import deliver_notifications

        deliver_notifications.enqueue(batch=str(batch))

    transaction.on_commit(enqueue)
    return count


def _plan(notifications: list[Notification], kind: NotificationKind | None) -> list[Delivery]:
    """Decide each person's deliveries outside the ENT: queued, or skipped with the reason."""
    if kind is None:
        return []
    ids = [item.recipient_id for item in notifications]
    roles = roles_of(ids)
    policies = policies_for({school for held in roles.values() for school, _profile in held})
    choices = choices_of(ids, [kind.code])
    subscribed = set(
        PushSubscription.objects.filter(person__in=ids).values_list("person_id", flat=True)
        if PUSH in kind.default_channels
        or any(key[1] == PUSH for person in choices.values() for key in person)
        else []
    )
    planned = []
    for item in notifications:
        person = item.recipient
        held = roles_in(roles.get(person.pk, set()), item.school_id)
        for channel in IMMEDIATE:
            if not is_wanted(channel, kind=kind, choices=choices.get(person.pk, {})):
                continue
            if not is_allowed(channel, roles=held, policies=policies, kind=kind):
                reason = "forbidden"
            elif channel == EMAIL and not person.email:
                reason = "no_email"
            elif channel == SMS and not person.phone_mobile:
                reason = "no_phone"
            elif channel == PUSH and not push.is_configured():
                reason = "not_configured"
            elif channel == PUSH and person.pk not in subscribed:
                reason = "no_subscription"
            else:
                reason = ""
            planned.append(
                Delivery(
                    notification=item,
                    channel=channel,
                    status=DeliveryStatus.SKIPPED if reason else DeliveryStatus.QUEUED,
                    error=reason,
                )
            )
    return planned


def deliver_batch(*, batch: str) -> dict[str, int]:
    """Deliver the notifications of one `notify()` call on each person's other channels;
    running it again sends only what is still queued. Return the count per status."""
    with transaction.atomic():
        notifications = list(
            Notification.objects.filter(batch=batch, recipient__is_active=True).select_related(
                "recipient"
            )
        )
        if not notifications:
            return {}
        existing = set(
            Delivery.objects.filter(notification__batch=batch).values_list(
                "notification_id", "channel"
            )
        )
        planned = [
            delivery
            for delivery in _plan(notifications, get_kind(notifications[0].kind))
            if (delivery.notification.pk, delivery.channel) not in existing
        ]
        Delivery.objects.bulk_create(planned, batch_size=500)
    queued = Delivery.objects.filter(notification__batch=batch, status=DeliveryStatus.QUEUED)
    return _send(queued)


def retry_deliveries(*, max_attempts: int = MAX_ATTEMPTS) -> dict[str, int]:
    """Try again the deliveries that failed, and those a lost worker left queued."""
    stale = timezone.now() - STALE_AFTER
    due = Delivery.objects.filter(
        Q(status=DeliveryStatus.FAILED, attempts__lt=max_attempts)
        | Q(status=DeliveryStatus.QUEUED, created_at__lt=stale)
    )
    return _send(due)


def _send(deliveries: QuerySet[Delivery]) -> dict[str, int]:
    """Send each delivery on its channel and keep the outcome; a failure never stops the rest."""
    outcome: Counter[str] = Counter()
    rows = list(deliveries.select_related("notification__recipient").order_by("pk"))
    if not rows:
        return {}
    subscriptions: dict[int, list[PushSubscription]] = {}
    if any(delivery.channel == PUSH for delivery in rows):
        people = {delivery.notification.recipient_id for delivery in rows}
        for subscription in PushSubscription.objects.filter(person__in=people):
            subscriptions.setdefault(subscription.person_id, []).append(subscription)
    gateway = sms.gateway()
    kinds = declared_kinds()
    with translation.override(settings.LANGUAGE_CODE), get_connection() as mail:
        for start in range(0, len(rows), SEND_CHUNK):
            chunk = rows[start : start + SEND_CHUNK]
            for delivery in chunk:
                _attempt(
                    delivery, kinds.get(delivery.notification.kind), mail, gateway, subscriptions
                )
                outcome[delivery.status] += 1
            Delivery.objects.bulk_update(
                chunk, ["status", "attempts", "error", "attempted_at", "sent_at"]
            )
    return dict(outcome)


def _attempt(
    delivery: Delivery,
    kind: NotificationKind | None,
    mail: Any,
    gateway: sms.SmsGateway,
    subscriptions: Mapping[int, list[PushSubscription]],
) -> None:
    """Send one delivery; record success, failure or the reason it cannot go."""
    notification = delivery.notification
    person = notification.recipient
    body = notification.body if kind is not None and kind.body_in_messages else ""
    link = absolute(notification.url)
    delivery.attempts += 1
    delivery.attempted_at = timezone.now()
    try:
        if delivery.channel == EMAIL:
            _email(person, notification.title, body, link, mail)
        elif delivery.channel == SMS:
            text = sms_text(title=notification.title, body=body, link=link)
            gateway.send(phone=person.phone_mobile, text=text, reference=str(delivery.pk))
        else:
            payload = {"title": notification.title, "body": body, "url": link}
            push.send(subscriptions.get(person.pk, []), payload=payload)
    except push.PushNotConfiguredError:
        delivery.status, delivery.error = DeliveryStatus.SKIPPED, "not_configured"
        return
    except Exception as error:
        logger.warning(
            "Delivery %s (%s) failed: %s", delivery.pk, delivery.channel, type(error).__name__
        )
        delivery.status = DeliveryStatus.FAILED
        delivery.error = (str(error) or type(error).__name__)[:300]
        return
    delivery.status, delivery.error, delivery.sent_at = DeliveryStatus.SENT, "", timezone.now()


def _email(person: User, title: str, body: str, link: str, connection: Any) -> None:
    context = {
        "person": person,
        "title": title,
        "body": body,
        "link": link,
        "preferences": absolute(reverse("notifications:preferences")),
        "project": settings.ENT_PROJECT_NAME,
    }
    EmailMessage(
        subject=f"[{settings.ENT_PROJECT_NAME}] {title}",
        body=render_to_string("notifications/email/notification.txt", context),
        to=[person.email],
        connection=connection,
    ).send()


# Digest -------------------------------------------------------------------------------------


def send_digests(*, at: datetime | None = None) -> int:
    """Send each person who chose the digest one e-mail of their unread notifications since
    their last digest; running it again sends nothing new. Return how many were sent."""
    cut = at or timezone.now()
    marker = LastDigest.objects.filter(person=OuterRef("recipient")).values("covered_until")
    pending = (
        Notification.objects.unread()
        .filter(
            recipient__is_active=True,
            created_at__lte=cut,
            created_at__gt=cut - DIGEST_COVERS_AT_MOST,
        )
        .annotate(since=Subquery(marker))
        .filter(
            Q(since=None, created_at__gt=cut - FIRST_DIGEST_COVERS)
            | Q(since__isnull=False, created_at__gt=F("since"))
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    by_person: dict[int, list[Notification]] = {}
    for item in pending:
        by_person.setdefault(item.recipient_id, []).append(item)
    if not by_person:
        return 0
    kinds = declared_kinds()
    roles = roles_of(list(by_person))
    policies = policies_for({school for held in roles.values() for school, _profile in held})
    choices = choices_of(list(by_person), list(kinds))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE), get_connection() as mail:
        for person_id, items in by_person.items():
            chosen = [
                item
                for item in items
                if (kind := kinds.get(item.kind)) is not None
                and is_wanted(DIGEST, kind=kind, choices=choices.get(person_id, {}))
                and is_allowed(
                    DIGEST,
                    roles=roles_in(roles.get(person_id, set()), item.school_id),
                    policies=policies,
                    kind=kind,
                )
            ]
            if chosen and _send_digest(items[0].recipient, chosen, kinds, mail):
                LastDigest.objects.update_or_create(
                    person_id=person_id,
                    defaults={"covered_until": cut, "sent_at": timezone.now()},
                )
                sent += 1
    record(actor=None, action="notifications.digest.send", data={"count": sent})
    return sent


def _send_digest(
    person: User, items: list[Notification], kinds: Mapping[str, NotificationKind], mail: Any
) -> bool:
    """E-mail one person their digest; a failure is logged and the next run tries again."""
    lines = [
        {
            "title": item.title,
            "body": item.body if kinds[item.kind].body_in_messages else "",
            "link": absolute(item.url),
            "created_at": item.created_at,
        }
        for item in items
    ]
    context = {
        "person": person,
        "items": lines,
        "inbox": absolute(reverse("notifications:inbox")),
        "preferences": absolute(reverse("notifications:preferences")),
        "project": settings.ENT_PROJECT_NAME,
    }
    subject = ngettext(
        "[%(project)s] %(count)d new notification",
        "[%(project)s] %(count)d new notifications",
        len(items),
    ) % {
        "project": settings.ENT_PROJECT_NAME,
        "count": len(items),
    }
    try:
        EmailMessage(
            subject=subject,
            body=render_to_string("notifications/email/digest.txt", context),
            to=[person.email],
            connection=mail,
        ).send()
    except Exception as error:
        logger.warning("Digest of person %s failed: %s", person.pk, type(error).__name__)
        return False
    return True


# The feed -----------------------------------------------------------------------------------


@transaction.atomic
def mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read."""
    if not can_read_notification(actor, notification):
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; return how many."""
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())


# Choices and policies -----------------------------------------------------------------------


@transaction.atomic
def save_preferences(*, actor: User, person: User, choices: Mapping[tuple[str, str], bool]) -> int:
    """Record how `person` wants each kind (or "*": every kind) on each channel; a channel their
    school does not allow them cannot be turned on. Return how many choices were saved."""
    if not can_change_preferences(actor, person):
        raise PermissionDenied
    kinds = declared_kinds()
    roles = roles_of([person.pk]).get(person.pk, set())
    policies = policies_for({school for school, _profile in roles})
    now = timezone.now()
    for (code, channel), enabled in choices.items():
        if code != ANY_KIND and code not in kinds:
            raise ValidationError(_("Unknown kind of notification."), code="kind")
        if channel not in CHANNELS:
            raise ValidationError(_("Unknown channel."), code="channel")
        if enabled:
            _check_channel(person, channel, roles, policies, kinds.get(code))
        ChannelPreference.objects.update_or_create(
            person=person,
            kind=code,
            channel=channel,
            defaults={"is_enabled": enabled, "updated_at": now},
        )
    if choices:
        changed = [f"{code}:{channel}:{int(on)}" for (code, channel), on in choices.items()]
        record(
            actor=actor,
            action="notifications.preferences.change",
            target=person,
            data={"choices": sorted(changed)},
        )
    return len(choices)


def _check_channel(
    person: User,
    channel: str,
    roles: Collection[tuple[int, str]],
    policies: Mapping[tuple[int, str], frozenset[str]],
    kind: NotificationKind | None,
) -> None:
    if not is_allowed(channel, roles=roles, policies=policies, kind=kind):
        raise ChannelForbidden(_("Your school does not offer this channel to you."))
    if channel == SMS and not person.phone_mobile:
        raise ValidationError(_("SMS needs a mobile phone number."), code="no_phone")
    if channel in (EMAIL, DIGEST) and not person.email:
        raise ValidationError(_("E-mail needs an e-mail address."), code="no_email")
    if channel == PUSH and not push.is_configured():
        raise ValidationError(
            _("Mobile notifications are not available on this ENT."), code="not_configured"
        )


@transaction.atomic
def set_channel_policy(
    *, actor: User, school: School, channel: str, profiles: Collection[str]
) -> SchoolChannelPolicy:
    """Choose which profiles of `school` a channel may reach (none: the channel is forbidden)."""
    if not can_set_channel_policy(actor, school):
        raise PermissionDenied
    if channel == APP or channel not in CHANNELS:
        raise ValidationError(_("This channel is not governed by the school."), code="channel")
    if not set(profiles) <= PROFILES:
        raise ValidationError(_("Unknown profile."), code="profile")
    policy, _created = SchoolChannelPolicy.objects.update_or_create(
        school=school,
        channel=channel,
        defaults={"allowed_profiles": sorted(set(profiles)), "updated_at": timezone.now()},
    )
    record(
        actor=actor,
        action="notifications.policy.change",
        target=school,
        data={"channel": channel, "profiles": policy.allowed_profiles},
    )
    return policy


# Alerts -------------------------------------------------------------------------------------


@transaction.atomic
def send_school_alert(
    *,
    actor: User,
    school: School,
    audiences: Collection[str],
    title: str,
    body: str,
    school_class: SchoolClass | None = None,
) -> int:
    """Alert the chosen people of a school (or of one of its classes); return how many."""
    if not can_send_alert(actor, school):
        raise PermissionDenied
    if not audiences or not set(audiences) <= set(AUDIENCES):
        raise ValidationError(_("Choose who receives the alert."), code="audiences")
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationError(_("The class is not in this school."), code="school_class")
    recipients = alert_recipients(school=school, audiences=audiences, school_class=school_class)
    event = Event(kind=ALERT_KIND, title=title, body=body, school_id=school.pk)
    count = notify(recipients=recipients, event=event)
    record(
        actor=actor,
        action="notifications.alert.send",
        target=school,
        data={
            "audiences": sorted(audiences),
            "class": school_class.pk if school_class else None,
            "count": count,
        },
    )
    return count


# Web push -----------------------------------------------------------------------------------


@transaction.atomic
def subscribe_push(*, actor: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Remember a device's push subscription for the actor (a device signed in anew moves to
    its new owner)."""
    if not endpoint.startswith("https://"):
        raise ValidationError(_("A push endpoint is an https address."), code="endpoint")
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"person": actor, "p256dh": p256dh, "auth": auth, "created_at": timezone.now()},
    )
    return subscription


@transaction.atomic
def unsubscribe_push(*, actor: User, endpoint: str) -> bool:
    """Forget one of the actor's push subscriptions; tell whether it existed."""
    deleted, _rows = PushSubscription.objects.filter(person=actor, endpoint=endpoint).delete()
    return bool(deleted)
