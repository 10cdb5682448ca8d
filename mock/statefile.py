"""`python -m mock --state-file PATH`: the whole mock state saved to, and loaded from, one file.

What is saved: every tenant's tables (live rows and tombstones, internal tables included), its
attachment blobs, the finished entries of the idempotency cache, the cursor secret (so cursors
handed out before a restart keep working) and the clock's offset. Indexes are not saved: they
are rebuilt by inserting the rows again, in their original order.

The file is JSON with explicit, tagged encodings (no pickle: loading never runs code named by
the file). A row is a slotted dataclass of `mock.domain`; a table lists its row classes once,
with their field names, and each row as a list of values. Values that JSON has no type for are
tagged objects: `{"$dec": "10.50"}`, `{"$b64": "…"}`, `{"$dt": "…"}`, `{"$date": "…"}`,
`{"$tuple": […]}`, `{"$set": […]}`, `{"$map": [[k, v], …]}`, `{"$obj": "mod:Class", "f": {…}}`.
Plain dicts never hold a `$` key, so the tags are unambiguous.

Writes are atomic: a temporary file in the same directory, flushed and fsync'ed, then
`os.replace`d over the old one (and the directory fsync'ed), so a crash mid-write leaves the
previous file whole. A file with another `version`, or one that does not parse, is refused
with `StateFileError` (and `python -m mock` exits non-zero) rather than half-loaded.
The file holds the cursor secret and the stored responses: it is written with mode 0600.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import importlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mock.idempotency import Entry, IdempotencyCache
from mock.store import Store

FORMAT = "smart-finance-mock-state"
# Bump on any change a reader of the previous version would misread.
VERSION = 1
DEFAULT_INTERVAL = 30.0
# Row classes may only come from the mock's own packages: the file names classes by path.
TRUSTED_PREFIX = "mock."

_PLAIN = (str, int, bool, float, type(None))
LOGGER = logging.getLogger("mock.statefile")


class StateFileError(Exception):
    """The state file cannot be used: unreadable, corrupt, or from an incompatible version."""


# -- values ------------------------------------------------------------------------------------


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


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
    body = raw[tag]
    decoders: dict[str, Callable[[Any], Any]] = {
        "$dec": lambda b: Decimal(str(b)),
        "$b64": lambda b: base64.b64decode(b, validate=True),
        "$dt": datetime.fromisoformat,
        "$date": date.fromisoformat,
        "$tuple": lambda b: tuple(decode(v) for v in b),
        "$set": lambda b: {decode(v) for v in b},
        "$frozenset": lambda b: frozenset(decode(v) for v in b),
        "$map": lambda b: {decode(k): decode(v) for k, v in b},
        "$obj": lambda b: _build(_class_at(b), list(raw["f"]), [decode(v) for v in
                                                                 raw["f"].values()]),
    }
    if tag not in decoders:
        raise StateFileError(f"unknown value tag {tag!r}")
    return decoders[tag](body)


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
        if name in given:
            value = given[name]
        elif f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            raise StateFileError(f"{cls.__qualname__} rows in the file lack the field {name!r}")
        object.__setattr__(obj, name, value)
    return obj


# -- the state <-> a JSON document -------------------------------------------------------------


def _encode_rows(rows: list[Any], types: dict[type, int], shapes: list[dict[str, Any]]
                 ) -> list[list[Any]]:
    out = []
    for row in rows:
        cls = type(row)
        index = types.get(cls)
        if index is None:
            index = types[cls] = len(shapes)
            shapes.append({"class": _class_path(cls),
                           "fields": [f.name for f in dataclasses.fields(cls)]})
        out.append([index, *(encode(getattr(row, name)) for name in shapes[index]["fields"])])
    return out


def snapshot(store: Store, cache: IdempotencyCache | None = None) -> dict[str, Any]:
    """The whole state as a JSON-ready document, taken under the store's lock."""
    with store.lock:
        tenants: dict[str, Any] = {}
        for tenant_id in store.tenant_ids:
            ts = store.tenant(tenant_id)
            tables: dict[str, Any] = {}
            for name, table in ts.tables.items():
                types: dict[type, int] = {}
                shapes: list[dict[str, Any]] = []
                rows = _encode_rows(list(table.rows.values()), types, shapes)
                tombstones = _encode_rows(list(table.tombstones.values()), types, shapes)
                if rows or tombstones:
                    tables[name] = {"types": shapes, "rows": rows, "tombstones": tombstones}
            tenants[tenant_id] = {
                "tables": tables,
                "blobs": {key: encode(blob) for key, blob in ts.blobs.items()},
            }
        offset = store.clock.offset
        entries = cache.items() if cache is not None else []
    return {
        "format": FORMAT,
        "version": VERSION,
        "cursor_secret": encode(store.cursors.secret),
        "clock_offset_seconds": offset.total_seconds(),
        "tenants": tenants,
        "idempotency": [
            {"tenant": tenant, "key": key, "fingerprint": e.fingerprint,
             "expires_at": e.expires_at.isoformat(), "status": e.status,
             "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in e.headers],
             "body": encode(e.body)}
            for (tenant, key), e in entries if e.done  # one still running is not a result yet
        ],
    }


def _decode_rows(raw_rows: list[Any], shapes: list[tuple[type, list[str]]]) -> list[Any]:
    return [_build(shapes[raw[0]][0], shapes[raw[0]][1], [decode(v) for v in raw[1:]])
            for raw in raw_rows]


def restore(doc: dict[str, Any], store: Store, cache: IdempotencyCache | None = None) -> None:
    """Load a document from `snapshot` into an empty store (and cache).

    Everything is decoded before the store is touched, so a bad file changes nothing.
    """
    try:
        secret = decode(doc["cursor_secret"])
        offset = float(doc.get("clock_offset_seconds", 0.0))
        tenants: dict[str, tuple[dict[str, tuple[list[Any], list[Any]]], dict[str, bytes]]] = {}
        known = {spec.resource for spec in store.specs}
        for tenant_id, raw in doc["tenants"].items():
            tables = {}
            for name, raw_table in raw["tables"].items():
                if name not in known:
                    raise StateFileError(f"the file has a table {name!r} this mock does not have")
                shapes = [(_class_at(s["class"]), list(s["fields"])) for s in raw_table["types"]]
                tables[name] = (_decode_rows(raw_table["rows"], shapes),
                                _decode_rows(raw_table["tombstones"], shapes))
            blobs = {key: decode(blob) for key, blob in raw["blobs"].items()}
            tenants[tenant_id] = (tables, blobs)
        entries = [(e["tenant"], e["key"], e["fingerprint"],
                    datetime.fromisoformat(e["expires_at"]), int(e["status"]),
                    [(k.encode("latin-1"), v.encode("latin-1")) for k, v in e["headers"]],
                    decode(e["body"]))
                   for e in doc.get("idempotency", [])]
    except StateFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise StateFileError(f"the state file is corrupt ({type(exc).__name__}: {exc})") \
            from None
    if not isinstance(secret, bytes):
        raise StateFileError("the state file is corrupt (cursor_secret is not bytes)")

    with store.lock:
        store.reset()
        store.cursors.secret = secret
        if offset > 0:
            store.clock.advance(offset)
        for tenant_id, (tables, blobs) in tenants.items():
            ts = store.tenant(tenant_id)
            for name, (rows, tombstones) in tables.items():
                table = ts.tables[name]
                for row in rows:
                    table.insert(row)
                for row in tombstones:
                    table.tombstones[row.id] = row
            ts.blobs.update(blobs)
    if cache is not None:
        cache.clear()
        for tenant, key, fingerprint, expires_at, status, headers, body in sorted(
                entries, key=lambda e: e[3]):
            cache.restore(tenant, key, Entry(fingerprint=fingerprint, expires_at=expires_at,
                                             status=status, headers=headers, body=body,
                                             done=True))


# -- the file ----------------------------------------------------------------------------------


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader (or a crash) sees the old or the new file,
    never a mix: tmp file in the same directory (same filesystem), fsync, rename, fsync dir."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read(path: Path) -> dict[str, Any]:
    """The document in `path`, checked for format and version (not yet decoded)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise StateFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise StateFileError(f"{path} is corrupt: it is not valid JSON (truncated or edited?)") \
            from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StateFileError(f"{path} is not a Smart Finance mock state file")
    if doc.get("version") != VERSION:
        raise StateFileError(
            f"{path} was written in state format version {doc.get('version')!r}; this mock "
            f"reads version {VERSION}. Move the file away (or delete it) to start afresh.")
    return doc


def save(path: Path, store: Store, cache: IdempotencyCache | None = None) -> None:
    write_atomic(path, dumps(snapshot(store, cache)))


def load(path: Path, store: Store, cache: IdempotencyCache | None = None) -> bool:
    """Load `path` into the store if it exists; False when there is no file yet."""
    if not Path(path).exists():
        return False
    restore(read(path), store, cache)
    return True


class AutoSaver:
    """Saves the state every `interval` seconds (when it changed) and once more on shutdown.

    Saves never overlap: the periodic task and the final save share one lock. The snapshot is
    taken under the store's lock; encoding and writing happen outside it.
    """

    def __init__(self, path: Path, store: Store, cache: IdempotencyCache | None,
                 interval: float = DEFAULT_INTERVAL) -> None:
        self.path = Path(path)
        self.store = store
        self.cache = cache
        self.interval = interval
        self._lock = threading.Lock()
        self._last: bytes | None = None
        self.saves = 0

    def save_now(self) -> bool:
        """Write the state if it differs from the last write; True when it wrote."""
        with self._lock:
            data = dumps(snapshot(self.store, self.cache))
            if data == self._last and self.path.exists():
                return False
            write_atomic(self.path, data)
            self._last = data
            self.saves += 1
            return True

    async def run(self) -> None:
        """Save periodically until cancelled (runs beside the server in its event loop)."""
        if self.interval <= 0:
            return
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self.save_now)
            except Exception:  # a failed save (disk full, …) must not stop the next ones
                LOGGER.exception("could not save the state to %s", self.path)
