"""Set-based writes for batch handlers (``sync.batch_handler``): newest version wins."""

import json
from collections.abc import Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


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
    fields = [opts.get_field(name) for name in rows[0]]
    stamped = [opts.get_field(name) for name in now]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    columns = [f.column for f in fields] + [f.column for f in stamped]
    unique_column = opts.get_field(unique).column
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c != unique_column)
    # Rows travel as one JSON document that PostgreSQL unpacks into typed columns: building
    # a VALUES list of thousands of rows costs more in Python and in the parser.
    record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    select = ", ".join([quote(f.column) for f in fields] + ["now()"] * len(stamped))
    insert = ", ".join(quote(c) for c in columns)
    conflict = quote(unique_column)
    newer = quote(opts.get_field(version).column)
    # Only quoted names and types from the model's metadata go into the text.
    sql = (
        f"INSERT INTO {table} ({insert}) SELECT {select} "  # noqa: S608
        f"FROM json_to_recordset(%s::json) AS row({record}) ON CONFLICT ({conflict}) "
        f"DO UPDATE SET {updates} WHERE {table}.{newer} < EXCLUDED.{newer}"
    )
    if any(f.column != f.name for f in fields):
        rows = [{f.column: row[f.name] for f in fields} for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, cls=DjangoJSONEncoder)])
        return cursor.rowcount
