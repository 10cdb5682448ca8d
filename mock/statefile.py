"""`python -m mock --db PATH` (or `--state-file PATH`): a SQLite journal of record.

Every response is sent only after the writes committed before it are in the database: "every
2xx is on disk before it is sent". The in-memory store and its indexes stay the read path;
start-up loads them from the database. Without a database the mock is memory only.

How: the store marks what each write touches (`mock.store.Changes`: row, blob and
idempotency keys); `Durable`, the outermost middleware, holds each response's first message
until `Journal.commit` has written every mark so far in one SQLite transaction. The commit
runs in a worker thread, so the event loop serves other requests during the fsync, and a
commit takes every mark waiting, so concurrent writers share one fsync (group commit).

The database (standard `sqlite3`, WAL) is a plain file: `sqlite3 PATH` reads it.

    meta(key, value)          format, version, cursor_secret (hex), clock_offset_seconds
    rows(tenant, resource, id, seq, state, type, data)
                              one row of the mock per line; state 'live' or 'deleted' (a soft
                              delete, PER-5); type the row's class; data its fields as JSON;
                              seq the order rows were first written (restored in that order)
    blobs(tenant, id, content)                 attachment bytes
    idempotency(tenant, key, fingerprint, expires_at, status, headers, body)
                              the finished answers replayed for an Idempotency-Key (G-5)

`synchronous = FULL`: in WAL mode SQLite then fsyncs the WAL at every commit, so a committed
write survives a power loss or an OS crash as well as a killed process. NORMAL would fsync
only at checkpoints: still safe against SIGKILL (the WAL is in the OS's cache), but the last
commits could be lost to a power cut — and "on disk" is the promise made to a 2xx.

A file that is not SQLite, another application's database, another format version, or a
damaged row (a wrong value type, nesting past a bound, a duplicate id, a clock offset out of
range) is refused with `StateFileError` naming the file and the reason, before anything is
written to it; `python -m mock` exits 2. The file holds the cursor secret and stored
responses: it is created with mode 0600.

Row values are JSON with explicit tags (no pickle: loading never runs code named by the file):
`{"$dec": "10.50"}`, `{"$b64": "…"}`, `{"$dt": "…"}`, `{"$date": "…"}`, `{"$tuple": […]}`,
`{"$set": […]}`, `{"$map": [[k, v], …]}`, `{"$obj": "mod:Class", "f": {…}}`. Plain dicts
never hold a `$` key, so the tags are unambiguous.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import functools
import importlib
import json
import logging
import math
import os
import sqlite3
import threading
import types
import typing
from collections.abc import Callable, Collection
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock import strictjson
from mock.errors import ApiProblem, render
from mock.idempotency import Entry, IdempotencyCache
from mock.seeding import collector_paused
from mock.store import Store, TakenChanges

FORMAT = "smart-finance-mock-state"
# Bump on any change a reader of the previous version would misread. (Version 1 was a JSON
# document; version 2 is this SQLite database.)
VERSION = 2
# Row classes may only come from the mock's own packages: the file names classes by path.
TRUSTED_PREFIX = "mock."
# How deep a row's JSON may nest (a row holds a list of small objects at most).
MAX_ROW_DEPTH = 32
# The clock may be moved ahead (/__mock/clock) by up to about a century; more is damage.
MAX_CLOCK_OFFSET_SECONDS = 100 * 366 * 24 * 3600.0
SQLITE_MAGIC = b"SQLite format 3\x00"

_PLAIN = (str, int, bool, float, type(None))
LOGGER = logging.getLogger("mock.statefile")

SCHEMA: dict[str, str] = {
    "meta": "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "rows": "CREATE TABLE rows (tenant TEXT NOT NULL, resource TEXT NOT NULL, id TEXT NOT NULL, "
            "seq INTEGER NOT NULL, state TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, "
            "PRIMARY KEY (tenant, resource, id))",
    "blobs": "CREATE TABLE blobs (tenant TEXT NOT NULL, id TEXT NOT NULL, content BLOB NOT NULL, "
             "PRIMARY KEY (tenant, id))",
    "idempotency": "CREATE TABLE idempotency (tenant TEXT NOT NULL, key TEXT NOT NULL, "
                   "fingerprint TEXT NOT NULL, expires_at TEXT NOT NULL, "
                   "status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, "
                   "PRIMARY KEY (tenant, key))",
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "rows": ("tenant", "resource", "id", "seq", "state", "type", "data"),
    "blobs": ("tenant", "id", "content"),
    "idempotency": ("tenant", "key", "fingerprint", "expires_at", "status", "headers", "body"),
}
STATES = ("live", "deleted")


class StateFileError(Exception):
    """The state file cannot be used: not SQLite, not ours, another version, or damaged."""


# -- values ------------------------------------------------------------------------------------


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


@functools.cache  # a handful of paths, named on every row
def _class_at(path: str) -> type:
    """The dataclass a file names, refused unless it is one of the mock's own."""
    module_name, _, qualname = path.partition(":")
    if not module_name.startswith(TRUSTED_PREFIX) or not qualname:
        raise StateFileError(f"row type {path!r} is not one of the mock's classes")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise StateFileError(f"row type {path!r} does not exist in this version of the mock") \
            from None
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise StateFileError(f"{path!r} is not a row type")
    return obj


def encode(value: Any) -> Any:
    """A JSON-ready form of a row's field value (see the module docstring for the tags)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"$set" if isinstance(value, set) else "$frozenset":
                [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$obj": _class_path(type(value)),
                "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"the state file cannot hold a {type(value).__qualname__}: {value!r}")


def decode(raw: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(raw, list):
        return [decode(v) for v in raw]
    if not isinstance(raw, dict):
        return raw
    tag = next((k for k in raw if k.startswith("$")), None)
    if tag is None:
        return {k: decode(v) for k, v in raw.items()}
    if tag == "$obj":
        fields = raw["f"]
        return _build(_class_at(raw[tag]), list(fields), [decode(v) for v in fields.values()])
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise StateFileError(f"unknown value tag {tag!r}")
    return decoder(raw[tag])


_DECODERS: dict[str, Callable[[Any], Any]] = {  # a tag's body back to its value (`$obj`: above)
    "$dec": lambda b: Decimal(str(b)),
    "$b64": lambda b: base64.b64decode(b, validate=True),
    "$dt": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$tuple": lambda b: tuple(decode(v) for v in b),
    "$set": lambda b: {decode(v) for v in b},
    "$frozenset": lambda b: frozenset(decode(v) for v in b),
    "$map": lambda b: {decode(k): decode(v) for k, v in b},
}


def _default(f: dataclasses.Field[Any], missing: str) -> Any:
    """The value a field the file lacks takes: its default, or a refusal saying `missing`."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    raise StateFileError(missing)


def _build(cls: type, names: list[str], values: list[Any]) -> Any:
    """A row of `cls` from saved fields, without running `__init__`/`__post_init__` (the row
    was valid when saved). A field the file lacks takes its default; an unknown one is refused.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(names) - set(fields)
    if unknown:
        raise StateFileError(f"{cls.__qualname__} rows in the file have fields this mock does "
                             f"not know: {', '.join(sorted(unknown))}")
    given = dict(zip(names, values, strict=True))
    obj: Any = object.__new__(cls)
    for name, f in fields.items():
        value = given[name] if name in given else _default(
            f, f"{cls.__qualname__} rows in the file lack the field {name!r}")
        object.__setattr__(obj, name, value)
    return obj




Check = Callable[[Any], bool]


def _always(value: Any) -> bool:
    return True


_CHECKS: dict[Any, Check] = {}


def _check(hint: Any) -> Check:
    """The test a field value of type `hint` must pass, worked out once per hint: a state file
    holds a million rows of a dozen fields, and reading the hint's origin and arguments on
    every value was most of a restart (18 s of 19 at 200k rows, profiled). Hand-written
    because row fields use a handful of plain types (str, int, bool, Decimal, unions with None,
    small frozen dataclasses); a validation library would also run `__post_init__` on the
    rows."""
    try:
        check = _CHECKS.get(hint)
    except TypeError:  # an unhashable hint: built each time
        return _build_check(hint)
    if check is None:
        check = _CHECKS[hint] = _build_check(hint)
    return check


def _build_check(hint: Any) -> Check:
    if hint is Any or isinstance(hint, typing.TypeVar):
        return _always
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if all(a is type(None) or (isinstance(a, type) and a not in (bool, int, float)
                                   and typing.get_origin(a) is None) for a in args):
            plain = tuple(args)  # `str | None`, `Decimal | None`: one isinstance
            return lambda value: isinstance(value, plain)
        checks = tuple(_check(a) for a in args)
        return lambda value: any(check(value) for check in checks)
    if hint is None or hint is type(None):
        return lambda value: value is None
    if origin is typing.Literal:
        return lambda value: value in args
    if hint is bool:
        return lambda value: type(value) is bool
    if hint is int:
        return lambda value: type(value) is int
    if hint is float:
        return lambda value: type(value) in (int, float)
    if origin in (list, tuple, set, frozenset):
        kind: type[Collection[Any]] = origin
        if origin is tuple and args and args[-1] is not Ellipsis:
            each = tuple(_check(a) for a in args)

            def fixed(value: Any) -> bool:
                return isinstance(value, tuple) and len(value) == len(each) and all(
                    check(v) for check, v in zip(each, value, strict=True))
            return fixed
        item = _check(args[0]) if args else _always

        def items(value: Any) -> bool:
            return isinstance(value, kind) and all(item(v) for v in value)
        return items
    if origin is dict:
        if not args:
            return lambda value: isinstance(value, dict)
        key, val = _check(args[0]), _check(args[1])
        return lambda value: isinstance(value, dict) and all(
            key(k) and val(v) for k, v in value.items())
    if isinstance(hint, type):
        return lambda value: isinstance(value, hint)
    return _always  # a construct rows do not use (Callable, …): not checked


@functools.cache
def _plan(cls: type) -> tuple[frozenset[str], tuple[tuple[str, dataclasses.Field[Any], Check],
                                                     ...]]:
    """A row class's field names, and each field with the check of its declared type."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    return (frozenset(f.name for f in fields),
            tuple((f.name, f, _check(hints.get(f.name, Any))) for f in fields))


def _row(cls: type, data: dict[str, Any]) -> Any:
    """A row of `cls` from its saved fields, each of its declared type, without running
    `__init__`/`__post_init__` (the row was valid when written). A field the file lacks takes
    its default; an unknown one is refused."""
    names, fields = _plan(cls)
    if not names.issuperset(data):
        unknown = set(data) - names
        raise StateFileError(f"{cls.__qualname__} has no field {', '.join(sorted(unknown))}")
    obj: Any = object.__new__(cls)
    for name, f, check in fields:
        if name in data:
            value = data[name]
            if type(value) not in _PLAIN:  # most are (`decode` would hand them back): a call
                # saved per field, ~1.5 s of the ~9 s a 200k-row restart read without it
                value = decode(value)
            if not check(value):
                raise StateFileError(
                    f"{cls.__qualname__}.{name} should be "
                    f"{_type_name(typing.get_type_hints(cls)[name])}, "
                    f"not {type(value).__name__} ({value!r:.60})")
        else:
            value = _default(f, f"{cls.__qualname__} lacks the field {name!r}")
        object.__setattr__(obj, name, value)
    return obj


def _type_name(hint: Any) -> str:
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def _row_json(row: Any) -> str:
    return json.dumps({f.name: encode(getattr(row, f.name)) for f in dataclasses.fields(row)},
                      separators=(",", ":"), ensure_ascii=False)


# -- reading a database -----------------------------------------------------------------------


@dataclasses.dataclass
class Loaded:
    """Everything read from a database, decoded and checked, not yet in any store."""

    cursor_secret: bytes
    clock_offset: float
    # tenant -> resource -> rows in `seq` order, as (live?, row)
    rows: dict[str, dict[str, list[tuple[bool, Any]]]]
    blobs: dict[str, dict[str, bytes]]
    entries: list[tuple[str, str, Entry]]
    last_seq: int


def _check_file(path: Path) -> bool:
    """False for a new database (no file, or an empty one); refuses what is not SQLite."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read it ({exc.strerror})") from None
    if not head:
        return False
    if head != SQLITE_MAGIC:
        older = " (it looks like the JSON state file of an older mock)" \
            if head.lstrip().startswith(b"{") else ""
        raise StateFileError(f"{path}: not a SQLite database{older}; move it away or name "
                             "another file")
    return True


def _tables(conn: sqlite3.Connection, path: Path) -> set[str]:
    try:
        return {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path}: the database is damaged ({exc})") from None


def _unfinished(conn: sqlite3.Connection, tables: set[str]) -> bool:
    """Our tables, all empty: a first start-up that ended before its first commit."""
    return tables == set(SCHEMA) and not any(
        conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in SCHEMA)


def _verify_schema(conn: sqlite3.Connection, path: Path, tables: set[str], *,
                   marked: bool = True) -> None:
    if not set(SCHEMA) <= tables:
        raise StateFileError(
            f"{path}: a SQLite database, but not a Smart Finance mock state file (it has the "
            f"tables {', '.join(sorted(tables))})")
    for table, columns in COLUMNS.items():
        have = tuple(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
        if have != columns:
            raise StateFileError(f"{path}: table {table} has the columns {', '.join(have)}, "
                                 f"not {', '.join(columns)}")
    if not marked:
        return
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    if meta.get("format") != FORMAT:
        raise StateFileError(f"{path}: a SQLite database, but not a Smart Finance mock state "
                             "file (no format mark in its meta table)")
    if meta.get("version") != str(VERSION):
        raise StateFileError(
            f"{path}: written in state format version {meta.get('version')}; this mock reads "
            f"version {VERSION}. Move the file away to start afresh.")


def _read(conn: sqlite3.Connection, path: Path, known: set[str]) -> Loaded:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    try:
        secret = bytes.fromhex(str(meta["cursor_secret"]))
    except (KeyError, ValueError):
        raise StateFileError(f"{path}: meta.cursor_secret is missing or not hex") from None
    if len(secret) < 16:
        raise StateFileError(f"{path}: meta.cursor_secret is shorter than 16 bytes")
    try:
        offset = float(meta.get("clock_offset_seconds", "0"))
    except (TypeError, ValueError):
        raise StateFileError(f"{path}: meta.clock_offset_seconds is not a number") from None
    if not (math.isfinite(offset) and 0 <= offset <= MAX_CLOCK_OFFSET_SECONDS):
        raise StateFileError(f"{path}: meta.clock_offset_seconds is {offset:g}, outside 0 .. "
                             f"{MAX_CLOCK_OFFSET_SECONDS:g}")

    rows: dict[str, dict[str, list[tuple[bool, Any]]]] = {}
    seen: set[tuple[str, str, str]] = set()
    last_seq = 0
    for tenant, resource, row_id, seq, state, type_path, data in conn.execute(
            "SELECT tenant, resource, id, seq, state, type, data FROM rows ORDER BY seq"):
        where = f"row {resource}/{row_id} of tenant {tenant}"
        if not all(isinstance(v, str) for v in (tenant, resource, row_id, type_path, data)) \
                or type(seq) is not int:
            raise StateFileError(f"{path}: {where} has a value of the wrong type")
        if resource not in known:
            raise StateFileError(f"{path}: {where}: this mock has no table {resource!r}")
        if state not in STATES:
            raise StateFileError(f"{path}: {where}: state {state!r} is not live or deleted")
        if (tenant, resource, row_id) in seen:
            raise StateFileError(f"{path}: {where} appears twice (duplicate row id)")
        seen.add((tenant, resource, row_id))
        try:
            fields = strictjson.loads(data, max_depth=MAX_ROW_DEPTH)
            if not isinstance(fields, dict):
                raise StateFileError("its data is not a JSON object")
            row = _row(_class_at(type_path), fields)
        except strictjson.JsonRefused as exc:
            raise StateFileError(f"{path}: {where}: its data is refused: {exc.reason}") from None
        except StateFileError as exc:
            raise StateFileError(f"{path}: {where}: {exc}") from None
        except (TypeError, ValueError, KeyError, IndexError, ArithmeticError) as exc:
            raise StateFileError(f"{path}: {where}: {type(exc).__name__}: {exc}") from None
        if getattr(row, "id", None) != row_id:
            raise StateFileError(f"{path}: {where}: its data says id {getattr(row, 'id', None)!r}")
        rows.setdefault(tenant, {}).setdefault(resource, []).append((state == "live", row))
        last_seq = max(last_seq, seq)

    blobs: dict[str, dict[str, bytes]] = {}
    for tenant, blob_id, content in conn.execute("SELECT tenant, id, content FROM blobs"):
        if not (isinstance(tenant, str) and isinstance(blob_id, str)
                and isinstance(content, bytes)):
            raise StateFileError(f"{path}: blob {blob_id!r} has a value of the wrong type")
        blobs.setdefault(tenant, {})[blob_id] = content

    entries: list[tuple[str, str, Entry]] = []
    for tenant, key, fingerprint, expires_at, status, headers, body in conn.execute(
            "SELECT tenant, key, fingerprint, expires_at, status, headers, body "
            "FROM idempotency ORDER BY expires_at"):
        where = f"idempotency key {key!r} of tenant {tenant!r}"
        try:
            if not (isinstance(tenant, str) and isinstance(key, str)
                    and isinstance(fingerprint, str) and isinstance(body, bytes)
                    and type(status) is int and 100 <= status <= 599):
                raise ValueError("a value of the wrong type")
            expires = datetime.fromisoformat(str(expires_at))
            if expires.tzinfo is None:
                raise ValueError("expires_at has no time zone")
            pairs = strictjson.loads(headers, max_depth=2)
            if not (isinstance(pairs, list) and all(
                    isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
                    for p in pairs)):
                raise ValueError("headers is not a list of [name, value] pairs")
        except (ValueError, TypeError) as exc:
            raise StateFileError(f"{path}: {where}: {exc}") from None
        entries.append((tenant, key, Entry(
            fingerprint=fingerprint, expires_at=expires, status=status,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs],
            body=body, done=True)))
    return Loaded(secret, offset, rows, blobs, entries, last_seq)


# -- the journal -------------------------------------------------------------------------------


class Journal:
    """The database behind one store: `open` it (checked and read), `attach` it to the store
    (loaded, and changes tracked from then on), `commit` before each response, `close`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, loaded: Loaded | None) -> None:
        self.path = path
        self._conn = conn
        self.loaded = loaded
        self.store: Store | None = None
        self.cache: IdempotencyCache | None = None
        self._seq = loaded.last_seq if loaded else 0
        self._lock = threading.Lock()
        self.durable = 0  # the `Changes.version` on disk
        self._offset_written: float | None = None
        self._meta: dict[str, str] = {}  # meta rows still to write (a new database's)
        self.commits = 0

    @property
    def restored(self) -> bool:
        """Whether the database held a state (False: a new one, to be seeded)."""
        return self.loaded is not None

    @classmethod
    def open(cls, path: Path, known_tables: set[str]) -> Journal:
        """Open (or create) the database at `path`; a file that exists is checked and read
        whole before anything is written to it. `StateFileError` says why it cannot be used."""
        path = Path(path)
        exists = _check_file(path)
        if not exists:
            try:  # created 0600 before SQLite opens it; its -wal and -shm files follow suit
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise StateFileError(f"{path}: cannot create it ({exc.strerror})") from None
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StateFileError(f"{path}: cannot open it ({exc})") from None
        try:
            tables = _tables(conn, path)
            loaded = None
            if tables and not _unfinished(conn, tables):
                _verify_schema(conn, path, tables)
                with collector_paused():  # a million rows, no garbage cycles
                    loaded = _read(conn, path, known_tables)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            if not tables:
                conn.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA.values():
                    conn.execute(statement)
                conn.execute("COMMIT")
            elif loaded is None:
                _verify_schema(conn, path, tables, marked=False)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StateFileError(f"{path}: the database is damaged ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, loaded)

    def attach(self, store: Store, cache: IdempotencyCache) -> None:
        """Load what was read into the (empty) store and cache, then track every change."""
        self.store, self.cache = store, cache
        loaded = self.loaded
        with store.lock, collector_paused():
            store.changes.enabled = False
            if loaded is not None:
                store.cursors.secret = loaded.cursor_secret
                if loaded.clock_offset > 0:
                    store.clock.advance(loaded.clock_offset)
                for tenant, tables in loaded.rows.items():
                    ts = store.tenant(tenant)
                    with ts.bulk():  # as a seed: the sort indexes built once, at the end
                        for resource, rows in tables.items():
                            table = ts.tables[resource]
                            for live, row in rows:
                                try:
                                    if live:
                                        table.insert(row)
                                    else:
                                        table.tombstones[row.id] = row
                                except ValueError as exc:  # Table.insert: the id is taken
                                    raise StateFileError(
                                        f"{self.path}: {exc} (duplicate row id)") from None
                for tenant, blobs in loaded.blobs.items():
                    store.tenant(tenant).blobs.update(blobs)
                now = store.clock.now()
                for tenant, key, entry in loaded.entries:
                    if entry.expires_at > now:
                        cache.restore(tenant, key, entry)
                self.loaded = dataclasses.replace(loaded, rows={}, blobs={}, entries=[])
            store.changes.take()  # what loading marked is already on disk
            store.changes.enabled = True
        if loaded is None:
            # Written with the first commit (the demo seed, if any): a start-up killed before
            # it leaves a database that is still taken for new, never an empty "state".
            self._meta = {"format": FORMAT, "version": str(VERSION),
                          "cursor_secret": store.cursors.secret.hex()}
        else:
            self._offset_written = store.clock.offset.total_seconds()
            with self._transaction():
                self._conn.execute("DELETE FROM idempotency WHERE expires_at <= ?",
                                   (store.clock.now().isoformat(),))

    @contextlib.contextmanager
    def _transaction(self) -> Any:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def pending(self) -> bool:
        """Whether anything changed since the last commit (cheap: no lock, no thread)."""
        assert self.store is not None
        return self.store.changes.version != self.durable or bool(self._meta) or \
            self.store.clock.offset.total_seconds() != self._offset_written

    async def commit(self) -> None:
        """Make every change so far durable, off the event loop."""
        if self.pending():
            await asyncio.to_thread(self.flush)

    def flush(self) -> None:
        """Write every change marked so far in one transaction, and wait for it to be on disk.
        Commits are serialised: one that returns has also seen every earlier one finish."""
        store, cache = self.store, self.cache
        assert store is not None and cache is not None, "attach() first"
        with self._lock:
            with store.lock:
                taken = store.changes.take()
                batch = self._batch(store, cache, taken)
                offset = store.clock.offset.total_seconds()
            if not (batch or taken.cleared or self._meta) and offset == self._offset_written:
                self.durable = taken.version
                return
            try:
                with self._transaction():
                    self._apply(taken.cleared, batch, offset)
            except BaseException:
                store.changes.give_back(taken)
                raise
            self._offset_written = offset
            self._meta = {}
            self.durable = taken.version
            self.commits += 1

    def _batch(self, store: Store, cache: IdempotencyCache, taken: TakenChanges
               ) -> list[tuple[str, tuple[Any, ...]]]:
        """The SQL of the taken marks, read from the store as it is now (under its lock)."""
        out: list[tuple[str, tuple[Any, ...]]] = []
        for tenant, resource, row_id in taken.rows:
            ts = store.find(tenant)
            table = ts.tables[resource] if ts is not None else None
            row = table.rows.get(row_id) if table is not None else None
            state = "live"
            if row is None and table is not None:
                row, state = table.tombstones.get(row_id), "deleted"
            if row is None:
                out.append(("DELETE FROM rows WHERE tenant = ? AND resource = ? AND id = ?",
                            (tenant, resource, row_id)))
                continue
            self._seq += 1
            out.append(("INSERT INTO rows (tenant, resource, id, seq, state, type, data) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, resource, id) DO "
                        "UPDATE SET state = excluded.state, type = excluded.type, "
                        "data = excluded.data",
                        (tenant, resource, row_id, self._seq, state, _class_path(type(row)),
                         _row_json(row))))
        for tenant, blob_id in taken.blobs:
            ts = store.find(tenant)
            blob = ts.blobs.get(blob_id) if ts is not None else None
            if blob is None:
                out.append(("DELETE FROM blobs WHERE tenant = ? AND id = ?", (tenant, blob_id)))
            else:
                out.append(("INSERT OR REPLACE INTO blobs (tenant, id, content) VALUES (?, ?, ?)",
                            (tenant, blob_id, blob)))
        for tenant, key in taken.keys:
            entry = cache.peek(tenant, key)
            if entry is None:
                out.append(("DELETE FROM idempotency WHERE tenant = ? AND key = ?",
                            (tenant, key)))
            elif entry.done:
                headers = json.dumps([[k.decode("latin-1"), v.decode("latin-1")]
                                      for k, v in entry.headers])
                out.append(("INSERT OR REPLACE INTO idempotency (tenant, key, fingerprint, "
                            "expires_at, status, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (tenant, key, entry.fingerprint, entry.expires_at.isoformat(),
                             entry.status, headers, entry.body)))
        return out

    def _apply(self, cleared: bool, batch: list[tuple[str, tuple[Any, ...]]],
               offset: float) -> None:
        conn = self._conn
        if cleared:
            for table in ("rows", "blobs", "idempotency"):
                conn.execute(f"DELETE FROM {table}")
        for sql, params in batch:
            conn.execute(sql, params)
        meta = dict(self._meta)
        if offset != self._offset_written:
            meta["clock_offset_seconds"] = repr(offset)
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", meta.items())

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_journal(path: Path, store: Store) -> Journal:
    """`Journal.open` for the tables `store` has."""
    return Journal.open(path, {spec.resource for spec in store.specs})


class Durable:
    """Holds each response's first message until the journal has committed every change made
    so far; a commit that fails answers 503 instead (the change stays marked and is retried
    by the next commit). Outermost in the app, so errors, the admin surface and idempotent
    replays are covered alike."""

    def __init__(self, app: ASGIApp, *, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        failed = False

        async def send_durable(message: Message) -> None:
            nonlocal held, failed
            if failed:
                return
            if message["type"] == "http.response.start":
                held = message
                return
            if held is not None:
                start, held = held, None
                try:
                    await self.journal.commit()
                except Exception:
                    LOGGER.exception("could not write to the state file %s", self.journal.path)
                    failed = True
                    status, headers, body = render(ApiProblem(
                        503, "journal_unavailable",
                        "The change could not be written to the state file; it was not saved "
                        "durably. Retry later.", headers={"Retry-After": "1"}))
                    await send({"type": "http.response.start", "status": status,
                                "headers": [(k.lower().encode(), v.encode())
                                            for k, v in headers.items()]})
                    await send({"type": "http.response.body", "body": body})
                    return
                await send(start)
            await send(message)

        await self.app(scope, receive, send_durable)
