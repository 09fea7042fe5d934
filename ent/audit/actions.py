"""Writing the audit trail (SOC-SEC-APS-03): every action calls `record` explicitly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ent.core.bulk import insert_rows

from .models import AuditEvent, Outcome, UsageCount

PLATFORM = "platform"


@dataclass(frozen=True)
class Fact:
    """One line of a batch of audit events, written together by `record_many`."""

    action: str
    target: models.Model
    data: Mapping[str, Any] = field(default_factory=dict)


def _actor_label(actor: Any, run_id: int | None) -> str:
    if actor is not None:
        return str(actor.get_username())
    return f"{PLATFORM} (run {run_id})" if run_id else PLATFORM


def _target_fields(target: models.Model | None) -> dict[str, str]:
    if target is None:
        return {"target_type": "", "target_id": "", "target_label": ""}
    return {
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "target_label": str(target)[:300],
    }


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    outcome: str = Outcome.SUCCESS,
    run_id: int | None = None,
    address: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record that `actor` (None: the platform) did `action` to `target`."""
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_label=_actor_label(actor, run_id),
        run_id=run_id,
        action=action,
        outcome=outcome,
        address=address,
        data=dict(data or {}),
        **_target_fields(target),
    )


def record_many(*, actor: Any, facts: Iterable[Fact], run_id: int | None = None) -> int:
    """Record a batch of facts by one actor in one insert; return how many were written."""
    now = timezone.now()
    label = _actor_label(actor, run_id)
    actor_id = actor.pk if actor is not None else None
    # Plain rows rather than model instances: a feed run records tens of thousands of facts.
    rows = (
        (
            now,
            actor_id,
            label,
            run_id,
            fact.action,
            dict(fact.data),
            *_target_fields(fact.target).values(),
        )
        for fact in facts
    )
    names = ("at", "actor_id", "actor_label", "run_id", "action", "data")
    return insert_rows(AuditEvent, (*names, "target_type", "target_id", "target_label"), rows)


def prune_audit_trail(*, actor: Any, retention_days: int) -> int:
    """Delete audit events older than the retention period; record the pruning itself."""
    cutoff = timezone.now() - timedelta(days=retention_days)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    record(
        actor=actor,
        action="audit.trail.prune",
        data={"deleted": deleted, "before": cutoff.isoformat()},
    )
    return deleted


def count_use(*, service: str, profiles: Iterable[tuple[int | None, str]], day: Any = None) -> None:
    """Add one use of `service` for each (school id, profile) the person acts under."""
    day = day or timezone.localdate()
    for school_id, profile in set(profiles) or {(None, "")}:
        updated = UsageCount.objects.filter(
            day=day, school_id=school_id, profile=profile, service=service
        ).update(count=models.F("count") + 1)
        if not updated:
            # A racing first use of the day: the constraint turns the second insert into an update.
            try:
                with transaction.atomic():
                    UsageCount.objects.create(
                        day=day, school_id=school_id, profile=profile, service=service, count=1
                    )
            except IntegrityError:
                UsageCount.objects.filter(
                    day=day, school_id=school_id, profile=profile, service=service
                ).update(count=models.F("count") + 1)
