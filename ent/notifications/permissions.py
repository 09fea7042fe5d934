"""Who may do what with notifications: pure predicates, no writes."""

from __future__ import annotations

from ent.directory.models import School, User
from ent.rights.queries import has_service
from ent.rights.registry import Level

from .models import Notification


def can_send_alert(user: User, school: School) -> bool:
    """Tell whether `user` may alert the people of `school` (its administration)."""
    return has_service(user, "school_admin", school=school, level=Level.MANAGE)


def can_set_channel_policy(user: User, school: School) -> bool:
    """Tell whether `user` may choose which channels reach which profiles in `school`."""
    return has_service(user, "school_admin", school=school, level=Level.MANAGE)


def can_read_notification(user: User, notification: Notification) -> bool:
    """Tell whether `user` may read (and mark read) `notification`: only its recipient."""
    return user.is_authenticated and notification.recipient_id == user.pk


def can_change_preferences(user: User, person: User) -> bool:
    """Tell whether `user` may change how `person` is notified: only themselves."""
    return user.is_authenticated and user.pk == person.pk
