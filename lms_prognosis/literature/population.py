"""The patients a published model was built for, as data, and the check that keeps it there.

A model's effects describe the patients it was developed in: Gustafson 1992 studied
extremity and trunk-wall LMS, SIN 2003 extremity and trunk-wall soft tissue sarcoma, Chapel
2022 stage I uterine LMS. Applied to a uterine LMS, the Gustafson model gives a 5-year
disease-specific survival of 0.91-0.98 where uterine series report about 0.55-0.70: a number
a clinician must not be shown as the model's. :class:`Population` states each model's
population (sites, histology, stage, endpoint, era) as data next to its source, and
:meth:`Population.check` finds the rows outside it, which every scoring entry point of
:class:`~lms_prognosis.literature.PublishedModel` leaves out by default, with the reason in
``.dropped``; ``allow_outside_population=True`` scores them anyway, with a warning.

What a cohort cannot tell is said, never assumed: a frame without a ``site`` column, a
patient whose site is missing, and the stage (not in the cohort schema) are "not checked"
notes on the result, and the patient is scored.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lms_prognosis.exceptions import DataWarning, EndpointMismatchError, PopulationError
from lms_prognosis.literature._problems import OUTSIDE, Problem
from lms_prognosis.literature.design import normalised_text

__all__ = ["Population", "SITE_LABELS", "check_endpoint"]

#: how each schema site is named in a message
SITE_LABELS = {
    "extremity": "extremity",
    "trunk": "trunk wall",
    "retroperitoneum": "retroperitoneum",
    "uterus": "uterus",
    "head_neck": "head and neck",
    "other": "other site",
}
_LMS = ("leiomyosarcoma", "lms")


@dataclass(frozen=True)
class Population:
    """The population a model was developed in, each part as published (or marked).

    Attributes
    ----------
    description : str
        One line, as the source describes the series.
    sites : tuple of str
        Schema ``site`` values inside the population (design.md section 3).
    histology : str
        ``"leiomyosarcoma"`` or ``"soft tissue sarcoma"`` (any histology).
    stage : str
        The stage the series covers; the cohort schema has no stage column, so it is shown,
        not checked.
    endpoint : str
        DSS, OS, MFS or LRFS: the endpoint the effects were estimated for.
    era : str
        Years of diagnosis, or "not retrieved [U]" when the source text did not give them.
    n : int or None
        Patients in the development series (None for design values).

    Examples
    --------
    >>> pop = Population("extremity LMS", ("extremity",), "leiomyosarcoma", "localised",
    ...                  "DSS", "not retrieved [U]", 48)
    >>> problems, notes = pop.check(pd.DataFrame({"site": ["extremity", "uterus", None]}), "m")
    >>> [(p.position, p.value) for p in problems]
    [(1, 'uterus')]
    >>> notes
    ['1 patient(s) with no site: inside the population of m (extremity) not checked']
    """

    description: str
    sites: tuple[str, ...]
    histology: str
    stage: str
    endpoint: str
    era: str
    n: int | None

    def __str__(self) -> str:
        return self.description

    @property
    def sites_text(self) -> str:
        """The sites as words: "extremity, trunk wall"."""
        return ", ".join(SITE_LABELS.get(s, s) for s in self.sites)

    def summary(self) -> str:
        """One line for tables and pages: sites, histology, stage, endpoint, era, n.

        Examples
        --------
        >>> Population("x", ("uterus",), "leiomyosarcoma", "stage I", "DSS", "2000-2016",
        ...            203).summary()
        'uterus; leiomyosarcoma; stage I; endpoint DSS; 2000-2016; n = 203'
        """
        n = f"n = {self.n}" if self.n is not None else "no development cohort (design values)"
        return "; ".join(
            [self.sites_text, self.histology, self.stage, f"endpoint {self.endpoint}", self.era, n]
        )

    def check(self, data: pd.DataFrame, model: str) -> tuple[list[Problem], list[str]]:
        """Rows of ``data`` outside the population, and notes on what could not be checked.

        A row is outside when its ``site`` is known and not one of :attr:`sites`, or, for an
        LMS model, when a ``histology`` column names another tumour.
        """
        problems: list[Problem] = []
        notes: list[str] = []
        where = f"the population of {model} ({self.sites_text})"
        if "site" not in data.columns:
            notes.append(f"no site column: whether patients are inside {where} was not checked")
        else:
            site = normalised_text(data["site"])
            unknown = np.array([s is None for s in site], dtype=bool)
            outside = ~unknown & ~np.isin(site.astype(str), self.sites)
            reason = f"{OUTSIDE}: {model} is for {self.sites_text} {self.histology}"
            problems += [Problem(int(i), "site", site[i], reason) for i in np.flatnonzero(outside)]
            if unknown.any():
                notes.append(
                    f"{int(unknown.sum())} patient(s) with no site: inside {where} not checked"
                )
        if self.histology == "leiomyosarcoma" and "histology" in data.columns:
            hist = normalised_text(data["histology"])
            other = np.array([h is not None and h not in _LMS for h in hist], dtype=bool)
            reason = f"{OUTSIDE}: {model} is for leiomyosarcoma"
            problems += [
                Problem(int(i), "histology", hist[i], reason) for i in np.flatnonzero(other)
            ]
        return problems, notes

    def screen(
        self, data: pd.DataFrame, model: str, allow: bool
    ) -> tuple[list[Problem], list[str]]:
        """:meth:`check`, then the rule: rows outside are left out unless ``allow``.

        Raises :class:`~lms_prognosis.PopulationError` when every row is outside and
        ``allow`` is False; with ``allow`` the rows are kept, with a
        :class:`~lms_prognosis.DataWarning` and a note.
        """
        outside, notes = self.check(data, model)
        if not outside:
            return [], notes
        if len(outside) == len(data) and not allow:
            raise PopulationError(
                f"every patient is outside the population of {model} ({self.summary()}): "
                f"{outside[0].reason}. Use a model built for these patients, or pass "
                f"allow_outside_population=True to apply it anyway"
            )
        if not allow:
            return outside, notes
        msg = (
            f"{len(outside)} patient(s) outside the population of {model} "
            f"({self.sites_text}) were scored because allow_outside_population=True: "
            f"its effects were not estimated for them"
        )
        warnings.warn(msg, DataWarning, stacklevel=5)
        return [], [*notes, msg]


def check_endpoint(model: str, model_endpoint: str, endpoint: str | None, allow: bool) -> list[str]:
    """Notes on the cohort's endpoint; a mismatch is refused unless ``allow`` (then warned).

    Examples
    --------
    >>> check_endpoint("m", "DSS", None, False)
    ['no cohort endpoint given (a DataFrame): assumed DSS']
    """
    if endpoint is None:
        return [f"no cohort endpoint given (a DataFrame): assumed {model_endpoint}"]
    if endpoint == model_endpoint:
        return []
    msg = (
        f"cohort endpoint {endpoint} differs from the {model} model's endpoint "
        f"{model_endpoint}: published effects are not interchangeable across endpoints"
    )
    if not allow:
        raise EndpointMismatchError(msg + "; pass allow_endpoint_mismatch=True to proceed")
    warnings.warn(msg, DataWarning, stacklevel=4)
    return [msg]
