"""The README publishes every reason code as the service does (``GET /reason_codes``)."""

from __future__ import annotations

import re
from pathlib import Path

from credit_assets.serving.refusals import published_codes

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_every_reason_code_with_the_services_words() -> None:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!-- reason-codes -->\n(.*?)<!-- /reason-codes -->", text, re.S)
    assert section, "the README's reason-code table is missing"
    rows = [line.split(" | ") for line in section.group(1).splitlines()[2:]]
    listed = [(r[0].strip("| `"), r[1], r[2], r[3].rstrip(" |")) for r in rows]
    assert listed == [
        (c.code, "yes" if c.refusal_reason else "never", c.title, c.text) for c in published_codes()
    ]
