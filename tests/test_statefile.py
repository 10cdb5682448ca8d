"""`--state-file`: the whole state survives a restart, a SIGKILL, SIGTERM and Ctrl-C; bad files
are refused (mock.statefile)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from conformance.targets import free_port
from fixtures import factories, seed, tokens
from mock import seeding, statefile
from mock.app import create_app, new_store
from mock.domain.links import Allocation
from mock.statefile import StateFileError
from mock.store import Store, Table, TenantStore
from tests.conftest import bearer

AUTH = bearer(tokens.standard_tokens().tenant_a)
THIRD = "c0c0c0c0-0000-4000-8000-00000000000c"


# -- in process --------------------------------------------------------------------------------


def _people_body(client: TestClient) -> dict[str, Any]:
    company = client.get("/v1/companies", headers=AUTH).json()["data"][0]
    return factories.make_person(factories.make_faker(7), company["id"])


@pytest.fixture(scope="module")
def busy_app() -> Any:
    """A mock with the demo data, extra rows, a tombstone, idempotent answers, a moved clock."""
    store = new_store()
    for tenant in (tokens.TENANT_A, tokens.TENANT_B):
        seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
    # The large dataset in a tenant of its own: its ids are not disjoint from the demo's.
    seeding.apply(store.tenant(THIRD), seed.large_dataset(THIRD, 300))
    app = create_app(store)
    with TestClient(app) as client:
        person = client.post("/v1/people", headers=AUTH, json=_people_body(client)).json()
        assert client.delete(f"/v1/people/{person['id']}", headers=AUTH).status_code == 204
        company = factories.make_company(factories.make_faker(3))
        key = AUTH | {"Idempotency-Key": "state-file-key"}
        assert client.post("/v1/companies", headers=key, json=company).status_code == 201
    store.clock.advance(90)
    return app


def _same_tables(a: TenantStore, b: TenantStore) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name, table in a.tables.items():
        other = b.tables[name]
        assert list(table.rows) == list(other.rows), name  # same rows, same order
        assert list(table.rows.values()) == list(other.rows.values()), name
        assert table.tombstones == other.tombstones, name
    assert a.blobs == b.blobs


def test_round_trip_keeps_every_table_blob_key_cursor_and_the_clock(busy_app: Any,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    statefile.save(path, busy_app.store, busy_app.idempotency)
    assert path.stat().st_mode & 0o777 == 0o600  # it holds the cursor secret

    fresh = create_app(new_store())
    assert statefile.load(path, fresh.store, fresh.idempotency)
    old_store: Store = busy_app.store
    new: Store = fresh.store
    assert sorted(new.tenant_ids) == sorted(old_store.tenant_ids)
    for tenant in old_store.tenant_ids:
        _same_tables(old_store.tenant(tenant), new.tenant(tenant))
    assert any(t.tombstones for t in new.tenant(tokens.TENANT_A).tables.values())
    assert new.tenant(tokens.TENANT_A).blobs
    assert new.cursors.secret == old_store.cursors.secret
    assert abs((new.clock.now() - old_store.clock.now()).total_seconds()) < 5
    assert len(fresh.idempotency) == len(busy_app.idempotency) == 1

    with TestClient(busy_app) as before, TestClient(fresh) as after:
        third = bearer(tokens.mint_token(THIRD))
        page = before.get("/v1/transactions", headers=third, params={"limit": 7}).json()
        cursor = {"limit": 7, "cursor": page["next_cursor"]}
        assert after.get("/v1/transactions", headers=third, params=cursor).json() == \
            before.get("/v1/transactions", headers=third, params=cursor).json()
        company = factories.make_company(factories.make_faker(3))
        replay = after.post("/v1/companies", json=company,
                            headers=AUTH | {"Idempotency-Key": "state-file-key"})
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        for resource in ("companies", "people", "payables", "attachments", "accounts"):
            listed = before.get(f"/v1/{resource}", headers=AUTH).json()["data"]
            row = listed[0]["id"]
            assert after.get(f"/v1/{resource}/{row}", headers=AUTH).json() == \
                before.get(f"/v1/{resource}/{row}", headers=AUTH).json()


def test_the_state_file_knows_every_attribute_the_store_keeps() -> None:
    # If this fails, the store gained state: teach mock.statefile to save it.
    store = new_store()
    ts = store.tenant(tokens.TENANT_A)
    # `faults` (and the store back-reference they use) are configuration from the command
    # line, chosen anew at every start: not state to save.
    assert set(vars(ts)) == {"workspace_id", "clock", "lock", "cursors", "blob_cap", "tables",
                             "blobs", "faults", "_store"}
    assert set(vars(store)) == {"specs", "clock", "blob_cap", "lock", "cursors", "_tenants",
                                "faults"}
    table: Table = ts.tables["companies"]
    assert set(vars(table)) <= {"spec", "tables", "rows", "tombstones", "_sorted", "_eq",
                                "faults"}


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


def _doc(busy_app: Any) -> dict[str, Any]:
    return statefile.snapshot(busy_app.store, busy_app.idempotency)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.update(version=statefile.VERSION + 1), "version"),
    (lambda d: d.update(format="something-else"), "not a Smart Finance mock state file"),
    (lambda d: d["tenants"][tokens.TENANT_A]["tables"]["companies"]["types"][0].update(
        {"class": "os:system"}), "not one of the mock's classes"),
    (lambda d: d["tenants"][tokens.TENANT_A]["tables"]["companies"]["types"][0].update(
        {"class": "mock.domain.companies:Nope"}), "does not exist"),
    (lambda d: d["tenants"][tokens.TENANT_A]["tables"]["companies"]["types"][0]["fields"]
        .append("shoe_size"), "fields this mock does not know"),
    (lambda d: d["tenants"][tokens.TENANT_A]["tables"].update(
        {"unicorns": {"types": [], "rows": [], "tombstones": []}}), "table 'unicorns'"),
    (lambda d: d["tenants"][tokens.TENANT_A].pop("blobs"), "corrupt"),
    (lambda d: d.update(cursor_secret={"$dec": "1"}), "corrupt"),
])
def test_incompatible_or_corrupt_files_are_refused_and_change_nothing(
        busy_app: Any, tmp_path: Path, edit: Any, message: str) -> None:
    doc = _doc(busy_app)
    edit(doc)
    path = tmp_path / "state.json"
    path.write_bytes(statefile.dumps(doc))
    store = new_store()
    with pytest.raises(StateFileError, match=message):
        statefile.load(path, store)
    assert store.tenant_ids == []


@pytest.mark.parametrize("content", [b"", b"{\"format\": \"smart-finance", b"\xff\xfe", b"[]"])
def test_truncated_or_foreign_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError):
        statefile.load(path, new_store())


def test_no_file_yet_loads_nothing(tmp_path: Path) -> None:
    assert statefile.load(tmp_path / "absent.json", new_store()) is False


def test_a_crash_mid_write_leaves_the_previous_file_whole(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    statefile.write_atomic(path, b"old")

    def crash(*_args: Any) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        statefile.write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


def test_autosaver_writes_only_when_the_state_changed(tmp_path: Path) -> None:
    store = new_store()
    saver = statefile.AutoSaver(tmp_path / "s.json", store, None, interval=0)
    assert saver.save_now() is True
    assert saver.save_now() is False
    seeding.apply(store.tenant(tokens.TENANT_B), seed.demo_dataset(tokens.TENANT_B))
    assert saver.save_now() is True
    assert saver.saves == 2


def test_rows_are_plain_dataclasses_the_file_can_name() -> None:
    store = new_store()
    seeding.apply(store.tenant(tokens.TENANT_A), seed.demo_dataset(tokens.TENANT_A))
    for table in store.tenant(tokens.TENANT_A).tables.values():
        for row in table.rows.values():
            assert dataclasses.is_dataclass(row)
            assert type(row).__module__.startswith(statefile.TRUSTED_PREFIX)


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
            time.sleep(0.1)
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


def _create_rows(http: httpx.Client) -> dict[str, dict[str, Any]]:
    company = http.post("/companies", json=factories.make_company(factories.make_faker(11)))
    assert company.status_code == 201, company.text
    person = http.post("/people", json=factories.make_person(factories.make_faker(12),
                                                              company.json()["id"]))
    assert person.status_code == 201, person.text
    return {"companies": company.json(), "people": person.json()}


def _rows_intact(http: httpx.Client, rows: dict[str, dict[str, Any]]) -> None:
    for resource, row in rows.items():
        got = http.get(f"/{resource}/{row['id']}")
        assert got.status_code == 200, got.text
        assert got.json() == row


def _saved_ids(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def test_sigkill_mid_run_loses_nothing_saved(tmp_path: Path, mocks: list[Mock]) -> None:
    path = tmp_path / "state.json"
    first = Mock("--state-file", str(path), "--state-interval", "1")
    mocks.append(first)
    rows = _create_rows(first.http)
    companies = len(first.http.get("/companies").json()["data"])
    page = first.http.get("/categories", params={"limit": 5}).json()
    deadline = time.monotonic() + 30
    while not all(r["id"] in _saved_ids(path) for r in rows.values()):  # wait for a save
        assert time.monotonic() < deadline, "no periodic save within 30 s"
        time.sleep(0.2)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = Mock("--state-file", str(path), "--state-interval", "1")
    mocks.append(second)
    _rows_intact(second.http, rows)
    assert len(second.http.get("/companies").json()["data"]) == companies  # no seed over it
    more = second.http.get("/categories", params={"limit": 5, "cursor": page["next_cursor"]})
    assert more.status_code == 200  # a cursor from before the crash still works
    assert second.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_shutdown_saves_the_state(tmp_path: Path, mocks: list[Mock], sig: int) -> None:
    path = tmp_path / "state.json"
    first = Mock("--state-file", str(path), "--state-interval", "3600", "--no-seed")
    mocks.append(first)
    rows = _create_rows(first.http)
    assert first.stop(sig) == 0
    store = new_store()  # the restart itself is the SIGKILL test's; here, read the file back
    assert statefile.load(path, store)
    for resource, row in rows.items():
        assert store.tenant(tokens.TENANT_A).tables[resource].get(row["id"]) is not None


def test_a_bad_state_file_stops_the_mock_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": statefile.FORMAT, "version": 0}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mock", "--port", str(free_port()),
                           "--state-file", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "cannot start from the state file" in done.stderr
    assert "version 0" in done.stderr
    assert "Traceback" not in done.stderr
