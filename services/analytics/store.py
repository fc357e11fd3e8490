"""ClickHouse for the projection: chDB in-process by default, a server when CLICKHOUSE_URL is set.

Both stores run the same SQL: statements with `{name:Type}` parameters, and inserts of
JSONEachRow rows. Neither connects until `open()`, so building one at bootstrap is free.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

import clickhouse_connect
from clickhouse_connect.driver.binding import format_bind_value

from services.analytics.config import AnalyticsSettings
from services.analytics.schema import SCHEMA
from services.analytics.state_tables import STATE_TABLE_COLUMNS, OutdatedLayout, outdated

if TYPE_CHECKING:
    import chdb.session

Params = Mapping[str, Any]

class ClickHouseStore(Protocol):
    """What the projection needs from ClickHouse."""

    def open(self) -> None:
        """Connect and create the tables that do not exist yet; raise OutdatedLayout (still
        connected) when an earlier version laid the state tables out otherwise."""

    def close(self) -> None:
        """Release the connection; `open()` may be called again."""

    def command(self, sql: str, params: Params | None = None) -> None:
        """Run a statement that returns no rows."""

    def select(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return its rows."""

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows (dicts by column name) as one block."""

    def ping(self) -> bool:
        """Whether ClickHouse answers."""


class ChdbStore:
    """The ClickHouse engine in this process, keeping its data in a local directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._session: chdb.session.Session | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        # Imported here: images that analyse on a ClickHouse server leave chDB (the `embedded`
        # extra, ~500 MB) out.
        try:
            import chdb.session
        except ImportError as error:
            raise RuntimeError(
                "chDB is not installed: set CLICKHOUSE_URL to a ClickHouse server, or install"
                " complaint-platform[embedded]") from error
        self.path.mkdir(parents=True, exist_ok=True)
        self._session = chdb.session.Session(str(self.path.resolve()))
        create_tables(self)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def command(self, sql: str, params: Params | None = None) -> None:
        self._query(sql, params, "Null")

    def select(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        answer = json.loads(self._query(sql, params, "JSONCompact").bytes())
        # JSON writes a whole Float64 as 15, not 15.0: give floats back as clickhouse-connect does.
        floats = [i for i, column in enumerate(answer["meta"]) if "Float" in column["type"]
                  and "(" not in column["type"].replace("Nullable(", "", 1)]
        rows = answer["data"]
        for row in rows:
            for i in floats:
                if row[i] is not None:
                    row[i] = float(row[i])
        return [tuple(row) for row in rows]

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
        statement = _insert_sql(table, columns)
        with self._lock, self.session.send_insert(statement, "JSONEachRow") as inserter:
            inserter.append(_json_each_row(rows))
            inserter.finish()

    def ping(self) -> bool:
        try:
            return self.select("SELECT 1") == [(1,)]
        except Exception:
            return False

    @property
    def session(self) -> chdb.session.Session:
        if self._session is None:
            raise RuntimeError("chDB store is not open")
        return self._session

    def _query(self, sql: str, params: Params | None, fmt: str) -> Any:
        # chDB takes parameter values as text; format them exactly as clickhouse-connect does.
        bound = {name: _bind(value) for name, value in (params or {}).items()}
        with self._lock:
            return self.session.query(sql, fmt, params=bound)


class ServerStore:
    """A ClickHouse server (or any clickhouse-connect DSN) reached over its HTTP interface."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Any = None

    def open(self) -> None:
        # One shared HTTP session would make concurrent requests fail with SESSION_IS_LOCKED.
        options = {"autogenerate_session_id": False} if urlparse(self.url).scheme in (
            "http", "https", "clickhouse"
        ) else {}
        self._client = clickhouse_connect.get_client(dsn=self.url, **options)
        create_tables(self)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def command(self, sql: str, params: Params | None = None) -> None:
        self.client.command(sql, parameters=dict(params or {}))

    def select(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return list(self.client.query(sql, parameters=dict(params or {})).result_rows)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
        self.client.raw_insert(
            table, list(columns), insert_block=_json_each_row(rows), fmt="JSONEachRow"
        )

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except Exception:
            return False

    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("ClickHouse store is not open")
        return self._client


def create_tables(store: ClickHouseStore) -> None:
    """Create the projection's tables that do not exist, unless some predate their layout."""
    if old := outdated(dict(store.select(STATE_TABLE_COLUMNS))):
        raise OutdatedLayout(
            f"{', '.join(old)} predate this version's layout (weekly buckets of the sorting"
            " key, columns added since): stop the service and run"
            " `python -m services.analytics.tools.rebuild`"
        )
    for statement in SCHEMA:
        store.command(statement)


def build_store(settings: AnalyticsSettings) -> ClickHouseStore:
    """The ClickHouse server of CLICKHOUSE_URL, else chDB in the data directory; not yet open."""
    if settings.clickhouse_url:
        return ServerStore(settings.clickhouse_url)
    return ChdbStore(settings.chdb_dir)


def _bind(value: Any) -> str:
    # A long list of strings (the ids of a batch) quoted in one pass: the general formatter
    # costs as much per item as the rest of a projected event.
    if isinstance(value, list) and all(type(item) is str for item in value):
        return "[" + ", ".join(f"'{_escape(item)}'" for item in value) + "]"
    return format_bind_value(value)


def _escape(text: str) -> str:
    if "\\" in text or "'" in text:
        return text.replace("\\", "\\\\").replace("'", "\\'")
    return text


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)})"


def _json_each_row(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
