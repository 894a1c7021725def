"""Database triggers that make the audit log append-only, on SQLite and PostgreSQL.

The model refuses edits too; the triggers also stop raw SQL and bulk queryset calls.
"""

from __future__ import annotations

_INSTALL = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION core_auditentry_refuse() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry",
        """CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry
           FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse()""",
        "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry",
        """CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
           FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_refuse()""",
    ],
}
_REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS core_auditentry_no_update",
        "DROP TRIGGER IF EXISTS core_auditentry_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry",
        "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry",
    ],
}


def _execute(connection, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def install_audit_guards(connection) -> None:
    _execute(connection, _INSTALL)


def remove_audit_guards(connection) -> None:
    """Only for wiping a whole database (the test suite's flush); never in the product."""
    _execute(connection, _REMOVE)
