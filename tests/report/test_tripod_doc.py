"""docs/tripod.md names report sections by their HTML anchors: each must be one the report writes."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from lms_prognosis.report._sections_competing import competing_steps
from lms_prognosis.report._sections_missing import missing_steps
from lms_prognosis.report.build import section_steps

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tripod.md"


def test_every_anchor_in_the_tripod_page_is_a_report_section() -> None:
    anchors = set(re.findall(r"`#([a-z-]+)`", PAGE.read_text(encoding="utf-8")))
    always = {step[2] for step in section_steps("lms_default")}
    # the sections written only with missing factors or competing events
    conditional = {"missing": missing_steps, "cif": competing_steps, "competing": competing_steps}
    assert anchors - always == set(conditional), anchors - always
    for anchor, fn in conditional.items():
        assert f'"{anchor}"' in inspect.getsource(fn), anchor


def test_every_tripod_item_is_listed() -> None:
    text = PAGE.read_text(encoding="utf-8")
    items = {m for row in re.findall(r"^\| ([0-9a-e, ]+) \|", text, re.M) for m in row.split(", ")}
    numbers = {re.match(r"\d+", i).group() for i in items}  # type: ignore[union-attr]
    assert numbers == {str(k) for k in range(1, 23)}
    for sub in ("4a", "4b", "5a", "5b", "5c", "6a", "6b", "7a", "7b", "10a", "10b", "10c"):
        assert sub in items, sub
    for sub in ("10d", "10e", "13a", "13b", "13c", "14a", "14b", "15a", "15b", "19a", "19b"):
        assert sub in items, sub
