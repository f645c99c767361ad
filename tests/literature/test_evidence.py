"""Issue 13, item 2: the evidence is shipped as a page generated from the records, and no
source cites a file outside the package."""

from __future__ import annotations

import re
from pathlib import Path

import lms_prognosis.literature as pkg
from lms_prognosis.literature import data as lit
from lms_prognosis.literature import list_models, published_model
from lms_prognosis.literature.evidence import MARKER_MEANINGS, evidence_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "evidence.md"


def test_committed_page_equals_the_generated_one():
    assert PAGE.read_text(encoding="utf-8") == evidence_page(), (
        "docs/evidence.md is out of date: run "
        "`python -m lms_prognosis.literature.evidence docs/evidence.md`"
    )


def test_page_shows_every_record_and_explains_the_markers():
    page = evidence_page()
    for marker in lit.EVIDENCE_MARKERS:
        assert f"| {marker} |" in page and marker in MARKER_MEANINGS
    for name in lit.MODEL_INFO:
        assert f"### `{name}`" in page
    for r in lit.PREVALENCES + lit.COVARIATE_MODEL + lit.BASELINE + lit.CUTPOINTS:
        assert f"`{r.name}`" in page
    for section in ("## 6.1 ", "## 6.2 ", "## 6.3 ", "## References"):
        assert section in page
    gus = page.split("### `gustafson1992`")[1].split("###")[0]
    assert gus.count("| RR ") == 4 and gus.count("| not published |") == 4
    assert gus.count("NOT significant") == 2 and "n = 48" in gus


def test_no_source_cites_a_file_outside_the_package():
    texts = [r.source for r in lit.all_records()]
    texts += [str(i["source"]) for i in lit.MODEL_INFO.values()]
    texts += [published_model(n).baseline.label for n in lit.MODEL_INFO]
    for t in texts:
        assert "shared/" not in t and "domain.md" not in t, t
        for path in re.findall(r"[\w./-]+\.md\b", t):
            assert path == "docs/evidence.md", t
            assert (ROOT / path).is_file()
    for path in Path(pkg.__file__).parent.glob("*.py"):
        assert "shared/domain.md" not in path.read_text(encoding="utf-8"), path


def test_list_models_states_kind_inputs_and_requirements():
    tab = list_models().set_index("name")
    assert tab.loc["lms_default", "kind"] == "design"
    assert tab.loc["gustafson1992", "kind"] == "published"
    assert "aneuploidy" in tab.loc["gustafson1992", "inputs"]
    assert "DNA ploidy" in tab.loc["lms_default", "requirements"]
    assert tab.loc["chapel2022", "requirements"] == ""
