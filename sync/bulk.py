"""Set-based writes for batch handlers (``sync.batch_handler``): newest version wins."""

from collections.abc import Sequence

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
    ``rows`` (a batch handler gets one message per key). Returns how many rows were written.

    Django's ``bulk_create(update_conflicts=True)`` cannot put a condition on the update,
    and without it a late message would roll a newer row back.
    """
    from psycopg2.extras import execute_values

    if not rows:
        return 0
    opts = model._meta
    names = list(rows[0])
    fields = [opts.get_field(name) for name in names]
    stamped = [opts.get_field(name) for name in now]
    columns = [f.column for f in fields] + [f.column for f in stamped]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    unique_column = opts.get_field(unique).column
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c != unique_column)
    template = "(" + ", ".join(["%s"] * len(fields) + ["now()"] * len(stamped)) + ")"
    # Only quoted names from the model's metadata go into the text; values are parameters.
    insert = ", ".join(quote(c) for c in columns)
    conflict = quote(unique_column)
    newer = quote(opts.get_field(version).column)
    sql = (
        f"INSERT INTO {table} ({insert}) VALUES %s ON CONFLICT ({conflict}) "  # noqa: S608
        f"DO UPDATE SET {updates} WHERE {table}.{newer} < EXCLUDED.{newer}"
    )
    prepare = [_preparer(field) for field in fields]
    values = [[p(row[f.name]) for p, f in zip(prepare, fields, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        execute_values(cursor, sql, values, template=template, page_size=len(values))
        return cursor.rowcount


# Values psycopg2 sends as they are and PostgreSQL casts to the column (a date as ISO text
# included): Django's per-value preparation costs more than the whole upsert otherwise.
_PLAIN = {
    "CharField",
    "TextField",
    "SlugField",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "BooleanField",
    "DateField",
}


def _preparer(field):
    if field.get_internal_type() in _PLAIN:
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)
