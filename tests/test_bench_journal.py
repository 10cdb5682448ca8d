"""bench.journal: the journal's write cost, side by side (its load itself runs in `make bench`)."""

from __future__ import annotations

from bench import journal
from bench.__main__ import parse_args


def test_the_table_puts_memory_and_db_side_by_side() -> None:
    row = {"label": "POST /taxes", "journal_over_memory": 0.5,
           "memory": {"rps": 1000.0, "p50_ms": 2.0}, "journal": {"rps": 500.0, "p50_ms": 4.0}}
    text = journal.table({"journal_post": row})
    assert "| POST /taxes | 1,000 | 500 | 0.5× | 2.0 / 4.0 |" in text


def test_the_scenarios_are_a_create_and_an_edit() -> None:
    post, patch = journal.scenarios(["t1", "t2"])
    assert (post.method, post.expect, patch.method, patch.paths) == \
        ("POST", 201, "PATCH", ("/taxes/t1", "/taxes/t2"))
    assert "Idempotency-Key" in post.headers


def test_only_journal_is_an_option() -> None:
    assert parse_args(["--only", "journal", "--tool", "python", "--quick"]).only == "journal"
