"""``write_report``: a cohort in, a paper-ready report out (HTML, PDF, figures, tables, manifest).

The report is assembled section by section from the statistics modules
(:mod:`~lms_prognosis.nonparametric.km`, :mod:`~lms_prognosis.cox.fit`,
:mod:`~lms_prognosis.literature.models`, :mod:`~lms_prognosis.evaluate.metrics`) and the figures of
:mod:`lms_prognosis.plotting`; this module only orchestrates, writes files and records what it
wrote. Layout of the output folder::

    report.html            self-contained (figures embedded as base64 PNG)
    report.pdf             the same content, typeset by typst
    manifest.json          input hash, parameters, versions, every file with its SHA-256
    exclusions.csv         rows excluded on reading, with the reason
    per_patient_risk.csv   Cox-predicted survival at the time points, per patient
    figures/*.png|pdf      every figure
    tables/*.csv (+ .docx for Table 1 and the hazard ratios)
"""

from __future__ import annotations

import json
import time as _time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from numpy.linalg import LinAlgError

from lms_prognosis._provenance import hash_file, hash_frame, provenance
from lms_prognosis.exceptions import ReportExistsError
from lms_prognosis.report._document import Document, Figure, Paragraph, Section, Table
from lms_prognosis.report.export import table_to_docx

#: R and survival versions that produced the reference fixtures in tests/reference/
#: (the versions the Python results were checked against).
R_REFERENCE = "R 4.2.2 with survival 3.5.3"

REPORT_FILES = ("report.html", "report.pdf", "manifest.json", "exclusions.csv",
                "per_patient_risk.csv")


@dataclass(repr=False)
class Report:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    out_dir, html, pdf, manifest : Path
    files : list of Path
        Every file written (the manifest lists them with their hashes).
    sections : list of str
        The HTML ids of the report sections, in order.
    errors : dict
        Section id -> the error that kept it from being produced (empty when all went well).
    timings : dict
        Seconds spent per step.
    """

    out_dir: Path
    html: Path
    pdf: Path
    manifest: Path
    files: list[Path] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Report({self.out_dir}: {len(self.files)} files, sections "
                f"{', '.join(self.sections)}; {sum(self.timings.values()):.1f} s)")

    def _repr_html_(self) -> str:
        return (f"<p>Report in <code>{self.out_dir}</code>: <a href='{self.html}'>report.html</a>, "
                f"<a href='{self.pdf}'>report.pdf</a>, {len(self.files)} files.</p>")


class _Writer:
    """Writes figures and tables into the output folder and remembers every file."""

    def __init__(self, out_dir: Path, prov: dict[str, Any]) -> None:
        self.out_dir = out_dir
        self.prov = prov
        self.files: list[Path] = []
        (out_dir / "figures").mkdir(parents=True, exist_ok=True)
        (out_dir / "tables").mkdir(parents=True, exist_ok=True)

    def figure(self, fig: Any, name: str, caption: str, dpi: int = 150,
               width: float = 0.75) -> Figure:
        """Save ``fig`` as figures/<name>.png and .pdf (plotting.save_figure); return the block."""
        import matplotlib.pyplot as plt

        from lms_prognosis.plotting import save_figure

        figure = fig if hasattr(fig, "savefig") else fig.figure
        paths = save_figure(figure, self.out_dir / "figures" / name, formats=("png", "pdf"),
                            dpi=dpi, provenance=self.prov, title=caption)
        plt.close(figure)
        self.files.extend(Path(p) for p in paths)
        png = next(Path(p) for p in paths if str(p).endswith(".png")).read_bytes()
        return Figure(id=f"fig-{name}", caption=caption, png=png, alt=caption, width=width)

    def table(self, frame: pd.DataFrame, name: str, caption: str, note: str | None = None,
              group_column: str | None = None, max_rows: int | None = None,
              csv_frame: pd.DataFrame | None = None, docx: bool = False) -> Table:
        """Write tables/<name>.csv (``csv_frame`` or ``frame``), optionally .docx; return the block."""
        path = self.out_dir / "tables" / f"{name}.csv"
        (frame if csv_frame is None else csv_frame).to_csv(path, index=False, encoding="utf-8")
        self.files.append(path)
        if docx:
            dpath = path.with_suffix(".docx")
            table_to_docx(frame, dpath, caption, note, group_column)
            self.files.append(dpath)
        return Table(id=f"tab-{name}", caption=caption, frame=frame, note=note,
                     group_column=group_column, max_rows=max_rows)

    def csv(self, frame: pd.DataFrame, relpath: str) -> Path:
        path = self.out_dir / relpath
        frame.to_csv(path, index=False, encoding="utf-8")
        self.files.append(path)
        return path


def _prepare_out_dir(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportExistsError(f"output path {out_dir} exists and is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            n = sum(1 for _ in out_dir.iterdir())
            raise ReportExistsError(
                f"output folder {out_dir} is not empty ({n} entries); pass force=True "
                "(--force on the command line) to overwrite the report in it")
        # remove only what an earlier report wrote (its manifest says which files)
        old = out_dir / "manifest.json"
        if old.exists():
            try:
                listed = json.loads(old.read_text(encoding="utf-8")).get("files", [])
            except (json.JSONDecodeError, OSError):
                listed = []
            for entry in listed:
                p = (out_dir / entry.get("path", "")).resolve()
                if out_dir.resolve() in p.parents and p.is_file():
                    p.unlink()
            old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _as_cohort(cohort: Any, time_unit: str, endpoint: str | None) -> Any:
    if hasattr(cohort, "data") and hasattr(cohort, "exclusions"):
        return cohort
    from lms_prognosis.cohort.reader import read_cohort

    kwargs: dict[str, Any] = {"time_unit": time_unit}
    if endpoint is not None:
        kwargs["endpoint"] = endpoint
    return read_cohort(cohort, **kwargs)


def _manifest(out_dir: Path, cohort: Any, files: list[Path], params: dict[str, Any],
              sections: list[str], timings: dict[str, float]) -> dict[str, Any]:
    from lms_prognosis._versions import versions

    source = str(getattr(cohort, "source", ""))
    inp: dict[str, Any] = {
        "source": source,
        "data_sha256": hash_frame(cohort.data),
        "n_read": int(getattr(cohort, "n_read", 0) or 0),
        "n_analysed": len(cohort.data),
        "n_excluded_rows": _n_excluded(cohort),
        "endpoint": getattr(cohort, "endpoint", None),
    }
    if source and Path(source).is_file():
        inp["file_sha256"] = hash_file(source)
    entries = []
    for p in files:
        entries.append({"path": p.relative_to(out_dir).as_posix(), "sha256": hash_file(p),
                        "bytes": p.stat().st_size})
    rec = provenance(parameters=params)
    rec.update({
        "input": inp,
        "versions": versions(),
        "r_reference": R_REFERENCE,
        "exclusions": {"file": "exclusions.csv", "n_rows": _n_excluded(cohort),
                       "n_entries": len(cohort.exclusions)},
        "sections": sections,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "files": entries,
    })
    return rec


def _n_excluded(cohort: Any) -> int:
    ex = cohort.exclusions
    if ex is None or len(ex) == 0:
        return 0
    return int(ex["row"].nunique()) if "row" in ex else len(ex)


_REPORTED = ("rows dropped for missing values",)  # already reported in the report itself


def _add_warnings(section: Section, caught: list[warnings.WarningMessage], ctx: Any) -> None:
    """Show the warnings a section raised in the report (and in the manifest)."""
    seen: list[str] = []
    for w in caught:
        msg = str(w.message)
        if any(r in msg for r in _REPORTED) or msg in seen:
            continue
        seen.append(msg)
        section.add(Paragraph(f"Warning ({w.category.__name__}): {msg}", kind="note"))
    ctx.results.setdefault("warnings", {})[section.id] = seen


def write_report(cohort: Any, out_dir: str | Path, model: str = "lms_default",
                 covariates: Sequence[str] | None = None,
                 time_points: Sequence[float] = (12, 36, 60), force: bool = False,
                 progress: bool = True, *, time_unit: str = "months",
                 endpoint: str | None = None, title: str | None = None,
                 table_one_by: str | None = None) -> Report:
    """Write the complete report for a cohort: HTML, PDF, every figure and table, a manifest.

    Parameters
    ----------
    cohort : Cohort, DataFrame or path
        A :class:`lms_prognosis.Cohort`; a path or frame is read with
        :func:`lms_prognosis.read_cohort` (``time_unit``, ``endpoint``).
    out_dir : str or Path
        Output folder; created if absent.
    model : str
        Published model validated on the cohort (:func:`lms_prognosis.published_model`).
    covariates : sequence of str, optional
        Covariates of the multivariable Cox model. Default: the seven report factors (age
        ≥60, necrosis, vascular invasion, aneuploidy, size >5 cm, depth, grade; see
        ``lms_prognosis.report._factors``). Raw columns (``"age"``) may be named too.
    time_points : sequence of float
        Months at which survival is tabulated and predicted per patient (default 1, 3, 5
        years). The published model is validated at the last one.
    force : bool
        Overwrite a report in a non-empty ``out_dir`` (files listed by its old manifest are
        removed first; other files are left alone).
    progress : bool
        Show a tqdm progress bar (on stderr).
    table_one_by : str, optional
        Column of the cohort by which Table 1 is split (e.g. ``"grade"``), with tests and
        standardised mean differences; default: the whole cohort in one column.

    Returns
    -------
    Report

    Raises
    ------
    ReportExistsError
        ``out_dir`` is not empty and ``force`` is False (a ``FileExistsError`` and a
        ``ValueError``).

    Notes
    -----
    Nothing is estimated here: every number comes from the statistics modules and every
    figure from :mod:`lms_prognosis.plotting`; the conventions (R ``survival``'s) are stated
    in the report's methods section.

    Examples
    --------
    >>> import tempfile, lms_prognosis as lp
    >>> with tempfile.TemporaryDirectory() as d:
    ...     rep = lp.write_report(lp.load_synthetic(), d, progress=False)
    ...     print(rep.html.name, rep.pdf.name, rep.manifest.name, rep.errors)
    ...     print(", ".join(rep.sections))
    report.html report.pdf manifest.json {}
    summary, table-one, km, cox, ph, validation, risk, methods, software
    """
    from tqdm.auto import tqdm

    from lms_prognosis._version import __version__
    from lms_prognosis.report import _sections as S
    from lms_prognosis.report.html import write_html
    from lms_prognosis.report.pdf import write_pdf

    out_dir = Path(out_dir)
    time_points = tuple(float(t) for t in time_points)
    if not time_points or any(t <= 0 for t in time_points):
        raise ValueError(f"time_points must be positive months, got {time_points}")
    _prepare_out_dir(out_dir, force)
    cohort = _as_cohort(cohort, time_unit, endpoint)
    params = {"model": model, "covariates": list(covariates) if covariates else None,
              "time_points": list(time_points), "force": force, "time_unit": time_unit,
              "table_one_by": table_one_by}
    prov = provenance(cohort.data, params)
    writer = _Writer(out_dir, prov)
    ctx = S.Context(cohort=cohort, writer=writer, model_name=model,
                    covariates=list(covariates) if covariates else None,
                    time_points=time_points, table_one_by=table_one_by)

    steps = [("data summary", S.section_summary, "summary", "Data summary"),
             ("Table 1", S.section_table_one, "table-one", "Table 1: patient characteristics"),
             ("Kaplan-Meier", S.section_km, "km", "Kaplan\u2013Meier survival"),
             ("Cox model", S.section_cox, "cox", "Multivariable Cox model"),
             ("PH check", S.section_ph, "ph", "Proportional hazards check"),
             ("published model", S.section_validation, "validation", f"Published model: {model}"),
             ("per-patient risk", S.section_risk, "risk", "Per-patient risk"),
             ("methods", S.section_methods, "methods", "Methods"),
             ("software", S.section_software, "software", "Software versions")]
    timings: dict[str, float] = {}
    sections: list[Section] = []
    bar = tqdm(total=len(steps) + 3, desc="report", unit="step", disable=not progress,
               leave=True)
    try:
        for name, fn, sid, stitle in steps:
            bar.set_description(f"report: {name}")
            t0 = _time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    section = fn(ctx)
                except (ValueError, ArithmeticError, LinAlgError) as exc:
                    # a statistical failure on this cohort (e.g. a Cox fit that cannot
                    # converge): the report says so and goes on with the other sections
                    msg = f"{type(exc).__name__}: {exc}"
                    section = Section(sid, stitle, [Paragraph(
                        f"This section could not be produced for this cohort ({msg}).",
                        kind="note")])
                    ctx.results.setdefault("errors", {})[sid] = msg
            _add_warnings(section, caught, ctx)
            sections.append(section)
            timings[name] = _time.perf_counter() - t0
            bar.update(1)
        doc = Document(
            title=title or "Leiomyosarcoma prognosis report",
            subtitle=[f"Cohort: {cohort.source} \u2014 endpoint {cohort.endpoint}, "
                      f"{len(cohort.data)} patients",
                      f"lms_prognosis {__version__}, {prov['created']}"],
            sections=sections)
        bar.set_description("report: HTML")
        t0 = _time.perf_counter()
        html = write_html(doc, out_dir / "report.html")
        timings["HTML"] = _time.perf_counter() - t0
        bar.update(1)
        bar.set_description("report: PDF")
        t0 = _time.perf_counter()
        pdf = write_pdf(doc, out_dir / "report.pdf")
        timings["PDF"] = _time.perf_counter() - t0
        bar.update(1)
        bar.set_description("report: manifest")
        files = [html, pdf, *writer.files]
        section_ids = [s.id for s in sections]
        manifest = out_dir / "manifest.json"
        rec = _manifest(out_dir, cohort, files, params, section_ids, timings)
        rec["warnings"] = ctx.results.get("warnings", {})
        rec["errors"] = ctx.results.get("errors", {})
        manifest.write_text(json.dumps(rec, indent=2, ensure_ascii=False), encoding="utf-8")
        bar.update(1)
    finally:
        bar.close()
    return Report(out_dir=out_dir, html=html, pdf=pdf, manifest=manifest, files=files,
                  sections=section_ids, timings=timings, errors=ctx.results.get("errors", {}))
