"""Attachments: RULES ATT-1 … ATT-5, their filters and default sort, through HTTP.

Uploads that must reach the mock byte for byte (odd file names, broken multipart) are built
by hand: httpx would escape quotes, backslashes and control characters in a file name.
The streaming and memory side of ATT-1 is proved in `tests/test_frontdoor.py`.
"""

from __future__ import annotations

import hashlib
import uuid
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any

import pytest
from faker import Faker

from contract.limits import ATT_1_MAX_UPLOAD_BYTES as MAX_BYTES
from fixtures import files, tokens
from fixtures.files import SAMPLES, SampleFile
from mock.store import Store, TenantStore
from tests.domain.support import Api, add_bill, add_transaction, problem, without_detail

BOUNDARY = b"att-boundary-42"
PDF = SAMPLES["pdf"]
KINDS = ("payable", "receivable", "transaction")
COUNT_FIELD = {"payable": "linked_payables_count", "receivable": "linked_receivables_count",
               "transaction": "linked_transactions_count"}
FILTER = {"payable": "linked_to_payable_id", "receivable": "linked_to_receivable_id",
          "transaction": "linked_to_transaction_id"}


# -- helpers -------------------------------------------------------------------------------


def send(api: Api, sample: SampleFile = PDF, *, name: str | None = None,
         mime: str | None = None, title: str | None = None) -> Any:
    """An upload through httpx's own multipart encoder."""
    data = {"title": title} if title is not None else None
    part = (name or sample.file_name, sample.content, mime or sample.mime_type)
    return api.client.post("/v1/attachments", headers=api.headers, files={"file": part},
                           data=data)


def upload(api: Api, sample: SampleFile = PDF, **kwargs: Any) -> dict[str, Any]:
    r = send(api, sample, **kwargs)
    assert r.status_code == 201, r.text
    row: dict[str, Any] = r.json()
    return row


def file_part(filename: bytes, content: bytes, *, mime: bytes = b"application/pdf",
              name: bytes = b"file") -> bytes:
    return (b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename
            + b'"\r\nContent-Type: ' + mime + b"\r\n\r\n" + content)


def text_part(name: bytes, value: bytes) -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value


def multipart(*parts: bytes) -> bytes:
    return b"".join(b"--" + BOUNDARY + b"\r\n" + p + b"\r\n" for p in parts) \
        + b"--" + BOUNDARY + b"--\r\n"


def send_raw(api: Api, body: bytes, content_type: str | None = None) -> Any:
    ct = content_type if content_type is not None else \
        f"multipart/form-data; boundary={BOUNDARY.decode()}"
    headers = api.headers | ({"Content-Type": ct} if ct else {})
    return api.client.post("/v1/attachments", headers=headers, content=body)


def download(api: Api, row: dict[str, Any]) -> Any:
    return api.client.get(row["download_url"], headers=api.headers)


def link(api: Api, attachment_id: str, kind: str, parent_id: str) -> Any:
    return api.client.post(f"/v1/attachments/{attachment_id}/links", headers=api.headers,
                           json={"type": kind, "id": parent_id})


def unlink(api: Api, attachment_id: str, kind: str, parent_id: str) -> Any:
    return api.client.request("DELETE", f"/v1/attachments/{attachment_id}/links",
                              headers=api.headers, json={"type": kind, "id": parent_id})


def content_disposition(value: str) -> tuple[str, str, str]:
    """(type, filename, decoded filename*) of a Content-Disposition value (RFC 6266), read
    with the standard library's RFC 2231 parser rather than our own."""
    header = Message()
    header["Content-Disposition"] = value
    params = header.get_params(header="content-disposition")
    assert params is not None
    names = [v for k, v in params[1:] if k == "filename"]
    plain = next(v for v in names if isinstance(v, str))
    extended = next(collapse_rfc2231_value(v) for v in names if isinstance(v, tuple))
    return params[0][0], plain, extended


def make_parents(api: Api, ts: TenantStore, fake: Faker) -> dict[str, str]:
    """One payable, receivable and transaction of the tenant: kind -> id."""
    company = api.company(fake)["id"]
    person = api.person(fake, company, supplier=True, customer=True)["id"]
    account = api.account(fake, company)["id"]
    return {"payable": add_bill(ts, "payables", company, person).id,
            "receivable": add_bill(ts, "receivables", company, person).id,
            "transaction": add_transaction(ts, company, account).id}


@pytest.fixture
def parents(api_a: Api, ts_a: TenantStore, fake: Faker) -> dict[str, str]:
    return make_parents(api_a, ts_a, fake)


def nothing_stored(ts: TenantStore) -> bool:
    return len(ts["attachments"]) == 0 and ts.blobs == {}


# -- ATT-1: upload ---------------------------------------------------------------------------


# RULE ATT-1, RULE ATT-2
@pytest.mark.parametrize("ext", sorted(SAMPLES))
def test_every_allowed_type_is_stored_with_its_metadata(api_a: Api, ts_a: TenantStore,
                                                        ext: str) -> None:
    sample = SAMPLES[ext]
    row = upload(api_a, sample, title="Extrato de janeiro")
    assert row["file_name"] == sample.file_name
    assert row["title"] == "Extrato de janeiro"
    assert row["mime_type"] == sample.mime_type
    assert row["size"] == len(sample.content)
    assert row["sha256"] == hashlib.sha256(sample.content).hexdigest()
    assert row["uploaded_by"] == tokens.TENANT_A  # no user claim: the subject
    assert row["workspace_id"] == tokens.TENANT_A
    assert [row[f] for f in COUNT_FIELD.values()] == [0, 0, 0]
    assert row["download_url"] == f"http://testserver/v1/attachments/{row['id']}/download"
    assert api_a.read("attachments", row["id"]) == row
    assert ts_a.blobs[row["id"]] == sample.content


# RULE ATT-1
def test_jpeg_extension_and_upper_case_extensions_are_allowed(api_a: Api) -> None:
    jpeg = SAMPLES["jpg"]
    assert upload(api_a, jpeg, name="foto.jpeg")["mime_type"] == "image/jpeg"
    assert upload(api_a, jpeg, name="FOTO.JPG")["file_name"] == "FOTO.JPG"


# RULE ATT-1
@pytest.mark.parametrize("sample", [
    files.disallowed_exe(),
    SampleFile("notas.txt", "text/plain", b"texto"),
    SampleFile("planilha.xls", "application/vnd.ms-excel", b"\xd0\xcf\x11\xe0"),
    SampleFile("sem-extensao", "application/pdf", files.pdf_bytes()),
    SampleFile("nota.pdf.exe", "application/octet-stream", b"MZ"),
], ids=lambda s: s.file_name)
def test_types_outside_the_allow_list_are_422(api_a: Api, ts_a: TenantStore,
                                              sample: SampleFile) -> None:
    problem(send(api_a, sample), 422, "validation_failed", field="file")
    assert nothing_stored(ts_a)


# RULE ATT-1
@pytest.mark.parametrize("sample", [files.spoofed_pdf(), files.spoofed_png(),
                                    files.spoofed_jpeg()], ids=lambda s: s.file_name)
def test_pdf_png_jpeg_must_carry_their_magic_bytes(api_a: Api, ts_a: TenantStore,
                                                   sample: SampleFile) -> None:
    body = problem(send(api_a, sample), 422, "validation_failed", field="file")
    assert "not a" in body["detail"]
    assert nothing_stored(ts_a)
    # Declaring nothing (octet-stream) does not get spoofed bytes past the check either.
    problem(send(api_a, sample, mime="application/octet-stream"), 422, "validation_failed",
            field="file")


# RULE ATT-1
def test_the_declared_part_type_must_agree_with_the_name(api_a: Api, ts_a: TenantStore) -> None:
    problem(send(api_a, PDF, mime="image/png"), 422, "validation_failed", field="file")
    problem(send(api_a, SAMPLES["csv"], mime="application/x-msdownload"), 422,
            "validation_failed", field="file")
    assert nothing_stored(ts_a)
    # Parameters, case, "unknown" and the types browsers really send for the same files pass.
    for sample, mime in [(PDF, "Application/PDF"), (PDF, "application/octet-stream"),
                         (SAMPLES["csv"], "text/csv; charset=utf-8"),
                         (SAMPLES["csv"], "application/vnd.ms-excel"),
                         (SAMPLES["xml"], "text/xml"), (SAMPLES["jpg"], "image/jpg")]:
        assert upload(api_a, sample, mime=mime)["mime_type"] == sample.mime_type


# RULE ATT-1
@pytest.mark.parametrize("raw, stored", [
    *((n.encode(), n.replace("\\", "/").rsplit("/", 1)[-1]) for n in files.PATH_TRAVERSAL_NAMES),
    (b"C:\\Users\\ana\\Desktop\\nota.pdf", "nota.pdf"),
    (b"\\\\servidor\\share\\nota.pdf", "nota.pdf"),
    (b"nota\x01\x07\x1b[31m\x7f.pdf", "nota[31m.pdf"),
    (b"nota\tfiscal.pdf", "notafiscal.pdf"),
    (b'a\\"b\'c`d<e>f|g:h*i?j.pdf', "abcdefghij.pdf"),
    ("fatura\u202egnp.pdf".encode(), "faturagnp.pdf"),
    ("rese\u0301nha.pdf".encode(), "res\u00e9nha.pdf"),  # NFC
    (b".oculto.pdf", "oculto.pdf"),
    (b"nota.pdf. . ", "nota.pdf"),
    ("relatório anual.pdf".encode(), "relatório anual.pdf"),
], ids=repr)
def test_file_names_are_reduced_to_a_safe_base_name(api_a: Api, raw: bytes,
                                                    stored: str) -> None:
    r = send_raw(api_a, multipart(file_part(raw, PDF.content)))
    assert r.status_code == 201, r.text
    assert r.json()["file_name"] == stored
    assert "/" not in stored and "\\" not in stored


# RULE ATT-1
def test_a_long_name_is_cut_to_255_characters_keeping_its_extension(api_a: Api) -> None:
    row = upload(api_a, PDF, name="n" * 400 + ".pdf")
    assert len(row["file_name"]) == 255
    assert row["file_name"].endswith("n.pdf")


# RULE ATT-1
@pytest.mark.parametrize("raw", [b"..", b"../", b"/", b"a/..", b"\\", b'""', b"...", b" "])
def test_a_name_with_nothing_left_is_422(api_a: Api, ts_a: TenantStore, raw: bytes) -> None:
    r = send_raw(api_a, multipart(file_part(raw.replace(b'"', b'\\"'), PDF.content)))
    problem(r, 422, "validation_failed", field="file")
    assert nothing_stored(ts_a)


# RULE ATT-1
def test_the_title_is_optional_trimmed_and_capped(api_a: Api, ts_a: TenantStore) -> None:
    assert upload(api_a)["title"] is None
    assert upload(api_a, title="  NF 1234  ")["title"] == "NF 1234"
    assert upload(api_a, title="")["title"] is None
    before = len(ts_a["attachments"])
    problem(send(api_a, title="x" * 256), 422, "validation_failed", field="title")
    assert len(ts_a["attachments"]) == before


# RULE ATT-1: what the handler is handed is one file part and the text fields; every other
# shape of body is a clear 4xx problem, never a 5xx, and stores nothing.
@pytest.mark.parametrize("body, status, code, field", [
    (multipart(text_part(b"title", b"so o titulo")), 422, "validation_failed", "file"),
    (multipart(), 422, "validation_failed", "file"),
    (b"", 422, "validation_failed", "file"),
    (multipart(file_part(b"vazio.csv", b"", mime=b"text/csv")), 422, "validation_failed",
     "file"),
    (multipart(file_part(b"a.pdf", PDF.content), file_part(b"b.pdf", PDF.content)), 422,
     "validation_failed", "file"),
    (multipart(file_part(b"a.pdf", PDF.content), file_part(b"t.txt", b"x", name=b"title")),
     422, "validation_failed", "file"),
    (multipart(file_part(b"a.pdf", PDF.content, name=b"documento")), 422,
     "validation_failed", "documento"),
    (multipart(text_part(b"file", PDF.content)), 422, "validation_failed", "file"),
    (multipart(file_part(b"a.pdf", PDF.content), text_part(b"title", b"um"),
               text_part(b"title", b"dois")), 422, "validation_failed", "title"),
    (multipart(file_part(b"a.pdf", PDF.content),
               *(text_part(b"f%d" % i, b"x") for i in range(20))), 400, "malformed_body", None),
    (multipart(file_part(b"a.pdf", PDF.content), text_part(b"notes", b"x" * 70_000)), 400,
     "malformed_body", None),
    (b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" + BOUNDARY
     + b"--\r\n", 400, "malformed_body", None),
    (b"this is not multipart at all", 400, "malformed_body", None),
], ids=["no-file-part", "no-parts", "empty-body", "empty-file", "two-files",
        "title-as-file", "file-under-another-name", "file-as-text", "two-titles",
        "too-many-fields", "huge-text-field", "part-without-name", "garbage"])
def test_malformed_uploads_are_clear_4xx_problems(api_a: Api, ts_a: TenantStore, body: bytes,
                                                  status: int, code: str,
                                                  field: str | None) -> None:
    problem(send_raw(api_a, body), status, code, field=field)
    assert nothing_stored(ts_a)


# RULE ATT-1
@pytest.mark.parametrize("content_type, status, code", [
    ("application/json", 415, "unsupported_media_type"),
    ("text/plain", 415, "unsupported_media_type"),
    ("application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("multipart/form-data", 400, "malformed_body"),  # no boundary
    ("", 400, "malformed_body"),  # no Content-Type at all
])
def test_a_body_that_is_not_multipart_is_refused(api_a: Api, ts_a: TenantStore,
                                                 content_type: str, status: int,
                                                 code: str) -> None:
    problem(send_raw(api_a, b'{"file": "x"}', content_type), status, code)
    assert nothing_stored(ts_a)


# RULE ATT-1
def test_exactly_10mb_is_accepted_and_one_byte_more_is_413(api_a: Api,
                                                         ts_a: TenantStore) -> None:
    limit = files.oversized_bytes(MAX_BYTES)
    row = upload(api_a, SampleFile("limite.pdf", "application/pdf", limit))
    assert row["size"] == MAX_BYTES
    del limit
    over = SampleFile("grande.pdf", "application/pdf", files.oversized_bytes(MAX_BYTES + 1))
    problem(send(api_a, over), 413, "payload_too_large")
    assert list(ts_a.blobs) == [row["id"]]


# RULE ATT-1: far over the limit with a Content-Length, refused before the body is read.
def test_an_upload_far_over_the_limit_is_413(api_a: Api, ts_a: TenantStore) -> None:
    huge = files.oversized_bytes(3 * MAX_BYTES)
    body = multipart(file_part(b"enorme.pdf", huge))
    problem(send_raw(api_a, body), 413, "payload_too_large")
    assert nothing_stored(ts_a)


# ATT (storage cap): a tenant's stored bytes are capped, so the mock cannot be filled up.
def test_a_tenant_over_its_storage_cap_gets_413_storage_full(
        api_a: Api, api_b: Api, ts_a: TenantStore) -> None:
    ts_a.blob_cap = 2 * len(PDF.content)
    first = upload(api_a)
    upload(api_a)
    body = problem(send(api_a), 413, "storage_full")
    assert body["limit"] == ts_a.blob_cap
    assert len(ts_a["attachments"]) == 2
    upload(api_b)  # the cap is per tenant
    assert api_a.delete("attachments", first["id"]).status_code == 204
    upload(api_a)  # deleting gave the bytes back


def test_the_storage_cap_comes_from_the_store(store: Store, monkeypatch: Any) -> None:
    monkeypatch.setattr(store, "blob_cap", 1234)
    assert store.tenant(str(uuid.uuid4())).blob_cap == 1234


# -- ATT-2: metadata, filters, sort -----------------------------------------------------------


# RULE ATT-2
def test_uploaded_by_is_the_token_user_and_filters(client: Any, api_a: Api) -> None:
    maria = Api(client, {"Authorization": "Bearer " + tokens.mint_token(
        tokens.TENANT_A, extra={"user": "maria@empresa.com.br"})})
    mine = upload(maria)
    theirs = upload(api_a)
    assert mine["uploaded_by"] == "maria@empresa.com.br"
    assert api_a.ids("attachments", uploaded_by="maria@empresa.com.br") == {mine["id"]}
    assert api_a.ids("attachments", uploaded_by=tokens.TENANT_A) == {theirs["id"]}
    assert api_a.ids("attachments", uploaded_by="ninguem") == set()


# RULE ATT-2
def test_list_filters_by_mime_type_and_file_name(api_a: Api) -> None:
    pdf = upload(api_a, PDF, name="Boleto-Janeiro.pdf")
    png = upload(api_a, SAMPLES["png"], name="comprovante-janeiro.png")
    csv = upload(api_a, SAMPLES["csv"], name="extrato-fevereiro.csv")
    assert api_a.ids("attachments", mime_type="application/pdf") == {pdf["id"]}
    assert api_a.ids("attachments", mime_type="IMAGE/PNG") == {png["id"]}
    assert api_a.ids("attachments", mime_type="text/plain") == set()
    assert api_a.ids("attachments", file_name="JANEIRO") == {pdf["id"], png["id"]}
    assert api_a.ids("attachments", file_name="fevereiro.csv") == {csv["id"]}
    assert api_a.ids("attachments", file_name="janeiro", mime_type="image/png") == {png["id"]}


# RULE ATT-2
def test_list_filters_by_upload_day(api_a: Api, store: Store) -> None:
    first = upload(api_a)
    store.clock.advance(86_400)
    second = upload(api_a)
    day1, day2 = first["uploaded_at"][:10], second["uploaded_at"][:10]
    assert day1 != day2
    assert api_a.ids("attachments", uploaded_at=day1) == {first["id"]}
    assert api_a.ids("attachments", uploaded_at=day2) == {second["id"]}
    problem(api_a.client.get("/v1/attachments", headers=api_a.headers,
                             params={"uploaded_at": "15/01/2026"}), 400, "invalid_parameter")


# RULE ATT-2
def test_default_sort_is_newest_first_and_other_sorts_work(api_a: Api, store: Store) -> None:
    rows = []
    for name, sample in [("b.csv", SAMPLES["csv"]), ("C.pdf", PDF), ("a.png", SAMPLES["png"])]:
        rows.append(upload(api_a, sample, name=name))
        store.clock.advance(1)
    newest_first = [r["id"] for r in reversed(rows)]
    assert [r["id"] for r in api_a.rows("attachments")] == newest_first
    assert [r["id"] for r in api_a.rows("attachments", limit=1)] == newest_first
    assert [r["file_name"] for r in api_a.rows("attachments", sort="file_name")] == \
        ["a.png", "b.csv", "C.pdf"]
    sizes = [r["size"] for r in api_a.rows("attachments", sort="-size")]
    assert sizes == sorted(sizes, reverse=True)


# RULE ATT-2, RULE ATT-4
@pytest.mark.parametrize("kind", KINDS)
def test_list_filters_by_linked_parent(api_a: Api, api_b: Api, store: Store, fake: Faker,
                                       parents: dict[str, str], kind: str) -> None:
    linked = [upload(api_a)["id"] for _ in range(3)]
    loose = upload(api_a)["id"]
    for attachment_id in linked:
        assert link(api_a, attachment_id, kind, parents[kind]).status_code == 201
    param = FILTER[kind]
    assert api_a.ids("attachments", **{param: parents[kind]}) == set(linked)
    # Keyset pages under the filter: every row once (G-4).
    paged = [r["id"] for r in api_a.rows("attachments", limit=1, **{param: parents[kind]})]
    assert sorted(paged) == sorted(linked)
    # Another kind's parameter with this id, or an id nobody links to: nothing.
    other = next(k for k in KINDS if k != kind)
    assert api_a.ids("attachments", **{FILTER[other]: parents[kind]}) == set()
    assert api_a.ids("attachments", **{param: str(uuid.uuid4())}) == set()
    # Upper-case UUIDs name the same row.
    assert api_a.ids("attachments", **{param: parents[kind].upper()}) == set(linked)
    # Unlinking takes the row out of the filter; the others stay.
    assert unlink(api_a, linked[0], kind, parents[kind]).status_code == 204
    assert api_a.ids("attachments", **{param: parents[kind]}) == set(linked[1:])
    assert loose not in api_a.ids("attachments", **{param: parents[kind]})
    # Tenant B filtering by A's parent sees nothing (G-3).
    upload(api_b)
    assert api_b.ids("attachments", **{param: parents[kind]}) == set()


# -- ATT-3: download --------------------------------------------------------------------------


# RULE ATT-3
@pytest.mark.parametrize("ext", sorted(SAMPLES))
def test_download_streams_the_exact_bytes_with_type_and_disposition(api_a: Api,
                                                                    ext: str) -> None:
    sample = SAMPLES[ext]
    row = upload(api_a, sample)
    r = download(api_a, row)
    assert r.status_code == 200
    assert r.content == sample.content
    assert hashlib.sha256(r.content).hexdigest() == row["sha256"]
    assert r.headers["content-type"] == sample.mime_type
    assert r.headers["cache-control"] == "private, no-store"
    inline = sample.mime_type in ("application/pdf", "image/png", "image/jpeg")
    assert content_disposition(r.headers["content-disposition"]) == \
        ("inline" if inline else "attachment", sample.file_name, sample.file_name)


# RULE ATT-3 (RFC 6266 §4.3, RFC 8187): a non-ASCII name travels as filename*, with an ASCII
# fallback that cannot break out of its quotes.
def test_download_quotes_a_non_ascii_name_safely(api_a: Api) -> None:
    name = "Nota fiscal nº 12; ação=1 (cópia) 100%.csv"
    row = upload(api_a, SAMPLES["csv"], name=name)
    assert row["file_name"] == name
    value = download(api_a, row).headers["content-disposition"]
    value.encode("ascii")  # a header value any client can read
    assert content_disposition(value) == \
        ("attachment", "Nota fiscal n_ 12; a__o=1 (c_pia) 100%.csv", name)


# RULE ATT-3
def test_download_needs_the_read_scope_and_the_tenant(client: Any, api_a: Api,
                                                      api_b: Api) -> None:
    row = upload(api_a)
    write_only = Api(client, {"Authorization": "Bearer " + tokens.mint_token(
        tokens.TENANT_A, [tokens.write_scope("attachments")])})
    problem(download(write_only, row), 403, "insufficient_scope")
    missing = dict(row, download_url=row["download_url"].replace(row["id"],
                                                                   str(uuid.uuid4())))
    assert without_detail(problem(download(api_b, row), 404, "not_found")) == \
        without_detail(problem(download(api_a, missing), 404, "not_found"))


# -- ATT-4: links -----------------------------------------------------------------------------


# RULE ATT-4, RULE ATT-2
@pytest.mark.parametrize("kind", KINDS)
def test_link_then_same_link_409_then_unlink_then_404(api_a: Api, parents: dict[str, str],
                                                      kind: str) -> None:
    row = upload(api_a)
    parent = parents[kind]
    r = link(api_a, row["id"], kind, parent)
    assert r.status_code == 201, r.text
    assert r.json() == {"attachment_id": row["id"], "type": kind, "id": parent}
    assert api_a.read("attachments", row["id"])[COUNT_FIELD[kind]] == 1
    problem(link(api_a, row["id"], kind, parent), 409, "conflict")
    assert api_a.read("attachments", row["id"])[COUNT_FIELD[kind]] == 1
    r = unlink(api_a, row["id"], kind, parent)
    assert r.status_code == 204 and r.content == b""
    assert api_a.read("attachments", row["id"])[COUNT_FIELD[kind]] == 0
    problem(unlink(api_a, row["id"], kind, parent), 404, "not_found")
    assert link(api_a, row["id"], kind, parent).status_code == 201  # linkable again


# RULE ATT-4
def test_one_attachment_links_to_many_parents_and_one_parent_to_many(
        api_a: Api, parents: dict[str, str]) -> None:
    first, second = upload(api_a), upload(api_a)
    for kind, parent in parents.items():
        assert link(api_a, first["id"], kind, parent).status_code == 201
    assert link(api_a, second["id"], "payable", parents["payable"]).status_code == 201
    counts = api_a.read("attachments", first["id"])
    assert [counts[COUNT_FIELD[k]] for k in KINDS] == [1, 1, 1]
    listed = {r["id"]: r for r in api_a.rows("attachments")}
    assert listed[second["id"]]["linked_payables_count"] == 1
    assert listed[second["id"]]["linked_receivables_count"] == 0


# RULE ATT-4, RULE PAY-8
@pytest.mark.parametrize("kind", ["payable", "receivable"])
def test_attachments_count_on_bills_follows_the_links(api_a: Api, parents: dict[str, str],
                                                      kind: str) -> None:
    resource = kind + "s"
    parent = parents[kind]
    assert api_a.read(resource, parent)["attachments_count"] == 0
    rows = [upload(api_a) for _ in range(2)]
    for row in rows:
        link(api_a, row["id"], kind, parent)
    assert api_a.read(resource, parent)["attachments_count"] == 2
    listed = {r["id"]: r for r in api_a.rows(resource)}
    assert listed[parent]["attachments_count"] == 2
    unlink(api_a, rows[0]["id"], kind, parent)
    assert api_a.read(resource, parent)["attachments_count"] == 1


# RULE ATT-4, RULE G-3
@pytest.mark.parametrize("kind", KINDS)
def test_a_parent_or_attachment_of_another_tenant_is_404(
        api_a: Api, api_b: Api, store: Store, fake: Faker, parents: dict[str, str],
        kind: str) -> None:
    mine = upload(api_a)
    theirs = upload(api_b)
    b_parents = make_parents(api_b, store.tenant(tokens.TENANT_B), fake)
    missing = str(uuid.uuid4())
    foreign_parent = problem(link(api_a, mine["id"], kind, b_parents[kind]), 404, "not_found")
    missing_parent = problem(link(api_a, mine["id"], kind, missing), 404, "not_found")
    assert without_detail(foreign_parent) == without_detail(missing_parent)
    foreign = problem(link(api_a, theirs["id"], kind, parents[kind]), 404, "not_found")
    absent = problem(link(api_a, missing, kind, parents[kind]), 404, "not_found")
    assert without_detail(foreign) == without_detail(absent)
    problem(unlink(api_a, theirs["id"], kind, parents[kind]), 404, "not_found")
    assert api_b.read("attachments", theirs["id"])[COUNT_FIELD[kind]] == 0
    assert api_a.read("attachments", mine["id"])[COUNT_FIELD[kind]] == 0


# RULE ATT-4
@pytest.mark.parametrize("body, field", [
    ({"type": "company", "id": "7f0c6c1e-3f1a-4b8e-9a57-3c1d2e4f5a6b"}, "type"),
    ({"type": "payable", "id": "not-a-uuid"}, "id"),
    ({"type": "payable"}, "id"),
    ({"id": "7f0c6c1e-3f1a-4b8e-9a57-3c1d2e4f5a6b"}, "type"),
])
def test_a_malformed_link_body_is_422(api_a: Api, body: dict[str, str], field: str) -> None:
    row = upload(api_a)
    r = api_a.client.post(f"/v1/attachments/{row['id']}/links", headers=api_a.headers,
                          json=body)
    problem(r, 422, "validation_failed", field=field)


# -- ATT-5: delete ----------------------------------------------------------------------------


# RULE ATT-5, RULE G-10
def test_delete_while_linked_is_409_with_counts_then_204_then_404(
        api_a: Api, ts_a: TenantStore, parents: dict[str, str]) -> None:
    row = upload(api_a)
    for kind, parent in parents.items():
        link(api_a, row["id"], kind, parent)
    body = problem(api_a.delete("attachments", row["id"]), 409, "conflict")
    assert body["details"] == {"payables": 1, "receivables": 1, "transactions": 1}
    assert download(api_a, row).content == PDF.content  # untouched
    for kind, parent in parents.items():
        unlink(api_a, row["id"], kind, parent)
        if kind != "transaction":
            body = problem(api_a.delete("attachments", row["id"]), 409, "conflict")
    assert body["details"] == {"payables": 0, "receivables": 0, "transactions": 1}
    r = api_a.delete("attachments", row["id"])
    assert r.status_code == 204 and r.content == b""
    assert row["id"] not in ts_a.blobs  # the bytes are gone
    problem(api_a.get("attachments", row["id"]), 404, "not_found")
    problem(download(api_a, row), 404, "not_found")
    problem(api_a.delete("attachments", row["id"]), 404, "not_found")
    assert row["id"] not in api_a.ids("attachments")


# RULE ATT-5, RULE G-3
def test_another_tenant_cannot_read_or_delete_an_attachment(api_a: Api, api_b: Api,
                                                            ts_a: TenantStore) -> None:
    row = upload(api_a)
    problem(api_b.get("attachments", row["id"]), 404, "not_found")
    problem(api_b.delete("attachments", row["id"]), 404, "not_found")
    assert row["id"] not in api_b.ids("attachments")
    assert ts_a.blobs[row["id"]] == PDF.content
