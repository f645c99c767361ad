"""The evidence page: every number of the literature subpackage, with its source and marker,
as a Markdown document (``docs/evidence.md``).

The page is generated from the records of :mod:`lms_prognosis.literature.data`, never written
by hand, so it cannot drift from what the models use; ``tests/literature/test_evidence.py``
checks that the committed page equals :func:`evidence_page`. The package's sources cite this
page ("lms_prognosis evidence page (docs/evidence.md)"), never a file outside the package.
Its sections 6.1-6.3 keep the numbering the records cite.

Regenerate it with::

    python -m lms_prognosis.literature.evidence docs/evidence.md

Examples
--------
>>> page = evidence_page()
>>> page.splitlines()[0]
'# Evidence behind the lms_prognosis models'
>>> "## 6.2 Models and factor effects" in page and "not published" in page
True
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from lms_prognosis.literature import data as _lit
from lms_prognosis.literature._data_sources import EVIDENCE_PAGE
from lms_prognosis.literature._model_text import (
    CI_LEGEND,
    KIND_TEXT,
    MARKERS_LEGEND,
    ci_text,
    measure_text,
    significance_text,
)
from lms_prognosis.literature.models import published_model

__all__ = [
    "evidence_page",
    "write_evidence_page",
    "MARKER_MEANINGS",
    "MARKERS_LEGEND",
    "CI_LEGEND",
    "KIND_TEXT",
]

#: what each evidence marker means
MARKER_MEANINGS = {
    "[V]": "read in retrieved public text (abstract, landing page, review table)",
    "[V2]": "read in retrieved text that was a secondary source (a review or news page "
    "quoting the paper)",
    "[U]": "unverified: recalled or inferred; check against the full text before relying on it",
    "[D]": "derived: a design value, or a number computed by simulation; not a literature value",
}


def _cell(text: object) -> str:
    s = ("" if text is None else str(text)).replace(EVIDENCE_PAGE, "this page")
    parts = s.replace("|", "\\|").replace("\n", " ").split("`")
    # "<" would open an HTML tag in Markdown; inside `code` it is literal
    return "`".join(p if i % 2 else p.replace("<", "\\<") for i, p in enumerate(parts))


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return out + [""]


class _Refs:
    """Sources numbered in order of first citation."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def __call__(self, source: str) -> str:
        if source not in self.items:
            self.items.append(source)
        return f"[{self.items.index(source) + 1}]"


def _model_section(name: str, ref: _Refs) -> list[str]:
    m = published_model(name)
    lines = [
        f"### `{name}`: {m.title}",
        "",
        f"- kind: **{m.kind}** ({KIND_TEXT[m.kind]}); type: {m.model_type}",
        f"- endpoint: {m.endpoint}; population: {m.population.summary()}",
        f"- inputs (cohort columns): {', '.join(m.inputs)}",
    ]
    if m.requirements:
        lines.append(f"- **needs**: {m.requirements}")
    lines += [
        f"- source: {ref(m.source)}",
        f"- caveat: {m.caveat}",
        f"- risk groups: {m.risk_groups}",
        f"- baseline: {m.baseline.label}",
        "",
    ]
    rows = [
        (
            r.factor,
            measure_text(r),
            ci_text(r),
            significance_text(r),
            "-" if r.n is None else r.n,
            r.endpoint,
            r.evidence,
            r.basis,
            ref(r.source),
        )
        for r in m.records
    ]
    header = [
        "factor",
        "as reported",
        "95% CI",
        "significance in source",
        "n",
        "endpoint",
        "evidence",
        "basis",
        "source",
    ]
    return lines + _table(header, rows)


def _constants(records: tuple[_lit.Constant, ...], ref: _Refs) -> list[str]:
    rows = [(f"`{r.name}`", f"{r.value:g}", r.evidence, r.note, ref(r.source)) for r in records]
    return _table(["name", "value", "evidence", "note", "source"], rows)


def evidence_page() -> str:
    """The evidence page as Markdown (what ``docs/evidence.md`` must contain)."""
    ref = _Refs()
    lines = [
        "# Evidence behind the lms_prognosis models",
        "",
        "Generated from the records in `lms_prognosis/literature/` by "
        "`python -m lms_prognosis.literature.evidence docs/evidence.md`; do not edit by hand "
        "(`tests/literature/test_evidence.py` checks that this page equals the records). "
        "Every number a model or the simulator uses is here with its source and evidence "
        "marker. The full texts of the key papers were not available: numbers found only "
        "inside papers (tables, CIs, prevalences) are missing or marked unverified.",
        "",
        "## Evidence markers",
        "",
        *_table(["marker", "meaning"], list(MARKER_MEANINGS.items())),
        f"{CI_LEGEND}.",
        "",
        "## Model kinds",
        "",
        *_table(["kind", "meaning"], list(KIND_TEXT.items())),
        "## 6.1 Covariate distributions (somatic profile)",
        "",
        "Target prevalences of the somatic profile (extremity and trunk wall):",
        "",
        *_constants(_lit.PREVALENCES, ref),
        "The covariate model the simulator draws from (`lms_prognosis.simulate.covariates`), "
        'which `missing="marginalise"` uses to weight a missing factor\'s levels given the '
        "patient's observed factors:",
        "",
        *_constants(_lit.COVARIATE_MODEL, ref),
        "## 6.2 Models and factor effects",
        "",
    ]
    for name in _lit.MODEL_INFO:
        lines += _model_section(name, ref)
    lines += [
        "## 6.3 Baseline survival and risk-group cut-points",
        "",
        "Derived [D] numbers are not published: the literature Weibull baselines are computed "
        "by simulation so that the simulated population reaches its 5-year target.",
        "",
        *_constants(_lit.BASELINE, ref),
        *_constants(_lit.CUTPOINTS, ref),
        "## References",
        "",
    ]
    lines += [f"{i}. {_cell(s)}" for i, s in enumerate(ref.items, 1)]
    return "\n".join(lines) + "\n"


def write_evidence_page(path: str | Path) -> Path:
    """Write :func:`evidence_page` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    out.write_text(evidence_page(), encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover - the documented regeneration command
    print(write_evidence_page(sys.argv[1] if len(sys.argv) > 1 else "docs/evidence.md"))
