"""ATT — attachments, over HTTP on any writable target: ATT-1 … ATT-5."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import files
from property_tests.client import JSON, Api, Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope, token
from property_tests.rulechecks import expect

pytestmark = pytest.mark.rules

KINDS = sorted(files.SAMPLES)
# RULE ATT-3: shown in the browser; everything else is downloaded.
INLINE = frozenset({"application/pdf", "image/png", "image/jpeg"})
METADATA = ("id", "file_name", "title", "mime_type", "size", "sha256", "uploaded_by",
            "uploaded_at", "download_url", "linked_payables_count",
            "linked_receivables_count", "linked_transactions_count")
LINK_KINDS = {"payable": "payables", "receivable": "receivables", "transaction": "transactions"}


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


def upload(api: Api, kind: str, *, name: str | None = None,
           title: str | None = None) -> JSON:
    """Upload the fixtures' sample of `kind` under a unique name (201 required)."""
    sample = files.SAMPLES[kind]
    stem, _, ext = sample.file_name.rpartition(".")
    response = api.upload(name or f"{token()}-{stem}.{ext}", sample.content, sample.mime_type,
                          title=title)
    return expect(response, 201, f"upload a {kind}")


def file_names(api: Api, marker: str) -> list[str]:
    return [r["file_name"] for r in api.walk("attachments", {"file_name": marker}).rows]


def parent(scope: Scope, kind: str) -> JSON:
    """A fresh payable, receivable or transaction of the scope to link to."""
    return scope.make(LINK_KINDS[kind], 0)


# RULE ATT-1
@pytest.mark.rule("ATT-1")
def test_att_1_an_upload_over_10_mb_is_413_and_stores_nothing(scope: Scope) -> None:
    marker = token()
    response = scope.api.upload(f"{marker}.pdf", files.oversized_bytes(), "application/pdf")
    assert response.status_code == 413, f"ATT-1: over 10 MB: {response.status_code}"
    assert file_names(scope.api, marker) == [], "ATT-1: the refused upload was stored"


# RULE ATT-1
@pytest.mark.rule("ATT-1")
@pytest.mark.parametrize("refused", ("exe", "spoofed_pdf", "spoofed_png", "spoofed_jpeg"))
def test_att_1_a_disallowed_type_or_wrong_magic_bytes_is_422(scope: Scope,
                                                             refused: str) -> None:
    sample = {"exe": files.disallowed_exe, "spoofed_pdf": files.spoofed_pdf,
              "spoofed_png": files.spoofed_png, "spoofed_jpeg": files.spoofed_jpeg}[refused]()
    marker = token()
    response = scope.api.upload(f"{marker}-{sample.file_name}", sample.content,
                                sample.mime_type)
    assert response.status_code == 422, (f"ATT-1: {refused}: {response.status_code} "
                                         f"{response.text[:300]}")
    assert file_names(scope.api, marker) == [], "ATT-1: the refused upload was stored"


# RULE ATT-1
@pytest.mark.rule("ATT-1")
@pytest.mark.parametrize("path", files.PATH_TRAVERSAL_NAMES)
def test_att_1_the_stored_file_name_is_a_plain_base_name(scope: Scope, path: str) -> None:
    marker = token()
    row = upload(scope.api, "pdf", name=path.removesuffix(".pdf") + f"{marker}.pdf")
    name = row["file_name"]
    assert marker in name and "/" not in name and "\\" not in name and \
        not name.startswith("."), f"ATT-1: {path!r} stored as {name!r}"


# RULE ATT-2
@pytest.mark.rule("ATT-2")
@active(max_examples=scaled(4, 20))
@given(kind=st.sampled_from(KINDS), title=st.none() | st.text(
    st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1, max_size=40)
    .map(str.strip).filter(bool))
def test_att_2_metadata_describes_the_upload(scope: Scope, kind: str,
                                             title: str | None) -> None:
    sample = files.SAMPLES[kind]
    row = upload(scope.api, kind, title=title)
    detail = expect(scope.api.read("attachments", str(row["id"])), 200, "GET")
    listed = [r for r in scope.api.walk("attachments", {"file_name": row["file_name"]}).rows
              if r["id"] == row["id"]]
    for shown, where in ((row, "POST"), (detail, "GET"), (listed[0] if listed else {}, "list")):
        missing = [k for k in METADATA if k not in shown]
        assert not missing, f"ATT-2: the {where} metadata lacks {missing}: {shown}"
        assert (shown["size"], shown["sha256"], shown["mime_type"], shown["title"]) == (
            len(sample.content), hashlib.sha256(sample.content).hexdigest(), sample.mime_type,
            title), f"ATT-2: the {where} metadata of a {kind} upload: {shown}"
        url = urlsplit(str(shown["download_url"]))
        assert url.scheme in ("http", "https") and url.netloc, (
            f"ATT-2: download_url is absolute: {shown['download_url']!r}")
        assert (shown["linked_payables_count"], shown["linked_receivables_count"],
                shown["linked_transactions_count"]) == (0, 0, 0)
    fetched = scope.api.http.get(str(row["download_url"]))
    assert fetched.status_code == 200 and fetched.content == sample.content, (
        f"ATT-2: download_url {row['download_url']} answers {fetched.status_code}")


# RULE ATT-2
@pytest.mark.rule("ATT-2")
def test_att_2_link_counts_and_the_default_sort(scope: Scope) -> None:
    marker = token()
    rows = [upload(scope.api, kind, name=f"{marker}-{n}.{kind}")
            for n, kind in enumerate(("csv", "pdf", "xml"))]
    listed = scope.api.walk("attachments", {"file_name": marker}).rows
    times = [r["uploaded_at"] for r in listed]
    assert sorted(r["id"] for r in listed) == sorted(r["id"] for r in rows)
    assert times == sorted(times, reverse=True), f"ATT-2: default sort -uploaded_at: {times}"
    counts = {}
    for kind in LINK_KINDS:
        expect(scope.api.link(str(rows[0]["id"]), kind, str(parent(scope, kind)["id"])), 201,
               f"link to a {kind}")
        counts[f"linked_{LINK_KINDS[kind]}_count"] = 1
    shown = expect(scope.api.read("attachments", str(rows[0]["id"])), 200, "GET")
    assert {k: shown[k] for k in counts} == counts, f"ATT-2: link counts: {shown}"


# RULE ATT-3
@pytest.mark.rule("ATT-3")
@pytest.mark.parametrize("kind", KINDS)
def test_att_3_download_is_the_exact_bytes_with_their_type_and_disposition(
        scope: Scope, kind: str) -> None:
    row = upload(scope.api, kind)
    response = scope.api.get(f"/attachments/{row['id']}/download")
    assert response.status_code == 200, f"ATT-3: download: {response.status_code}"
    assert hashlib.sha256(response.content).hexdigest() == row["sha256"], (
        "ATT-3: the downloaded bytes hash to the uploaded sha256")
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert content_type == row["mime_type"], f"ATT-3: Content-Type {content_type!r}"
    disposition = response.headers.get("content-disposition", "")
    wanted = "inline" if row["mime_type"] in INLINE else "attachment"
    assert disposition.split(";")[0].strip() == wanted and "filename" in disposition, (
        f"ATT-3: a {row['mime_type']} is {wanted}: {disposition!r}")
    cache = {d.strip() for d in response.headers.get("cache-control", "").split(",")}
    assert {"private", "no-store"} <= cache, f"ATT-3: Cache-Control {cache}"


# RULE ATT-4
@pytest.mark.rule("ATT-4")
@pytest.mark.parametrize("kind", sorted(LINK_KINDS))
def test_att_4_link_once_then_409_unlink_once_then_404(scope: Scope, kind: str) -> None:
    api = scope.api
    attachment = str(upload(api, "pdf")["id"])
    target = str(parent(scope, kind)["id"])
    expect(api.link(attachment, kind, target), 201, f"ATT-4: link to a {kind}")
    expect(api.link(attachment, kind, target), 409, "ATT-4: the same link again")
    shown = expect(api.read("attachments", attachment), 200, "GET")
    assert shown[f"linked_{LINK_KINDS[kind]}_count"] == 1, f"ATT-4: one link: {shown}"
    linked = api.walk("attachments", {f"linked_to_{kind}_id": target}).ids
    assert linked == [attachment], f"ATT-4: linked_to_{kind}_id lists {linked}"
    expect(api.unlink(attachment, kind, target), 204, "ATT-4: unlink")
    expect(api.unlink(attachment, kind, target), 404, "ATT-4: unlink what is not linked")
    expect(api.link(attachment, kind, str(uuid.uuid4())), 404, "ATT-4: link to a missing row")


# RULE ATT-4
@pytest.mark.rule("ATT-4")
def test_att_4_an_attachment_or_parent_of_another_tenant_is_404(scope: Scope,
                                                               writable: Env) -> None:
    api, other = scope.api, writable.other(scope.api)
    mine = str(upload(api, "pdf")["id"])
    theirs = str(upload(other, "pdf")["id"])
    target = str(parent(scope, "payable")["id"])
    expect(other.link(mine, "payable", target), 404, "ATT-4: another tenant's attachment")
    expect(other.link(theirs, "payable", target), 404, "ATT-4: another tenant's payable")
    assert expect(api.read("attachments", mine), 200, "GET")["linked_payables_count"] == 0
    other.delete("attachments", theirs)


# RULE ATT-5
@pytest.mark.rule("ATT-5")
@pytest.mark.parametrize("kind", sorted(LINK_KINDS))
def test_att_5_a_linked_attachment_is_409_then_deleted_with_its_bytes(scope: Scope,
                                                                      kind: str) -> None:
    api = scope.api
    attachment = str(upload(api, "png")["id"])
    target = str(parent(scope, kind)["id"])
    expect(api.link(attachment, kind, target), 201, "link")
    before = expect(api.read("attachments", attachment), 200, "GET")
    refused = api.delete("attachments", attachment)
    problem = expect(refused, 409, "ATT-5: DELETE a linked attachment")
    details = problem.get("details") or {}
    assert problem.get("code") == "conflict" and details.get(LINK_KINDS[kind]) == 1 and \
        sum(int(v) for v in details.values()) == 1, f"ATT-5: the 409 body: {problem}"
    assert expect(api.read("attachments", attachment), 200, "GET after 409") == before
    assert api.get(f"/attachments/{attachment}/download").status_code == 200
    expect(api.unlink(attachment, kind, target), 204, "unlink")
    expect(api.delete("attachments", attachment), 204, "ATT-5: DELETE once unlinked")
    assert api.read("attachments", attachment).status_code == 404
    assert api.get(f"/attachments/{attachment}/download").status_code == 404, (
        "ATT-5: the bytes are gone")
