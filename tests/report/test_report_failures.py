"""The report when the data cannot support a section, on a bug, on Ctrl-C, and on a terminal.

A reason in the data (no events, a factor with one level, too few patients) is one sentence
for a reader in the report, listed on stderr (``--strict``: exit 2) and absent from the
Methods; a bug is exit 1 with the trace file; an interruption never leaves a half report.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image

import lms_prognosis as lp
import lms_prognosis.plotting.export as plot_export
import lms_prognosis.report.build as build
from lms_prognosis.cli import main
from lms_prognosis.exceptions import RasterError
from lms_prognosis.report import _sections, _writer, write_report


def _csv(tmp_path: Path, data: pd.DataFrame, name: str) -> Path:
    path = tmp_path / name
    data.to_csv(path, index=False)
    return path


def _text(page: Path) -> str:
    """The report's visible text, one space between words."""
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page.read_text(encoding="utf-8"),
                  flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return lp.simulate_cohort(60, seed=2).data


@pytest.fixture(scope="module")
def censored(sim, tmp_path_factory):
    """All 60 patients censored: the CLI run, its stderr and the report folder."""
    tmp = tmp_path_factory.mktemp("censored")
    path = _csv(tmp, sim.assign(event=0), "censored.csv")
    out = tmp / "rep"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", str(path), "--out", str(out), "--quiet"])
    return code, err.getvalue(), out, path


def test_all_censored_sections_are_sentences_listed_on_stderr(censored):
    code, err, out, _ = censored
    assert code == 0
    lines = err.strip().splitlines()
    assert lines == [
        "lms-prognosis report: section 'cox' not computed: No patient had the event "
        "(disease-specific survival), so a Cox model cannot be estimated.",
        "lms-prognosis report: section 'ph' not computed: No patient had the event "
        "(disease-specific survival), so the proportional-hazards check cannot be estimated.",
        *(
            f"lms-prognosis report: section '{sid}' not computed: It uses the multivariable Cox "
            "model, which could not be fitted for this cohort (see above)."
            for sid in ("spline", "internal-validation", "apply-model")
        ),
        "lms-prognosis report: section 'validation' not computed: No patient had the event, so "
        "the model's discrimination and calibration cannot be assessed.",
        "lms-prognosis report: section 'risk' not computed: No patient had the event "
        "(disease-specific survival), so a per-patient risk cannot be estimated.",
    ]
    text = _text(out / "report.html")
    for needle in (
        "No patient had the event (disease-specific survival), so a Cox model cannot be "
        "estimated.",
        "No patient had the event, so survival stays at 1 in every group: no curves by factor "
        "and no log-rank tests.",
        "Not validated on this cohort: no patient had the event",
    ):
        assert needle in text
    for raw in ("Error", "zero variance", "Traceback", "could not be produced"):
        assert raw not in text  # no exception text reaches the reader
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(man["errors"]) == {
        "cox", "ph", "spline", "internal-validation", "apply-model", "validation", "risk"
    }
    assert man["errors"]["validation"]["detail"].startswith("Not validated on this cohort:")


def test_all_censored_methods_describe_only_what_was_done(censored):
    text = _text(censored[2] / "report.html")
    methods = text[text.index("Methods The endpoint"):]
    methods = methods[: methods.index("References")]
    assert "Kaplan\u2013Meier method with Greenwood's variance" in methods
    assert "Median follow-up is the reverse Kaplan\u2013Meier median" in methods
    for absent in ("Cox proportional-hazards", "cox.zph", "log-rank", "Harrell's C",
                   "Per-patient survival", "recalibrated", "calibration index"):
        assert absent not in methods, absent
    assert "the model was not validated on this cohort" in methods
    assert "7 analyses could not be computed for this cohort" in methods
    start = text.index("Methods The endpoint")
    refs = text[text.index("References", start):text.index("Software versions", start)]
    assert "Kaplan EL, Meier P" in refs
    for absent in ("Cox DR.", "Efron B.", "Grambsch PM", "Austin PC", "Harrell FE"):
        assert absent not in refs, absent


def test_all_censored_strict_exits_2(censored, tmp_path, capsys):
    path = censored[3]
    out = tmp_path / "strict"
    assert main(["report", str(path), "--out", str(out), "--quiet", "--strict"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "lms-prognosis report: error: 7 section(s) not computed (--strict)"
    assert len(err) == 8 and "Traceback" not in "".join(err)


def test_grade_without_a_level_keeps_the_kaplan_meier_section(sim, tmp_path, capsys):
    data = sim[sim["grade"].astype(str) != "1"]
    path = _csv(tmp_path, data, "no_grade1.csv")
    assert main(["report", str(path), "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    assert "'km'" not in capsys.readouterr().err
    tests = pd.read_csv(tmp_path / "rep" / "tables" / "logrank_tests.csv")
    grade = tests[tests["factor"] == "FNCLCC grade"].iloc[0]
    assert grade["test"] == "log-rank test for trend"
    assert tests.loc[tests["factor"] == "FNCLCC grade", "level"].astype(str).tolist() == ["2", "3"]
    expected = lp.logrank_test(lp.read_cohort(path).data, group="grade", trend=True,
                               scores=[2, 3])
    assert float(grade["chi-square"]) == pytest.approx(expected.chisq, abs=0.005)


def test_a_factor_with_one_level_is_said_in_a_sentence(sim, tmp_path):
    data = sim.assign(grade="3", depth="deep")
    rep = write_report(lp.read_cohort(data), tmp_path / "rep", progress=False)
    assert rep.errors == {}
    text = _text(rep.html)
    assert "Not in the model (absent, all missing or constant in this cohort): " in text
    assert "Depth" in text and "FNCLCC grade" in text


def test_one_patient_gives_a_short_report(sim, tmp_path, capsys):
    path = _csv(tmp_path, sim.head(1), "one.csv")
    out = tmp_path / "rep"
    # the default times are all beyond the one follow-up time: a clear exit 2, nothing written
    assert main(["report", str(path), "--out", str(out), "--quiet"]) == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "--times 12,36,60 (the default): beyond the longest" in line
    assert not out.exists()
    assert main(["report", str(path), "--out", str(out), "--quiet", "--times", "3"]) == 0
    err = capsys.readouterr().err
    # km, sample size, cox, ph, spline, internal validation, applying the model,
    # validation, risk (the limitations are written for any cohort)
    assert err.count("The cohort has only 1 patient after exclusions") == 9
    text = _text(out / "report.html")
    assert "The cohort has only 1 patient after exclusions, and a Cox model needs at least 2." in (
        text)
    assert "Follow-up, months: median (95% CI), reverse Kaplan\u2013Meier not reached" in text
    assert "Kaplan\u2013Meier method" not in text and "Gustafson" not in text
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "rep"]


@pytest.mark.parametrize("where", ["section_cox", "write_pdf"])
def test_a_bug_is_exit_1_with_the_trace_file_and_no_folder(sim, tmp_path, capsys, monkeypatch,
                                                           where):
    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(_sections if where == "section_cox" else build, where, bug)
    path = _csv(tmp_path, sim, "c.csv")
    assert main(["report", str(path), "--out", str(tmp_path / "rep"), "--quiet"]) == 1
    line = capsys.readouterr().err.strip()
    match = re.fullmatch(r"lms-prognosis: internal error \(RuntimeError: a bug\); the full "
                         r"traceback is in (\S+)\. Please report it\.", line)
    assert match, line
    assert "a bug" in Path(match.group(1)).read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]  # no report, no temp folder


def _interrupt(ctx):
    raise KeyboardInterrupt


def test_ctrl_c_mid_way_leaves_no_report(sim, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_sections, "section_ph", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_report(lp.read_cohort(sim), tmp_path / "rep", progress=False)
    assert list(tmp_path.iterdir()) == []
    path = _csv(tmp_path, sim, "c.csv")
    assert main(["report", str(path), "--out", str(tmp_path / "rep"), "--quiet"]) == 130
    assert capsys.readouterr().err.strip() == "lms-prognosis: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_ctrl_c_mid_way_keeps_the_previous_report(sim, tmp_path, monkeypatch):
    cohort = lp.read_cohort(sim)
    out = tmp_path / "rep"
    write_report(cohort, out, progress=False, time_points=(12, 36))
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(_sections, "section_risk", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_report(cohort, out, progress=False, force=True)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous complete report, byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


class _Terminal:
    """A stderr that says it is (or is not) a terminal and keeps what was written."""

    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_only_on_a_terminal(sim, tmp_path, monkeypatch, tty):
    monkeypatch.setattr(_sections, "section_cox", _interrupt)  # stop early: the bar has shown
    err = _Terminal(tty)
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(KeyboardInterrupt):
        write_report(lp.read_cohort(sim), tmp_path / "rep", progress=True)
    assert ("report: " in err.text) is tty


def _typst_fails(pdf: bytes, dpi: int) -> bytes:
    raise RasterError("typst could not rasterise the figure's PDF (a made-up failure)")


def test_figures_typst_cannot_rasterise_are_drawn_by_agg_and_said(sim, tmp_path, monkeypatch):
    # patched before write_report forks its figure workers, so they inherit it
    monkeypatch.setattr(plot_export, "rasterise_pdf", _typst_fails)
    rep = write_report(sim, tmp_path / "rep", progress=False)
    pngs = sorted((rep.out_dir / "figures").glob("*.png"))
    assert len(pngs) >= 8 and all(p.with_suffix(".pdf").is_file() for p in pngs)
    for png in pngs:
        with Image.open(png) as im:
            im.verify()  # a whole PNG, drawn by Agg
    warned = json.loads(rep.manifest.read_text(encoding="utf-8"))["warnings"]
    said = sorted(w for ws in warned.values() for w in ws if "Agg renderer" in w)
    assert said == sorted(
        f"The PNG of figure {p.stem} was drawn by matplotlib's Agg renderer, not rasterised "
        "from its PDF as the other figures are: typst could not rasterise the figure's PDF "
        "(a made-up failure)."
        for p in pngs
    )
    assert "drawn by matplotlib's Agg renderer" in _text(rep.html)


def test_the_report_rasterises_every_figure_from_its_pdf(report):
    """The fallback above is not what draws the figures of a normal report."""
    warned = json.loads(report.manifest.read_text(encoding="utf-8"))["warnings"]
    assert not [w for ws in warned.values() for w in ws if "Agg renderer" in w]


def test_the_warning_quotes_what_typst_said(tmp_path, monkeypatch):
    real = plot_export.rasterise_pdf
    # a real typst failure: the PDF handed to it is cut short
    monkeypatch.setattr(plot_export, "rasterise_pdf", lambda pdf, dpi: real(pdf[:200], dpi))
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [1, 0])
    with pytest.warns(lp.LMSPrognosisWarning) as caught:
        files = _writer._export(fig, tmp_path / "line", 100, "A line", prov={})
    plt.close(fig)
    assert [p.name for p in files] == ["line.png", "line.pdf"]
    (msg,) = [str(w.message) for w in caught]
    assert msg.startswith(
        "The PNG of figure line was drawn by matplotlib's Agg renderer, not rasterised from "
        "its PDF as the other figures are: typst could not rasterise it ("
    )
    assert "raster=" not in msg  # the advice to save_figure callers is left out
