"""`property_tests.reproduce`: a failure's requests as curl commands that replay as printed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from conformance.targets import embedded_mock
from fixtures import files, tokens
from property_tests.client import http_client
from property_tests.reproduce import KEPT, RECORDER, Recorder, mint_command

TOKEN_A = tokens.mint_token(tokens.TENANT_A)
TOKEN_B = tokens.mint_token(tokens.TENANT_B)


@pytest.fixture
def recorder(tmp_path: Path) -> Recorder:
    recorder = Recorder()
    recorder.name_tokens(TOKEN_A, TOKEN_B)
    recorder.files = tmp_path
    return recorder


def sent(recorder: Recorder, request: httpx.Request, status: int | None = 200) -> None:
    """Record `request` as the hooks would, answered with `status` (None: no answer)."""
    recorder.hooks["request"][0](request)
    if status is not None:
        recorder.hooks["response"][0](httpx.Response(status, request=request))


def test_tokens_print_as_variables_and_json_bodies_as_they_are(recorder: Recorder) -> None:
    body = {"pix_key": "joao@example.com", "pix_key_type": "email", "name": "Ação d'Água"}
    sent(recorder, httpx.Request("POST", "http://h/v1/people", json=body, headers={
        "Authorization": f"Bearer {TOKEN_B}", "Idempotency-Key": "k-1"}), 201)
    text = recorder.report() or ""
    assert '"Authorization: Bearer $FINANCE_TOKEN_B"' in text
    assert TOKEN_B not in text
    assert "-H 'idempotency-key: k-1'" in text
    assert "joao@example.com" in text and "Ação d" in text and "[Filtered]" not in text
    assert "#   answered 201" in text


def test_a_binary_body_goes_to_a_file(recorder: Recorder, tmp_path: Path) -> None:
    sample = files.SAMPLES["pdf"]
    request = httpx.Request("POST", "http://h/v1/attachments",
                            files={"file": (sample.file_name, sample.content, sample.mime_type)},
                            headers={"Authorization": f"Bearer {TOKEN_A}"})
    sent(recorder, request, 201)
    text = recorder.report() or ""
    assert "--data-binary @" in text and "\ufffd" not in text
    (written,) = tmp_path.glob("body-*.bin")
    assert written.read_bytes() == request.content
    assert sample.content in written.read_bytes()


def test_each_request_once_with_every_answer_and_only_the_last_few(recorder: Recorder) -> None:
    for n in range(KEPT + 2):
        sent(recorder, httpx.Request("GET", f"http://h/v1/taxes/{n}"), 404)
    twice = httpx.Request("POST", "http://h/v1/taxes", json={"name": "ISS"})
    sent(recorder, twice, 201)
    sent(recorder, httpx.Request("POST", "http://h/v1/taxes", json={"name": "ISS"}), None)
    text = recorder.report() or ""
    assert text.count("curl ") == KEPT
    assert text.count("-X POST") == 1
    assert "answered 201, then no answer (sent 2 times)" in text
    assert "taxes/0" not in text and f"taxes/{KEPT + 1}" in text


def test_another_token_prints_with_the_command_that_mints_it() -> None:
    lacking = [s for s in tokens.ALL_SCOPES if s != "finance.payables.write"]
    command = mint_command(tokens.mint_token(tokens.TENANT_A, lacking)) or ""
    env = os.environ | {"FINANCE_JWT_SECRET": tokens.DEFAULT_SECRET}
    minted = subprocess.run(["bash", "-c", command.replace("python", "\"$PY\"", 1)],
                            env=env | {"PY": sys.executable}, capture_output=True,
                            text=True, check=True, timeout=60).stdout.strip()
    claims = jwt.decode(minted, tokens.DEFAULT_SECRET, algorithms=["HS512"])
    assert claims["sub"] == tokens.TENANT_A and claims["scope"].split() == lacking
    assert mint_command("not-a-jwt") is None


@pytest.fixture(scope="module")
def mock_base() -> Iterator[str]:
    with embedded_mock() as base:
        yield base


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_printed_curls_replay_in_a_shell(mock_base: str, tmp_path: Path) -> None:
    """Pasted into a shell with the two tokens exported, the commands do it again."""
    recorder = Recorder()
    recorder.name_tokens(TOKEN_A, TOKEN_B)
    recorder.files = tmp_path
    sample = files.SAMPLES["png"]
    with httpx.Client(base_url=mock_base + "/", timeout=30, event_hooks=recorder.hooks,
                      headers={"Authorization": f"Bearer {TOKEN_A}"}) as http:
        upload = http.post("attachments", files={
            "file": (sample.file_name, sample.content, sample.mime_type)})
        assert upload.status_code == 201
        tax = http.post("taxes", json={"name": "ISS replay", "default_rate": "2.00"},
                        headers={"Idempotency-Key": "replay-key-1"})
        assert tax.status_code == 201, tax.text
    commands = [line for line in (recorder.report() or "").splitlines()
                if line.startswith("curl ")]
    assert len(commands) == 2
    env = os.environ | {"FINANCE_TOKEN_A": TOKEN_A, "FINANCE_TOKEN_B": TOKEN_B}
    answers = [subprocess.run(["bash", "-c", command], env=env, capture_output=True,
                              text=True, check=True, timeout=60).stdout
               for command in commands]
    assert answers[0].startswith("HTTP/1.1 201"), answers[0][:300]
    assert "image/png" in answers[0]
    # The same key and body again: the stored answer, replayed (RULE G-5).
    assert answers[1].startswith("HTTP/1.1 201"), answers[1][:300]
    assert "idempotent-replayed: true" in answers[1].lower()
    assert tax.json()["id"] in answers[1]


def test_the_suites_clients_record() -> None:
    RECORDER.clear()
    transport = httpx.MockTransport(lambda request: httpx.Response(418))
    with http_client("http://127.0.0.1:9/v1/", TOKEN_A, transport=transport) as http:
        http.get("companies/recorded-here")
    assert "companies/recorded-here" in (RECORDER.report() or "")
    assert "answered 418" in (RECORDER.report() or "")
    RECORDER.clear()
