"""The rule catalogue: every id once, well formed, one-line statements, a source for each."""

from __future__ import annotations

from pathlib import Path

import pytest

import contract
from contract.rules import BY_ID, FAMILIES, RULE_ID, RULES, Rule, render

EXPECTED = {
    "G": 12, "CMP": 5, "CAT": 4, "CC": 2, "TAX": 3, "PER": 5, "ACC": 4, "TRX": 5, "PAY": 11,
    "ATT": 5,
}


def test_every_rule_id_of_every_family_is_there_once() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    assert set(ids) == {f"{family}-{n}" for family, count in EXPECTED.items()
                        for n in range(1, count + 1)}
    assert list(FAMILIES) == list(EXPECTED)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_a_rule_is_well_formed(rule: Rule) -> None:
    assert RULE_ID.match(rule.id)
    assert rule.family == rule.id.split("-")[0]
    assert rule.title and "\n" not in rule.title
    assert rule.statement.endswith(".") and "\n" not in rule.statement
    assert rule.source.startswith(("export:", "overview:", "decision:"))


def test_render_lists_every_rule_under_its_family() -> None:
    text = render()
    for family in FAMILIES:
        assert f"\n## {family} — " in text
    for rule in RULES:
        assert f"\n### {rule.id} {rule.title}\n\n{rule.statement}\n" in text
    assert text.index("### G-12") < text.index("## CMP")


def test_docs_rules_md_is_the_rendered_catalogue() -> None:
    """docs/rules.md is generated: `make rules` (`python -m contract.rules > docs/rules.md`)."""
    docs = Path(contract.__file__).resolve().parent.parent / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == render(), "docs/rules.md is stale: run make rules"
