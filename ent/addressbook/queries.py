"""Reads of the white pages and the address book: everything starts from `visible_people`.

Nobody is read from the directory except through `ent.rights.communication.visible_people`
(or `writable_people` for recipients), narrowed to the schools where the viewer holds the
service (SOC-SEC-AUT-02). Pages read in a fixed number of queries whatever the number of
people or schools.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext as _

from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.communication import (
    WORKING_PROFILES,
    detail_audiences,
    visible_details,
    visible_details_many,
    visible_people,
    writable_people,
)
from ent.rights.models import DetailField
from ent.rights.queries import Rights, effective_rights

from .ldif import Entry
from .models import Contact, Presentation, contact_label
from .vcard import Card

SERVICE = "addressbook"
PAGE_SIZE = 25
BOOK_PAGE_SIZE = 50
# A vCard of a search result holds at most this many people; past it, narrow the search.
EXPORT_LIMIT = 500
PICKER_LIMIT = 50
NAME_WORDS = 5
PHONES = (("work", "phone_work"), ("cell", "phone_mobile"), ("home", "phone_home"))
# The contact fields an entry shows, in order; a directory person's details share their names.
CONTACT_DETAILS = ("email", "email_other", "phone_work", "phone_mobile", "phone_home", "address")


@dataclass(frozen=True)
class Scope:
    """Where the viewer uses the directory: their schools holding the service, and their role."""

    viewer: User
    rights: Rights
    schools: tuple[School, ...]
    # Schools where the viewer works (staff, teachers): they see its classes.
    working: frozenset[int]
    # Schools where the service is granted; None: everywhere.
    allowed: frozenset[int] | None

    @property
    def school_ids(self) -> frozenset[int]:
        """Return the primary keys of the viewer's schools."""
        return frozenset(school.pk for school in self.schools)


@dataclass(frozen=True)
class Criteria:
    """What the white pages search for (UTI-IDO-PBL-06); empty values match everyone."""

    name: str = ""
    school: int | None = None
    school_class: int | None = None
    teaching_group: int | None = None
    subject: str = ""
    profile: str = ""


@dataclass(frozen=True)
class Choices:
    """The values the search form offers: the viewer's schools and what is in them."""

    schools: list[tuple[int, str]]
    classes: list[tuple[int, str]]
    groups: list[tuple[int, str]]
    subjects: list[tuple[str, str]]


@dataclass(frozen=True)
class RoleLine:
    """A person's profile in one of the viewer's schools."""

    profile: str
    school: str
    functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonRow:
    """What anyone who may see a person reads of them: name, roles, classes, subjects."""

    person: User
    roles: tuple[RoleLine, ...]
    classes: tuple[str, ...]
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class PersonCard:
    """The person page: the public row, the details the viewer may read, their own words."""

    row: PersonRow
    details: list[tuple[str, Any]]
    about: str
    contact: Contact | None


@dataclass(frozen=True)
class BookEntry:
    """One entry of an address book as its owner reads it now."""

    contact: Contact
    name: str
    function: str
    organisation: str
    # Field name → value: the contact's own fields, or what the person shows the owner now.
    values: dict[str, Any]
    is_linked: bool
    is_visible: bool

    @property
    def details(self) -> list[tuple[str, Any]]:
        """Return the values as (label, value) pairs, empty ones left out."""
        return [
            (contact_label(name), self.values[name])
            for name in CONTACT_DETAILS
            if self.values.get(name)
        ]


@dataclass(frozen=True)
class Division:
    """A class or teaching group whose address book the viewer reads (UTI-IDO-CAD-06)."""

    kind: str
    pk: int
    label: str
    school: str


# ---------------------------------------------------------------------------------------------
# Scope and people


def _children(viewer: User) -> QuerySet[Guardianship]:
    return Guardianship.objects.filter(guardian=viewer, has_legal_authority=True)


def directory_scope(viewer: User, rights: Rights | None = None) -> Scope:
    """Return the viewer's schools where they hold the service, and where they work (1 query)."""
    rights = rights or effective_rights(viewer)
    granted = rights.school_ids(SERVICE)
    allowed = None if granted is None else frozenset(granted)
    role_schools = {role.school_id for role in rights.roles}
    if allowed is not None:
        role_schools &= allowed
    schools = tuple(School.objects.filter(pk__in=role_schools).order_by("name", "pk"))
    working = frozenset(
        role.school_id
        for role in rights.roles
        if role.profile in WORKING_PROFILES and role.school_id in role_schools
    )
    return Scope(viewer, rights, schools, working, allowed)


def directory_people(viewer: User, *, rights: Rights | None = None) -> QuerySet[User]:
    """Return the people `viewer` may look up: the communication rules, where the service is."""
    people = visible_people(viewer)
    if not viewer.is_authenticated:
        return people
    allowed = (rights or effective_rights(viewer)).school_ids(SERVICE)
    if allowed is None:
        return people
    # SOC-SEC-AUT-02: a role whose school lacks the service opens nobody there; the family
    # stays, whatever school its members belong to.
    family = Guardianship.objects.filter(Q(pupil=viewer) | Q(guardian=viewer))
    return people.filter(
        Q(pk=viewer.pk)
        | Q(pk__in=Membership.objects.current().filter(school__in=allowed).values("person"))
        | Q(pk__in=family.values("guardian"))
        | Q(pk__in=family.values("pupil"))
    )


def _name_filter(people: QuerySet[User], text: str) -> QuerySet[User]:
    for word in text.split()[:NAME_WORDS]:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return people


def _by_name(people: QuerySet[User]) -> QuerySet[User]:
    return people.order_by(Lower("last_name"), Lower("first_name"), "pk")


def _visible_classes(scope: Scope) -> QuerySet[SchoolClass]:
    """Classes the viewer may name: all in the schools where they work, else their own."""
    own = Enrolment.objects.filter(
        Q(pupil=scope.viewer) | Q(pupil__in=_children(scope.viewer).values("pupil"))
    )
    return SchoolClass.objects.filter(school__in=scope.school_ids).filter(
        Q(school__in=scope.working) | Q(pk__in=own.values("school_class"))
    )


def _visible_groups(scope: Scope) -> QuerySet[TeachingGroup]:
    own = Enrolment.objects.filter(
        Q(pupil=scope.viewer) | Q(pupil__in=_children(scope.viewer).values("pupil"))
    )
    return TeachingGroup.objects.filter(school__in=scope.school_ids).filter(
        Q(school__in=scope.working) | Q(pk__in=own.values("teaching_group"))
    )


def search_choices(scope: Scope) -> Choices:
    """Return the schools, classes, groups and subjects the viewer may search by (3 queries)."""
    many = len(scope.schools) > 1
    names = {school.pk: school.name for school in scope.schools}

    def label(division: SchoolClass | TeachingGroup) -> str:
        text = str(division)
        return f"{text} ({names[division.school_id]})" if many else text

    classes = _visible_classes(scope).order_by("school__name", "code")
    groups = _visible_groups(scope).order_by("school__name", "code")
    subjects = (
        TeachingAssignment.objects.filter(
            Q(school_class__in=_visible_classes(scope))
            | Q(teaching_group__in=_visible_groups(scope))
        )
        .exclude(subject_code="")
        .values_list("subject_code", "subject__label")
        .distinct()
        .order_by("subject_code")
    )
    return Choices(
        schools=[(school.pk, school.name) for school in scope.schools],
        classes=[(item.pk, label(item)) for item in classes],
        groups=[(item.pk, label(item)) for item in groups],
        subjects=sorted({code: label or code for code, label in subjects}.items()),
    )


def search_people(scope: Scope, criteria: Criteria) -> QuerySet[User]:
    """Return the people the viewer may see who match every criterion, by name."""
    people = _name_filter(directory_people(scope.viewer, rights=scope.rights), criteria.name)
    schools = [criteria.school] if criteria.school else scope.school_ids
    members = Membership.objects.current().filter(school__in=schools)
    if criteria.school:
        people = people.filter(pk__in=members.values("person"))
    if criteria.profile:
        people = people.filter(pk__in=members.filter(profile=criteria.profile).values("person"))
    if criteria.school_class:
        division = criteria.school_class
        people = people.filter(
            Q(pk__in=Enrolment.objects.filter(school_class=division).values("pupil"))
            | Q(pk__in=TeachingAssignment.objects.filter(school_class=division).values("teacher"))
            | Q(pk__in=HeadTeacher.objects.filter(school_class=division).values("teacher"))
        )
    if criteria.teaching_group:
        group = criteria.teaching_group
        people = people.filter(
            Q(pk__in=Enrolment.objects.filter(teaching_group=group).values("pupil"))
            | Q(pk__in=TeachingAssignment.objects.filter(teaching_group=group).values("teacher"))
        )
    if criteria.subject:
        taught = TeachingAssignment.objects.filter(
            Q(school_class__school__in=schools) | Q(teaching_group__school__in=schools),
            subject_code=criteria.subject,
        )
        people = people.filter(pk__in=taught.values("teacher"))
    return _by_name(people)


def with_public_rows(people: QuerySet[User], scope: Scope) -> QuerySet[User]:
    """Prefetch what `public_row` reads: roles, shown classes, subjects (3 queries per page)."""
    ids = scope.school_ids
    return people.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.current()
            .filter(school__in=ids)
            .select_related("school")
            .order_by("school__name", "profile"),
            to_attr="shown_memberships",
        ),
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.filter(school_class__in=_visible_classes(scope))
            .select_related("school_class")
            .order_by("school_class__code"),
            to_attr="shown_enrolments",
        ),
        Prefetch(
            "assignments",
            queryset=TeachingAssignment.objects.filter(
                Q(school_class__school__in=ids) | Q(teaching_group__school__in=ids)
            )
            .select_related("subject")
            .order_by("subject_code"),
            to_attr="shown_assignments",
        ),
    )


def public_row(person: User) -> PersonRow:
    """Return the public part of a person prefetched by `with_public_rows` (no query)."""
    memberships: list[Membership] = getattr(person, "shown_memberships", [])
    enrolments: list[Enrolment] = getattr(person, "shown_enrolments", [])
    assignments: list[TeachingAssignment] = getattr(person, "shown_assignments", [])
    roles = tuple(
        RoleLine(
            str(Profile(membership.profile).label),
            membership.school.name,
            tuple(
                str(function.get("label", "")).capitalize()
                for function in membership.functions or []
                if isinstance(function, dict) and function.get("label")
            ),
        )
        for membership in memberships
    )
    subjects = dict.fromkeys(
        item.subject.label if item.subject else item.subject_code
        for item in assignments
        if item.subject_code or item.subject
    )
    classes = tuple(str(e.school_class) for e in enrolments if e.school_class is not None)
    return PersonRow(person, roles, classes, tuple(subjects))


def people_rows(people: Iterable[User]) -> list[PersonRow]:
    """Return the rows of people prefetched by `with_public_rows`."""
    return [public_row(person) for person in people]


# ---------------------------------------------------------------------------------------------
# Details


def labelled(details: dict[str, Any]) -> list[tuple[str, Any]]:
    """Return details as (label, value) pairs in the order of DetailField."""
    return [
        (str(label), details[name])
        for name, label in DetailField.choices
        if details.get(name) not in (None, "")
    ]


def person_card(scope: Scope, person: User) -> PersonCard:
    """Return the person page of someone the viewer may see (CAD-02: visible details only)."""
    prefetched = with_public_rows(User.objects.filter(pk=person.pk), scope).get()
    presentation = Presentation.objects.filter(person=person).first()
    contact = Contact.objects.visible_to(scope.viewer).filter(person=person).first()
    return PersonCard(
        row=public_row(prefetched),
        details=labelled(visible_details(scope.viewer, person)),
        about=presentation.about if presentation else "",
        contact=contact,
    )


def my_details(person: User) -> dict[str, Any]:
    """Return the person's details, their audiences and their presentation, for their form."""
    presentation = Presentation.objects.filter(person=person).first()
    return {
        "audiences": detail_audiences(person),
        "values": {name: getattr(person, name) for name in DetailField.values},
        "about": presentation.about if presentation else "",
    }


# ---------------------------------------------------------------------------------------------
# Address books


def book(owner: User) -> QuerySet[Contact]:
    """Return the owner's entries by name, directory people by their current name."""
    return (
        Contact.objects.visible_to(owner)
        .select_related("person")
        .order_by(
            Lower(Coalesce(NullIf("last_name", Value("")), "person__last_name")),
            Lower(Coalesce(NullIf("first_name", Value("")), "person__first_name")),
            "pk",
        )
    )


def book_entries(scope: Scope, contacts: Sequence[Contact]) -> list[BookEntry]:
    """Return entries with the live, visible details of directory people (constant queries)."""
    linked = [contact.person for contact in contacts if contact.person is not None]
    details = visible_details_many(scope.viewer, linked)
    people = with_public_rows(User.objects.filter(pk__in=[p.pk for p in linked]), scope)
    rows = {person.pk: public_row(person) for person in people} if linked else {}
    entries = []
    for contact in contacts:
        person = contact.person
        if person is None:
            values = {name: getattr(contact, name) for name in CONTACT_DETAILS}
            entries.append(
                BookEntry(
                    contact,
                    contact.display_name,
                    contact.function,
                    contact.organisation,
                    values,
                    is_linked=False,
                    is_visible=True,
                )
            )
            continue
        visible = person.pk in details
        roles = rows[person.pk].roles if visible else ()
        entries.append(
            BookEntry(
                contact,
                person.display_name if person.purged_at is None else _("Former member"),
                ", ".join(dict.fromkeys(role.profile for role in roles)),
                ", ".join(dict.fromkeys(role.school for role in roles)),
                details.get(person.pk, {}),
                is_linked=True,
                is_visible=visible,
            )
        )
    return entries


def _involving(viewer: User) -> tuple[Q, Q]:
    """Return the conditions on classes and on groups the viewer belongs to (or their children)."""
    pupils = Q(pupil=viewer) | Q(pupil__in=_children(viewer).values("pupil"))
    enrolled = Enrolment.objects.filter(pupils)
    taught = TeachingAssignment.objects.filter(teacher=viewer)
    classes = (
        Q(pk__in=enrolled.values("school_class"))
        | Q(pk__in=taught.values("school_class"))
        | Q(pk__in=HeadTeacher.objects.filter(teacher=viewer).values("school_class"))
    )
    groups = Q(pk__in=enrolled.values("teaching_group")) | Q(pk__in=taught.values("teaching_group"))
    return classes, groups


def my_classes(scope: Scope) -> QuerySet[SchoolClass]:
    """Return the classes the viewer learns or teaches in, or their children learn in."""
    classes, _groups = _involving(scope.viewer)
    return SchoolClass.objects.filter(classes, school__in=scope.school_ids)


def my_groups(scope: Scope) -> QuerySet[TeachingGroup]:
    """Return the teaching groups the viewer learns or teaches in, or their children learn in."""
    _classes, groups = _involving(scope.viewer)
    return TeachingGroup.objects.filter(groups, school__in=scope.school_ids)


def divisions(scope: Scope) -> list[Division]:
    """Return the classes and groups whose address book the viewer reads (2 queries)."""
    found = [
        Division("class", item.pk, str(item), item.school.name)
        for item in my_classes(scope).select_related("school").order_by("school__name", "code")
    ]
    found += [
        Division("group", item.pk, str(item), item.school.name)
        for item in my_groups(scope).select_related("school").order_by("school__name", "code")
    ]
    return found


def division_members(scope: Scope, division: SchoolClass | TeachingGroup) -> QuerySet[User]:
    """Return the members of a class or group the viewer may see: pupils and teachers."""
    people = directory_people(scope.viewer, rights=scope.rights)
    if isinstance(division, SchoolClass):
        members = (
            Q(pk__in=Enrolment.objects.filter(school_class=division).values("pupil"))
            | Q(pk__in=TeachingAssignment.objects.filter(school_class=division).values("teacher"))
            | Q(pk__in=HeadTeacher.objects.filter(school_class=division).values("teacher"))
        )
    else:
        members = Q(pk__in=Enrolment.objects.filter(teaching_group=division).values("pupil")) | Q(
            pk__in=TeachingAssignment.objects.filter(teaching_group=division).values("teacher")
        )
    return _by_name(people.filter(members))


def recipient_candidates(person: User, text: str, limit: int = 20) -> list[User]:
    """Return people `person` may write to whose name matches `text` (UTI-CCO-CEL-05 pickers)."""
    people = _name_filter(writable_people(person).exclude(pk=person.pk), text)
    return list(_by_name(people)[: max(1, min(limit, PICKER_LIMIT))])


def find_people(scope: Scope, text: str, limit: int = 20) -> list[User]:
    """Return people the viewer may see whose name matches `text`, for pickers and the API."""
    people = _name_filter(directory_people(scope.viewer, rights=scope.rights), text)
    return list(_by_name(people)[: max(1, min(limit, PICKER_LIMIT))])


# ---------------------------------------------------------------------------------------------
# Exports


def _card_of_person(row: PersonRow, details: dict[str, Any]) -> Card:
    person = row.person
    birth = details.get("birth_date")
    return Card(
        full_name=person.display_name,
        last_name=person.last_name,
        first_name=person.first_name,
        organisation=", ".join(dict.fromkeys(role.school for role in row.roles)),
        title=", ".join(dict.fromkeys(role.profile for role in row.roles)),
        emails=(("work", details["email"]),) if details.get("email") else (),
        phones=tuple((kind, details[name]) for kind, name in PHONES if details.get(name)),
        address=details.get("address", ""),
        birth_date=birth.isoformat() if birth else "",
        uid=f"urn:uuid:{person.uuid}",
    )


def people_cards(scope: Scope, people: QuerySet[User]) -> list[Card]:
    """Return vCards of people the viewer sees, with only the details shown to them."""
    persons = list(with_public_rows(people, scope))
    details = visible_details_many(scope.viewer, persons)
    return [_card_of_person(public_row(p), details.get(p.pk, {})) for p in persons]


def book_cards(scope: Scope) -> list[Card]:
    """Return the owner's address book as vCards, directory people as they are now."""
    cards = []
    for entry in book_entries(scope, list(book(scope.viewer))):
        contact, person = entry.contact, entry.contact.person
        if person is None:
            cards.append(_card_of_contact(contact))
            continue
        values = entry.values
        cards.append(
            Card(
                full_name=entry.name,
                last_name=person.last_name if entry.is_visible else "",
                first_name=person.first_name if entry.is_visible else "",
                organisation=entry.organisation,
                title=entry.function,
                emails=(("work", values["email"]),) if values.get("email") else (),
                phones=tuple((kind, values[name]) for kind, name in PHONES if values.get(name)),
                address=values.get("address", ""),
                note=contact.note,
                uid=f"urn:uuid:{person.uuid}",
            )
        )
    return cards


def _card_of_contact(contact: Contact) -> Card:
    return Card(
        full_name=contact.display_name,
        last_name=contact.last_name,
        first_name=contact.first_name,
        organisation=contact.organisation,
        title=contact.function,
        emails=tuple(("", value) for value in (contact.email, contact.email_other) if value),
        phones=tuple(
            (kind, getattr(contact, name)) for kind, name in PHONES if getattr(contact, name)
        ),
        address=contact.address,
        note=contact.note,
        uid=f"urn:ent:contact:{contact.pk}",
    )


def ldif_entries(cards: Iterable[Card], base: str) -> list[Entry]:
    """Return inetOrgPerson entries for vCards, under the `base` DN."""
    entries: list[Entry] = []
    for card in cards:
        key = card.uid.rsplit(":", 1)[-1]
        phones = dict(reversed(card.phones))
        entries.append(
            (
                f"uid={key},{base}",
                [
                    ("uid", key),
                    ("cn", card.display_name),
                    ("sn", card.last_name or card.display_name),
                    ("givenName", card.first_name),
                    ("o", card.organisation),
                    ("title", card.title),
                    *(("mail", value) for _kind, value in card.emails),
                    ("telephoneNumber", phones.get("work", "")),
                    ("mobile", phones.get("cell", "")),
                    ("homePhone", phones.get("home", "")),
                    ("postalAddress", card.address.replace("\n", " $ ")),
                    ("description", card.note),
                ],
            )
        )
    return entries


def school_people(scope: Scope, school: School) -> QuerySet[User]:
    """Return the people of `school` the viewer may see, by name, for its export."""
    members = Membership.objects.current().filter(school=school).values("person")
    return _by_name(directory_people(scope.viewer, rights=scope.rights).filter(pk__in=members))
