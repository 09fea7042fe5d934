"""The address book's REST endpoints: people to pick, and one's own book (UTI-IDO-CAD-01)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ent.rights.decorators import ServiceAuth
from ent.rights.queries import rights_of

from . import queries
from .actions import MAX_CONTACTS
from .queries import SERVICE

router = Router(tags=["addressbook"], auth=ServiceAuth(SERVICE))
# No NUL character: PostgreSQL refuses it in a query (a 500); the HTML forms refuse it too.
NO_NUL = r"^[^\x00]*$"


class PersonOut(Schema):
    uuid: UUID
    display_name: str
    first_name: str
    last_name: str


class ContactOut(Schema):
    id: int
    person_uuid: UUID | None
    display_name: str
    function: str
    organisation: str
    emails: list[str]
    phones: list[str]
    note: str


class PickerQuery(Schema):
    q: str = Field("", max_length=100, pattern=NO_NUL)
    limit: int = Field(20, ge=1, le=queries.PICKER_LIMIT)


class PageQuery(Schema):
    # A book holds at most MAX_CONTACTS entries; a larger page would overflow the OFFSET.
    page: int = Field(1, ge=1, le=MAX_CONTACTS)


@router.get("/people", response=list[PersonOut])
def people(request: HttpRequest, params: Query[PickerQuery]) -> list[PersonOut]:
    """People the caller may see in the directory whose name matches `q`."""
    scope = queries.directory_scope(request.auth, rights_of(request))  # type: ignore[attr-defined]  # attr-defined: ServiceAuth sets auth
    found = queries.find_people(scope, params.q, params.limit)
    return [PersonOut.model_validate(person, from_attributes=True) for person in found]


@router.get("/recipients", response=list[PersonOut])
def recipients(request: HttpRequest, params: Query[PickerQuery]) -> list[PersonOut]:
    """People the caller may write to whose name matches `q` (UTI-CCO-CEL-05)."""
    found = queries.recipient_candidates(request.auth, params.q, params.limit)  # type: ignore[attr-defined]  # attr-defined: ServiceAuth sets auth
    return [PersonOut.model_validate(person, from_attributes=True) for person in found]


@router.get("/contacts", response=list[ContactOut])
def contacts(request: HttpRequest, params: Query[PageQuery]) -> list[ContactOut]:
    """The caller's address book, directory people with what they show the caller now."""
    scope = queries.directory_scope(request.auth, rights_of(request))  # type: ignore[attr-defined]  # attr-defined: ServiceAuth sets auth
    size = queries.BOOK_PAGE_SIZE
    page = queries.book(scope.viewer)[(params.page - 1) * size : params.page * size]
    return [
        ContactOut(
            id=entry.contact.pk,
            person_uuid=entry.contact.person.uuid if entry.contact.person else None,
            display_name=entry.name,
            function=entry.function,
            organisation=entry.organisation,
            emails=[entry.values[n] for n in ("email", "email_other") if entry.values.get(n)],
            phones=[entry.values[n] for _k, n in queries.PHONES if entry.values.get(n)],
            note=entry.contact.note,
        )
        for entry in queries.book_entries(scope, list(page))
    ]
