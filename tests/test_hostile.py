"""The G-12 battery's hostile bodies are what they say (`property_tests.hostile`), and the battery
(`property_tests.battery`) fails on a mock with the `wrong_type_is_500` fault, passes without."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.targets import Target, serve
from fixtures import tokens
from property_tests import battery, hostile
from property_tests.apispec import contract
from property_tests.client import Env

BODY = {"name": "Acme", "amount": "10.00", "active": True}


def _one(variant: str) -> hostile.Hostile:
    [case] = hostile.json_cases(variant, BODY, ("amount",))
    return case


def test_a_lone_surrogate_goes_in_every_string_field_as_the_json_escape() -> None:
    cases = hostile.json_cases("lone_surrogate", BODY)
    assert [case.field for case in cases] == ["name", "amount"]
    for case in cases:
        assert b"\\ud800" in case.content
        assert json.loads(case.content)[case.field].endswith("\ud800")


def test_each_variant_breaks_one_thing() -> None:
    nested = _one("nested_10000").content
    assert nested.count(b"[") == hostile.DEPTH
    with pytest.raises(RecursionError):
        json.loads(nested)
    duplicate = _one("duplicate_key").content
    assert json.loads(duplicate, object_pairs_hook=lambda pairs: [k for k, _ in pairs]) == [
        "name", "name", "amount", "active"]
    assert "\x00" in json.loads(_one("nul_character").content)["name"]
    assert len(_one("string_1mb").content) > hostile.ONE_MB
    assert json.loads(_one("number_1e309").content)["amount"] == float("inf")
    assert b'"amount": NaN' in _one("nan").content
    assert _one("no_content_type").headers == {}
    assert _one("wrong_content_type").headers == {"Content-Type": hostile.WRONG_TYPE}
    with pytest.raises(UnicodeDecodeError):
        _one("invalid_utf8").content.decode("utf-8")
    assert {v: json.loads(_one(v).content) == BODY for v in (
        "no_content_type", "wrong_content_type")} == {"no_content_type": True,
                                                      "wrong_content_type": True}


def test_upload_variants_change_the_parts() -> None:
    [two] = hostile.upload_cases("duplicate_key", "a.csv", b"x;y\n", "t")
    assert two.content.count(b'name="file"') == 2
    [bad] = hostile.upload_cases("invalid_utf8", "a.csv", b"x;y\n", "t")
    assert hostile.INVALID_UTF8 in bad.content
    assert hostile.upload_cases("no_content_type", "a.csv", b"x;y\n", "t")[0].headers == {}
    with pytest.raises(ValueError, match="unknown"):
        hostile.upload_cases("nan", "a.csv", b"", "t")


@contextmanager
def mock_with(faults: frozenset[str]) -> Iterator[Env]:
    from mock.app import create_app, new_store

    app = create_app(new_store(faults), secret=tokens.DEFAULT_SECRET)
    with serve(app) as root:
        target = Target(base_url=f"{root}/v1", token_a=tokens.mint_token(tokens.TENANT_A),
                        token_b=tokens.mint_token(tokens.TENANT_B), token_a_read_only=None,
                        secret=tokens.DEFAULT_SECRET, mode="mock")
        env = Env.open(target)
        try:
            yield env
        finally:
            env.close()


@pytest.fixture(scope="module")
def healthy() -> Iterator[Env]:
    with mock_with(frozenset()) as env:
        yield env


@pytest.fixture(scope="module")
def broken() -> Iterator[Env]:
    with mock_with(frozenset({"wrong_type_is_500"})) as env:
        yield env


# RULE G-12
@pytest.mark.parametrize("variant", ["number_1e309", "nan"])
def test_the_battery_catches_a_500_on_a_wrongly_typed_field(healthy: Env, broken: Env,
                                                            variant: str) -> None:
    [create] = [op for op in contract().writes if op.label == "POST /companies"]
    assert battery.run(healthy.a, create, variant) == []
    [failure] = battery.run(broken.a, create, variant)
    assert "answered 500" in failure
