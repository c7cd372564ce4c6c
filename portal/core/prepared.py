"""Prepared statements for the few fixed statements every booking runs (PostgreSQL).

Django binds parameters on the client, so PostgreSQL parses and plans every query afresh. For most
queries that is nothing; for the fixed statements on the booking path it was most of what
PostgreSQL spent on them — planning the slot's three-table read took about 0.4 ms, running it
0.1 ms; the booking statement 0.4 ms against 0.1 ms (``EXPLAIN (ANALYZE, SUMMARY)``,
docs/benchmarks.md). ``prepared_cursor()`` is Django's own cursor wrapper (query logging, error
translation) around a psycopg cursor that binds on the server and prepares each statement the
first time this connection runs it; psycopg keeps the statements per connection, and PostgreSQL
keeps their plans.

Only statements sent through this cursor are prepared: the settings give psycopg a
``prepare_threshold`` no ordinary query reaches (Django's own cursor binds on the client and
never prepares anything). ``DB_PREPARED_STATEMENTS=0`` — for a connection pooler that cannot keep
prepared statements, PgBouncer in transaction mode without ``max_prepared_statements`` — sets it to
None and psycopg prepares nothing; the statements stay the same. SQLite gets Django's cursor.
"""

from __future__ import annotations

from django.db import connection

_cursor_class = None


def _preparing_cursor_class():
    global _cursor_class
    if _cursor_class is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):
            """Binds on the server and asks psycopg to prepare every statement it executes."""

            def execute(self, query, params=None, *, prepare=True, binary=None):
                return super().execute(query, params, prepare=prepare, binary=binary)

            def _send_query_prepared(self, name, pgq, *, binary=None):
                # psycopg notes the query it sends (``_query``, which Django's query log reads)
                # only when it sends it unprepared; note the prepared one's too, so that
                # ``connection.queries`` and ``CaptureQueriesContext`` show its SQL, not None.
                self._query = pgq
                return super()._send_query_prepared(name, pgq, binary=binary)

        _cursor_class = PreparingCursor
    return _cursor_class


def prepared_cursor():
    """A cursor (use it as a context manager) whose statements PostgreSQL parses and plans once per
    connection. The SQL uses ``%s`` / ``%(name)s`` placeholders as usual; parameters are sent
    separately, so they must have types PostgreSQL can resolve (cast them in the SQL when unsure)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    # What ``connection.cursor()`` does, with another cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = _preparing_cursor_class()(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
