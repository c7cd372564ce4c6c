"""Model instances from rows of hand-written SQL, converted exactly as the ORM converts them.

Building a query with the ORM costs about half a millisecond of Python each time (the query
compiler, measured on the booking path), more than PostgreSQL takes to answer a primary-key
lookup. The two reads every booking makes (the authenticated user, the slot with its venue and
court) use fixed SQL instead and load their rows here: the same fields, the same database
converters (datetimes, JSON, encrypted fields), so the instances are the ORM's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


class RowLoader:
    """Load ``model`` instances from rows holding its concrete fields in ``columns()`` order. Fields
    named in ``defer`` are left out, as ``QuerySet.defer`` leaves them: read on first access."""

    def __init__(self, model: type[Model], *, defer: tuple[str, ...] = ()):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if f.name not in defer]
        self.names = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self._converters: list[tuple[int, list, object]] | None = None
        self._columns: dict[str, str] = {}

    def columns(self, table_alias: str) -> str:
        """The select list for this model's table under ``table_alias`` (computed once)."""
        text = self._columns.get(table_alias)
        if text is None:
            quote = connection.ops.quote_name
            text = self._columns[table_alias] = ", ".join(f"{table_alias}.{quote(f.column)}" for f in self.fields)
        return text

    def _prepare(self) -> list[tuple[int, list, object]]:
        out = []
        for i, field in enumerate(self.fields):
            col = field.get_col(self.model._meta.db_table)
            funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if funcs:
                out.append((i, funcs, col))
        self._converters = out
        return out

    def load(self, row: Sequence, offset: int = 0) -> Model:
        """The instance from ``row[offset:offset + width]``."""
        values = list(row[offset:offset + self.width])
        for i, funcs, col in self._converters if self._converters is not None else self._prepare():
            value = values[i]
            for func in funcs:
                value = func(value, col, connection)
            values[i] = value
        return self.model.from_db(connection.alias, self.names, values)
