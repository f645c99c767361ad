"""The report's contract: data problems become notes, bugs propagate; templates; no cycles."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._format import format_ci, format_number
from lms_prognosis.nonparametric.followup import median_follow_up
from lms_prognosis.report import _sections, write_report
from lms_prognosis.report._document import Document, Paragraph, Section
from lms_prognosis.report._templates import ENVIRONMENT
from lms_prognosis.report.html import render_html

PACKAGE = Path(lp.__file__).parent
REPORT_MODULES = sorted((PACKAGE / "report").glob("*.py"))
NEW_MODULES = [
    PACKAGE / "_compare.py",
    PACKAGE / "cox" / "univariable.py",
    PACKAGE / "nonparametric" / "followup.py",
]


@pytest.fixture(scope="module")
def no_factors() -> lp.Cohort:
    """A cohort with none of the report's risk factors: the Cox model cannot be fitted."""
    data = lp.simulate_cohort(80, seed=5).data[["patient_id", "time", "event", "sex"]]
    return lp.read_cohort(data)


def test_a_reason_in_the_data_becomes_a_note(no_factors, tmp_path):
    rep = write_report(no_factors, tmp_path / "out", progress=False, time_points=(12, 36))
    # every factor is missing: no Cox model, and the published model cannot be evaluated
    assert set(rep.errors) == {
        "cox",
        "ph",
        "spline",
        "internal-validation",
        "apply-model",
        "validation",
        "risk",
    }
    assert rep.errors["cox"] == (
        "None of the risk factors takes two or more values in this cohort, so there is "
        "nothing to put in a Cox model."
    )
    assert rep.errors["ph"].startswith("It uses the multivariable Cox model, which could not")
    assert rep.sections == [
        "summary",
        "sample-size",
        "table-one",
        "km",
        "cox",
        "ph",
        "spline",
        "internal-validation",
        "apply-model",
        "validation",
        "risk",
        "limitations",
        "methods",
        "software",
    ]
    html = rep.html.read_text(encoding="utf-8")
    for sentence in rep.errors.values():  # a sentence for a reader, in its section
        assert sentence in html or f"on this cohort: {sentence[0].lower()}{sentence[1:]}" in html
    assert "CoxError" not in html and "ReportError" not in html
    assert "No risk factor has two or more groups" in html
    man = json.loads(rep.manifest.read_text(encoding="utf-8"))
    assert {k: v["sentence"] for k, v in man["errors"].items()} == rep.errors
    assert man["errors"]["cox"]["detail"].startswith("CoxError: no covariate for the Cox model")
    assert rep.pdf.read_bytes()[:5] == b"%PDF-"


def test_an_internal_error_in_a_section_propagates(monkeypatch, tmp_path):
    def broken(ctx):
        return 1 / 0

    monkeypatch.setattr(_sections, "section_summary", broken)
    with pytest.raises(ZeroDivisionError):
        write_report(lp.simulate_cohort(60, seed=1), tmp_path / "out", progress=False)


def test_cli_exit_1_for_an_internal_error_in_a_section(monkeypatch, tmp_path, capsys):
    from lms_prognosis.cli import main

    def broken(ctx):
        raise KeyError("a bug")

    monkeypatch.setattr(_sections, "section_summary", broken)
    shipped = PACKAGE / "data" / "synthetic_somatic_500.csv"
    assert main(["report", str(shipped), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    assert "internal error" in capsys.readouterr().err


def test_unknown_model_or_bad_time_points_raise_before_writing(tmp_path):
    cohort = lp.simulate_cohort(40, seed=2)
    with pytest.raises(ValueError, match="nope"):
        write_report(cohort, tmp_path / "a", model="nope", progress=False)
    with pytest.raises(lp.ReportError, match="time_points"):
        write_report(cohort, tmp_path / "b", time_points=(12, -1), progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_follow_up_in_the_summary_is_median_follow_up(report, cohort):
    summary = pd.read_csv(report.out_dir / "tables" / "data_summary.csv")
    cell = summary.loc[summary["item"].str.startswith("Follow-up, months: median"), "value"]
    fu = median_follow_up(cohort.data)
    assert cell.item() == f"{format_number(fu.median, 1)} {format_ci(fu.lower, fu.upper, 1)}"


# ----------------------------------------------------------------------------- templates
def test_html_comes_from_the_package_templates(report):
    names = set(ENVIRONMENT.list_templates())
    assert {"report.html.j2", "blocks.html.j2", "table.html.j2", "report.css"} <= names
    assert ENVIRONMENT.autoescape is True
    html = report.html.read_text(encoding="utf-8")
    for marker in ("{{", "{%", "{#", "%}", "}}"):
        assert marker not in html, marker
    css = (PACKAGE / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    assert css.strip() in html  # the stylesheet is inlined


def test_templates_escape_text():
    doc = Document(
        "<b>T</b>",
        subtitle=["a & b"],
        sections=[
            Section("s1", "Intro <i>", [Paragraph("<script>alert(1)</script>", kind="note")])
        ],
    )
    html = render_html(doc)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<title>&lt;b&gt;T&lt;/b&gt;</title>" in html
    assert '<p class="note">' in html and "a &amp; b" in html


def test_an_unknown_block_is_refused():
    doc = Document("t", sections=[Section("s", "S", [object()])])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="cannot render block of type object"):
        render_html(doc)


# ----------------------------------------------------------------------------- imports
def _imports(path: Path) -> tuple[set[str], list[str]]:
    """Top-level lms_prognosis imports of a module, and imports made inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module)
            top.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            top.update(a.name for a in node.names)
    local = [
        f"{path.name}:{n.lineno}"
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f)
        if isinstance(n, ast.Import | ast.ImportFrom) and _ours(n)
    ]
    return top, local


def _ours(node: ast.Import | ast.ImportFrom) -> bool:
    """An import of the package's own modules (or a relative one): those are what a
    function-local import could hide a cycle with. A third-party module imported where it is
    used (scipy.stats, kept off the start-up path) hides none."""
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "lms_prognosis"
    return any(a.name.split(".")[0] == "lms_prognosis" for a in node.names)


def test_report_has_no_import_cycle_and_no_function_local_imports():
    graph: dict[str, set[str]] = {}
    for path in REPORT_MODULES + NEW_MODULES:
        top, local = _imports(path)
        assert local == [], f"function-local imports: {local}"
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        graph[name.removesuffix(".__init__")] = top
    report = {m for m in graph if m.startswith("lms_prognosis.report")}
    edges = {m: {t for t in graph[m] if t in report and t != m} for m in report}
    # lms_prognosis.report (the package) imports build, which must not import the package back
    edges["lms_prognosis.report"] = {t for t in graph["lms_prognosis.report"] if t in report}
    seen: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        if seen.get(m) == 1:
            raise AssertionError("import cycle: " + " -> ".join([*stack, m]))
        if seen.get(m) == 2:
            return
        seen[m] = 1
        for t in sorted(edges.get(m, ())):
            visit(t, [*stack, m])
        seen[m] = 2

    for m in sorted(edges):
        visit(m, [])
    assert "lms_prognosis.report._sections" in edges["lms_prognosis.report.build"]
    assert not any(
        t.startswith("lms_prognosis.report.build") for t in edges["lms_prognosis.report._methods"]
    )
