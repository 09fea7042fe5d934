"""Inserting many plain rows at once, for the feed import's large batches.

`bulk_create` builds one model instance per row and prepares every value of every field through
the query compiler: for tens of thousands of rows that bookkeeping costs several times the
insert itself. `insert_rows` takes value tuples instead and prepares only the values the database
cannot take as they are (JSON, dates, UUIDs). It returns nothing: read back the keys you need.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models, transaction

# Field types whose Python values the database drivers take as they are.
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = 1000,
) -> int:
    """Insert value tuples (in the order of `names`) into a model's table; return the count.

    Fields left out get their model default, evaluated for each row (a fresh uuid4, now()).
    Name a foreign key by its column attribute: `person_id`.
    """
    meta = model._meta
    given = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in names]
    missing: list[models.Field[Any, Any]] = [
        field
        for field in meta.concrete_fields
        if field not in given and not isinstance(field, models.AutoField)
    ]
    for field in missing:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{meta.label}.{field.name}: auto_now fields need bulk_create.")
    fields = given + missing
    kinds = [field.get_internal_type() for field in fields]
    plain = [kind in PLAIN_TYPES for kind in kinds]
    quote = connection.ops.quote_name
    # Names come from the model, never from input; values travel as parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(str(field.column)) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    count = 0
    batch: list[list[Any]] = []
    # One transaction: outside one, SQLite would commit after every row.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for row in rows:
            values = [*row, *(field.get_default() for field in missing)]
            for position, field in enumerate(fields):
                value = values[position]
                if plain[position] or value is None:
                    continue
                if kinds[position] == "JSONField":
                    # What JSONField.get_db_prep_save ends with, without its checks for
                    # expressions, which plain rows never hold.
                    encoder = cast("models.JSONField[Any]", field).encoder
                    values[position] = connection.ops.adapt_json_value(value, encoder)
                else:
                    values[position] = field.get_db_prep_save(value, connection)
            batch.append(values)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
