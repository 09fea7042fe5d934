"""The address book API: people to pick, recipients, one's own book (UTI-IDO-CAD-01)."""

from __future__ import annotations

import pytest

from ent.addressbook.models import Contact
from ent.directory.models import Profile
from ent.rights.actions import revoke_grant
from ent.rights.models import ServiceGrant

from .factories import contact_of

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/addressbook/people"
RECIPIENTS = "/api/v1/addressbook/recipients"
CONTACTS = "/api/v1/addressbook/contacts"


def test_the_api_answers_401_to_strangers_and_403_without_the_grant(client, world):
    for url in (PEOPLE, RECIPIENTS, CONTACTS):
        response = client.get(url)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
    for grant in ServiceGrant.objects.filter(service="addressbook", profile=Profile.ELV):
        revoke_grant(actor=None, grant=grant)
    client.force_login(world.cast.pupil)
    for url in (PEOPLE, RECIPIENTS, CONTACTS):
        assert client.get(url).status_code == 403


@pytest.mark.sdet("UTI-IDO-CAD-01", "UTI-IDO-PBL-01")
def test_people_are_searched_within_the_rules_with_minimal_fields(client, world):
    cast = world.cast
    cast.teacher.email = "agnes@example.org"
    cast.teacher.save()
    client.force_login(cast.pupil)
    body = client.get(PEOPLE, {"q": "dupont"}).json()
    assert body == [
        {
            "uuid": str(cast.teacher.uuid),
            "display_name": "Agnès Dupont",
            "first_name": "Agnès",
            "last_name": "Dupont",
        }
    ]
    assert client.get(PEOPLE, {"q": "tom"}).json() == []
    assert client.get(PEOPLE, {"limit": 500}).status_code == 422
    # PostgreSQL refuses NUL in a query: a 422 on both engines, never a 500.
    assert client.get(PEOPLE, {"q": "dup\x00"}).status_code == 422
    client.force_login(cast.outsider)
    assert client.get(PEOPLE, {"q": "petit"}).json() == []


@pytest.mark.sdet("UTI-IDO-CAD-01")
def test_recipients_are_people_one_may_write_to(client, world):
    client.force_login(world.cast.pupil)
    names = [item["display_name"] for item in client.get(RECIPIENTS, {"limit": 50}).json()]
    assert "Agnès Dupont" in names
    assert "Léa Petit" not in names
    assert "Tom" not in " ".join(names)


@pytest.mark.sdet("UTI-IDO-CAD-01", "UTI-IDO-CAD-02")
def test_contacts_are_the_callers_own_book_with_what_people_share_now(client, world):
    cast = world.cast
    cast.teacher.email = "agnes@example.org"
    cast.teacher.phone_mobile = "06 12 34 56 78"
    cast.teacher.save()
    Contact.objects.create(owner=cast.pupil, person=cast.teacher, note="Prof principale")
    contact_of(cast.pupil, phone_home="01 02 03 04 05")
    contact_of(cast.teacher, last_name="Autre")
    client.force_login(cast.pupil)
    body = client.get(CONTACTS).json()
    assert [item["display_name"] for item in body] == ["Agnès Dupont", "Jean Martin"]
    assert body[0]["person_uuid"] == str(cast.teacher.uuid)
    assert body[0]["emails"] == ["agnes@example.org"]
    assert body[0]["phones"] == []  # her mobile is hers
    assert body[0]["note"] == "Prof principale"
    assert body[1]["phones"] == ["01 02 03 04 05"]
    assert client.get(CONTACTS, {"page": 2}).json() == []
    # A page past a 64-bit offset is refused as input, not left to the database.
    response = client.get(CONTACTS, {"page": 2**63})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "page"
