"""Items of news and alerts for the tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ent.announcements.actions import (
    Draft,
    validate_announcement,
    write_announcement,
)
from ent.announcements.models import Announcement
from ent.directory.models import School, User


def draft(**fields: Any) -> Draft:
    """Return a draft for the whole community, shown for three days."""
    values: dict[str, Any] = {
        "title": "Fermeture du CDI jeudi",
        "body": "<p>Le CDI sera fermé jeudi.</p>",
        "ends_at": timezone.now() + timedelta(days=3),
        "whole_community": True,
    }
    return Draft(**(values | fields))


def published(author: User, head: User, school: School, **fields: Any) -> Announcement:
    """Write, submit and validate an item."""
    item = write_announcement(actor=author, school=school, draft=draft(**fields), submit=True)
    return validate_announcement(actor=head, announcement=item)
