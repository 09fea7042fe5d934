from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from ent.directory.models import Enrolment, Subject, TeachingGroup
from ent.directory.testing import Cast
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import World, build_world

SAMPLES = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True)
class Timetabled:
    """The rights tests' world, with the subjects, the group and the STS id the samples use."""

    world: World
    group: TeachingGroup

    @property
    def cast(self) -> Cast:
        return self.world.cast


@pytest.fixture
def grants(db):
    """The services' default grants: ELV/TUT/ENS/DOC/EVS read, DIR/ETA manage."""
    install_default_grants(actor=None)


@pytest.fixture
def tt(cast, grants) -> Timetabled:
    world = build_world(cast)
    for code, label in (
        ("061300", "MATHEMATIQUES"),
        ("040300", "HISTOIRE-GEOGRAPHIE"),
        ("030602", "ESPAGNOL LV2"),
        ("030201", "ANGLAIS LV1"),
    ):
        Subject.objects.create(code=code, label=label)
    group = TeachingGroup.objects.create(school=cast.school, code="3A-ESP", label="3eA espagnol")
    Enrolment.objects.create(pupil=cast.pupil, teaching_group=group)
    cast.teacher.extra = {"ENTPersonSTSId": "1001"}
    cast.teacher.save(update_fields=["extra"])
    return Timetabled(world, group)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def before_term():
    """The clock on 25 August 2026, before the samples' first week."""
    with time_machine.travel(datetime(2026, 8, 25, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller
