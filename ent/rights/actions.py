"""Every change of rights: grants, delegations, shares, rules; each one audited."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import Profile, School, SchoolClass, TeachingGroup, User

from .communication import may_see
from .models import (
    Audience,
    CommunicationRule,
    Delegation,
    DetailAudience,
    DetailField,
    DetailVisibility,
    ServiceGrant,
    Share,
    ShareRole,
)
from .permissions import (
    can_delegate,
    can_manage_grants,
    can_set_communication_rules,
    can_share,
)
from .queries import Grantee, ProfileInSchool, effective_rights, grantee_key, resource_key
from .registry import Level, declared_services


class GrantRefused(PermissionDenied):
    """The actor may not grant services in this scope."""


class DelegationRefused(PermissionDenied):
    """The actor tried to delegate more than they hold."""


class ShareRefused(PermissionDenied):
    """The actor may not share this resource, or not with this grantee."""


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError(_("The end must come after the start."), code="window")


def _check_service(service: str) -> None:
    if service not in declared_services():
        raise ValidationError(
            _("No app declares the service %(code)s."), params={"code": service}, code="service"
        )


def _window(grant: ServiceGrant | Delegation) -> dict[str, str | None]:
    return {
        "starts_at": grant.starts_at.isoformat() if grant.starts_at else None,
        "ends_at": grant.ends_at.isoformat() if grant.ends_at else None,
    }


@transaction.atomic
def grant_service(
    *,
    actor: User | None,
    service: str,
    level: int = Level.USE,
    profile: str = "",
    function: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
    person: User | None = None,
    school: School | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> ServiceGrant:
    """Grant `service` to exactly one grantee, in one school or the whole project."""
    _check_service(service)
    _check_window(starts_at, ends_at)
    if sum(map(bool, (profile, function, school_class, teaching_group, person))) != 1:
        raise ValidationError(_("Name exactly one grantee."), code="grantee")
    if profile and profile not in Profile.values:
        raise ValidationError(_("Unknown profile."), code="profile")
    division = school_class or teaching_group
    if division is not None:
        if school is not None and school.pk != division.school_id:
            raise ValidationError(_("The class is not in this school."), code="school")
        school = division.school
    if actor is not None and not can_manage_grants(actor, school):
        raise GrantRefused
    grant = ServiceGrant.objects.create(
        service=service,
        level=level,
        profile=profile,
        function=function,
        school_class=school_class,
        teaching_group=teaching_group,
        person=person,
        school=school,
        starts_at=starts_at,
        ends_at=ends_at,
        granted_by=actor,
    )
    record(
        actor=actor,
        action="rights.grant.add",
        target=grant,
        data={"service": service, "level": level, "school": school.uai if school else None}
        | _window(grant),
    )
    return grant


def _check_grant_manager(actor: User | None, grant: ServiceGrant) -> None:
    if actor is not None and not can_manage_grants(actor, grant.school):
        raise GrantRefused


@transaction.atomic
def change_grant(
    *,
    actor: User | None,
    grant: ServiceGrant,
    level: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> ServiceGrant:
    """Change the level or the validity window of a grant (None keeps a value)."""
    _check_grant_manager(actor, grant)
    before = {"level": grant.level} | _window(grant)
    grant.level = level if level is not None else grant.level
    grant.starts_at = starts_at if starts_at is not None else grant.starts_at
    grant.ends_at = ends_at if ends_at is not None else grant.ends_at
    _check_window(grant.starts_at, grant.ends_at)
    grant.save(update_fields=["level", "starts_at", "ends_at"])
    after = {"level": grant.level} | _window(grant)
    record(
        actor=actor, action="rights.grant.change", target=grant, data={"from": before, "to": after}
    )
    return grant


@transaction.atomic
def suspend_grant(*, actor: User | None, grant: ServiceGrant) -> ServiceGrant:
    """Suspend a grant: it stops applying until resumed."""
    _check_grant_manager(actor, grant)
    if grant.suspended_at is None:
        grant.suspended_at = timezone.now()
        grant.save(update_fields=["suspended_at"])
        record(actor=actor, action="rights.grant.suspend", target=grant)
    return grant


@transaction.atomic
def resume_grant(*, actor: User | None, grant: ServiceGrant) -> ServiceGrant:
    """Resume a suspended grant."""
    _check_grant_manager(actor, grant)
    if grant.suspended_at is not None:
        grant.suspended_at = None
        grant.save(update_fields=["suspended_at"])
        record(actor=actor, action="rights.grant.resume", target=grant)
    return grant


@transaction.atomic
def revoke_grant(*, actor: User | None, grant: ServiceGrant) -> ServiceGrant:
    """Revoke a grant for good; the row stays as history (and stops a default coming back)."""
    _check_grant_manager(actor, grant)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        record(actor=actor, action="rights.grant.revoke", target=grant)
    return grant


@transaction.atomic
def install_default_grants(*, actor: User | None) -> int:
    """Create the project-wide default grants the services declare; return how many."""
    if actor is not None and not can_manage_grants(actor, None):
        raise GrantRefused
    existing = set(
        ServiceGrant.objects.filter(is_default=True, school=None).values_list("service", "profile")
    )
    created = []
    for code, declaration in sorted(declared_services().items()):
        for default in declaration.defaults:
            if (code, default.profile) in existing:
                continue  # installed before, possibly revoked since: never reinstated
            existing.add((code, default.profile))
            created.append(
                ServiceGrant(
                    service=code,
                    level=default.level,
                    profile=default.profile,
                    is_default=True,
                    granted_by=actor,
                )
            )
    ServiceGrant.objects.bulk_create(created)
    record(
        actor=actor,
        action="rights.defaults.install",
        data={"created": [f"{grant.service}:{grant.profile}" for grant in created]},
    )
    return len(created)


def delegate_rights(
    *,
    actor: User,
    delegate: User,
    school: School,
    service: str,
    level: int = Level.MANAGE,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    reason: str = "",
) -> Delegation:
    """Lend `delegate` the actor's own right on `service` in `school` for a time window.

    A refusal is audited too, outside the transaction, so that it survives the exception.
    """
    _check_service(service)
    starts_at = starts_at or timezone.now()
    _check_window(starts_at, ends_at)
    if delegate.pk == actor.pk:
        raise ValidationError(_("Nobody delegates to themselves."), code="self")
    if not can_delegate(actor, service=service, level=level, school=school):
        record(
            actor=actor,
            action="rights.delegation.grant",
            target=delegate,
            outcome=Outcome.FAILURE,
            data={"service": service, "level": level, "school": school.uai},
        )
        raise DelegationRefused
    with transaction.atomic():
        delegation = Delegation.objects.create(
            delegator=actor,
            delegate=delegate,
            school=school,
            service=service,
            level=level,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
        )
        record(
            actor=actor,
            action="rights.delegation.grant",
            target=delegation,
            data={"service": service, "level": level, "school": school.uai}
            | {"delegate": delegate.login}
            | _window(delegation),
        )
    return delegation


@transaction.atomic
def revoke_delegation(*, actor: User | None, delegation: Delegation) -> Delegation:
    """End a delegation now: its delegator, the school's administrators or an operator."""
    if (
        actor is not None
        and actor.pk != delegation.delegator_id
        and not can_manage_grants(actor, delegation.school)
    ):
        raise DelegationRefused
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        record(actor=actor, action="rights.delegation.revoke", target=delegation)
    return delegation


def _check_grantee(actor: User, grantee: Grantee) -> None:
    """Refuse a grantee the actor may not reach: a person they may not see, a foreign school."""
    if isinstance(grantee, User):
        if not may_see(actor, grantee):
            raise ShareRefused
        return
    school_id = grantee.school.pk if isinstance(grantee, ProfileInSchool) else grantee.school_id
    if school_id not in {role.school_id for role in effective_rights(actor).roles}:
        raise ShareRefused


@transaction.atomic
def share(
    *,
    actor: User,
    resource: models.Model,
    with_: Grantee,
    role: int,
    owner: User | None = None,
    ends_at: datetime | None = None,
) -> Share:
    """Share `resource` with a person or a group at `role`; sharing again changes the role."""
    if not can_share(actor, resource, owner=owner):
        raise ShareRefused
    _check_grantee(actor, with_)
    content_type, key = resource_key(resource)
    fields = {
        "person": with_ if isinstance(with_, User) else None,
        "school_class": with_ if isinstance(with_, SchoolClass) else None,
        "teaching_group": with_ if isinstance(with_, TeachingGroup) else None,
        "profile": with_.profile if isinstance(with_, ProfileInSchool) else "",
        "school": with_.school if isinstance(with_, ProfileInSchool) else None,
    }
    row, created = Share.objects.update_or_create(
        content_type=content_type,
        object_id=key,
        grantee_key=grantee_key(with_),
        defaults={"role": ShareRole(role), "ends_at": ends_at, "shared_by": actor, **fields},
    )
    record(
        actor=actor,
        action="rights.share.add" if created else "rights.share.change",
        target=row,
        data={"resource": f"{content_type.app_label}.{content_type.model}:{key}", "role": role},
    )
    return row


@transaction.atomic
def unshare(
    *, actor: User, resource: models.Model, with_: Grantee, owner: User | None = None
) -> bool:
    """Stop sharing `resource` with a grantee; tell whether a share was removed."""
    if not can_share(actor, resource, owner=owner):
        raise ShareRefused
    content_type, key = resource_key(resource)
    deleted, _ = Share.objects.filter(
        content_type=content_type, object_id=key, grantee_key=grantee_key(with_)
    ).delete()
    record(
        actor=actor,
        action="rights.share.remove",
        data={
            "resource": f"{content_type.app_label}.{content_type.model}:{key}",
            "grantee": grantee_key(with_),
            "removed": bool(deleted),
        },
    )
    return bool(deleted)


@transaction.atomic
def set_communication_rule(
    *,
    actor: User | None,
    school: School | None,
    viewer_profile: str,
    audience: str,
    may_see: bool,
    may_write: bool,
) -> CommunicationRule:
    """Open or close an audience to a profile in one school (None: the whole project)."""
    if actor is not None and not can_set_communication_rules(actor, school):
        raise GrantRefused
    if viewer_profile not in Profile.values or audience not in Audience.values:
        raise ValidationError(_("Unknown profile or audience."), code="rule")
    if may_write and not may_see:
        raise ValidationError(_("Nobody writes to people they cannot see."), code="rule")
    rule, _created = CommunicationRule.objects.update_or_create(
        school=school,
        viewer_profile=viewer_profile,
        audience=audience,
        defaults={
            "may_see": may_see,
            "may_write": may_write,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    record(
        actor=actor,
        action="rights.rule.set",
        target=rule,
        data={"may_see": may_see, "may_write": may_write},
    )
    return rule


@transaction.atomic
def set_detail_visibility(*, actor: User, field: str, audience: str) -> DetailVisibility:
    """Choose who sees one of the actor's own details (UTI-IDO-PBL-04)."""
    if field not in DetailField.values or audience not in DetailAudience.values:
        raise ValidationError(_("Unknown detail or audience."), code="detail")
    row, _created = DetailVisibility.objects.update_or_create(
        person=actor, field=field, defaults={"audience": audience, "updated_at": timezone.now()}
    )
    record(actor=actor, action="rights.visibility.set", target=actor, data={field: audience})
    return row
