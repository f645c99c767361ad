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

import errno
import json
import shutil
import sys
import tempfile
import time as _time
import warnings
from collections.abc import Callable, Iterator, Sequence
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
from lms_prognosis.exceptions import LMSPrognosisError, ReportError, ReportExistsError
from lms_prognosis.literature import published_model
from lms_prognosis.report._context import R_REFERENCE, Context
from lms_prognosis.report._document import Document, Paragraph, Section
from lms_prognosis.report._factors import REPORT_FACTORS
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

#: a section: (progress label, function name in report._sections, HTML id, title)
SectionStep = tuple[str, Callable[[Context], Section], str, str]


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


def _check_out_dir(out_dir: Path, force: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder without ``force``; write nothing."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportExistsError(f"output path {out_dir} exists and is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        n = sum(1 for _ in out_dir.iterdir())
        raise ReportExistsError(
            f"output folder {out_dir} is not empty ({n} entries); pass force=True "
            "(--force on the command line) to overwrite the report in it"
        )


def _make_parent(out_dir: Path) -> None:
    """Create the folders above ``out_dir``; an OSError names ``out_dir`` (the caller's path)."""
    for parent in (out_dir.parent, *out_dir.parent.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(
                errno.ENOTDIR, f"{parent} is a file, not a folder", str(out_dir)
            )
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(out_dir)) from exc


def _old_report_files(out_dir: Path) -> set[Path]:
    """The files an earlier report in ``out_dir`` wrote (its manifest lists them)."""
    old = out_dir / "manifest.json"
    if not old.is_file():
        return set()
    try:
        listed = json.loads(old.read_text(encoding="utf-8")).get("files", [])
    except (json.JSONDecodeError, OSError, AttributeError):
        listed = []
    files = {old.resolve()}
    for entry in listed:
        p = (out_dir / str(entry.get("path", ""))).resolve()
        if out_dir.resolve() in p.parents:
            files.add(p)
    return files


def _move_into_place(partial: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by the finished ``partial`` folder with one rename.

    A previous report's files are dropped; any other file in ``out_dir`` (the user's) is
    moved into the new folder after the swap, so the target is always either the previous
    complete report or the new complete one, never a mixture.
    """
    if not out_dir.exists() or not any(out_dir.iterdir()):
        if out_dir.exists():
            out_dir.rmdir()
        partial.rename(out_dir)
        return
    old = _old_report_files(out_dir)
    keep = [p for p in sorted(out_dir.rglob("*")) if p.is_file() and p.resolve() not in old]
    previous = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.previous-", dir=out_dir.parent))
    previous.rmdir()
    out_dir.rename(previous)
    partial.rename(out_dir)
    for p in keep:  # the user's own files, back where they were (never over a new file)
        src = previous / p.relative_to(out_dir)
        dst = out_dir / p.relative_to(out_dir)
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dst)
    shutil.rmtree(previous, ignore_errors=True)


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


_REPORTED = ("rows dropped for missing values",)  # already reported in the report itself


def _add_warnings(section: Section, caught: list[warnings.WarningMessage], ctx: Context) -> None:
    """Show the warnings a section raised in the report (and in the manifest)."""
    seen: list[str] = []
    for w in caught:
        msg = str(w.message)
        if any(r in msg for r in _REPORTED) or msg in seen:
            continue
        seen.append(msg)
        section.add(Paragraph(f"Warning ({w.category.__name__}): {msg}", kind="note"))
    ctx.results.setdefault("warnings", {})[section.id] = seen


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

    Returns
    -------
    Report

    Raises
    ------
    ReportExistsError
        ``out_dir`` is not empty and ``force`` is False (a ``FileExistsError`` and a
        ``ValueError``).
    ReportError
        ``time_points`` not all positive.

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
    ...     print(", ".join(rep.sections))
    report.html report.pdf manifest.json {}
    summary, table-one, km, cox, ph, validation, risk, methods, software
    """
    out_dir = Path(out_dir)
    time_points = _check_time_points(time_points)
    published_model(model)  # an unknown model name is the caller's mistake: raise before work
    _check_out_dir(out_dir, force)
    cohort = _as_cohort(cohort, time_unit, endpoint)
    params = {
        "model": model,
        "covariates": list(covariates) if covariates else None,
        "time_points": list(time_points),
        "force": force,
        "time_unit": time_unit,
        "table_one_by": table_one_by,
    }
    # built in a hidden sibling folder and renamed into place when complete: an interruption
    # (Ctrl-C) or an error leaves the target as it was (absent, or the previous report)
    _make_parent(out_dir)
    partial = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        rep = _write_in(partial, cohort, params, progress and sys.stderr.isatty(), title)
        _move_into_place(partial, out_dir)
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
    out_dir: Path, cohort: Cohort, params: dict[str, Any], progress: bool, title: str | None
) -> Report:
    """Write every file of the report into ``out_dir`` (the temporary folder)."""
    prov = provenance(cohort.data, params)
    writer = Writer(out_dir, prov)
    ctx = Context(
        cohort=cohort,
        writer=writer,
        model_name=params["model"],
        covariates=params["covariates"],
        time_points=tuple(params["time_points"]),
        table_one_by=params["table_one_by"],
    )
    steps = section_steps(params["model"])
    timings: dict[str, float] = {}
    with tqdm(
        total=len(steps) + 3, desc="report", unit="step", disable=not progress, leave=True
    ) as bar:
        sections = []
        for step in steps:
            with _timed(bar, step[0], timings):
                sections.append(_run_section(ctx, step))
        subtitle = [
            f"Cohort: {cohort.source} \u2014 endpoint {cohort.endpoint}, "
            f"{_patients(len(cohort.data))}",
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


def _patients(n: int) -> str:
    return f"{n} patient" if n == 1 else f"{n} patients"


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


def section_steps(model: str) -> list[SectionStep]:
    """The report's sections in order: (progress label, function, HTML id, title).

    The functions are looked up in :mod:`lms_prognosis.report._sections` when the report is
    written, so a test can replace one.
    """
    S = _sections
    return [
        ("data summary", S.section_summary, "summary", "Data summary"),
        ("Table 1", S.section_table_one, "table-one", "Table 1: patient characteristics"),
        ("Kaplan-Meier", S.section_km, "km", "Kaplan\u2013Meier survival"),
        ("Cox model", S.section_cox, "cox", "Multivariable Cox model"),
        ("PH check", S.section_ph, "ph", "Proportional hazards check"),
        ("published model", S.section_validation, "validation", f"Published model: {model}"),
        ("per-patient risk", S.section_risk, "risk", "Per-patient risk"),
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


#: design value: below this many patients only the descriptive sections are written (one
#: patient gives no comparison and no estimate with a confidence interval)
MIN_PATIENTS = 2
#: design value: fewer events give no multivariable Cox model (nor its PH check and per-patient
#: risks); with the report's seven factors that is already under 1.5 events per variable
#: (10 per variable is the usual rule, Peduzzi et al. J Clin Epidemiol 1995;48:1503-1510)
MIN_EVENTS_COX = 10
_DESCRIPTIVE = ("summary", "table-one", "methods", "software")
_NEEDS_EVENTS = ("cox", "ph", "risk")
_NEEDS_COX = ("ph", "risk")
_WHAT = {
    "km": "a Kaplan\u2013Meier estimate",
    "cox": "a Cox model",
    "ph": "the proportional-hazards check",
    "validation": "the validation of the published model",
    "risk": "a per-patient risk",
}


def _reason_before(ctx: Context, sid: str) -> str | None:
    """A reason in the data, known before the section runs, as a sentence (None: run it)."""
    if sid in _DESCRIPTIVE:
        return None
    n, what = len(ctx.data), _WHAT.get(sid, "this analysis")
    if n < MIN_PATIENTS:
        return (
            f"The cohort has only {_patients(n)} after exclusions, and {what} needs at "
            f"least {MIN_PATIENTS}."
        )
    events = ctx.data["event"] == 1
    if sid in _NEEDS_EVENTS and not events.any():
        return (
            f"No patient had the event ({ctx.endpoint_name('the endpoint')}), so {what} "
            "cannot be estimated."
        )
    if sid in _NEEDS_EVENTS and events.sum() < MIN_EVENTS_COX:
        return (
            f"Only {_patients(int(events.sum()))} had the event, and the report fits a "
            f"multivariable Cox model only from {MIN_EVENTS_COX} events."
        )
    horizon = max(ctx.time_points)
    if sid == "validation" and events.any() and not (ctx.data["time"][events] <= horizon).any():
        return (
            f"No patient had the event within {horizon:g} months, so the published model's "
            f"calibration at {horizon:g} months cannot be assessed."
        )
    return None


def _reason_after(ctx: Context, sid: str) -> str:
    """The sentence for a section that raised an LMSPrognosisError (a reason in the data)."""
    d = ctx.data
    if sid in _NEEDS_COX and "cox" not in ctx.results:
        return (
            "It uses the multivariable Cox model, which could not be fitted for this cohort "
            "(see above)."
        )
    varies = any(f.column in d and d[f.column].dropna().nunique() >= 2 for f in REPORT_FACTORS)
    if sid == "cox" and not ctx.covariates and not varies:
        return (
            "None of the risk factors takes two or more values in this cohort, so there is "
            "nothing to put in a Cox model."
        )
    events = int((d["event"] == 1).sum())
    what = _WHAT.get(sid, "this analysis")
    return (
        f"{what[0].upper()}{what[1:]} could not be estimated from this cohort "
        f"({_patients(len(d))}, {events} event{'' if events == 1 else 's'}); the technical "
        "reason is listed in manifest.json."
    )


def _not_validated(ctx: Context, section: Section) -> None:
    """A published model shown but not validated: one sentence, listed as not computed."""
    prefix = "Not validated on this cohort: "
    for block in section.blocks:
        if isinstance(block, Paragraph) and block.text.startswith(prefix):
            detail = block.text
            events = int((ctx.data["event"] == 1).sum())
            if events == 0:
                reason = (
                    "no patient had the event, so the model's discrimination and calibration "
                    "cannot be assessed"
                )
            else:
                reason = (
                    f"it could not be evaluated with these {_patients(len(ctx.data))} and "
                    f"{events} event{'' if events == 1 else 's'}; the technical reason is "
                    "listed in manifest.json"
                )
            block.text = f"{prefix}{reason}."
            _record(ctx, section.id, f"{reason[0].upper()}{reason[1:]}.", detail)
            return


def _record(ctx: Context, sid: str, sentence: str, detail: str) -> None:
    ctx.results.setdefault("errors", {})[sid] = {"sentence": sentence, "detail": detail}


def _run_section(ctx: Context, step: SectionStep) -> Section:
    """Build one section, its warnings shown in it.

    A reason in the data (too few patients, no events, or an
    :class:`~lms_prognosis.LMSPrognosisError` from the statistics, e.g. a Cox model with no
    covariate that varies) replaces the section by one sentence for a reader, and is listed
    in ``Report.errors`` and the manifest's ``errors`` (with the technical detail); any other
    exception is a bug and propagates (design.md section 4).
    """
    _, fn, sid, title = step
    reason = _reason_before(ctx, sid)
    if reason is not None:
        _record(ctx, sid, reason, "")
        return Section(sid, title, [Paragraph(reason, kind="note")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            section = fn(ctx)
        except LMSPrognosisError as exc:
            reason = _reason_after(ctx, sid)
            _record(ctx, sid, reason, f"{type(exc).__name__}: {exc}")
            section = Section(sid, title, [Paragraph(reason, kind="note")])
    if reason is None:
        ctx.results.setdefault("done", []).append(sid)
        if sid == "validation" and "validation" not in ctx.results:
            _not_validated(ctx, section)
    _add_warnings(section, caught, ctx)
    return section
