"""The one result contract (``lms_prognosis._results``) and the one exception hierarchy.

* every result class exported by lms_prognosis (names ending in ``Result``) mixes in
  :class:`lms_prognosis._results.Result` and has ``.table``, ``.to_frame()`` and
  ``_repr_html_``; those built from survival input also have ``.n`` and ``.dropped``;
* every public result class defined anywhere in the package is exported;
* every error class exported, or defined anywhere in the package, is an
  :class:`~lms_prognosis.LMSPrognosisError`; every warning class an ``LMSPrognosisWarning``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._results import DROPPED_COLUMNS, Result, dropped_note, empty_dropped

matplotlib.use("Agg")

COVARIATES = ["age", "vascular_invasion", "aneuploidy", "necrosis"]
EXPORTED = {name: getattr(lp, name) for name in lp.__all__ if name[0].isupper()}
RESULT_NAMES = sorted(n for n in EXPORTED if n.endswith("Result"))
ERROR_NAMES = sorted(
    n
    for n, v in EXPORTED.items()
    if inspect.isclass(v) and issubclass(v, Exception) and not issubclass(v, Warning)
)
WARNING_NAMES = sorted(
    n for n, v in EXPORTED.items() if inspect.isclass(v) and issubclass(v, Warning)
)


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    data = lp.load_synthetic().data.copy()
    data.loc[data.index[[4, 8]], "age"] = np.nan  # two rows left out where age is used
    return data


@pytest.fixture(scope="module")
def cox(df: pd.DataFrame) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.fit_cox(df, COVARIATES)


def _normal_mean(rng: np.random.Generator, n: int) -> dict[str, float]:
    return {"mean": float(rng.normal(size=n).mean())}


def competing(df: pd.DataFrame) -> pd.DataFrame:
    """The cohort with every third censored patient made a death from another cause."""
    out = df.copy()
    censored = np.flatnonzero(out["event"].to_numpy() == 0)[::3]
    out.iloc[censored, out.columns.get_loc("event")] = 2
    return out


def factories(df: pd.DataFrame, cox: Any) -> dict[str, Callable[[], Any]]:
    """One way to get each exported result class from the shipped cohort."""
    model = lp.published_model("gustafson1992")
    cr = competing(df)
    return {
        "CIFResult": lambda: lp.cumulative_incidence(cr, group="grade"),
        "GrayTestResult": lambda: lp.gray_test(cr, group="grade"),
        "FineGrayResult": lambda: lp.fit_fine_gray(cr, COVARIATES),
        "CauseSpecificResult": lambda: lp.fit_cause_specific(cr, COVARIATES),
        "ParametricResult": lambda: lp.fit_parametric(df, COVARIATES),
        "PenalisedCoxResult": lambda: lp.fit_cox(df, COVARIATES, penalty="lasso", alpha=0.01),
        "ForestResult": lambda: lp.fit_forest(df, COVARIATES, n_trees=10),
        "ComparisonResult": lambda: lp.compare_models(
            {"cox": COVARIATES}, df, time_point=36, n_bootstrap=2
        ),
        "PooledResult": lambda: lp.fit_cox(
            lp.impute(df, m=2, seed=1, covariates=COVARIATES), COVARIATES
        ),
        "KMResult": lambda: lp.kaplan_meier(df, group="grade"),
        "LogRankResult": lambda: lp.logrank_test(df, group="grade"),
        "CoxResult": lambda: cox,
        "ConcordanceResult": lambda: lp.concordance(
            df, cox.predict_risk(df)["linear_predictor"].to_numpy()
        ),
        "CalibrationResult": lambda: lp.calibration(cox, df, time_point=36),
        "CIFCalibrationResult": lambda: lp.calibration(
            1 - cox.predict_survival(df, [36]).set_index("patient")["surv"].reindex(df.index),
            df,
            time_point=36,
            cause=1,
        ),
        "ValidationResult": lambda: lp.validate(
            COVARIATES, df, n_bootstrap=3, seed=1, progress=False
        ),
        "ExternalValidationResult": lambda: lp.external_validation(model, df, time_point=36),
        "BrierResult": lambda: lp.brier_score(df, cox, times=[12, 36]),
        "TimeAUCResult": lambda: lp.time_dependent_auc(df, cox, times=[12, 36]),
        "DecisionCurveResult": lambda: lp.decision_curve(df, cox, time_point=36),
        "TableOneResult": lambda: lp.table_one(lp.load_synthetic(), by="grade"),
        "HRTableResult": lambda: lp.hr_table(cox),
        "FollowUpResult": lambda: lp.median_follow_up(df),
        "UnivariableResult": lambda: lp.fit_univariable(df, COVARIATES),
        "SimulationStudyResult": lambda: lp.simulation_study(
            {"n=50": {"n": 50}}, 3, _normal_mean, seed=1
        ),
        "SampleSizeResult": lambda: lp.riley_sample_size(9, rate=0.05, timepoint=5, meanfup=5.5),
        "PlotResult": lambda: lp.plot_km(lp.kaplan_meier(df, group="grade")),
    }


# a plot's result is the figure itself (it shows as a picture, so no _repr_html_), with the
# numbers drawn as data: .table and .to_frame(), but not the Result mixin
FIGURE_RESULTS = {"PlotResult"}


# results computed from survival input, which report the rows they left out
SURVIVAL_INPUT = {
    "PenalisedCoxResult",
    "ForestResult",
    "ComparisonResult",
    "CIFResult",
    "GrayTestResult",
    "FineGrayResult",
    "CauseSpecificResult",
    "ParametricResult",
    "FollowUpResult",
    "UnivariableResult",
    "KMResult",
    "LogRankResult",
    "CoxResult",
    "ConcordanceResult",
    "CalibrationResult",
    "CIFCalibrationResult",
    "ValidationResult",
    "ExternalValidationResult",
    "BrierResult",
    "TimeAUCResult",
    "DecisionCurveResult",
}
LEAVES_OUT_AGE = {
    "PenalisedCoxResult",
    "ForestResult",
    "ComparisonResult",
    "FineGrayResult",
    "CauseSpecificResult",
    "ParametricResult",
    "CoxResult",
    "ConcordanceResult",
    "CalibrationResult",
    "CIFCalibrationResult",
    "ValidationResult",
    "ExternalValidationResult",
    "BrierResult",
    "TimeAUCResult",
    "DecisionCurveResult",
}


def test_every_exported_result_has_a_factory(df: pd.DataFrame, cox: Any) -> None:
    assert len(RESULT_NAMES) >= 12
    assert sorted(factories(df, cox)) == RESULT_NAMES


@pytest.mark.parametrize("name", sorted(set(RESULT_NAMES) - FIGURE_RESULTS))
def test_result_class_mixes_in_result(name: str) -> None:
    cls = EXPORTED[name]
    assert inspect.isclass(cls) and issubclass(cls, Result), f"{name} does not mix in Result"
    for attr in ("to_frame", "_repr_html_", "__repr__"):
        assert callable(getattr(cls, attr, None)), f"{name}.{attr}"


@pytest.mark.parametrize("name", RESULT_NAMES)
def test_result_contract(name: str, df: pd.DataFrame, cox: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = factories(df, cox)[name]()
    if name in FIGURE_RESULTS:
        _figure_contract(res, name)
        return
    assert type(res).__name__ == name and isinstance(res, Result)
    assert isinstance(res.table, pd.DataFrame) and not res.table.empty
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame)
    pd.testing.assert_frame_equal(frame, res.table)
    frame.drop(frame.index, inplace=True)  # a copy: editing it cannot change the result
    frame[frame.columns[0]] = 0
    assert not res.table.empty and frame is not res.table
    text = repr(res)
    assert isinstance(text, str) and text.strip()
    page = res._repr_html_()
    assert "<table" in page and page.count("<table") == page.count("</table>")
    if name in SURVIVAL_INPUT:
        assert isinstance(res.n, int | np.integer) and res.n > 0
        assert list(res.dropped.columns) == list(DROPPED_COLUMNS)
    if name in LEAVES_OUT_AGE:
        assert res.n == 498, f"{name}.n = {res.n}"
        assert sorted(set(res.dropped["row"])) == df.index[[4, 8]].tolist()
        assert "2 rows left out" in text and "2 rows left out" in page


def _figure_contract(res: Any, name: str) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    try:
        assert type(res).__name__ == name and isinstance(res.figure, Figure)
        assert isinstance(res.table, pd.DataFrame) and not res.table.empty
        frame = res.to_frame()
        pd.testing.assert_frame_equal(frame, res.table)
        frame.drop(frame.index, inplace=True)
        assert not res.table.empty
        assert repr(res).strip() and res._repr_png_()[:4] == b"\x89PNG"
    finally:
        plt.close(res.figure)


def _package_classes() -> list[tuple[str, type]]:
    out = []
    for info in pkgutil.walk_packages(lp.__path__, prefix="lms_prognosis."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for attr, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == info.name:
                out.append((f"{info.name}.{attr}", value))
    return out


PACKAGE_CLASSES = _package_classes()


def test_every_public_result_class_is_exported() -> None:
    exported = set(EXPORTED.values())
    missing = [
        where
        for where, cls in PACKAGE_CLASSES
        if issubclass(cls, Result)
        and not cls.__name__.startswith("_")
        and cls is not Result
        and cls not in exported
    ]
    assert not missing, f"result classes not exported from lms_prognosis: {missing}"


@pytest.mark.parametrize("name", ERROR_NAMES)
def test_exported_error_is_a_package_error(name: str) -> None:
    assert issubclass(EXPORTED[name], lp.LMSPrognosisError)
    assert issubclass(EXPORTED[name], ValueError)  # code written against 0.1 keeps working


@pytest.mark.parametrize("name", WARNING_NAMES)
def test_exported_warning_is_a_package_warning(name: str) -> None:
    assert issubclass(EXPORTED[name], lp.LMSPrognosisWarning)


def test_every_error_class_in_the_package_shares_the_base() -> None:
    assert len(ERROR_NAMES) >= 12
    stray = [
        where
        for where, cls in PACKAGE_CLASSES
        if issubclass(cls, Exception)
        and not issubclass(cls, Warning)
        and not issubclass(cls, lp.LMSPrognosisError)
    ]
    stray += [
        where
        for where, cls in PACKAGE_CLASSES
        if issubclass(cls, Warning) and not issubclass(cls, lp.LMSPrognosisWarning)
    ]
    assert not stray, f"error or warning classes outside the hierarchy: {stray}"


def test_cohort_error_is_a_survival_data_error() -> None:
    err = lp.CohortError("no usable row", exclusions=[1])
    assert isinstance(err, lp.SurvivalDataError) and err.exclusions == [1]
    assert issubclass(lp.ReportExistsError, FileExistsError)
    assert not issubclass(lp.ColumnNotFoundError, KeyError)


# ---------------------------------------------------------------- the mixin itself
class _Toy(Result):
    _title = "Toy"

    def __init__(self, table: pd.DataFrame, dropped: pd.DataFrame | None = None) -> None:
        self.table = table
        if dropped is not None:
            self.dropped = dropped


def test_mixin_repr_and_copy() -> None:
    toy = _Toy(
        pd.DataFrame({"a": [1, 2]}),
        pd.DataFrame({"row": ["p1"], "column": ["time"], "value": [None], "reason": ["missing"]}),
    )
    assert repr(toy).splitlines()[:2] == ["Toy", "1 row left out (missing time: 1); see .dropped"]
    assert "1 row left out" in toy._repr_html_() and "<th>a</th>" in toy._repr_html_()
    out = toy.to_frame()
    out.loc[0, "a"] = 99
    assert toy.table.loc[0, "a"] == 1
    assert toy.n_dropped == 1


def test_mixin_without_dropped() -> None:
    toy = _Toy(pd.DataFrame({"a": ["<b>"]}))
    assert "left out" not in repr(toy)
    assert "&lt;b&gt;" in toy._repr_html_()  # escaped
    assert toy.n_dropped == 0
    assert list(empty_dropped().columns) == list(DROPPED_COLUMNS)
    assert dropped_note(None) == dropped_note(empty_dropped()) == ""
