"""Every change of the address book and of one's own directory card; each one audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.directory.models import User
from ent.rights.actions import set_detail_visibility
from ent.rights.communication import detail_audiences, may_see, visible_people

from .models import Contact, Presentation, contact_label
from .permissions import can_edit_contact
from .vcard import Card, VCardError, parse_cards

MAX_CONTACTS = 5000
MAX_IMPORT_BYTES = 1 << 20  # 1 MB
MAX_IMPORT_CARDS = 2000
ABOUT_LENGTH = 500
FREE_FIELDS = (
    "first_name",
    "last_name",
    "function",
    "organisation",
    "email",
    "email_other",
    "phone_work",
    "phone_mobile",
    "phone_home",
    "address",
    "note",
)


class ContactRefused(PermissionDenied):
    """The actor may not touch this entry, or may not see this person."""


def _check_room(owner: User, adding: int) -> None:
    if Contact.objects.visible_to(owner).count() + adding > MAX_CONTACTS:
        raise ValidationError(
            _("An address book holds at most %(count)d entries.") % {"count": MAX_CONTACTS},
            code="full",
        )


def _validate(contact: Contact) -> None:
    if not (contact.person_id or contact.first_name or contact.last_name or contact.organisation):
        raise ValidationError(_("Give a name or an organisation."), code="name")
    contact.full_clean(exclude=["owner", "person"], validate_constraints=False)


@transaction.atomic
def set_my_details(*, actor: User, audiences: Mapping[str, str], about: str) -> None:
    """Choose who sees each of one's details (UTI-IDO-PBL-04) and write one's presentation."""
    current = detail_audiences(actor)
    for name, audience in sorted(audiences.items()):
        if current.get(name) != audience:
            set_detail_visibility(actor=actor, field=name, audience=audience)
    about = about.strip()
    if len(about) > ABOUT_LENGTH:
        raise ValidationError(
            _("Write at most %(count)d characters.") % {"count": ABOUT_LENGTH}, code="about"
        )
    presentation = Presentation.objects.filter(person=actor).first()
    if (presentation.about if presentation else "") != about:
        Presentation.objects.update_or_create(
            person=actor, defaults={"about": about, "updated_at": timezone.now()}
        )
        record(actor=actor, action="addressbook.presentation.change", target=actor)


@transaction.atomic
def add_contact(*, actor: User, **fields: str) -> Contact:
    """Add a free entry (not from the directory) to the actor's address book."""
    unknown = set(fields) - set(FREE_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    _check_room(actor, 1)
    contact = Contact(owner=actor, **fields)
    _validate(contact)
    contact.save()
    record(actor=actor, action="addressbook.contact.add", target=contact)
    return contact


@transaction.atomic
def update_contact(*, actor: User, contact: Contact, changes: Mapping[str, str]) -> Contact:
    """Change an entry; one taken from the directory keeps only the owner's note."""
    if not can_edit_contact(actor, contact):
        raise ContactRefused
    allowed = ("note",) if contact.person_id else FREE_FIELDS
    if set(changes) - set(allowed):
        raise ValidationError(_("An entry from the directory keeps only your note."), code="linked")
    for name, value in changes.items():
        setattr(contact, name, value)
    contact.updated_at = timezone.now()
    _validate(contact)
    contact.save(update_fields=[*changes, "updated_at"])
    record(actor=actor, action="addressbook.contact.change", target=contact)
    return contact


@transaction.atomic
def delete_contact(*, actor: User, contact: Contact) -> None:
    """Remove an entry from the actor's address book."""
    if not can_edit_contact(actor, contact):
        raise ContactRefused
    record(actor=actor, action="addressbook.contact.remove", target=contact)
    contact.delete()


@transaction.atomic
def add_person_to_book(*, actor: User, person: User) -> Contact:
    """Keep a directory person in the actor's book (CAD-03, PBL-05); adding twice is harmless."""
    if person.pk == actor.pk or not may_see(actor, person):
        raise ContactRefused
    existing = Contact.objects.visible_to(actor).filter(person=person).first()
    if existing is not None:
        return existing
    _check_room(actor, 1)
    contact = Contact.objects.create(owner=actor, person=person)
    record(
        actor=actor,
        action="addressbook.contact.add",
        target=contact,
        data={"person": str(person.uuid)},
    )
    return contact


@transaction.atomic
def add_people_to_book(*, actor: User, people: Iterable[User]) -> int:
    """Add the visible ones of `people` missing from the actor's book (CAD-06); return how many."""
    wanted = {person.pk for person in people} - {actor.pk}
    taken = Contact.objects.visible_to(actor).filter(person__in=wanted).values("person")
    new = list(
        visible_people(actor)
        .filter(pk__in=wanted)
        .exclude(pk__in=taken)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not new:
        return 0
    _check_room(actor, len(new))
    Contact.objects.bulk_create([Contact(owner=actor, person_id=pk) for pk in new])
    record(actor=actor, action="addressbook.contact.add_many", data={"count": len(new)})
    return len(new)


def _contact_of(owner: User, card: Card) -> Contact:
    """Turn a card into an entry: two e-mails, three phones (untyped ones fill free slots)."""
    contact = Contact(
        owner=owner,
        first_name=card.first_name,
        last_name=card.last_name or ("" if card.first_name else card.full_name),
        function=card.title,
        organisation=card.organisation,
        address=card.address,
        note=card.note,
    )
    emails = [value for _kind, value in card.emails][:2]
    contact.email, contact.email_other = [*emails, "", ""][:2]
    slots = {"work": "phone_work", "cell": "phone_mobile", "home": "phone_home"}
    loose = []
    for kind, value in card.phones:
        name = slots.get(kind)
        if name and not getattr(contact, name):
            setattr(contact, name, value)
        else:
            loose.append(value)
    for value in loose:
        free = [name for name in slots.values() if not getattr(contact, name)]
        if free:
            setattr(contact, free[0], value)
    return contact


def _checked(owner: User, number: int, card: Card) -> Contact:
    contact = _contact_of(owner, card)
    try:
        _validate(contact)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        label = contact_label(name) if name != "__all__" else ""
        raise ValidationError(
            _("Card %(number)d (%(name)s): %(field)s %(error)s")
            % {
                "number": number,
                "name": card.display_name,
                "field": f"{label}:" if label else "",
                "error": " ".join(messages),
            },
            code="card",
        ) from None
    return contact


@transaction.atomic
def import_contacts(*, actor: User, stream: IO[bytes]) -> int:
    """Import a vCard 3.0/4.0 file into the actor's book: all cards or none (CAD-05)."""
    data = stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(MAX_IMPORT_BYTES)},
            code="size",
        )
    try:
        cards = parse_cards(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text."), code="encoding") from None
    except VCardError as error:
        raise ValidationError(str(error), code="vcard") from None
    if len(cards) > MAX_IMPORT_CARDS:
        raise ValidationError(
            _("The file holds more than %(count)d cards.") % {"count": MAX_IMPORT_CARDS},
            code="count",
        )
    _check_room(actor, len(cards))
    contacts = [_checked(actor, number, card) for number, card in enumerate(cards, start=1)]
    Contact.objects.bulk_create(contacts)
    record(actor=actor, action="addressbook.contact.import", data={"count": len(contacts)})
    return len(contacts)


@transaction.atomic
def erase_person_data(person: User) -> None:
    """Erase what the address book holds about a purged person (SOC-SUP-ABO-01): their own
    book, their presentation and the entries of other books that point at them."""
    Contact.objects.filter(owner=person).delete()
    Contact.objects.filter(person=person).delete()
    Presentation.objects.filter(person=person).delete()
