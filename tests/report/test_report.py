"""The complete report on the shipped cohort: sections, files, manifest, per-patient CSV."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._provenance import hash_file, hash_frame
from lms_prognosis.report import ReportExistsError, write_report
from lms_prognosis.report._sections import per_patient_table

# HTML ids of the sections the issue asks for (data summary + exclusions, Table 1, KM overall
# and by each factor with tests, Cox + forest, PH check, published model validation,
# per-patient risk, methods, software versions)
SECTION_IDS = [
    "summary",
    "exclusions",
    "table-one",
    "km",
    "km-overall",
    "km-factors",
    "km-grid",
    "km-tests",
    "cox",
    "ph",
    "spline",
    "internal-validation",
    "apply-model",
    "validation",
    "recalibration",
    "risk",
    "methods",
    "references",
    "software",
]
FIGURE_IDS = [
    "fig-km_overall",
    "fig-km_age_ge_60",
    "fig-km_necrosis_any",
    "fig-km_vascular_invasion",
    "fig-km_aneuploidy",
    "fig-km_size_gt_5cm",
    "fig-km_depth",
    "fig-km_grade",
    "fig-forest",
    "fig-schoenfeld",
    "fig-partial_effects",
    "fig-calibration_fitted",
    "fig-calibration",
    "fig-calibration_recalibrated",
    "fig-calibration_recalibrated_slope",
]
TABLE_IDS = [
    "tab-data_summary",
    "tab-table1",
    "tab-logrank_tests",
    "tab-survival_by_factor",
    "tab-hazard_ratios",
    "tab-ph_test",
    "tab-hazard_ratios_spline",
    "tab-nonlinearity",
    "tab-internal_validation",
    "tab-baseline_survival_shown",
    "tab-model_coefficients_shown",
    "tab-recalibration",
    "tab-published_model_factors",
    "tab-per_patient_risk_first",
    "tab-software_versions",
]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.imgs: list[dict[str, str]] = []
        self.headings: list[str] = []
        self.external: list[str] = []
        self._in_h = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "img":
            self.imgs.append(a)
        if tag in ("link", "script"):
            self.external.append(tag)
        if tag in ("h1", "h2", "h3"):
            self._in_h = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3"):
            self._in_h = False

    def handle_data(self, data):
        if self._in_h:
            self.headings[-1] += data


@pytest.fixture(scope="module")
def html(report) -> str:
    return report.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(html) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


def test_every_section_present(report, parsed):
    for sid in SECTION_IDS:
        assert sid in parsed.ids, f"section {sid} missing"
    assert report.sections == [
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
    heads = " | ".join(parsed.headings)
    for words in (
        "Data summary",
        "Table 1",
        "Kaplan",
        "Cox",
        "Proportional hazards",
        "Design-value model (lms_default): not a fitted model",  # the default model's kind
        "Per-patient risk",
        "Methods",
        "Software versions",
    ):
        assert words in heads


def test_figures_embedded_and_tables_present(html, parsed):
    for fid in FIGURE_IDS:
        assert fid in parsed.ids, f"figure {fid} missing"
    for tid in TABLE_IDS:
        assert tid in parsed.ids, f"table {tid} missing"
    assert len(parsed.imgs) == len(FIGURE_IDS)
    for img in parsed.imgs:
        assert img["src"].startswith("data:image/png;base64,")
        assert len(img["src"]) > 5000
    # self-contained: no scripts, stylesheets or remote images
    assert parsed.external == []
    assert 'src="http' not in html


def test_html_content(html, cohort):
    assert "Gustafson" in html  # the published sources are cited
    for conv in (
        "Efron",
        "Greenwood",
        "log scale",
        "cox.zph",
        "concordance()",
        "survival 3.5.3",
        "Harrell",
    ):
        assert conv in html, conv
    assert "1 (reference)" in html
    assert "log-rank test for trend" in html.lower() or "trend" in html
    assert f"{len(cohort.data)}" in html


def test_pdf_pages_images_and_text(report, tmp_path):
    data = report.pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    # every figure embedded as its own PDF (a form XObject), none as a picture of itself
    assert len(re.findall(rb"/Subtype\s*/Form", data)) >= len(FIGURE_IDS)
    assert len(re.findall(rb"/Subtype\s*/Image", data)) == 0
    pages = re.findall(rb"/Type\s*/Page[^s]", data)
    assert len(pages) >= 6
    text = _pdf_text(data)
    for words in ("Data summary", "Table 1", "Methods", "Software versions", "Efron"):
        assert words in text, words
    # the figures' own text is text in the report: one "Number at risk" per KM figure
    n_km = sum(f.startswith("fig-km_") for f in FIGURE_IDS)
    assert text.count("Number at risk") == n_km


def _pdf_text(data: bytes) -> str:
    """Text of a typst PDF: pdftotext when available, else the raw inflated streams."""
    import shutil
    import subprocess

    if shutil.which("pdftotext"):
        r = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
        return r.stdout.decode("utf-8", "replace")
    pytest.skip("pdftotext (poppler-utils) not installed; PDF text not checked")
    return ""  # pragma: no cover


def test_per_patient_csv_matches_predict_survival(report, cohort):
    from lms_prognosis.report._factors import REPORT_FACTORS, derive_factors

    csv = pd.read_csv(report.out_dir / "per_patient_risk.csv", dtype={"patient_id": str})
    d = derive_factors(cohort.data)
    cox = lp.fit_cox(d, [f.column for f in REPORT_FACTORS])
    pred = cox.predict_survival(d.loc[cox.data.index], [12, 36, 60])
    assert len(csv) == cox.n
    ids = d.loc[cox.data.index, "patient_id"].astype(str).to_numpy()
    assert (csv["patient_id"].to_numpy() == ids).all()
    for t in (12, 36, 60):
        sub = pred[np.isclose(pred["time"], t)].set_index("patient").reindex(cox.data.index)
        for col in ("surv", "lower", "upper"):
            np.testing.assert_allclose(csv[f"{col}_{t}m"], sub[col], rtol=0, atol=1e-12)
        np.testing.assert_allclose(csv[f"risk_{t}m"], 1 - sub["surv"], rtol=0, atol=1e-12)


def test_per_patient_table_helper_uses_index(cohort):
    from lms_prognosis.report._factors import derive_factors

    d = derive_factors(cohort.data)
    cox = lp.fit_cox(d, ["age", "grade"])
    wide = per_patient_table(cox, d, [12.0])
    assert list(wide.columns) == ["patient_id", "surv_12m", "lower_12m", "upper_12m", "risk_12m"]
    assert len(wide) == cox.n


def test_manifest_lists_every_file_with_hash(report, cohort):
    man = json.loads(report.manifest.read_text(encoding="utf-8"))
    listed = {e["path"]: e for e in man["files"]}
    on_disk = {
        p.relative_to(report.out_dir).as_posix() for p in report.out_dir.rglob("*") if p.is_file()
    } - {"manifest.json"}
    assert set(listed) == on_disk
    for rel, entry in listed.items():
        assert entry["sha256"] == hash_file(report.out_dir / rel), rel
        assert entry["bytes"] == (report.out_dir / rel).stat().st_size
    for required in (
        "report.html",
        "report.pdf",
        "exclusions.csv",
        "per_patient_risk.csv",
        "tables/table1.csv",
        "tables/table1.docx",
        "tables/hazard_ratios.csv",
        "tables/hazard_ratios.docx",
        "figures/km_overall.png",
        "figures/km_overall.pdf",
        "figures/forest.pdf",
        "figures/calibration.png",
    ):
        assert required in listed, required
    assert man["input"]["data_sha256"] == hash_frame(cohort.data)
    assert man["parameters"]["model"] == "lms_default"
    assert man["parameters"]["time_points"] == [12.0, 36.0, 60.0]
    assert "lms_prognosis" in man["versions"] and "numpy" in man["versions"]
    assert man["exclusions"]["file"] == "exclusions.csv"
    assert man["sections"] == report.sections
    # every figure is there as PNG and PDF
    figs = {Path(p).stem for p in listed if p.startswith("figures/")}
    for stem in figs:
        assert f"figures/{stem}.png" in listed and f"figures/{stem}.pdf" in listed


def test_exclusions_csv_matches_cohort(report, cohort):
    ex = pd.read_csv(report.out_dir / "exclusions.csv")
    assert len(ex) == len(cohort.exclusions)


def test_no_overwrite_without_force(report, cohort, tmp_path):
    with pytest.raises(ReportExistsError, match="not empty"):
        write_report(cohort, report.out_dir, progress=False)
    with pytest.raises(FileExistsError):
        write_report(cohort, report.out_dir, progress=False)
    # a non-empty folder that is not a report is protected as well
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="force"):
        write_report(cohort, other, progress=False)


def test_force_removes_only_files_of_the_old_report(tmp_path, cohort):
    out = tmp_path / "rep"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "old_only.png").write_bytes(b"x")
    (out / "report.html").write_text("old")
    (out / "notes.txt").write_text("mine")
    (out / "figures" / "mine.png").write_bytes(b"mine")
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "files": [
                    {"path": "figures/old_only.png"},
                    {"path": "report.html"},
                    {"path": "../outside.txt"},
                ]
            }
        )
    )
    (tmp_path / "outside.txt").write_text("never touched")
    with pytest.raises(ReportExistsError):
        write_report(cohort, out, progress=False, force=False)
    assert (out / "report.html").read_text() == "old"  # refused before anything was written
    rep = write_report(cohort, out, progress=False, force=True)
    assert not (out / "figures" / "old_only.png").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "figures" / "mine.png").read_bytes() == b"mine"
    assert (out / "report.html").read_text(encoding="utf-8") != "old"
    assert all(p.is_file() and out in p.parents for p in rep.files)
    assert (tmp_path / "outside.txt").read_text() == "never touched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside.txt", "rep"]  # no temp left


def test_bad_arguments(tmp_path, cohort):
    with pytest.raises(ValueError, match="time_points"):
        write_report(cohort, tmp_path / "x", time_points=(0, 12), progress=False)


# ------------------------------------------------------------------------------ command line
def test_cli_report_refuses_non_empty_out_dir(report, capsys):
    from lms_prognosis.cli import main

    shipped = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"
    assert main(["report", str(shipped), "--out", str(report.out_dir), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err and "Traceback" not in err


def test_cli_report_usage_errors(tmp_path, capsys):
    from lms_prognosis.cli import main

    shipped = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"
    assert main(["report", str(shipped), "--out", str(tmp_path / "a"), "--model", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "b")]) == 2
    assert main(["report", str(shipped)]) == 2  # --out is required
    assert (
        main(["report", str(shipped), "--out", str(tmp_path / "c"), "--table-one-by", "nope"]) == 2
    )
    assert "--table-one-by nope: no such column" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_cli_report_passes_arguments(tmp_path, monkeypatch, capsys):
    import lms_prognosis.report as report_pkg
    from lms_prognosis.cli import main
    from lms_prognosis.report.build import Report

    seen = {}

    def fake_write_report(cohort, out_dir, **kwargs):
        seen.update(kwargs, cohort=cohort, out_dir=out_dir)
        return Report(
            out_dir=Path(out_dir),
            html=Path(out_dir) / "report.html",
            pdf=Path(out_dir) / "report.pdf",
            manifest=Path(out_dir) / "manifest.json",
        )

    monkeypatch.setattr(report_pkg, "write_report", fake_write_report)
    shipped = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"
    code = main(
        [
            "report",
            str(shipped),
            "--out",
            str(tmp_path / "o"),
            "--model",
            "gustafson1992",
            "--times",
            "12,60",
            "--endpoint",
            "os",
            "--quiet",
            "--table-one-by",
            "grade",
        ]
    )
    assert code == 0
    assert seen["model"] == "gustafson1992"
    assert seen["table_one_by"] == "grade"
    assert seen["time_points"] == [12.0, 60.0]
    assert seen["progress"] is False and seen["force"] is False
    assert seen["cohort"].endpoint == "OS" and len(seen["cohort"].data) == 500
    assert "report.html" in capsys.readouterr().out


def _html_table(html: str, table_id: str) -> pd.DataFrame:
    import io

    body = re.sub(r"<tfoot>.*?</tfoot>", "", html, flags=re.S)  # footnotes are not rows
    return pd.read_html(io.StringIO(body), attrs={"id": table_id})[0]


def test_html_tables_carry_the_results(html, report, cohort):
    from lms_prognosis.report._factors import REPORT_FACTORS

    tests = _html_table(html, "tab-logrank_tests")
    assert tests["factor"].dropna().tolist() == [f.label for f in REPORT_FACTORS]
    assert tests.loc[tests["factor"] == "FNCLCC grade", "test"].item() == "log-rank test for trend"
    hr = _html_table(html, "tab-hazard_ratios")
    ref = hr[hr["Multivariable HR (95% CI)"] == "1 (reference)"]
    assert len(ref) == len(REPORT_FACTORS)  # one reference row per factor
    assert hr["Univariable HR (95% CI)"].notna().all()
    t1 = _html_table(html, "tab-table1")
    labels = set(t1["variable"].dropna())
    for label in ("Age, years", "FNCLCC grade", "Vascular invasion", "DNA aneuploidy"):
        assert label in labels
    assert str(len(cohort.data)) in t1.iloc[0].astype(str).tolist()
    ph = _html_table(html, "tab-ph_test")
    assert ph["term"].iloc[-1] == "GLOBAL"
    risk = _html_table(html, "tab-per_patient_risk_first")
    csv = pd.read_csv(report.out_dir / "per_patient_risk.csv", dtype={"patient_id": str})
    assert risk["patient"].astype(str).tolist()[:5] == csv["patient_id"].tolist()[:5]
    first = f"{csv['surv_12m'].iloc[0]:.3f} ({csv['lower_12m'].iloc[0]:.3f}\u2013"
    assert risk.iloc[0, 1].startswith(first)


def test_table_one_by_a_column_in_the_report(tmp_path):
    from lms_prognosis.report import _sections as S

    cohort = lp.simulate_cohort(150, seed=3)
    writer = type("W", (), {"table": lambda self, df, *a, **k: df})()
    ctx = S.Context(
        cohort=cohort,
        writer=writer,
        model_name="lms_default",
        covariates=None,
        time_points=(12.0,),
        table_one_by="grade",
    )
    S.section_table_one(ctx)
    t1 = ctx.results["table_one"].table
    assert {"FNCLCC grade: 1", "FNCLCC grade: 2", "FNCLCC grade: 3", "p", "SMD"} <= set(t1.columns)
