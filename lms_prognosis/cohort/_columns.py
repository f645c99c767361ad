"""Column names: the canonical schema, the built-in alias table and the mapping rules.

Private helper of :mod:`lms_prognosis.cohort.reader`. A file's header is matched to the canonical
schema of design section 3 in this order:

1. the caller's ``columns=`` mapping (``{"file column": "canonical"}``; the reverse direction
   ``{"canonical": "file column"}`` is accepted when it is unambiguous);
2. a column whose name *is* a canonical name, ignoring case and spaces (``"Age"`` -> ``age``);
3. the alias table below (``OS_months`` -> ``time`` in months, ``tumor_size_mm`` -> ``size_cm``
   from millimetres, ...). Two aliases for the same canonical column are an error: the caller
   must say which one to use with ``columns=``.

Every mapping that is not the identity is reported in ``Cohort.notes``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lms_prognosis.cohort.schema import SCHEMA, TIME_UNITS
from lms_prognosis.exceptions import CohortColumnError, CohortError

_UNIT_SYNONYMS = {
    "months": "months",
    "month": "months",
    "mo": "months",
    "m": "months",
    "days": "days",
    "day": "days",
    "d": "days",
    "weeks": "weeks",
    "week": "weeks",
    "wk": "weeks",
    "w": "weeks",
    "years": "years",
    "year": "years",
    "yr": "years",
    "yrs": "years",
    "y": "years",
}
UNIT_FORMULA = {
    "days": "months = days / 30.4375",
    "weeks": "months = weeks * 7 / 30.4375",
    "years": "months = years * 12",
}

# pseudo-target a caller may use in ``columns=``: a size column given in millimetres
SIZE_MM = "size_mm"
#: a column giving each row's time unit (days, weeks, months, years)
UNIT_COLUMN = "time_unit"
TARGETS: tuple[str, ...] = (*SCHEMA, SIZE_MM, UNIT_COLUMN)


def header_key(name: object) -> str:
    """Normalise a column name for matching: lower case, runs of non-alphanumerics -> ``_``."""
    return re.sub(r"[^0-9a-z%]+", "_", str(name).strip().lower()).strip("_")


def normalise_unit(unit: str) -> str | None:
    """Return the canonical unit name for ``unit`` or None if it is not a time unit."""
    return _UNIT_SYNONYMS.get(str(unit).strip().lower())


# the alias table (rule 3 of the module docstring); keys are matched after ``header_key``
_PATIENT_ID_ALIASES: tuple[str, ...] = (
    "id",
    "patient",
    "patientid",
    "patient_no",
    "patient_number",
    "pid",
    "subject",
    "subject_id",
    "case_id",
    "record_id",
    "study_id",
)
# follow-up time: <stem>[_<suffix>]; the suffix implies the unit, a stem that names an endpoint
# hints at it
_TIME_STEMS: tuple[str, ...] = (
    "os",
    "dss",
    "mfs",
    "lrfs",
    "os_time",
    "dss_time",
    "mfs_time",
    "lrfs_time",
    "time",
    "followup",
    "follow_up",
    "fu",
    "fu_time",
    "followup_time",
    "follow_up_time",
    "survival",
    "survival_time",
    "surv_time",
    "time_to_event",
    "futime",
)
_TIME_SUFFIXES: dict[str, str | None] = {
    "": None,
    "months": "months",
    "month": "months",
    "mo": "months",
    "days": "days",
    "day": "days",
    "d": "days",
    "weeks": "weeks",
    "wk": "weeks",
    "years": "years",
    "yrs": "years",
    "y": "years",
}
# (canonical column, alias names, unit the names imply or None), after the time aliases
_COLUMN_ALIASES: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    (
        "event",
        (
            "status",
            "vital_status",
            "censor",
            "os_status",
            "dss_status",
            "mfs_status",
            "lrfs_status",
            "os_event",
            "dss_event",
            "mfs_event",
            "lrfs_event",
            "event_status",
            "fustat",
            "death",
            "dead",
            "died",
        ),
        None,
    ),
    (
        "age",
        (
            "age_at_diagnosis",
            "age_at_dx",
            "age_diagnosis",
            "age_years",
            "age_yrs",
            "age_at_surgery",
        ),
        None,
    ),
    ("sex", ("gender",), None),
    (
        "time_unit",
        ("time_unit", "time_units", "unit", "units", "fu_unit", "followup_unit", "follow_up_unit"),
        None,
    ),
    (
        "site",
        (
            "tumor_site",
            "tumour_site",
            "primary_site",
            "location",
            "tumor_location",
            "tumour_location",
        ),
        None,
    ),
    (
        "size_cm",
        (
            "size",
            "tumor_size",
            "tumour_size",
            "tumor_size_cm",
            "tumour_size_cm",
            "max_size_cm",
            "diameter_cm",
        ),
        None,
    ),
    (
        "size_cm",
        ("size_mm", "tumor_size_mm", "tumour_size_mm", "max_size_mm", "diameter_mm"),
        "mm",
    ),
    ("depth", ("tumor_depth", "tumour_depth"), None),
    (
        "grade",
        (
            "fnclcc_grade",
            "fnclcc",
            "tumor_grade",
            "tumour_grade",
            "histologic_grade",
            "histological_grade",
        ),
        None,
    ),
    ("necrosis", ("tumor_necrosis", "tumour_necrosis", "necrosis_extent"), None),
    (
        "vascular_invasion",
        ("vasc_invasion", "vascular", "vascular_inv", "intratumoral_vascular_invasion"),
        None,
    ),
    ("aneuploidy", ("aneuploid", "dna_aneuploidy", "ploidy"), None),
    ("margin", ("margins", "resection_margin", "margin_status", "surgical_margin"), None),
    (
        "mitoses_per_10hpf",
        ("mitoses", "mitotic_count", "mitoses_10hpf", "mitoses_hpf", "mitotic_rate"),
        None,
    ),
)


def _build_aliases() -> dict[str, tuple[str, str | None]]:
    """alias key -> (canonical column, implied unit or None), from the tables above."""
    aliases: dict[str, tuple[str, str | None]] = {
        header_key(name): ("patient_id", None) for name in _PATIENT_ID_ALIASES
    }
    for stem in _TIME_STEMS:
        for suffix, unit in _TIME_SUFFIXES.items():
            if stem == "time" and suffix == "":
                continue  # the canonical name itself
            aliases[header_key(f"{stem}_{suffix}" if suffix else stem)] = ("time", unit)
    for canonical, names, unit in _COLUMN_ALIASES:
        aliases.update((header_key(name), (canonical, unit)) for name in names)
    return aliases


ALIASES = _build_aliases()
_ENDPOINT_STEMS = {"os": "OS", "dss": "DSS", "mfs": "MFS", "lrfs": "LRFS"}


@dataclass
class ColumnPlan:
    """How the file's columns map to the schema (the result of :func:`plan_columns`)."""

    source: dict[str, str] = field(default_factory=dict)  # canonical -> file column
    time_unit: str = "months"
    size_in_mm: bool = False
    endpoint_hint: str | None = None
    notes: list[str] = field(default_factory=list)
    implied: dict[str, str | None] = field(default_factory=dict)  # canonical -> unit in name

    @property
    def time_factor(self) -> float:
        return TIME_UNITS[self.time_unit]

    def take(self, canonical: str, column: str, unit: str | None, note: str | None) -> None:
        self.source[canonical] = column
        self.implied[canonical] = unit
        if note:
            self.notes.append(note)


def did_you_mean(name: str, candidates: list[str]) -> str:
    """``"; did you mean 'x'?"`` for close matches of ``name`` (as ``require_columns`` says),
    or ``""``.

    Examples
    --------
    >>> did_you_mean("OS_mnths", ["OS_months", "status"])
    "; did you mean 'OS_months'?"
    """
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def looks_like(canonical: str, names: list[str]) -> list[str]:
    """Columns whose names are close to ``canonical`` or one of its aliases (typos such as
    ``OS_mnths`` or ``evnt``), for the message when no column maps to ``canonical``.

    Examples
    --------
    >>> looks_like("time", ["OS_mnths", "evnt", "age"])
    ['OS_mnths']
    """
    keys = [canonical, *(k for k, (target, _) in ALIASES.items() if target == canonical)]
    return [n for n in names if difflib.get_close_matches(header_key(n), keys, n=1, cutoff=0.8)]


def plan_columns(
    columns: list[str], user: Mapping[str, str] | None, time_unit: str | None, where: str
) -> ColumnPlan:
    """Decide which file column feeds each canonical column, and in which unit.

    ``where`` names the file in messages. Raises :class:`CohortError` (or
    :class:`CohortColumnError`) if the mapping is ambiguous or names a column not in the file.

    Examples
    --------
    >>> plan = plan_columns(["id", "OS_days", "Status"], None, None, "<frame>")
    >>> plan.source, plan.time_unit, plan.endpoint_hint
    ({'patient_id': 'id', 'time': 'OS_days', 'event': 'Status'}, 'days', 'OS')
    """
    plan = ColumnPlan()
    names = [str(c) for c in columns]
    for src, target in _user_pairs(names, user, where, plan.notes):
        canonical = "size_cm" if target == SIZE_MM else target
        if canonical in plan.source:
            raise CohortError(
                f"{where}: columns= maps both {plan.source[canonical]!r} and "
                f"{src!r} to {canonical!r}; keep one"
            )
        plan.take(
            canonical,
            src,
            "mm" if target == SIZE_MM else None,
            f"column {src!r} read as {canonical!r} (columns= mapping)",
        )
    _exact_names(plan, names)
    _alias_names(plan, names, where)
    taken = set(plan.source.values())
    for canonical, src in plan.source.items():
        if canonical in names and src != canonical and canonical not in taken:
            raise CohortError(
                f"{where}: column {canonical!r} would clash with {src!r} read as "
                f"{canonical!r}; rename or drop one of them"
            )
    _decide_units(plan, time_unit)
    return plan


def _exact_names(plan: ColumnPlan, names: list[str]) -> None:
    """Columns named as a canonical column, ignoring case and spacing (``Age`` -> ``age``)."""
    taken = set(plan.source.values())
    for canonical in SCHEMA:
        if canonical in plan.source:
            continue
        hits = [n for n in names if n not in taken and header_key(n) == canonical]
        if hits:
            taken.add(hits[0])
            plan.take(
                canonical,
                hits[0],
                None,
                None if hits[0] == canonical else f"column {hits[0]!r} read as {canonical!r}",
            )


def _alias_names(plan: ColumnPlan, names: list[str], where: str) -> None:
    """Columns named by the alias table; two aliases for one canonical column are refused."""
    taken = set(plan.source.values())
    candidates: dict[str, list[str]] = {}
    for name in names:
        if name not in taken and header_key(name) in ALIASES:
            candidates.setdefault(ALIASES[header_key(name)][0], []).append(name)
    for canonical, hits in candidates.items():
        if canonical in plan.source:
            plan.notes.append(
                f"column(s) {', '.join(map(repr, hits))} also look like {canonical!r}, but "
                f"{plan.source[canonical]!r} was used; kept unchanged as extra columns"
            )
            continue
        if len(hits) > 1:
            raise CohortError(
                f"{where}: columns {', '.join(map(repr, hits))} could all be "
                f"{canonical!r}; say which one with columns={{{hits[0]!r}: "
                f"{canonical!r}}}"
            )
        unit = ALIASES[header_key(hits[0])][1]
        plan.take(
            canonical,
            hits[0],
            unit,
            f"column {hits[0]!r} read as {canonical!r}"
            + (f" (name implies {unit})" if unit else ""),
        )


def _user_pairs(
    names: list[str], user: Mapping[str, str] | None, where: str, notes: list[str]
) -> list[tuple[str, str]]:
    if not user:
        return []
    if not isinstance(user, Mapping):
        raise CohortError(
            f"columns= must be a dict {{'file column': 'canonical name'}}, "
            f"got {type(user).__name__}"
        )
    pairs = []
    for key, value in ((str(k), str(v)) for k, v in user.items()):
        if key in names and value in TARGETS:
            pairs.append((key, value))
        elif value in names and key in TARGETS and key not in names:
            notes.append(f"columns={{{key!r}: {value!r}}} read as {{{value!r}: {key!r}}}")
            pairs.append((value, key))
        elif key not in names:
            raise CohortColumnError(
                f"{where}: columns= names {key!r}, which is not a column of "
                f"the file{did_you_mean(key, names)} (columns: "
                f"{', '.join(names)})"
            )
        else:
            raise CohortError(
                f"{where}: columns= maps {key!r} to {value!r}, which is not a "
                f"canonical column{did_you_mean(value, list(TARGETS))} "
                f"({', '.join(TARGETS)})"
            )
    return pairs


def _decide_units(plan: ColumnPlan, time_unit: str | None) -> None:
    name_unit = plan.implied.get("time")
    if time_unit is not None:
        unit = normalise_unit(time_unit)
        if unit is None:
            raise CohortError(
                f"time_unit={time_unit!r} is not a time unit; use one of {', '.join(TIME_UNITS)}"
            )
        if name_unit and name_unit != unit:
            plan.notes.append(
                f"column {plan.source['time']!r} suggests {name_unit}, but "
                f"time_unit={time_unit!r} was given and is used"
            )
    else:
        unit = name_unit or "months"
    plan.time_unit = unit
    if unit != "months" and "time" in plan.source:
        plan.notes.append(f"time converted from {unit} to months ({UNIT_FORMULA[unit]})")
    if plan.implied.get("size_cm") == "mm":
        plan.size_in_mm = True
        plan.notes.append(f"size in mm converted to cm ({plan.source['size_cm']!r} / 10)")
    stem = header_key(plan.source.get("time", "")).split("_")[0]
    plan.endpoint_hint = _ENDPOINT_STEMS.get(stem)
