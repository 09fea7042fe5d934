"""The portal core's writes: opening a service, choosing a school and a channel.

They live here rather than in actions.py, which holds the personalisation's actions (kept in
another module so that the two parts of the portal change independently). Only
`open_service` writes to the database (a usage counter, SOC-SUP-ABO statistics, no personal
data); the two choices are kept in the person's session.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpRequest

from ent.audit.actions import count_use
from ent.directory.models import User
from ent.rights.queries import Rights
from ent.rights.registry import get_service

from .channel import CHANNEL_KEY, CHANNELS
from .queries import SCHOOL_KEY, school_contexts, service_target


@transaction.atomic
def open_service(*, actor: User, code: str, rights: Rights, school_id: int | None) -> str:
    """Count one use of the service `code` and return where it opens; raise Http404 unless
    `actor` holds it now, in any of their schools (SOC-SEC-AUT-01)."""
    declaration = get_service(code)
    target = service_target(declaration) if declaration else ""
    if not target or rights.person_id != actor.pk or not rights.has(code):
        raise Http404
    # Count the use under the roles that give the service, else under the person's roles in
    # the school they work in now.
    giving = {(right.school_id, right.via) for right in rights.rights if right.service == code}
    roles = [(role.school_id, role.profile) for role in rights.roles]
    profiles = [role for role in roles if role in giving] or [
        role for role in roles if role[0] == school_id
    ]
    count_use(service=code, profiles=profiles or roles)
    return target


def choose_school(*, actor: User, request: HttpRequest, school_id: str) -> int:
    """Make `school_id` the school `actor` works in for the rest of the session; raise
    Http404 unless it is one of their schools."""
    for context in school_contexts(request, actor):
        if str(context.school_id) == school_id:
            request.session[SCHOOL_KEY] = context.school_id
            request.__dict__.pop("_portal_memo", None)
            return context.school_id
    raise Http404


def choose_channel(*, actor: User | None, request: HttpRequest, channel: str) -> str:
    """Serve this session on `channel` ("web": the classic site), or on the device's own
    channel when `channel` is empty (SOC-POR-GMC-01); `actor` may be an anonymous visitor."""
    if channel in CHANNELS:
        request.session[CHANNEL_KEY] = channel
    else:
        request.session.pop(CHANNEL_KEY, None)
    return channel
