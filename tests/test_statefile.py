"""`--db` / `--state-file`: a SQLite journal of record (mock.statefile). Every acknowledged write
survives SIGKILL; damaged or foreign files stop start-up with one line and are left untouched."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from starlette.testclient import TestClient

from conformance.targets import free_port
from fixtures import factories, seed, tokens
from mock import seeding, statefile
from mock.app import create_app, new_store
from mock.domain.links import Allocation
from mock.statefile import StateFileError
from mock.store import Store, TenantStore, _ids
from tests.conftest import bearer

AUTH = bearer(tokens.standard_tokens().tenant_a)
THIRD = "c0c0c0c0-0000-4000-8000-00000000000c"


_OPEN: list[statefile.Journal] = []


@pytest.fixture(autouse=True)
def _close_journals() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _journaled(path: Path, *, demo: bool = False) -> Any:
    """An app with its journal at `path` (the demo data seeded and committed if `demo`);
    closed after the test."""
    store = new_store()
    journal = statefile.open_journal(path, store)
    _OPEN.append(journal)
    app = create_app(store, journal=journal)
    if demo and not journal.restored:
        for tenant in (tokens.TENANT_A, tokens.TENANT_B):
            seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
    journal.flush()
    return app


def _same_tables(a: TenantStore, b: TenantStore) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name, table in a.tables.items():
        other = b.tables[name]
        assert list(table.rows) == list(other.rows), name  # same rows, same order
        assert list(table.rows.values()) == list(other.rows.values()), name
        assert table.tombstones == other.tombstones, name
        # The indexes and running sums a restore builds (in one bulk load) read the same.
        for sort in table.spec.sorts:
            assert list(table._sorted[sort]) == list(other._sorted[sort]), (name, sort)
        for attr, index in table._eq.items():
            assert {v: sorted(_ids(index, v)) for v in index} == {
                v: sorted(_ids(other._eq[attr], v)) for v in other._eq[attr]}, (name, attr)
        assert table._totals == other._totals, name
    assert a.blobs == b.blobs


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- in process --------------------------------------------------------------------------------


def test_every_answered_write_is_in_the_database_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = _journaled(path, demo=True)
    store: Store = app.store
    seeding.apply(store.tenant(THIRD), seed.large_dataset(THIRD, 300))
    with TestClient(app) as client:
        company = factories.make_company(factories.make_faker(3))
        key = AUTH | {"Idempotency-Key": "state-file-key"}
        assert client.post("/v1/companies", headers=key, json=company).status_code == 201
        firm = client.get("/v1/companies", headers=AUTH).json()["data"][0]
        person = client.post("/v1/people", headers=AUTH, json=factories.make_person(
            factories.make_faker(7), firm["id"])).json()
        assert client.delete(f"/v1/people/{person['id']}", headers=AUTH).status_code == 204
        assert client.post("/__mock/clock", json={"advance_seconds": 90}).status_code == 200
        third = bearer(tokens.mint_token(THIRD))
        page = client.get("/v1/transactions", headers=third, params={"limit": 7}).json()
    assert path.stat().st_mode & 0o777 == 0o600  # it holds the cursor secret and answers

    again = _journaled(path)  # read back while the first is still open: all of it is on disk
    new: Store = again.store
    assert sorted(new.tenant_ids) == sorted(store.tenant_ids)
    for tenant in store.tenant_ids:
        _same_tables(store.tenant(tenant), new.tenant(tenant))
    assert any(t.tombstones for t in new.tenant(tokens.TENANT_A).tables.values())
    assert new.tenant(tokens.TENANT_A).blobs
    assert new.cursors.secret == store.cursors.secret
    assert abs(new.clock.offset.total_seconds() - 90) < 1
    assert len(again.idempotency) == len(app.idempotency) == 1
    with TestClient(app) as before, TestClient(again) as after:
        cursor = {"limit": 7, "cursor": page["next_cursor"]}
        assert after.get("/v1/transactions", headers=third, params=cursor).json() == \
            before.get("/v1/transactions", headers=third, params=cursor).json()
        replay = after.post("/v1/companies", json=company, headers=key)
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        for resource in ("companies", "people", "payables", "attachments", "accounts"):
            row = before.get(f"/v1/{resource}", headers=AUTH).json()["data"][0]["id"]
            assert after.get(f"/v1/{resource}/{row}", headers=AUTH).json() == \
                before.get(f"/v1/{resource}/{row}", headers=AUTH).json()


def test_the_database_is_plain_sqlite_with_the_documented_tables(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = _journaled(path, demo=True)
    with TestClient(app) as client:
        created = client.post("/v1/taxes", headers=AUTH, json={"name": "Plain SQLite"}).json()
    conn = sqlite3.connect(path)
    try:
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == set(statefile.COLUMNS)
        for table, columns in statefile.COLUMNS.items():
            assert tuple(r[1] for r in conn.execute(f"PRAGMA table_info({table})")) == columns
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        state, data = conn.execute("SELECT state, data FROM rows WHERE id = ?",
                                   (created["id"],)).fetchone()
        assert state == "live"
        assert json.loads(data)["name"] == "Plain SQLite"
    finally:
        conn.close()
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for table in statefile.COLUMNS:  # the README documents each table
        assert f"`{table}`" in readme


def test_a_reset_empties_the_database_too(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    app = _journaled(path, demo=True)
    with TestClient(app) as client:
        assert client.post("/__mock/reset").status_code == 200
        kept = client.post("/v1/taxes", headers=AUTH, json={"name": "after"}).json()
    again = _journaled(path)
    rows = [(t, n, i) for t in again.store.tenant_ids
            for n, table in again.store.tenant(t).tables.items() for i in table.rows]
    assert rows == [(tokens.TENANT_A, "taxes", kept["id"])]


def test_a_failed_commit_answers_503_and_is_retried(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.db"
    app = _journaled(path)
    journal: statefile.Journal = app.journal
    real = journal._apply
    calls = []

    def full_disk(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        real(*args)

    monkeypatch.setattr(journal, "_apply", full_disk)
    with TestClient(app) as client:
        first = client.post("/v1/taxes", headers=AUTH, json={"name": "one"})
        assert first.status_code == 503
        assert first.headers["content-type"] == "application/problem+json"
        second = client.post("/v1/taxes", headers=AUTH, json={"name": "two"})
        assert second.status_code == 201
    names = {row.name for row in _journaled(path).store.tenant(tokens.TENANT_A)["taxes"]}
    assert names == {"one", "two"}  # the first was kept in memory and written with the second


def test_values_of_every_kind_survive_encoding() -> None:
    value = {
        "decimal": Decimal("10.50"), "bytes": b"\x00\xff", "when": datetime(2026, 1, 2, tzinfo=UTC),
        "day": date(2026, 1, 2), "tuple": (1, "a"), "set": {3, 1}, "frozen": frozenset({"x"}),
        "$dollar": "a key that looks like a tag", "int_keys": {1: "one"}, "none": None,
        "nested": [{"deep": Decimal("0.01")}],
        "row": Allocation(id="a", owner="payables", owner_id="p", cost_center_id="c",
                          amount=Decimal("1.00"), percentage=None),
    }
    assert statefile.decode(json.loads(json.dumps(statefile.encode(value)))) == value
    with pytest.raises(TypeError):
        statefile.encode(object())


@pytest.mark.parametrize(("hint", "good", "bad"), [
    (str | None, ["a", None], [1, b"a", Decimal(1)]),
    (Decimal | None, [Decimal("1.00"), None], ["1.00", 1, 1.0]),
    (int, [0, -3], [True, 1.0, "1", None]),
    (bool, [True, False], [0, 1, None]),
    (int | None, [1, None], [False, "1"]),
    (float, [1, 1.5], [True, "1.5"]),  # an int is a float here, a bool is not
    (Literal["live", "deleted"], ["live", "deleted"], ["gone", None]),
    (list[str], [[], ["a", "b"]], [["a", 1], ("a",), "a"]),
    (tuple[str, int], [("a", 1)], [("a",), ("a", "1"), ["a", 1]]),
    (tuple[str, ...], [(), ("a", "b")], [("a", 1)]),
    (frozenset[str], [frozenset({"a"})], [{"a"}, frozenset({1})]),
    (dict[str, Decimal], [{}, {"a": Decimal(1)}], [{"a": 1}, {1: Decimal(1)}, []]),
    (dict[str, Any], [{"a": object()}], [[("a", 1)]]),
    (Allocation | None, [None, Allocation(id="a", owner="payables", owner_id="p",
                                          cost_center_id="c", amount=Decimal(1),
                                          percentage=None)], [{"id": "a"}]),
    (Any, [None, 1, object()], []),
])
def test_a_field_value_is_checked_against_its_declared_type(hint: Any, good: list[Any],
                                                             bad: list[Any]) -> None:
    check = statefile._check(hint)
    assert all(check(value) for value in good), good
    assert not any(check(value) for value in bad), bad
    assert statefile._check(hint) is check  # worked out once per hint


def test_rows_are_plain_dataclasses_the_file_can_name() -> None:
    store = new_store()
    seeding.apply(store.tenant(tokens.TENANT_A), seed.demo_dataset(tokens.TENANT_A))
    for table in store.tenant(tokens.TENANT_A).tables.values():
        for row in table.rows.values():
            assert dataclasses.is_dataclass(row)
            assert type(row).__module__.startswith(statefile.TRUSTED_PREFIX)


# -- damaged and foreign files -------------------------------------------------------------------


def _first_row(conn: sqlite3.Connection, resource: str) -> tuple[str, dict[str, Any]]:
    row_id, data = conn.execute("SELECT id, data FROM rows WHERE resource = ? ORDER BY seq "
                                "LIMIT 1", (resource,)).fetchone()
    return row_id, json.loads(data)


def _set_data(conn: sqlite3.Connection, row_id: str, data: dict[str, Any]) -> None:
    conn.execute("UPDATE rows SET data = ? WHERE id = ?", (json.dumps(data), row_id))


def _deep(conn: sqlite3.Connection) -> None:
    row_id, _ = _first_row(conn, "taxes")
    conn.execute("UPDATE rows SET data = ? WHERE id = ?",
                 ('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", row_id))


def _duplicate(conn: sqlite3.Connection) -> None:
    # Rebuilt without its primary key (as a hand edit might), then one row copied.
    conn.executescript(
        "CREATE TABLE copy AS SELECT * FROM rows; DROP TABLE rows; ALTER TABLE copy RENAME TO "
        "rows; INSERT INTO rows SELECT tenant, resource, id, seq + 100000, state, type, data "
        "FROM rows WHERE resource = 'companies' LIMIT 1;")


def _id_mismatch(conn: sqlite3.Connection) -> None:
    (first, data), (second, _) = conn.execute(
        "SELECT id, data FROM rows WHERE resource = 'taxes' ORDER BY seq LIMIT 2").fetchall()
    _set_data(conn, second, json.loads(data) | {"id": first})


def _wrong_type(conn: sqlite3.Connection) -> None:
    row_id, data = _first_row(conn, "companies")
    _set_data(conn, row_id, data | {"active": "yes"})


def _wrong_decimal(conn: sqlite3.Connection) -> None:
    row_id, data = _first_row(conn, "accounts")
    _set_data(conn, row_id, data | {"opening_balance": 12})


DAMAGE: dict[str, tuple[Callable[[sqlite3.Connection], object], str]] = {
    "very deep nesting": (_deep, "nested more than"),
    "a duplicate row id": (_duplicate, "duplicate row id"),
    "a row whose data names another id": (_id_mismatch, "its data says id"),
    "a huge clock offset": (lambda c: c.execute(
        "UPDATE meta SET value = '1e300' WHERE key = 'clock_offset_seconds'"), "clock_offset"),
    "a clock offset that is no number": (lambda c: c.execute(
        "UPDATE meta SET value = 'soon' WHERE key = 'clock_offset_seconds'"), "not a number"),
    "a wrong value type": (_wrong_type, "Company.active should be bool, not str"),
    "an int for a Decimal": (_wrong_decimal, "opening_balance should be Decimal"),
    "a blob that is text": (lambda c: c.execute("UPDATE blobs SET content = 'text'"),
                            "wrong type"),
    "a class outside the mock": (lambda c: c.execute(
        "UPDATE rows SET type = 'os:system' WHERE resource = 'taxes'"), "not one of the mock"),
    "another version": (lambda c: c.execute("UPDATE meta SET value = '9' WHERE key = 'version'"),
                        "version 9"),
    "an unknown table": (lambda c: c.execute(
        "UPDATE rows SET resource = 'unicorns' WHERE resource = 'taxes'"), "no table 'unicorns'"),
    "an unknown row state": (lambda c: c.execute("UPDATE rows SET state = 'zombie'"), "zombie"),
    "a missing table": (lambda c: c.execute("DROP TABLE blobs"), "not a Smart Finance"),
}


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a closed database holding the demo data."""
    path = tmp_path_factory.mktemp("good") / "state.db"
    app = _journaled(path, demo=True)
    _OPEN.remove(app.journal)
    app.journal.close()
    return path.read_bytes()


def _damaged(tmp_path: Path, good_db: bytes, damage: Callable[[sqlite3.Connection], object]
             ) -> Path:
    path = tmp_path / "state.db"
    path.write_bytes(good_db)
    conn = sqlite3.connect(path, isolation_level=None)
    damage(conn)
    conn.close()
    return path


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_database_is_refused_and_left_as_it_was(tmp_path: Path, good_db: bytes,
                                                          case: str) -> None:
    damage, reason = DAMAGE[case]
    path = _damaged(tmp_path, good_db, damage)
    before = _sha(path)
    store = new_store()
    with pytest.raises(StateFileError) as refused:
        statefile.open_journal(path, store)
    message = str(refused.value)
    assert message.startswith(f"{path}: "), message
    assert reason in message
    assert "\n" not in message
    assert _sha(path) == before
    assert store.tenant_ids == []


@pytest.mark.parametrize("content", [
    b"garbage that is not a database", b'{"format": "smart-finance-mock-state", "version": 1}',
    b"SQLite format 3\x00" + b"\xff" * 200, b"\x00" * 4096])
def test_a_file_that_is_not_our_database_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(content)
    with pytest.raises(StateFileError, match=f"^{path}: "):
        statefile.open_journal(path, new_store())
    assert path.read_bytes() == content


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = _sha(path)
    with pytest.raises(StateFileError, match="not a Smart Finance mock state file"):
        statefile.open_journal(path, new_store())
    assert _sha(path) == before


def test_a_start_up_killed_before_its_first_commit_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    statefile.open_journal(path, new_store()).close()  # schema made, nothing committed in it
    app = _journaled(path, demo=True)
    assert app.journal.restored is False
    assert len(app.store.tenant(tokens.TENANT_A)["companies"]) > 0


# -- python -m mock, killed and restarted -------------------------------------------------------


class Mock:
    """`python -m mock` in a subprocess on a free port."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mock", "--port", str(self.port), "--quiet", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.stderr()
            try:
                if httpx.get(f"{self.base}/__mock/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the mock did not start"
            time.sleep(0.05)
        self.http = httpx.Client(base_url=f"{self.base}/v1", headers=AUTH, timeout=10)

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read() if self.proc.poll() is not None else ""

    def stop(self, sig: int) -> int:
        self.http.close()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return code


@pytest.fixture
def mocks() -> Iterator[list[Mock]]:
    started: list[Mock] = []
    yield started
    for m in started:
        if m.proc.poll() is None:
            m.stop(signal.SIGKILL)
        m.http.close()
        if m.proc.stderr is not None:
            m.proc.stderr.close()


def _balances(http: httpx.Client) -> dict[str, str]:
    listed = http.get("/accounts", params={"limit": 100}).json()["data"]
    return {a["id"]: http.get(f"/accounts/{a['id']}").json()["balance"] for a in listed}


N = 30


def _n_writes(http: httpx.Client) -> dict[str, tuple[str, dict[str, Any]]]:
    """N acknowledged writes of three kinds, each under its own Idempotency-Key: companies,
    ledger transactions (they move a balance) and PATCHes; key -> (resource, answer)."""
    fake = factories.make_faker(11)
    company = http.post("/companies", json=factories.make_company(fake)).json()["id"]
    account = http.post("/accounts", json=factories.make_account(fake, company)).json()["id"]
    acknowledged: dict[str, tuple[str, dict[str, Any]]] = {}
    for i in range(N):
        key = f"kill-{i}"
        if i % 3 == 0:
            r = http.post("/companies", json=factories.make_company(fake),
                          headers={"Idempotency-Key": key})
            resource = "companies"
        elif i % 3 == 1:
            r = http.post("/transactions", headers={"Idempotency-Key": key},
                          json=factories.make_transaction(fake, company, account))
            resource = "transactions"
        else:
            tax = http.post("/taxes", json={"name": f"tax {i}"}).json()["id"]
            r = http.patch(f"/taxes/{tax}", json={"name": f"renamed {i}"},
                           headers={"Idempotency-Key": key})
            resource = "taxes"
        assert r.status_code in (200, 201), r.text
        acknowledged[key] = (resource, r.json())
    return acknowledged


def _burst(base: str, until: Callable[[int], bool]) -> tuple[list[tuple[str, dict[str, Any]]],
                                                              Callable[[], None]]:
    """Four writers POSTing taxes under keys as fast as they can; returns the acknowledged
    answers (filled as they come) and a function that stops the writers."""
    acknowledged: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=f"{base}/v1", headers=AUTH, timeout=10) as http:
            i = 0
            while not stop.is_set():
                key = f"burst-{n}-{i}"
                try:
                    r = http.post("/taxes", json={"name": key}, headers={"Idempotency-Key": key})
                except httpx.TransportError:
                    return  # killed mid-request: not acknowledged
                if r.status_code == 201:
                    with lock:
                        acknowledged.append((key, r.json()))
                i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while not until(len(acknowledged)) and time.monotonic() < deadline:
        time.sleep(0.01)

    def halt() -> None:
        stop.set()
        for t in threads:
            t.join(timeout=15)

    return acknowledged, halt


def test_sigkill_loses_no_acknowledged_write(tmp_path: Path, mocks: list[Mock]) -> None:
    """Killed after N acknowledged writes, then again in the middle of a concurrent burst:
    every acknowledged write is there after each restart, balances and keys included."""
    path = tmp_path / "state.db"
    first = Mock("--db", str(path), "--no-seed")
    mocks.append(first)
    acknowledged = _n_writes(first.http)
    balances = _balances(first.http)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = Mock("--db", str(path))
    mocks.append(second)
    for key, (resource, row) in acknowledged.items():
        got = second.http.get(f"/{resource}/{row['id']}")
        assert got.status_code == 200, (key, got.text)
        assert got.json() == row, key
    assert _balances(second.http) == balances
    # The keys survived: a retry replays the first answer instead of writing again.
    resource, row = acknowledged["kill-0"]
    replay = second.http.post("/companies", json={"name": "another body"},
                              headers={"Idempotency-Key": "kill-0"})
    assert replay.status_code == 422  # G-5: the key is known, with another request's body

    burst, halt = _burst(second.base, lambda done: done >= 40)
    second.proc.send_signal(signal.SIGKILL)  # while the writers are still sending
    halt()
    second.proc.wait(timeout=10)
    assert len(burst) >= 40

    third = Mock("--db", str(path))
    mocks.append(third)
    stored = {row["name"]: row for row in _all_taxes(third.http)}
    for key, row in burst:
        assert stored.get(key) == row, key
        replay = third.http.post("/taxes", json={"name": key}, headers={"Idempotency-Key": key})
        assert replay.headers.get("idempotent-replayed") == "true", key
        assert replay.json() == row
    for key, (resource, row) in acknowledged.items():
        assert third.http.get(f"/{resource}/{row['id']}").json() == row, key
    assert third.stop(signal.SIGTERM) == 0


def _all_taxes(http: httpx.Client) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = http.get("/taxes", params=params).json()
        out += page["data"]
        if not page["next_cursor"]:
            return out
        params["cursor"] = page["next_cursor"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_shutdown_is_clean_and_keeps_the_state(tmp_path: Path, mocks: list[Mock],
                                               sig: int) -> None:
    path = tmp_path / "state.db"
    first = Mock("--state-file", str(path), "--no-seed")  # the old name still works
    mocks.append(first)
    made = first.http.post("/taxes", json={"name": "kept"}).json()
    assert first.stop(sig) == 0
    app = _journaled(path)
    assert app.store.tenant(tokens.TENANT_A)["taxes"].get(made["id"]) is not None


@pytest.mark.parametrize("case", ["a wrong value type", "very deep nesting", "a huge clock offset",
                                  "a duplicate row id"])
def test_a_damaged_state_file_stops_the_mock_with_one_line(tmp_path: Path, good_db: bytes,
                                                           case: str) -> None:
    damage, reason = DAMAGE[case]
    path = _damaged(tmp_path, good_db, damage)
    before = _sha(path)
    done = subprocess.run([sys.executable, "-m", "mock", "--port", str(free_port()),
                           "--state-file", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(path) in lines[0]
    assert reason in lines[0]
    assert _sha(path) == before


def test_a_file_that_is_not_sqlite_stops_the_mock_and_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mock", "--port", str(free_port()),
                           "--db", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"python -m mock: cannot start from the state file {path}: not a SQLite database; "
        "move it away or name another file"]
    assert path.read_text(encoding="utf-8") == "my notes\n"
