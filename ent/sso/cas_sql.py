"""The hot path of CAS ticket validation in two SQL statements.

Services validate a ticket on every sign-in, so this path is measured (bench/cas.py). The
ORM's query compilation costs several times what the database does here, so the two reads and
writes it needs are written once as SQL, from the models' own table and column names:

1. consume: `UPDATE … SET consumed_at = now WHERE ticket = %s AND consumed_at IS NULL AND kind
   IN (ST, PT) RETURNING …`: the ticket is consumed and read in one statement, atomically (two
   concurrent validations cannot both get the row back);
2. parties: the service, the person and the service's opaque identifier for the person, in
   one SELECT.

The rows become model instances through `Model.from_db` with the database converters the ORM
would apply, and only the columns read are loaded: reading any other field fetches it, so an
instance never shows a default in place of a stored value. Needs `RETURNING` (PostgreSQL;
SQLite 3.35 or later).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from ent.directory.models import User

from .models import CasTicket, Service, ServiceSubject, TicketKind

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, Any], Any]

TICKET_FIELDS = (
    "id",
    "kind",
    "service_id",
    "person_id",
    "service_url",
    "session_key",
    "is_renewed",
    "level",
    "method",
    "proxies",
    "created_at",
    "expires_at",
)
SERVICE_FIELDS = (
    "id",
    "name",
    "protocol",
    "subject_kind",
    "min_level",
    "attributes",
    "approved_at",
    "is_enabled",
)
PERSON_FIELDS = ("id", "login", "uuid", "first_name", "last_name", "is_active", "suspended_at")


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 (a concrete column, never a relation)
    return field


def _column(model: type[models.Model], name: str, alias: str = "") -> str:
    column = connection.ops.quote_name(_field(model, name).column or name)
    return f"{alias}.{column}" if alias else column


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _consume_sql(vendor: str) -> str:
    ticket = CasTicket
    returned = ", ".join(_column(ticket, name) for name in TICKET_FIELDS)
    # S608: the identifiers come from the models and are quoted; values are parameters.
    return (
        f"UPDATE {_table(ticket)} SET {_column(ticket, 'consumed_at')} = %s "  # noqa: S608
        f"WHERE {_column(ticket, 'ticket')} = %s AND {_column(ticket, 'consumed_at')} IS NULL "
        f"AND {_column(ticket, 'kind')} IN (%s, %s) RETURNING {returned}"
    )


@cache
def _parties_sql(vendor: str) -> str:
    service = ", ".join(_column(Service, name, "s") for name in SERVICE_FIELDS)
    person = ", ".join(_column(User, name, "p") for name in PERSON_FIELDS)
    subject = (
        f"(SELECT {_column(ServiceSubject, 'value', 'ss')} FROM {_table(ServiceSubject)} ss "  # noqa: S608
        f"WHERE {_column(ServiceSubject, 'service', 'ss')} = {_column(Service, 'id', 's')} "
        f"AND {_column(ServiceSubject, 'person', 'ss')} = {_column(User, 'id', 'p')})"
    )
    return (
        f"SELECT {service}, {person}, {subject} FROM {_table(Service)} s, {_table(User)} p "  # noqa: S608
        f"WHERE {_column(Service, 'id', 's')} = %s AND {_column(User, 'id', 'p')} = %s"
    )


@lru_cache(maxsize=64)
def _converters(
    db: BaseDatabaseWrapper, model: type[models.Model], names: Sequence[str]
) -> list[Any]:
    """Per column: its expression and the converters the ORM applies when reading it (per
    connection, as the ORM asks them of each connection)."""
    readers = []
    for name in names:
        field = _field(model, name)
        column = field.get_col(model._meta.db_table)
        converters = [*db.ops.get_db_converters(column), *field.get_db_converters(db)]
        readers.append((column, converters))
    return readers


def _instance(model: type[M], names: tuple[str, ...], values: Sequence[Any]) -> M:
    """A model instance from database values, as the ORM builds it; other fields deferred."""
    converted = {}
    readers = _converters(connections[DEFAULT_DB_ALIAS], model, names)
    for name, (column, converters), value in zip(names, readers, values, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted[name] = value
    # from_db takes the loaded values in the model's field order.
    loaded = [f.attname for f in model._meta.concrete_fields if f.attname in converted]
    return model.from_db(connection.alias, loaded, [converted[name] for name in loaded])


def consume(value: str, now: datetime) -> tuple[CasTicket, str | None] | None:
    """Consume the service or proxy ticket `value` and return it, with its service and person
    loaded, and the service's opaque identifier for the person if one exists; None when no
    unused ST or PT has this value. Call inside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            _consume_sql(connection.vendor),
            [
                connection.ops.adapt_datetimefield_value(now),
                value,
                TicketKind.SERVICE,
                TicketKind.PROXY,
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        ticket = _instance(CasTicket, TICKET_FIELDS, row)
        cursor.execute(_parties_sql(connection.vendor), [ticket.service_id, ticket.person_id])
        parties = cursor.fetchone()
    services = len(SERVICE_FIELDS)
    people = services + len(PERSON_FIELDS)
    ticket.service = _instance(Service, SERVICE_FIELDS, parties[:services])
    ticket.person = _instance(User, PERSON_FIELDS, parties[services:people])
    return ticket, parties[people]
