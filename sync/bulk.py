"""Set-based writes for batch handlers (``sync.batch_handler``): an upsert where the newest
version wins, read from the stored messages, and a plain insert."""

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
    messages: Sequence,
    *,
    fields: Sequence[str],
    unique: str,
    rows: str | None = None,
    version: str = "version",
    now: Sequence[str] = (),
) -> int:
    """Upsert rows of the payloads of ``messages`` (envelopes of this delivery, stored in
    this tenant's inbox) into ``model``'s table in one statement: each payload's list
    ``rows`` (or the payload itself when ``rows`` is None) gives rows whose keys are the
    model's ``fields``, and every row takes its message's version. A ``unique`` value in
    several messages keeps the newest message's row; an existing row is overwritten only by
    a newer version. Fields named in ``now`` are set to the statement's time (what
    ``auto_now`` does for a model ``save``). Returns how many rows were written.

    The rows are read from the inbox's stored jsonb, not sent again: encoding them in Python
    and parsing the text again cost three times as much as reading the stored jsonb (a full
    roster is tens of thousands of rows). Django's ``bulk_create(update_conflicts=True)``
    cannot put a condition on the update, and without it a late message would roll a newer
    row back."""
    from sync.models import InboxMessage

    if not messages:
        return 0
    opts = model._meta
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    read = [opts.get_field(name) for name in fields]
    stamped = [opts.get_field(name) for name in now]
    newer = quote(opts.get_field(version).column)
    conflict = quote(opts.get_field(unique).column)
    key = f"row.{quote(unique)}"
    columns = [quote(f.column) for f in [*read, *stamped]] + [newer]
    select = [f"row.{quote(f.name)}" for f in read] + ["now()"] * len(stamped)
    record = ", ".join(f"{quote(f.name)} {f.db_type(connection)}" for f in read)
    source = f"jsonb_to_recordset(message.payload -> %(rows)s) AS row({record})"
    if rows is None:
        source = f"jsonb_to_record(message.payload) AS row({record})"
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != conflict)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (quoted model metadata)
        f"SELECT DISTINCT ON ({key}) {', '.join(select)}, message.version "
        f"FROM {quote(InboxMessage._meta.db_table)} AS message CROSS JOIN LATERAL {source} "
        f"WHERE message.message_id = ANY(%(ids)s::uuid[]) "
        f"ORDER BY {key}, message.version DESC "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates} "
        f"WHERE {table}.{newer} < EXCLUDED.{newer}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"rows": rows, "ids": [m.message_id for m in messages]})
        return cursor.rowcount


def insert_rows(model: type[models.Model], rows: Sequence[dict]) -> int:
    """Insert ``rows`` (dicts of field name → value, the same keys in every row) into
    ``model``'s table in one statement: a batch handler's rows without a model instance
    each. Returns how many rows were written.

    Rows travel as one JSON document that PostgreSQL unpacks into typed columns: building a
    VALUES list of thousands of rows costs more in Python and in the parser. Only quoted
    names and types from the model's metadata go into the SQL text."""
    if not rows:
        return 0
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [opts.get_field(name) for name in rows[0]]
    columns = ", ".join(quote(f.column) for f in fields)
    record = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    if any(f.column != f.name for f in fields):
        rows = [{f.column: row[f.name] for f in fields} for row in rows]
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM json_to_recordset(%s::json) AS row({record})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json_text(rows)])
        return cursor.rowcount
