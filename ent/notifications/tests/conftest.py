from __future__ import annotations

import json
from pathlib import Path

import pytest

from ent.directory.models import Enrolment
from ent.rights.actions import install_default_grants


@pytest.fixture
def grants(db):
    """The services' default grants (the head and the school admin manage their school)."""
    install_default_grants(actor=None)


@pytest.fixture
def sms_outbox(settings, tmp_path) -> Path:
    """Send SMS through the file gateway into a temporary data folder; return the outbox."""
    settings.ENT_SMS_BACKEND = "file"
    settings.DATA_DIR = tmp_path
    return tmp_path / "sms" / "outbox.jsonl"


def read_outbox(path: Path) -> list[dict[str, str]]:
    """Return the messages the file gateway wrote."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def enrolled(cast):
    """Léa in 3eA, with a phone and an address, as her guardian Paul."""
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    for person, phone in ((cast.pupil, "06 00 00 00 11"), (cast.guardian, "06 12 34 56 78")):
        person.phone_mobile = phone
        person.email = f"{person.login}@example.test"
        person.save(update_fields=["phone_mobile", "email"])
    return cast
