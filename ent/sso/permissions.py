"""Predicates of the SSO: who may reach a connector of the service registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ent.rights.queries import has_service

if TYPE_CHECKING:
    from ent.directory.models import User

    from .models import Service


def may_use_connector(person: User, service: Service) -> bool:
    """Tell whether `person` may receive a ticket or an assertion for `service`.

    A connector with a service code is for the people granted that code (scenario 14: the
    profiles its data controller chose); one without a code is open to every signed-in person.
    """
    if not service.code:
        return True
    return has_service(person, service.code)
