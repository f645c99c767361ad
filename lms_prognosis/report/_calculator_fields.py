"""Form fields of the calculator page: clinician-readable labels, units and valid values.

Private to :mod:`lms_prognosis.report.calculator`. One :func:`field` per input column: a
number (with the range of the fitted data, and the plausible limits of the cohort schema,
design section 3) or a choice (levels in the model's order, the reference first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["LABELS", "UNITS", "LIMITS", "ENDPOINT_CAUSES", "field", "level_text"]

#: labels a clinician reads, for the canonical cohort columns (design section 3)
LABELS: dict[str, str] = {
    "age": "Age at diagnosis",
    "sex": "Sex",
    "site": "Tumour site",
    "size_cm": "Tumour size (largest diameter)",
    "depth": "Depth (relative to the fascia)",
    "grade": "FNCLCC grade",
    "necrosis": "Tumour necrosis",
    "vascular_invasion": "Intratumoral vascular invasion",
    "aneuploidy": "DNA aneuploidy (vs diploid)",
    "margin": "Resection margin",
    "mitoses_per_10hpf": "Mitotic count",
    "mitoses_per_2_4mm2": "Mitotic count",
    "atypical_mitoses": "Atypical mitoses",
    "serosal_abutment": "Tumour abutting the serosa",
}

#: units of the canonical numeric columns
UNITS: dict[str, str] = {
    "age": "years",
    "size_cm": "cm",
    "mitoses_per_10hpf": "per 10 HPF",
    "mitoses_per_2_4mm2": "per 2.4 mm\u00b2",
}

#: plausible limits of the canonical numeric columns (design section 3): a value outside
#: them is refused by the page; a value outside the fitted range only warns
LIMITS: dict[str, tuple[float, float | None]] = {
    "age": (0.0, 120.0),
    "size_cm": (0.0, 60.0),
    "mitoses_per_10hpf": (0.0, None),
    "mitoses_per_2_4mm2": (0.0, None),
}

#: endpoint -> (name of cause 1, name of cause 2), capitalised as a legend entry (the report's
#: competing-risk sections and the calculator page use these names)
ENDPOINT_CAUSES: dict[str, tuple[str, str]] = {
    "DSS": ("Death from LMS", "Death from other causes"),
    "MFS": ("Metastasis", "Death without metastasis"),
    "LRFS": ("Local recurrence", "Competing event"),
}

_LEVEL_TEXT: dict[str, dict[str, str]] = {
    "grade": {"1": "Grade 1", "2": "Grade 2", "3": "Grade 3"},
    "margin": {
        "R0": "R0 (microscopically clear)",
        "R1": "R1 (microscopic residual)",
        "R2": "R2 (macroscopic residual)",
    },
    "necrosis": {"none": "None", "<50%": "Less than 50%", ">=50%": "50% or more"},
    "site": {"head_neck": "Head and neck", "retroperitoneum": "Retroperitoneum"},
}


def level_text(column: str, level: str) -> str:
    """How a level reads on the form (``True`` -> "Yes", ``R0`` -> "R0 (microscopically
    clear)", ``head_neck`` -> "Head and neck").

    Examples
    --------
    >>> level_text("vascular_invasion", "True"), level_text("site", "trunk")
    ('Yes', 'Trunk')
    """
    if level in ("True", "False"):
        return "Yes" if level == "True" else "No"
    text = _LEVEL_TEXT.get(column, {}).get(level)
    if text is not None:
        return text
    return level[:1].upper() + level[1:].replace("_", " ") if level else level


def _label(column: str, labels: Mapping[str, str] | None) -> str:
    if labels and column in labels:
        return labels[column]
    return LABELS.get(column, column.replace("_", " ").capitalize())


def field(
    column: str,
    kind: str,
    *,
    levels: Sequence[str] = (),
    fitted: tuple[float, float] | None = None,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One form field as the page reads it (JSON-ready).

    Parameters
    ----------
    column : str
        The input column (the key of the patient object ``window.lmsPredict`` takes).
    kind : {"number", "choice"}
        A numeric input or a choice among ``levels`` (text, the reference first).
    fitted : (float, float), optional
        Smallest and largest value in the fitted data (a value outside warns).
    labels, units : mapping, optional
        The caller's labels and units, which win over the package's.

    Examples
    --------
    >>> f = field("age", "number", fitted=(18.0, 95.0))
    >>> f["label"], f["unit"], f["min"], f["hard_min"]
    ('Age at diagnosis', 'years', 18.0, 0.0)
    """
    unit = (units or {}).get(column, UNITS.get(column, ""))
    out: dict[str, Any] = {"name": column, "label": _label(column, labels), "unit": unit}
    if kind == "number":
        lo, hi = LIMITS.get(column, (None, None))
        out.update(
            kind="number",
            min=None if fitted is None else float(fitted[0]),
            max=None if fitted is None else float(fitted[1]),
            hard_min=lo,
            hard_max=hi,
        )
    else:
        out.update(
            kind="choice",
            options=[{"value": lv, "label": level_text(column, lv)} for lv in levels],
        )
    return out
