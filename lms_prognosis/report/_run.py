"""Running one report section: a reason in the data becomes one sentence for a reader.

Before a section runs, reasons known from the data (too few patients, no or too few events,
no event before the validation horizon) replace it by a sentence; while it runs, an
:class:`~lms_prognosis.LMSPrognosisError` does the same. Either is recorded in the context's
``errors`` (the sentence and the technical detail, for ``Report.errors`` and the manifest).
Any other exception is a bug and propagates (design.md section 4).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.report._context import Context
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._factors import REPORT_FACTORS

__all__ = [
    "SectionStep",
    "run_section",
    "add_late_warnings",
    "patients",
    "MIN_PATIENTS",
    "MIN_EVENTS_COX",
]

#: a section: (progress label, function name in report._sections, HTML id, title)
SectionStep = tuple[str, Callable[[Context], Section], str, str]


_REPORTED = ("rows dropped for missing values",)  # already reported in the report itself


def _add_warnings(section: Section, caught: list[tuple[type[Warning], str]], ctx: Context) -> None:
    """Show the warnings a section raised in the report (and in the manifest)."""
    seen: list[str] = ctx.results.setdefault("warnings", {}).setdefault(section.id, [])
    for category, msg in caught:
        if any(r in msg for r in _REPORTED) or msg in seen:
            continue
        seen.append(msg)
        section.add(Paragraph(f"Warning ({category.__name__}): {msg}", kind="note"))


def add_late_warnings(
    sections: list[Section], late: dict[str | None, list[tuple[type[Warning], str]]], ctx: Context
) -> None:
    """Show in their sections the warnings raised while worker processes wrote figures.

    ``late`` maps a section id to its warnings (``Writer.finish``); they are added as the
    section's own warnings are, after them.
    """
    by_id = {sec.id: sec for sec in sections}
    for sid, caught in late.items():
        if caught and sid in by_id:
            _add_warnings(by_id[sid], caught, ctx)


def patients(n: int) -> str:
    return f"{n} patient" if n == 1 else f"{n} patients"


#: design value: below this many patients only the descriptive sections are written (one
#: patient gives no comparison and no estimate with a confidence interval)
MIN_PATIENTS = 2
#: design value: fewer events give no multivariable Cox model (nor its PH check and per-patient
#: risks); with the report's seven factors that is already under 1.5 events per variable
#: (10 per variable is the usual rule, Peduzzi et al. J Clin Epidemiol 1995;48:1503-1510)
MIN_EVENTS_COX = 10
_DESCRIPTIVE = ("summary", "table-one", "limitations", "methods", "software")
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
            f"The cohort has only {patients(n)} after exclusions, and {what} needs at "
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
            f"Only {patients(int(events.sum()))} had the event, and the report fits a "
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
        f"({patients(len(d))}, {events} event{'' if events == 1 else 's'}); the technical "
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
                    f"it could not be evaluated with these {patients(len(ctx.data))} and "
                    f"{events} event{'' if events == 1 else 's'}; the technical reason is "
                    "listed in manifest.json"
                )
            block.text = f"{prefix}{reason}."
            _record(ctx, section.id, f"{reason[0].upper()}{reason[1:]}.", detail)
            return


def _record(ctx: Context, sid: str, sentence: str, detail: str) -> None:
    ctx.results.setdefault("errors", {})[sid] = {"sentence": sentence, "detail": detail}


def run_section(ctx: Context, step: SectionStep) -> Section:
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
    ctx.writer.section = sid
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
    _add_warnings(section, [(w.category, str(w.message)) for w in caught], ctx)
    return section
