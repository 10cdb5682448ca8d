"""The rule report as one self-contained HTML page: inline CSS, no script, no network.

`render(report)` fills a Jinja2 template (autoescaped: failure texts hold whatever the target
sent). The page opens with the overall line ("48 of 56 rules verified on … at …"), then one
row per rule: id, title and statement, verdict, the checks that covered it and how many cases;
a failed rule shows each failure's request, response and replay command, open; the long lists
fold away in `<details>`, which needs no script.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import markupsafe

from conformance.rulereport import VERDICTS, RuleReport

__all__ = ["render"]

CHECKS_SHOWN = 6  # checks listed per rule before the rest fold away
TEMPLATE = Path(__file__).with_name("rulepage.html")

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                  keep_trailing_newline=True)
_CODE = re.compile(r"`([^`]+)`")


def _code(text: str) -> markupsafe.Markup:
    """Escape `text`, then show its `backticked` spans as code (the catalogue writes them)."""
    return markupsafe.Markup(_CODE.sub(r"<code>\1</code>", str(markupsafe.escape(text))))


_ENVIRONMENT.filters["code"] = _code


def render(report: RuleReport) -> str:
    """The page for `report`."""
    page: str = _ENVIRONMENT.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        report=report, verdicts=VERDICTS, shown=CHECKS_SHOWN)
    return page
