"""Reads of the service registry."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from ent.rights.registry import ServiceDeclaration

from .models import Service, ServiceSubject, SubjectKind

if TYPE_CHECKING:
    from ent.directory.models import User


def service_for_url(protocol: str, url: str) -> Service | None:
    """Return the approved service of `protocol` whose URL pattern matches `url` entirely."""
    for service in Service.objects.approved().filter(protocol=protocol).order_by("pk"):
        if service.url_pattern and re.fullmatch(service.url_pattern, url):
            return service
    return None


def person_for_subject(service: Service, value: str) -> User | None:
    """Return who `service` knows as `value` (SOC-SEC-PII-04: traceability of identities)."""
    from ent.directory.models import User

    people = User.objects.all()
    if service.subject_kind == SubjectKind.LOGIN:
        found: User | None = people.filter(login=value).first()
        return found
    if service.subject_kind == SubjectKind.UUID:
        try:
            found = people.filter(uuid=uuid.UUID(value)).first()
        except ValueError:
            return None
        return found
    subject = ServiceSubject.objects.filter(service=service, value=value).select_related("person")
    row = subject.first()
    return row.person if row else None


def connector_declarations() -> list[ServiceDeclaration]:
    """Return the launcher entries of the approved connectors that carry a service code."""
    return [
        ServiceDeclaration(
            code=service.code,
            label=service.name,
            url=service.launch_url,
            icon="external",
            app_label="sso",
        )
        for service in Service.objects.approved()
        .exclude(code="")
        .only("code", "name", "launch_url")
        .order_by("pk")
    ]
