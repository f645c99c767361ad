"""The report's data statement (TRIPOD items 4-6): where the data come from, the endpoint and
its time origin, censoring with loss to follow-up, and the numbers at risk at 5 and 10 years.

:func:`data_statement` and :func:`censoring` are subsections of the data summary
(:func:`lms_prognosis.report._sections.section_summary`); both read the cohort only through
:func:`~lms_prognosis.report._data_origin.data_origin` and the analysed frame, and leave what
they found in ``ctx.results["data_origin"]`` and ``ctx.results["censoring"]`` for the
limitations section.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.report._context import Context
from lms_prognosis.report._data_origin import DataOrigin, data_origin, shortest_admin_follow_up
from lms_prognosis.report._document import Paragraph, Section

__all__ = ["data_statement", "censoring", "LOSS_WINDOW_MONTHS", "AT_RISK_MONTHS"]

#: design value: a censored patient whose follow-up ends more than this many months before the
#: administrative end of the study counts as lost to follow-up. One yearly visit interval, the
#: longest of the usual sarcoma follow-up schedule (every 3-4 months to year 3, every 6 months
#: to year 5, then yearly)
LOSS_WINDOW_MONTHS = 12.0
#: the numbers at risk reported in the data statement: 5 and 10 years
AT_RISK_MONTHS = (60.0, 120.0)
_DAYS_PER_MONTH = 365.25 / 12.0

_EVENT = {
    "DSS": "death from leiomyosarcoma",
    "OS": "death from any cause",
    "MFS": "distant metastasis",
    "LRFS": "local recurrence",
}
_COMPETING = {
    "DSS": "deaths from other causes",
    "MFS": "deaths before a distant metastasis",
    "LRFS": "deaths before a local recurrence",
    "OS": "events coded 2",
}
_UNCODED = {
    "DSS": "No death is coded as from another cause (event 2): such deaths are censored, or "
    "were not recorded as such; the data cannot tell which.",
    "MFS": "Whether deaths without metastasis count as events or as censored is not stated "
    "in the data; none is coded as a competing event (event 2).",
    "LRFS": "Whether deaths without local recurrence count as events or as censored is not "
    "stated in the data; none is coded as a competing event (event 2).",
    "OS": "Patients alive at their last contact are censored.",
}


def _dates_text(origin: DataOrigin) -> str:
    if not origin.dates:
        return "Calendar dates: none in the data (the time was given as a duration)."
    parts = [f"{r.column} {r.first} to {r.last} ({r.n} dates)" for r in origin.dates]
    return "Calendar dates: " + "; ".join(parts) + "."


def endpoint_sentence(ctx: Context, origin: DataOrigin) -> str:
    """The endpoint's definition and time origin, in words."""
    ep = str(ctx.cohort.endpoint)
    name = ctx.endpoint_name(ep)
    start = origin.time_origin or "the time origin"
    text = (
        f"Endpoint: {name[0].upper()}{name[1:]} ({ep}), the time from {start} to "
        f"{_EVENT.get(ep, 'the event')}. Time origin: "
        + (
            f"{origin.time_origin} (as stated by {origin.origin_from})."
            if origin.time_origin
            else "not stated in the data."
        )
    )
    event = pd.to_numeric(ctx.data["event"])
    n2 = int((event == 2).sum())
    if n2:
        text += (
            f" {n2} {_COMPETING.get(ep, 'events coded 2')} (event 2) are competing events: "
            "censored in the Kaplan\u2013Meier and Cox analyses, a competing risk in the "
            "cumulative-incidence analyses."
        )
    elif origin.call is not None and ep != "OS" and not origin.call.get("competing_risks"):
        text += " The simulation has no deaths from other causes."
    else:
        text += " " + _UNCODED.get(ep, "")
    return text


def data_statement(ctx: Context) -> Section:
    """The data statement: synthetic or real, source, n, dates, endpoint and time origin."""
    origin = data_origin(ctx.cohort)
    ctx.results["data_origin"] = origin
    d = ctx.data
    events = int((pd.to_numeric(d["event"]) == 1).sum())
    sec = Section("data-statement", "Data statement", level=2)
    sec.add(Paragraph(origin.statement))
    sec.add(
        Paragraph(
            f"Source: {origin.source}. {len(d)} patients analysed ({events} events). "
            + _dates_text(origin)
        )
    )
    sec.add(Paragraph(endpoint_sentence(ctx, origin)))
    return sec


def _lost(ctx: Context, origin: DataOrigin) -> tuple[np.ndarray, str, bool]:
    """(lost to follow-up per patient, the rule in words, whether the rule is exact)."""
    d = ctx.data
    censored = (pd.to_numeric(d["event"]) == 0).to_numpy()
    w = LOSS_WINDOW_MONTHS
    end = origin.end_dates
    if end is not None and end.notna().all() and len(end) == len(d):
        last = end.max()
        cut = last - pd.Timedelta(days=round(w * _DAYS_PER_MONTH))  # whole days
        lost = censored & (end < cut).to_numpy()
        rule = (
            f"a censored patient whose follow-up ended before {cut.date().isoformat()}, "
            f"{w:g} months (design value: one yearly follow-up interval) before the last "
            f"follow-up date in the data ({last.date().isoformat()}), counts as lost to "
            "follow-up; the others as censored administratively."
        )
        return lost, rule, True
    tmax = float(d["time"].max())
    lost = censored & (d["time"].to_numpy(float) < tmax - w)
    rule = (
        f"without dates, a censored patient followed for less than the longest follow-up "
        f"({tmax:.1f} months) minus {w:g} months (design value: one yearly follow-up "
        "interval) counts as lost to follow-up. Patients who entered the study late are "
        "censored administratively before that, so this count is an upper bound."
    )
    return lost, rule, False


def censoring(ctx: Context) -> Section:
    """Censoring: lost to follow-up apart from administrative censoring; at risk at 5 and 10
    years (patients followed for at least that long)."""
    origin = ctx.results.get("data_origin") or data_origin(ctx.cohort)
    d = ctx.data
    time = d["time"].to_numpy(float)
    censored = (pd.to_numeric(d["event"]) == 0).to_numpy()
    lost, rule, exact = _lost(ctx, origin)
    bound = "" if exact else " (upper bound)"
    rows: list[tuple[str, str]] = [
        ("Censored", str(int(censored.sum()))),
        (
            "Censored administratively" + ("" if exact else " (lower bound)"),
            str(int((censored & ~lost).sum())),
        ),
        ("Lost to follow-up" + bound, str(int(lost.sum()))),
    ]
    shortest = shortest_admin_follow_up(origin.call)
    certain = None
    if shortest is not None:
        certain = int((censored & (time < shortest)).sum())
        rows.append(
            (
                f"Lost to follow-up for certain (censored before {shortest:g} months, the "
                "design's shortest administrative follow-up)",
                str(certain),
            )
        )
    at_risk = {t: int((time >= t).sum()) for t in AT_RISK_MONTHS}
    rows += [(f"At risk at {t:g} months ({t / 12:g} years)", str(n)) for t, n in at_risk.items()]
    ctx.results["censoring"] = {
        "censored": int(censored.sum()),
        "lost": int(lost.sum()),
        "lost_exact": exact,
        "lost_certain": certain,
        "at_risk": at_risk,
        "window_months": LOSS_WINDOW_MONTHS,
    }
    sec = Section("censoring", "Censoring and numbers at risk", level=2)
    sec.add(
        ctx.writer.table(
            pd.DataFrame(rows, columns=["item", "patients"]),
            "censoring",
            "Censoring: loss to follow-up apart from administrative censoring",
            note=f"Rule: {rule} At risk at t: patients followed for at least t months.",
        )
    )
    return sec
