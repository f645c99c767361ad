"""``write_report``: a cohort in, a paper-ready report out (HTML, PDF, figures, tables, manifest).

The report is assembled section by section from the statistics modules
(:mod:`~lms_prognosis.nonparametric.km`, :mod:`~lms_prognosis.cox.fit`,
:mod:`~lms_prognosis.literature.models`, :mod:`~lms_prognosis.evaluate`) and the figures of
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
import shutil
import sys
import tempfile
import time as _time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

import lms_prognosis.report._sections as _sections
from lms_prognosis._provenance import hash_file, hash_frame, provenance
from lms_prognosis._version import __version__
from lms_prognosis._versions import versions
from lms_prognosis.cohort import Cohort, read_cohort
from lms_prognosis.exceptions import ReportError, ReportExistsError
from lms_prognosis.literature import published_model
from lms_prognosis.report._context import R_REFERENCE, Context
from lms_prognosis.report._document import Document
from lms_prognosis.report._figure_pool import frozen_gc, workers_for
from lms_prognosis.report._folder import check_out_dir, make_parent, move_into_place
from lms_prognosis.report._run import SectionStep, add_late_warnings, patients, run_section
from lms_prognosis.report._sections_competing import check_cause, competing_steps
from lms_prognosis.report._sections_fitted import fitted_steps
from lms_prognosis.report._sections_missing import check_impute, missing_steps
from lms_prognosis.report._sections_model import model_heading
from lms_prognosis.report._writer import Writer
from lms_prognosis.report.html import write_html
from lms_prognosis.report.pdf import write_pdf

__all__ = ["write_report", "Report", "ReportExistsError", "R_REFERENCE", "REPORT_FILES"]

REPORT_FILES = (
    "report.html",
    "report.pdf",
    "manifest.json",
    "exclusions.csv",
    "per_patient_risk.csv",
)


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
        Section id -> the sentence that replaced it (or, for the published model, its
        validation) because of a reason in the data (empty when all went well); the manifest's
        ``errors`` adds the technical detail.
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
        return (
            f"Report({self.out_dir}: {len(self.files)} files, sections "
            f"{', '.join(self.sections)}; {sum(self.timings.values()):.1f} s)"
        )

    def _repr_html_(self) -> str:
        return (
            f"<p>Report in <code>{self.out_dir}</code>: <a href='{self.html}'>report.html</a>, "
            f"<a href='{self.pdf}'>report.pdf</a>, {len(self.files)} files.</p>"
        )


def _as_cohort(cohort: Any, time_unit: str, endpoint: str | None) -> Cohort:
    if hasattr(cohort, "data") and hasattr(cohort, "exclusions"):
        return cohort
    kwargs: dict[str, Any] = {"time_unit": time_unit}
    if endpoint is not None:
        kwargs["endpoint"] = endpoint
    return read_cohort(cohort, **kwargs)


def _manifest(
    out_dir: Path,
    cohort: Any,
    files: list[Path],
    params: dict[str, Any],
    sections: list[str],
    timings: dict[str, float],
) -> dict[str, Any]:
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
        entries.append(
            {
                "path": p.relative_to(out_dir).as_posix(),
                "sha256": hash_file(p),
                "bytes": p.stat().st_size,
            }
        )
    rec = provenance(parameters=params)
    rec.update(
        {
            "input": inp,
            "versions": versions(),
            "r_reference": R_REFERENCE,
            "exclusions": {
                "file": "exclusions.csv",
                "n_rows": _n_excluded(cohort),
                "n_entries": len(cohort.exclusions),
            },
            "sections": sections,
            "timings_s": {k: round(v, 3) for k, v in timings.items()},
            "files": entries,
        }
    )
    return rec


def _n_excluded(cohort: Any) -> int:
    ex = cohort.exclusions
    if ex is None or len(ex) == 0:
        return 0
    return int(ex["row"].nunique()) if "row" in ex else len(ex)


def write_report(
    cohort: Any,
    out_dir: str | Path,
    model: str = "lms_default",
    covariates: Sequence[str] | None = None,
    time_points: Sequence[float] = (12, 36, 60),
    force: bool = False,
    progress: bool = True,
    *,
    time_unit: str = "months",
    endpoint: str | None = None,
    title: str | None = None,
    table_one_by: str | None = None,
    cause: int = 1,
    impute: int | bool | None = None,
    seed: int = 1,
    n_jobs: int | None = None,
) -> Report:
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
        Replace the report in a non-empty ``out_dir`` (the files its old manifest lists are
        dropped; other files are kept).
    progress : bool
        Show a tqdm progress bar on stderr (only when stderr is a terminal).
    table_one_by : str, optional
        Column of the cohort by which Table 1 is split (e.g. ``"grade"``), with tests and
        standardised mean differences; default: the whole cohort in one column.
    cause : {1, 2}
        Cause of interest when the cohort has competing events (event code 2): then the
        report shows cumulative incidence instead of 1 - Kaplan-Meier, Gray's tests,
        cause-specific and Fine-Gray models side by side and absolute risks per patient.
    impute : None, bool or int
        None: multiple imputation (m = 20) is the primary analysis when a model covariate is
        missing in more than 5% of patients; an int m >= 2 (or True, m = 20) imputes whenever
        a covariate is missing; False: complete cases only.
    seed : int
        Seed of the imputation and of the bootstrap validation of the fitted model.
    n_jobs : int, optional
        Processes writing the figures, this one included: ``1`` writes each figure where it
        is made; more (default: one per usable core, ``-1`` too) hand figures to worker
        processes while the next section is computed. The files are the same either way;
        without ``fork`` (outside Linux) or where processes cannot start, figures are
        written in this process.

    Returns
    -------
    Report

    Raises
    ------
    ReportExistsError
        ``out_dir`` is not empty and ``force`` is False (a ``FileExistsError`` and a
        ``ValueError``).
    ReportError
        ``time_points`` not all positive, or ``n_jobs`` not a positive integer, -1 or None.

    Notes
    -----
    Nothing is estimated here: every number comes from the statistics modules and every
    figure from :mod:`lms_prognosis.plotting`; the conventions (R ``survival``'s) are stated
    in the report's methods section.

    A section that cannot be computed for a reason in the data (fewer than
    :data:`MIN_PATIENTS` patients, no events for the Cox model, or an
    :class:`~lms_prognosis.LMSPrognosisError` from the statistics, e.g. no covariate that
    varies) is replaced by one sentence for a reader, listed in ``Report.errors`` and in the
    manifest (with the technical detail), and left out of the Methods; the other sections are
    written. Any other exception is an internal error and propagates: it is never turned into
    a note.

    The report is built in a hidden folder next to ``out_dir`` (``.<name>.partial-*``) and
    renamed into place when complete, so an interruption (Ctrl-C) or an error leaves
    ``out_dir`` as it was: absent, or the previous complete report. The progress bar is shown
    only when standard error is a terminal.

    Examples
    --------
    >>> import tempfile, lms_prognosis as lp
    >>> with tempfile.TemporaryDirectory() as d:
    ...     rep = lp.write_report(lp.load_synthetic(), d, progress=False)
    ...     print(rep.html.name, rep.pdf.name, rep.manifest.name, rep.errors)
    ...     print(", ".join(rep.sections))  # doctest: +NORMALIZE_WHITESPACE
    report.html report.pdf manifest.json {}
    summary, sample-size, table-one, km, cox, ph, spline, internal-validation, apply-model,
    validation, risk, limitations, methods, software
    """
    out_dir = Path(out_dir)
    time_points = _check_time_points(time_points)
    cause, impute = check_cause(cause), check_impute(impute)
    workers_for(n_jobs)  # a bad n_jobs is the caller's mistake: raise before work
    published_model(model)  # an unknown model name is the caller's mistake: raise before work
    check_out_dir(out_dir, force)
    cohort = _as_cohort(cohort, time_unit, endpoint)
    params = {
        "model": model,
        "covariates": list(covariates) if covariates else None,
        "time_points": list(time_points),
        "force": force,
        "time_unit": time_unit,
        "table_one_by": table_one_by,
        "cause": cause,
        "impute": impute,
        "seed": seed,
    }
    # built in a hidden sibling folder and renamed into place when complete: an interruption
    # (Ctrl-C) or an error leaves the target as it was (absent, or the previous report)
    make_parent(out_dir)
    partial = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        show = progress and sys.stderr.isatty()
        rep = _write_in(partial, cohort, params, show, title, n_jobs)
        move_into_place(partial, out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    rep.out_dir = out_dir
    rep.files = [out_dir / p.relative_to(partial) for p in rep.files]
    rep.html, rep.pdf, rep.manifest = (
        out_dir / "report.html",
        out_dir / "report.pdf",
        out_dir / "manifest.json",
    )
    return rep


def _write_in(
    out_dir: Path,
    cohort: Cohort,
    params: dict[str, Any],
    progress: bool,
    title: str | None,
    n_jobs: int | None = 1,
) -> Report:
    """Write every file of the report into ``out_dir`` (the temporary folder)."""
    prov = provenance(cohort.data, params)
    with frozen_gc():  # before the workers fork: they inherit it
        writer = Writer(out_dir, prov, n_jobs)
        try:
            return _write_with(writer, cohort, params, progress, title)
        finally:
            writer.close()  # the worker processes, after an error too


def _write_with(
    writer: Writer, cohort: Cohort, params: dict[str, Any], progress: bool, title: str | None
) -> Report:
    """The report's sections, figures, HTML, PDF and manifest, written by ``writer``."""
    out_dir, prov = writer.out_dir, writer.prov
    ctx = Context(
        cohort=cohort,
        writer=writer,
        model_name=params["model"],
        covariates=params["covariates"],
        time_points=tuple(params["time_points"]),
        table_one_by=params["table_one_by"],
    )
    ctx.results["options"] = {
        "cause": params["cause"],
        "impute": params["impute"],
        "seed": params["seed"],
        "progress": progress,
    }
    steps = competing_steps(missing_steps(section_steps(params["model"]), ctx), ctx)
    timings: dict[str, float] = {}
    with tqdm(
        total=len(steps) + 4, desc="report", unit="step", disable=not progress, leave=True
    ) as bar:
        sections = []
        for step in steps:
            with _timed(bar, step[0], timings):
                sections.append(run_section(ctx, step))
        with _timed(bar, "figures", timings):  # waiting for the workers (0 without)
            add_late_warnings(sections, writer.finish(), ctx)
        subtitle = [
            f"Cohort: {cohort.source} \u2014 endpoint {cohort.endpoint}, "
            f"{patients(len(cohort.data))}",
            f"lms_prognosis {__version__}, {prov['created']}",
        ]
        doc = Document(title or "Leiomyosarcoma prognosis report", subtitle, sections)
        with _timed(bar, "HTML", timings):
            html = write_html(doc, out_dir / "report.html")
        with _timed(bar, "PDF", timings):
            pdf = write_pdf(doc, out_dir / "report.pdf")
        bar.set_description("report: manifest")
        files = [html, pdf, *writer.files]
        manifest = _write_manifest(ctx, files, params, [sec.id for sec in sections], timings)
        bar.update(1)
    errors = ctx.results.get("errors", {})
    return Report(
        out_dir=out_dir,
        html=html,
        pdf=pdf,
        manifest=manifest,
        files=files,
        sections=[sec.id for sec in sections],
        timings=timings,
        errors={sid: e["sentence"] for sid, e in errors.items()},
    )


def _write_manifest(
    ctx: Context,
    files: list[Path],
    params: dict[str, Any],
    section_ids: list[str],
    timings: dict[str, float],
) -> Path:
    """manifest.json: provenance, parameters, versions, sections, warnings, errors, files."""
    out_dir = ctx.writer.out_dir
    rec = _manifest(out_dir, ctx.cohort, files, params, section_ids, timings)
    rec["warnings"] = ctx.results.get("warnings", {})
    rec["errors"] = ctx.results.get("errors", {})
    manifest = out_dir / "manifest.json"
    manifest.write_text(json.dumps(rec, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def _check_time_points(time_points: Sequence[float]) -> tuple[float, ...]:
    points = tuple(float(t) for t in time_points)
    if not points or any(not t > 0 for t in points):
        raise ReportError(f"time_points must be positive months, got {points}")
    return points


def _model_title(model: str) -> str:
    """What the model is (design values or published), for the section's heading."""
    return model_heading(published_model(model))


def section_steps(model: str) -> list[SectionStep]:
    """The report's sections in order: (progress label, function, HTML id, title).

    The functions are looked up in :mod:`lms_prognosis.report._sections` when the report is
    written, so a test can replace one.
    """
    S = _sections
    return [
        ("data summary", S.section_summary, "summary", "Data summary"),
        ("sample size", S.section_sample_size, "sample-size", "Sample size"),
        ("Table 1", S.section_table_one, "table-one", "Table 1: patient characteristics"),
        ("Kaplan-Meier", S.section_km, "km", "Kaplan\u2013Meier survival"),
        ("Cox model", S.section_cox, "cox", "Multivariable Cox model"),
        ("PH check", S.section_ph, "ph", "Proportional hazards check"),
        *fitted_steps(),  # splines, internal validation, baseline survival and coefficients
        ("published model", S.section_validation, "validation", _model_title(model)),
        ("per-patient risk", S.section_risk, "risk", "Per-patient risk"),
        ("limitations", S.section_limitations, "limitations", "Limitations"),
        ("methods", S.section_methods, "methods", "Methods"),
        ("software", S.section_software, "software", "Software versions"),
    ]


@contextmanager
def _timed(bar: Any, name: str, timings: dict[str, float]) -> Iterator[None]:
    """Time one step into ``timings[name]`` and advance the progress bar."""
    bar.set_description(f"report: {name}")
    t0 = _time.perf_counter()
    yield
    timings[name] = _time.perf_counter() - t0
    bar.update(1)
