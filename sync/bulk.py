"""Set-based writes for batch handlers (``sync.batch_handler``): an upsert where the newest
version wins, and a plain insert."""

from collections.abc import Sequence

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

_DJANGO_JSON = DjangoJSONEncoder()


def json_text(value) -> str:
    """``value`` as JSON text for PostgreSQL to parse. orjson writes it about ten times
    faster than ``json.dumps``, which was a tenth of a full consolidation (every roster row
    is written as JSON to the outbox, the inbox and two upserts). Types orjson does not know
    (decimals, lazy translations, durations) are written as Django's encoder writes them."""
    return orjson.dumps(value, default=_DJANGO_JSON.default).decode()


def upsert_newer(
    model: type[models.Model],
    rows: Sequence[dict],
    *,
    unique: str,
    version: str = "version",
    now: Sequence[str] = (),
) -> int:
    """Insert ``rows`` (dicts of field name → value) into ``model``'s table in one
    statement; where ``unique`` already exists, overwrite the row only if the incoming
    ``version`` is newer. Fields named in ``now`` are set to the statement's time (what
    ``auto_now`` does for a model ``save``). ``unique`` values must be distinct within
    ``rows`` (a batch handler gets one message per key). Values are sent as JSON (dates,
    decimals, UUIDs as text, which PostgreSQL casts to the column's type). Returns how many
    rows were written.

    Django's ``bulk_create(update_conflicts=True)`` cannot put a condition on the update,
    and without it a late message would roll a newer row back.
    """
    if not rows:
        return 0
    opts = model._meta
    quote = connection.ops.quote_name
    table, columns, select, source, document = _json_rows(model, rows, now)
    conflict = quote(opts.get_field(unique).column)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != conflict)
    newer = quote(opts.get_field(version).column)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {source} "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates} WHERE {table}.{newer} < EXCLUDED.{newer}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
        return cursor.rowcount


def insert_rows(model: type[models.Model], rows: Sequence[dict]) -> int:
    """Insert ``rows`` (dicts of field name → value, the same keys in every row) into
    ``model``'s table in one statement, sent as JSON like ``upsert_newer``'s: a batch
    handler's rows without a model instance each. Returns how many rows were written."""
    if not rows:
        return 0
    table, columns, select, source, document = _json_rows(model, rows, ())
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {source}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
        return cursor.rowcount


def _json_rows(model, rows: Sequence[dict], now: Sequence[str]) -> tuple:
    """The table, quoted columns, select list and ``json_to_recordset`` source (one ``%s``
    parameter: the returned document) of an insert of ``rows`` into ``model``.

    Rows travel as one JSON document that PostgreSQL unpacks into typed columns: building a
    VALUES list of thousands of rows costs more in Python and in the parser. Only quoted
    names and types from the model's metadata go into the SQL text."""
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [opts.get_field(name) for name in rows[0]]
    stamped = [opts.get_field(name) for name in now]
    columns = [quote(f.column) for f in [*fields, *stamped]]
    select = ", ".join([quote(f.column) for f in fields] + ["now()"] * len(stamped))
    record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    source = f"json_to_recordset(%s::json) AS row({record})"
    if any(f.column != f.name for f in fields):
        rows = [{f.column: row[f.name] for f in fields} for row in rows]
    return quote(opts.db_table), columns, select, source, json_text(rows)
