"""Append-only enforced by the database: triggers that refuse UPDATE and DELETE, and a
PostgreSQL role that may only read and insert.

The triggers stop every connection, the owner's included, until an administrator disables
them on purpose; what such an administrator then does is left to the audit chain to reveal.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import Connection, sql

MESSAGE = "append-only"


def sqlite_triggers(table: str) -> list[str]:
    """SQLite DDL: abort any UPDATE or DELETE on table."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {op} on {table} is not allowed'); END"
        for op in ("UPDATE", "DELETE")
    ]


def postgres_function(schema: str) -> sql.Composed:
    """PostgreSQL DDL: the trigger function that refuses the change it fires on."""
    return sql.SQL(
        "CREATE OR REPLACE FUNCTION {schema}.append_only_refuse() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '{message}: % on %.% is not allowed', "
        "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME; END $$"
    ).format(schema=sql.Identifier(schema), message=sql.SQL(MESSAGE))


def postgres_triggers(schema: str, table: str) -> list[sql.Composed]:
    """PostgreSQL DDL: refuse UPDATE and DELETE on each row, and TRUNCATE, of table."""
    when = {"rows": "UPDATE OR DELETE ON {table} FOR EACH ROW",
            "truncate": "TRUNCATE ON {table} FOR EACH STATEMENT"}
    return [
        sql.SQL(
            "CREATE OR REPLACE TRIGGER {name} BEFORE " + clause
            + " EXECUTE FUNCTION {schema}.append_only_refuse()"
        ).format(
            name=sql.Identifier(f"{table}_append_only_{kind}"),
            table=sql.Identifier(schema, table),
            schema=sql.Identifier(schema),
        )
        for kind, clause in when.items()
    ]


def grant_service_role(
    conn: Connection, role: str, password: str, *, prefix: str, schema: str = "public",
    writable: Sequence[str] = (),
) -> None:
    """Create (or narrow) a login role that may read and append a service's tables, no more."""
    # prefix: the service's table prefix (its application name in lower case). The tracking
    # table stays writable: relay and consumer positions are single-row upserts. The role
    # cannot create tables, so the service runs with CREATE_TABLE=no once the owner made them.
    # writable: tables that are deliberately not append-only (e.g. the vault's customer_keys).
    ident = sql.Identifier(role)
    events, chain, tracking = (
        sql.Identifier(schema, f"{prefix}_{suffix}")
        for suffix in ("events", "audit_chain", "tracking")
    )
    sequence = sql.Identifier(schema, f"{prefix}_events_notification_id_seq")
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(password))
    )
    for statement in (
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "REVOKE ALL ON {events}, {chain} FROM {role}",
        "GRANT SELECT, INSERT ON {events}, {chain} TO {role}",
        "GRANT USAGE ON SEQUENCE {sequence} TO {role}",
        "GRANT SELECT, INSERT, UPDATE ON {tracking} TO {role}",
    ):
        conn.execute(sql.SQL(statement).format(
            schema=sql.Identifier(schema), role=ident, events=events, chain=chain,
            tracking=tracking, sequence=sequence,
        ))
    for table in writable:
        conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
            sql.Identifier(schema, table), ident))
