"""Every change to the directory: feed records applied in lots, deactivation, purge."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, Exists, Field, OuterRef, Subquery
from django.utils import timezone

from ent.audit.actions import Fact, record, record_many
from ent.core.bulk import insert_rows

from .aaf import digest_parts, fold_feeds, join_digests, record_digest, staff_profiles
from .models import (
    Enrolment,
    ExternalId,
    Guardianship,
    HeadTeacher,
    Mef,
    Membership,
    Profile,
    School,
    SchoolClass,
    Source,
    Subject,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from .validators import uai_problem

PERSON_KINDS = {"pupil", "guardian", "staff"}
AAF = Source.AAF.value
ELV = Profile.ELV.value
MEMBERSHIP_FIELDS = ("person_id", "school_id", "profile", "source", "functions")
USER_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "birth_name",
    "other_first_names",
    "birth_date",
    "email",
    "phone_home",
    "phone_mobile",
    "phone_work",
    "address",
    "postal_code",
    "city",
    "country",
    "ine",
    "extra",
)


@dataclass(frozen=True)
class FeedItem:
    """One staged record handed to the directory: what to do to which key."""

    seq: int
    operation: str
    key: str
    payload: dict[str, Any]
    digest: str


@dataclass
class Outcome:
    """What applying a lot did: counts per plan and a diagnostic per troubled record."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # seq -> (severity, reason); severity is REJECTED, PARTIAL or WARNING.
    problems: dict[int, tuple[str, str]] = field(default_factory=dict)

    def problem(self, seq: int, severity: str, reason: str) -> None:
        previous = self.problems.get(seq)
        if previous and previous[0] != "WARNING" and severity == "WARNING":
            return
        text = f"{previous[1]} {reason}" if previous and previous[0] == severity else reason
        self.problems[seq] = (severity, text)


def apply_feed_records(
    *, actor: User | None, run_id: int, kind: str, items: Sequence[FeedItem]
) -> Outcome:
    """Apply one lot of feed records of one kind; the caller holds the transaction."""
    outcome = Outcome()
    if kind == "school":
        _apply_schools(run_id, items, outcome, actor)
    elif kind in {"subject", "mef"}:
        _apply_nomenclature(kind, items, outcome)
    elif kind in PERSON_KINDS:
        _apply_people(run_id, kind, items, outcome, actor)
    else:
        raise ValueError(f"unknown record kind {kind}")
    return outcome


# ---------------------------------------------------------------------------------------------
# Schools and nomenclatures


SCHOOL_FIELDS = (
    "uai",
    "name",
    "degree",
    "kind",
    "academy",
    "lead_key",
    "rpi",
    "street",
    "postal_code",
    "city",
    "phone",
    "email",
)


def _apply_schools(
    run_id: int, items: Sequence[FeedItem], outcome: Outcome, actor: User | None
) -> None:
    facts: list[Fact] = []
    for item in items:
        school = School.objects.filter(joint_key=item.key).first()
        if item.operation == "delete":
            if school is not None and school.is_active:
                school.is_active = False
                school.feed_digest = ""
                school.save(update_fields=["is_active", "feed_digest"])
                facts.append(Fact("directory.school.close", school))
                outcome.counts["DELETE"] += 1
            continue
        values = {name: item.payload[name] for name in SCHOOL_FIELDS if name in item.payload}
        if "uai" in values:
            problem = uai_problem(values["uai"])
            if problem:
                outcome.problem(item.seq, "WARNING", f"UAI {values['uai']}: {problem}.")
            clash = School.objects.filter(uai=values["uai"]).exclude(joint_key=item.key).first()
            if clash is not None:
                outcome.problem(
                    item.seq,
                    "REJECTED",
                    f"UAI {values['uai']} already belongs to structure {clash.joint_key} "
                    f"({clash.name}).",
                )
                continue
        if school is None:
            if item.operation == "modify":
                outcome.problem(
                    item.seq, "REJECTED", f"modifies structure {item.key}, which is unknown."
                )
                continue
            school = School.objects.create(joint_key=item.key, feed_digest=item.digest, **values)
            facts.append(Fact("directory.school.create", school))
            outcome.counts["CREATE"] += 1
        else:
            for name, value in values.items():
                setattr(school, name, value)
            school.is_active = True
            school.feed_digest = item.digest if item.operation == "add" else ""
            school.save()
            facts.append(Fact("directory.school.update", school, {"fields": sorted(values)}))
            outcome.counts["UPDATE"] += 1
        if "classes" in item.payload:
            _sync_school_divisions(school, item.payload["classes"], SchoolClass)
        if "groups" in item.payload:
            _sync_school_divisions(school, item.payload["groups"], TeachingGroup)
    record_many(actor=actor, facts=facts, run_id=run_id)


def _sync_school_divisions(
    school: School, rows: list[list[Any]], model: type[SchoolClass] | type[TeachingGroup]
) -> None:
    """Create the classes or groups a structure record lists; never drop those pupils use."""
    existing = {division.code: division for division in model.objects.filter(school=school)}
    for row in rows:
        code, label = row[0], row[1]
        division = existing.get(code)
        if division is None:
            division = model.objects.create(school=school, code=code, label=label or code)
        elif label and division.label != label:
            division.label = label
            division.save(update_fields=["label"])
        if isinstance(division, SchoolClass) and len(row) > 2 and row[2]:
            division.mefs.set(Mef.objects.filter(code__in=row[2]))


def _apply_nomenclature(kind: str, items: Sequence[FeedItem], outcome: Outcome) -> None:
    model: type[Subject] | type[Mef] = Subject if kind == "subject" else Mef
    existing = {
        row.code: row for row in model.objects.filter(code__in=[item.key for item in items])
    }
    for item in items:
        row = existing.get(item.key)
        if item.operation == "delete":
            continue
        if row is None:
            model.objects.create(code=item.key, feed_digest=item.digest, **item.payload)
            outcome.counts["CREATE"] += 1
        else:
            for name, value in item.payload.items():
                setattr(row, name, value)
            row.feed_digest = item.digest if item.operation == "add" else ""
            row.save()
            outcome.counts["UPDATE"] += 1


# ---------------------------------------------------------------------------------------------
# People


def login_base(first_name: str, last_name: str) -> str:
    """Return the login a person would get before any collision suffix (prénom.nom)."""

    def clean(text: str) -> str:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")

    base = settings.ENT_LOGIN_PATTERN.format(first=clean(first_name), last=clean(last_name))
    return base.strip(".-")[:140] or "user"


def assign_logins(bases: list[str]) -> list[str]:
    """Return a unique login for each base: the base, then base2, base3… on collisions."""
    used = dict(
        User.objects.filter(login_base__in=set(bases))
        .values_list("login_base")
        .annotate(count=Count("id"))
        .values_list("login_base", "count")
    )
    logins: list[str] = []
    for base in bases:
        count = used.get(base, 0)
        logins.append(base if count == 0 else f"{base}{count + 1}")
        used[base] = count + 1
    # A base can also be the suffixed login of another base ("marie.dupont2" the person):
    # bump the rare clashes until none is left.
    while True:
        clashes = set(User.objects.filter(login__in=logins).values_list("login", flat=True))
        if not clashes:
            return logins
        for position, base in enumerate(bases):
            if logins[position] in clashes:
                used[base] += 1
                logins[position] = f"{base}{used[base]}"


@dataclass
class _References:
    """Joint keys resolved for one lot: schools, classes, groups, subjects."""

    schools: dict[str, tuple[int, str]]
    subjects: dict[str, int]
    classes: dict[tuple[int, str], int] = field(default_factory=dict)
    groups: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls, items: Sequence[FeedItem]) -> _References:
        keys: set[str] = set()
        codes: set[str] = set()
        for item in items:
            payload = item.payload
            keys.update(filter(None, [payload.get("school_key")]))
            for name in (
                "classes",
                "groups",
                "functions",
                "class_subjects",
                "group_subjects",
                "head_of",
            ):
                keys.update(row[0] for row in payload.get(name, []))
            keys.update(payload.get("directs", []))
            codes.update(
                row[2]
                for row in payload.get("class_subjects", []) + payload.get("group_subjects", [])
            )
        schools = {
            key: (pk, kind)
            for pk, key, kind in School.objects.filter(joint_key__in=keys).values_list(
                "pk", "joint_key", "kind"
            )
            if key
        }
        subjects = dict(Subject.objects.filter(code__in=codes).values_list("code", "pk"))
        return cls(schools=schools, subjects=subjects)

    def divisions(self, items: Sequence[FeedItem]) -> None:
        """Resolve (and create when missing) the classes and groups the lot names."""
        wanted: dict[type[SchoolClass] | type[TeachingGroup], dict[tuple[int, str], str]] = {
            SchoolClass: {},
            TeachingGroup: {},
        }
        for item in items:
            payload = item.payload
            for row in (
                payload.get("classes", [])
                + payload.get("class_subjects", [])
                + payload.get("head_of", [])
            ):
                school = self.schools.get(row[0])
                if school and row[1]:
                    label = (
                        row[2]
                        if len(row) > 2 and "classes" in payload and row in payload["classes"]
                        else ""
                    )
                    wanted[SchoolClass].setdefault((school[0], row[1]), label or "")
            for row in payload.get("groups", []) + payload.get("group_subjects", []):
                school = self.schools.get(row[0])
                if school and row[1]:
                    wanted[TeachingGroup].setdefault((school[0], row[1]), "")
        for model, needed in wanted.items():
            if not needed:
                continue
            school_ids = {school_id for school_id, _ in needed}
            found = {
                (school_id, code): pk
                for pk, school_id, code in model.objects.filter(
                    school_id__in=school_ids
                ).values_list("pk", "school_id", "code")
            }
            missing = [key for key in needed if key not in found]
            if missing:
                rows: list[Any] = [
                    model(school_id=school_id, code=code, label=needed[(school_id, code)] or code)
                    for school_id, code in missing
                ]
                model.objects.bulk_create(rows, ignore_conflicts=True)
                found = {
                    (school_id, code): pk
                    for pk, school_id, code in model.objects.filter(
                        school_id__in=school_ids
                    ).values_list("pk", "school_id", "code")
                }
            target = self.classes if model is SchoolClass else self.groups
            target.update(found)

    def school(self, key: str, missing: set[str]) -> int | None:
        found = self.schools.get(key)
        if found is None:
            missing.add(key)
            return None
        return found[0]


def _apply_people(
    run_id: int, kind: str, items: Sequence[FeedItem], outcome: Outcome, actor: User | None
) -> None:
    keys = [item.key for item in items]
    known = {
        value: (pk, person_id)
        for pk, value, person_id in ExternalId.objects.filter(
            source=Source.AAF, value__in=keys
        ).values_list("pk", "value", "person_id")
    }
    items, records = _whole_records(items, known)
    now = timezone.now()
    facts: list[Fact] = []
    refs = _References.load(items)
    refs.divisions(items)

    deletes = [item for item in items if item.operation == "delete"]
    creates = [item for item in items if item.operation == "add" and item.key not in known]
    updates = [item for item in items if item.operation != "delete" and item.key in known]
    for item in items:
        if item.operation == "modify" and item.key not in known:
            outcome.problem(item.seq, "REJECTED", f"modifies person {item.key}, who is unknown.")
        if item.operation == "delete" and item.key not in known:
            outcome.problem(item.seq, "WARNING", f"deletes person {item.key}, who is unknown.")

    # Creations: users, their AAF identifier, then their relations.
    people_by_key = _create_people(run_id, creates, records)
    facts.extend(
        Fact("directory.person.create", people_by_key[item.key], {"profile": kind})
        for item in creates
    )
    outcome.counts["CREATE"] += len(creates)

    # Updates: only the fields each record carries.
    if updates:
        existing = User.objects.in_bulk([known[item.key][1] for item in updates])
        for item in updates:
            person = existing[known[item.key][1]]
            changes = {
                name: item.payload[name]
                for name in USER_FIELDS
                if name in item.payload and _differs(getattr(person, name), item.payload[name])
            }
            if not person.is_active and person.purged_at is None:
                changes.update(is_active=True, deactivated_at=None)
                facts.append(Fact("directory.person.reactivate", person))
            for name, value in changes.items():
                setattr(person, name, value)
            # Row by row: a bulk update of many columns costs far more in CASE expressions.
            if changes:
                User.objects.filter(pk=person.pk).update(**changes)
            people_by_key[item.key] = person
            changed = records.get(item.key, {}).get("changed") or sorted(changes)
            facts.append(Fact("directory.person.update", person, {"fields": changed}))
        by_key = {item.key: item for item in updates}
        # Row by row, like people: a bulk update of a JSON column costs more in CASE expressions.
        for key, item in by_key.items():
            complete = item.operation == "add"
            ExternalId.objects.filter(pk=known[key][0]).update(
                record_digest=item.digest if complete else "",
                record=_kept(records[key]) if complete and key in records else None,
                last_seen_run=run_id,
            )
        outcome.counts["UPDATE"] += len(updates)

    live = [item for item in creates + updates if item.key in people_by_key]
    if kind == "pupil":
        _replace_pupil_relations(live, people_by_key, refs, outcome)
    elif kind == "staff":
        _replace_staff_relations(live, people_by_key, refs, outcome)
    elif kind == "guardian":
        _resolve_guardian_links([item.key for item in live])

    if deletes:
        person_ids = [known[item.key][1] for item in deletes if item.key in known]
        gone = list(User.objects.filter(pk__in=person_ids, is_active=True))
        User.objects.filter(pk__in=[person.pk for person in gone]).update(
            is_active=False, deactivated_at=now
        )
        ExternalId.objects.filter(
            source=Source.AAF, value__in=[item.key for item in deletes]
        ).update(record_digest="")
        facts.extend(
            Fact("directory.person.deactivate", person, {"reason": "deleteRequest"})
            for person in gone
        )
        outcome.counts["DELETE"] += len(gone)
    record_many(actor=actor, facts=facts, run_id=run_id)


def _create_people(
    run_id: int, creates: list[FeedItem], records: dict[str, dict[str, Any]]
) -> dict[str, User]:
    """Insert new people and their AAF identifiers; return the people by joint key."""
    if not creates:
        return {}
    bases = [
        login_base(item.payload.get("first_name", ""), item.payload.get("last_name", ""))
        for item in creates
    ]
    logins = assign_logins(bases)
    # One unusable password per lot: it only has to start with "!" (no login possible).
    unusable = make_password(None)
    defaults = {
        name: cast("Field[Any, Any]", User._meta.get_field(name)).get_default()
        for name in USER_FIELDS
    }
    insert_rows(
        User,
        ("login", "login_base", "password", *USER_FIELDS),
        (
            (
                login,
                base,
                unusable,
                *(item.payload.get(name, defaults[name]) for name in USER_FIELDS),
            )
            for login, base, item in zip(logins, bases, creates, strict=True)
        ),
    )
    fields = ("pk", "login", "first_name", "last_name", "is_active", "purged_at")
    by_login = {
        person.login: person for person in User.objects.filter(login__in=logins).only(*fields)
    }
    people = {item.key: by_login[login] for login, item in zip(logins, creates, strict=True)}
    insert_rows(
        ExternalId,
        ("person_id", "source", "value", "record_digest", "record", "last_seen_run"),
        (
            (people[item.key].pk, AAF, item.key, item.digest, _kept(records[item.key]), run_id)
            for item in creates
        ),
    )
    return people


def _kept(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a person's feed record stored with their identifier."""
    return {"feeds": record["feeds"], "last": record["last"]}


def _differs(current: Any, new: Any) -> bool:
    """Compare a stored value with a payload value (dates travel as ISO text)."""
    if isinstance(current, date):
        return bool(current.isoformat() != new)
    return bool(current != new)


def _whole_records(
    items: Sequence[FeedItem], known: dict[str, tuple[int, int]]
) -> tuple[list[FeedItem], dict[str, dict[str, Any]]]:
    """Turn each record into the whole state it leads to, and the per-feed record to keep.

    A modify replaces only the attributes it carries (AAF `replace` is per attribute), so it is
    merged into the last whole record. A person listed by both degrees' feeds keeps one record
    per feed; the directory applies their fold. Items come back as adds with the per-feed
    digests in `digest`.
    """
    keys = [item.key for item in items if item.operation != "delete" and item.key in known]
    stored = {
        value: (record or {}, digest)
        for value, record, digest in ExternalId.objects.filter(
            source=Source.AAF, value__in=keys
        ).values_list("value", "record", "record_digest")
    }
    whole: list[FeedItem] = []
    records: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.operation == "delete":
            whole.append(item)
            continue
        record, digest = stored.get(item.key, ({}, ""))
        # A reset digest (after a departure) means the kept records are no longer trusted.
        feeds: dict[str, dict[str, Any]] = dict(record.get("feeds", {})) if digest else {}
        parts = digest_parts(digest)
        if item.operation == "modify":
            feed = record.get("last")
            if not feed or feed not in record.get("feeds", {}):
                # Without the last whole record, a modify sets only the fields it carries.
                whole.append(item)
                continue
            previous = record["feeds"][feed]
            payload = {**previous, **item.payload}
            payload["extra"] = {**previous.get("extra", {}), **item.payload.get("extra", {})}
            feeds[feed] = payload
            parts[feed] = record_digest(payload)
        else:
            feed = item.payload.get("feed", "2D")
            feeds[feed] = item.payload
            parts[feed] = item.digest
        records[item.key] = {"feeds": feeds, "last": feed}
        effective = fold_feeds(feeds, feed)
        before = (
            fold_feeds(record["feeds"], record.get("last", feed)) if record.get("feeds") else {}
        )
        records[item.key]["changed"] = sorted(
            name
            for name in set(effective) | set(before)
            if name != "feed" and effective.get(name) != before.get(name)
        )
        whole.append(FeedItem(item.seq, "add", item.key, effective, join_digests(parts)))
    return whole, records


def _replace_pupil_relations(
    items: list[FeedItem], people: dict[str, User], refs: _References, outcome: Outcome
) -> None:
    # Rows as value tuples, keyed by their natural key (a feed may list a class twice).
    memberships: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    enrolments: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    links: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    touched: dict[str, set[int]] = defaultdict(set)
    row: tuple[Any, ...]
    guardian_keys = {link[0] for item in items for link in item.payload.get("guardians", [])}
    guardians = dict(
        ExternalId.objects.filter(source=Source.AAF, value__in=guardian_keys).values_list(
            "value", "person_id"
        )
    )
    for item in items:
        payload, person = item.payload, people[item.key]
        missing: set[str] = set()
        if "school_key" in payload or "classes" in payload or "groups" in payload:
            touched["memberships"].add(person.pk)
            school_keys = {payload.get("school_key")} | {
                row[0] for row in payload.get("classes", []) + payload.get("groups", [])
            }
            for key in sorted(filter(None, school_keys)):
                school_id = refs.school(key, missing)
                if school_id:
                    row = (person.pk, school_id, ELV, AAF, [])
                    memberships.setdefault(row[:3], row)
        if "classes" in payload:
            touched["classes"].add(person.pk)
            for school_key, code, _label, starts_on in payload["classes"]:
                school_id = refs.school(school_key, missing)
                if school_id:
                    row = (person.pk, refs.classes[(school_id, code)], None, starts_on)
                    enrolments.setdefault(row[:3], row)
        if "groups" in payload:
            touched["groups"].add(person.pk)
            for school_key, code, _label in payload["groups"]:
                school_id = refs.school(school_key, missing)
                if school_id:
                    row = (person.pk, None, refs.groups[(school_id, code)], None)
                    enrolments.setdefault(row[:3], row)
        if "guardians" in payload:
            touched["guardians"].add(person.pk)
            for key, relation, financial, legal, contact, payer in payload["guardians"]:
                row = (person.pk, key, guardians.get(key), relation, financial, legal, contact)
                links.setdefault(row[:2], (*row, payer))
        if missing:
            outcome.problem(
                item.seq,
                "PARTIAL",
                f"unknown structure(s) {', '.join(sorted(missing))}: "
                "the pupil is kept without them until they arrive.",
            )
    Membership.objects.filter(
        person_id__in=touched["memberships"], profile=Profile.ELV, source=Source.AAF
    ).delete()
    Enrolment.objects.filter(pupil_id__in=touched["classes"], school_class__isnull=False).delete()
    Enrolment.objects.filter(pupil_id__in=touched["groups"], teaching_group__isnull=False).delete()
    Guardianship.objects.filter(pupil_id__in=touched["guardians"]).delete()
    insert_rows(Membership, MEMBERSHIP_FIELDS, memberships.values())
    enrolment_fields = ("pupil_id", "school_class_id", "teaching_group_id", "starts_on")
    insert_rows(Enrolment, enrolment_fields, enrolments.values())
    link_fields: tuple[str, ...] = ("pupil_id", "guardian_key", "guardian_id", "relationship")
    link_fields += ("is_financial", "has_legal_authority", "is_contact", "is_payer")
    insert_rows(Guardianship, link_fields, links.values())


def _replace_staff_relations(
    items: list[FeedItem], people: dict[str, User], refs: _References, outcome: Outcome
) -> None:

    kinds = {key: kind for key, (_pk, kind) in refs.schools.items()}
    # Rows as value tuples, keyed by their natural key (a feed may list a class twice).
    memberships: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    assignments: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    heads: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    row: tuple[Any, ...]
    touched: dict[str, set[int]] = defaultdict(set)
    for item in items:
        payload, person = item.payload, people[item.key]
        missing: set[str] = set()
        profile_fields = {
            "functions",
            "directs",
            "class_subjects",
            "group_subjects",
            "classes",
            "is_teacher",
            "school_key",
        }
        if profile_fields & payload.keys():
            touched["memberships"].add(person.pk)
            functions_by_school: dict[str, list[dict[str, str]]] = defaultdict(list)
            for school_key, code, label, discipline, discipline_label in payload.get(
                "functions", []
            ):
                functions_by_school[school_key].append(
                    {
                        "code": code,
                        "label": label,
                        "discipline": discipline,
                        "discipline_label": discipline_label,
                    }
                )
            for school_key, profiles in sorted(staff_profiles(payload, kinds).items()):
                school_id = refs.school(school_key, missing)
                if school_id:
                    functions = functions_by_school.get(school_key, [])
                    for profile in sorted(profiles):
                        row = (person.pk, school_id, profile, AAF, functions)
                        memberships.setdefault(row[:3], row)
        if {"class_subjects", "group_subjects", "classes"} & payload.keys():
            touched["assignments"].add(person.pk)
            for school_key, code, subject in payload.get("class_subjects", []):
                school_id = refs.school(school_key, missing)
                if school_id:
                    row = (person.pk, refs.classes[(school_id, code)], None, subject)
                    assignments.setdefault(row, (*row, refs.subjects.get(subject)))
            for school_key, code, subject in payload.get("group_subjects", []):
                school_id = refs.school(school_key, missing)
                if school_id:
                    row = (person.pk, None, refs.groups[(school_id, code)], subject)
                    assignments.setdefault(row, (*row, refs.subjects.get(subject)))
            for school_key, code, _label in payload.get("classes", []):
                school_id = refs.school(school_key, missing)
                if school_id:
                    row = (person.pk, refs.classes[(school_id, code)], None, "")
                    assignments.setdefault(row, (*row, None))
        if "head_of" in payload:
            touched["heads"].add(person.pk)
            for school_key, code in payload["head_of"]:
                school_id = refs.school(school_key, missing)
                if school_id and code:
                    row = (person.pk, refs.classes[(school_id, code)])
                    heads.setdefault(row, row)
        if missing:
            outcome.problem(
                item.seq,
                "PARTIAL",
                f"unknown structure(s) {', '.join(sorted(missing))}: "
                "kept without them until they arrive.",
            )
    Membership.objects.filter(person_id__in=touched["memberships"], source=Source.AAF).exclude(
        profile__in=[Profile.ELV, Profile.TUT]
    ).delete()
    TeachingAssignment.objects.filter(teacher_id__in=touched["assignments"]).delete()
    HeadTeacher.objects.filter(teacher_id__in=touched["heads"]).delete()
    insert_rows(Membership, MEMBERSHIP_FIELDS, memberships.values())
    assignment_fields = ("teacher_id", "school_class_id", "teaching_group_id", "subject_code")
    insert_rows(TeachingAssignment, (*assignment_fields, "subject_id"), assignments.values())
    insert_rows(HeadTeacher, ("teacher_id", "school_class_id"), heads.values())


def _resolve_guardian_links(keys: list[str]) -> int:
    """Attach waiting guardianship links to the guardians who have now arrived."""
    if not keys:
        return 0
    person = ExternalId.objects.filter(source=Source.AAF, value=OuterRef("guardian_key")).values(
        "person_id"
    )[:1]
    return Guardianship.objects.filter(guardian_key__in=keys).update(guardian_id=Subquery(person))


# ---------------------------------------------------------------------------------------------
# End of a run: links, guardians' memberships, disappearance


@transaction.atomic
def finish_feed_run(
    *,
    actor: User | None,
    run_id: int,
    seen_keys: Sequence[Any],
    covered_school_keys: Sequence[str] | None,
) -> dict[str, int]:
    """Close a run: mark who was seen, link waiting records, then deactivate who disappeared.

    `seen_keys` are queries of the person keys the run read; `covered_school_keys` lists the
    structures a Complet run was authoritative for (None for a Delta, which removes no one).
    """
    report: dict[str, int] = {}
    seen = [ExternalId.objects.filter(source=Source.AAF, value__in=keys) for keys in seen_keys]
    # Created and updated people were marked when applied: only the unchanged are left to mark.
    for identifiers in seen:
        identifiers.exclude(last_seen_run=run_id).update(last_seen_run=run_id)
    report["seen"] = sum(identifiers.count() for identifiers in seen)
    leads = School.objects.filter(joint_key=OuterRef("lead_key")).values("pk")[:1]
    School.objects.exclude(lead_key="").update(lead_school_id=Subquery(leads))
    School.objects.filter(lead_key="").update(lead_school=None)
    pending_keys = list(
        Guardianship.objects.pending().values_list("guardian_key", flat=True).distinct()
    )
    _resolve_guardian_links(pending_keys)
    report["pending_guardian_links"] = Guardianship.objects.pending().count()
    # A suspended account stays suspended: only its managers lift a suspension.
    reactivated = list(
        User.objects.filter(
            is_active=False,
            purged_at=None,
            suspended_at=None,
            external_ids__source=Source.AAF,
            external_ids__last_seen_run=run_id,
        )
    )
    if reactivated:
        User.objects.filter(pk__in=[person.pk for person in reactivated]).update(
            is_active=True, deactivated_at=None
        )
        record_many(
            actor=actor,
            facts=[Fact("directory.person.reactivate", person) for person in reactivated],
            run_id=run_id,
        )
    report["reactivated"] = len(reactivated)
    if covered_school_keys is not None:
        report.update(_remove_disappeared(actor, run_id, covered_school_keys))
    report["guardian_memberships"] = sync_guardian_memberships()
    return report


def _remove_disappeared(
    actor: User | None, run_id: int, covered_school_keys: Sequence[str]
) -> dict[str, int]:
    """Deactivate people a Complet run no longer lists in the structures it covers."""
    covered = list(
        School.objects.filter(joint_key__in=covered_school_keys).values_list("pk", flat=True)
    )
    missing = (
        ExternalId.objects.filter(source=Source.AAF)
        .exclude(last_seen_run=run_id)
        .values("person_id")
    )
    in_covered = Membership.objects.filter(school_id__in=covered, person_id__in=missing)
    affected = set(in_covered.values_list("person_id", flat=True))
    elsewhere = set(
        Membership.objects.filter(person_id__in=affected)
        .exclude(school_id__in=covered)
        .exclude(profile=Profile.TUT)
        .values_list("person_id", flat=True)
    )
    # Someone still listed by another structure's feed only loses the covered memberships.
    in_covered.filter(person_id__in=elsewhere).delete()
    gone = list(User.objects.filter(pk__in=affected - elsewhere, is_active=True))
    deactivate_people(actor=actor, people=gone, reason="missing from Complet", run_id=run_id)
    return {"deactivated": len(gone), "left_structures": len(elsewhere & affected)}


def deactivate_people(
    *, actor: User | None, people: Sequence[User], reason: str, run_id: int | None = None
) -> int:
    """Mark `people` as departed: they can no longer sign in and their personal data is purged
    after ENT_PURGE_AFTER_DAYS (SOC-SUP-ABO-01). Used by the feed and by account lifecycle."""
    now = timezone.now()
    User.objects.filter(pk__in=[person.pk for person in people]).update(
        is_active=False, deactivated_at=now
    )
    for person in people:
        person.is_active, person.deactivated_at = False, now
    # A departed person whom a later run lists again gets their whole record re-applied.
    ExternalId.objects.filter(person__in=people, source=Source.AAF).update(record_digest="")
    record_many(
        actor=actor,
        facts=[
            Fact("directory.person.deactivate", person, {"reason": reason}) for person in people
        ],
        run_id=run_id,
    )
    return len(people)


def sync_guardian_memberships() -> int:
    """Give each guardian a TUT membership in the schools of their active children, and no other."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM directory_membership
            WHERE profile = %s AND source = %s AND NOT EXISTS (
                SELECT 1 FROM directory_guardianship g
                JOIN directory_membership pm ON pm.person_id = g.pupil_id AND pm.profile = %s
                JOIN directory_user p ON p.id = g.pupil_id AND p.is_active
                WHERE g.guardian_id = directory_membership.person_id
                  AND pm.school_id = directory_membership.school_id)
            """,
            [Profile.TUT, Source.AAF, Profile.ELV],
        )
    # The insert goes through the ORM so that each engine gets its own JSON literal.
    already = Membership.objects.filter(
        person_id=OuterRef("guardian_id"),
        school_id=OuterRef("pupil__memberships__school_id"),
        profile=Profile.TUT,
    )
    pairs = (
        Guardianship.objects.filter(
            guardian__isnull=False, pupil__is_active=True, pupil__memberships__profile=Profile.ELV
        )
        .exclude(Exists(already))
        .values_list("guardian_id", "pupil__memberships__school_id")
        .distinct()
    )
    created = 0
    batch: list[Membership] = []
    for guardian_id, school_id in pairs.iterator(chunk_size=2000):
        batch.append(
            Membership(
                person_id=guardian_id, school_id=school_id, profile=Profile.TUT, source=Source.AAF
            )
        )
        if len(batch) >= 2000:
            created += len(Membership.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    created += len(Membership.objects.bulk_create(batch, ignore_conflicts=True))
    return created


# ---------------------------------------------------------------------------------------------
# Lifecycle


# Apps above the directory keep personal data of their own (an address book, a presentation):
# each registers a function that erases it, run inside the purge's transaction.
PURGE_HOOKS: list[Callable[[User], object]] = []


def register_purge_hook(hook: Callable[[User], object]) -> None:
    """Have `hook(person)` erase an app's personal data whenever a person is purged."""
    if hook not in PURGE_HOOKS:
        PURGE_HOOKS.append(hook)


def purge_person(*, actor: User | None, person: User) -> None:
    """Erase a departed person's personal data, keeping an anonymous row for their contributions."""
    for hook in PURGE_HOOKS:
        hook(person)
    person.first_name = ""
    person.last_name = ""
    person.birth_name = ""
    person.other_first_names = ""
    person.title = ""
    person.birth_date = None
    person.email = ""
    person.phone_home = person.phone_mobile = person.phone_work = ""
    person.address = person.postal_code = person.city = person.country = ""
    person.ine = ""
    person.extra = {}
    person.login = person.login_base = f"purged-{person.uuid}"
    person.set_unusable_password()
    person.purged_at = timezone.now()
    person.save()
    person.external_ids.all().delete()
    person.memberships.all().delete()
    Enrolment.objects.filter(pupil=person).delete()
    Guardianship.objects.filter(pupil=person).delete()
    Guardianship.objects.filter(guardian=person).update(guardian=None)
    TeachingAssignment.objects.filter(teacher=person).delete()
    HeadTeacher.objects.filter(teacher=person).delete()
    record(actor=actor, action="directory.person.purge", target=person)


@transaction.atomic
def purge_departed_accounts(*, actor: User | None, rollover: bool = False) -> int:
    """Purge the personal data of accounts deactivated more than the retention period ago.

    SOC-SUP-ABO-01: within 3 months of departure. At the school-year rollover (`rollover`),
    accounts kept on purpose beyond that period are purged too (SDET §9.2).
    """
    cutoff = timezone.now() - timedelta(days=settings.ENT_PURGE_AFTER_DAYS)
    due = list(User.objects.purge_due(cutoff, include_retained=rollover))
    for person in due:
        purge_person(actor=actor, person=person)
    return len(due)
