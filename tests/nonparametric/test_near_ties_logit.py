"""Near-tied times (R's timefix / aeqSurv) and the logit interval, against R's own numbers.

Fixtures: tests/reference/survfit_kernel.R -> survfit_kernel.json; each entry stores its R call.
The near-tie data hold 1 and 1 + 1e-11, 0.1 + 0.2 and 0.3, 2 and 2 (1 + 1e-9), which R merges,
and 5 and 5 + 1e-6, which it keeps apart; each pair is split across the two arms, so the
log-rank risk sets change if a pair is not merged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.nonparametric import kaplan_meier, logrank_test

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "survfit_kernel.json").read_text())
RTOL = 1e-9
COLUMNS = ["time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper", "cumhaz"]


def near() -> pd.DataFrame:
    d = REF["near"]
    return pd.DataFrame(
        {"time": [float(t) for t in d["time_text"]], "event": d["event"], "arm": d["arm"]}
    )


def load(name: str) -> pd.DataFrame:
    return near() if name == "near" else pd.read_csv(REF_DIR / "data" / f"{name}.csv")


def num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def test_near_data_really_are_near_ties() -> None:
    t = near()["time"].to_numpy()
    assert t[2] == 0.1 + 0.2 != 0.3 == t[3] and t[1] == 1 + 1e-11 != 1.0
    assert len(np.unique(t)) == 14  # R's survfit has 11: three pairs merged


@pytest.mark.parametrize(
    ("name", "group", "conf_type", "conf_level"),
    [
        ("near_all", None, "log", 0.95),
        ("near_arm", "arm", "log", 0.95),
        ("near_arm_loglog", "arm", "log-log", 0.95),
        ("lung_sex_logit", "sex", "logit", 0.95),
        ("lung_tied_logit_90", None, "logit", 0.9),
    ],
)
def test_km_matches_survfit(
    name: str, group: str | None, conf_type: str, conf_level: float
) -> None:
    case = REF["survfit"][name]
    km = kaplan_meier(load(case["data"]), group=group, conf_type=conf_type, conf_level=conf_level)
    res = case["result"]
    assert [str(g) for g in km.table["group"]] == [str(g) for g in res["group"]]
    for col in COLUMNS:
        np.testing.assert_allclose(
            km.table[col].to_numpy(dtype=float),
            num(res[col]),
            rtol=RTOL,
            err_msg=f"{name}: {col} vs {case['call']}",
        )


def test_merged_times_are_the_first_of_their_run() -> None:
    # R keeps the smallest value of a merged run: 0.3 (not 0.30000000000000004), 1, 2
    times = kaplan_meier(near()).table["time"].tolist()
    assert times[:3] == [0.3, 1.0, 2.0]
    assert 5.0 in times and 5 + 1e-6 in times  # 1e-6 apart: not a near-tie


def test_without_timefix_r_differs() -> None:
    # the fixture is sensitive: R's timefix = FALSE fit keeps 2 (1 + 1e-9) as its own time
    fixed = REF["survfit"]["near_arm"]["result"]["time"]
    raw = REF["survfit"]["near_arm_notimefix"]["result"]["time"]
    assert fixed != raw


@pytest.mark.parametrize(("name", "rho"), [("near_arm", 0), ("near_arm_rho1", 1)])
def test_logrank_matches_survdiff(name: str, rho: float) -> None:
    case = REF["survdiff"][name]
    lr = logrank_test(near(), group="arm", rho=rho)
    res = case["result"]
    np.testing.assert_allclose(lr.chisq, res["chisq"], rtol=RTOL, err_msg=case["call"])
    for col, ref in (("n", "n"), ("observed", "observed"), ("expected", "expected")):
        np.testing.assert_allclose(
            lr.table[col].to_numpy(dtype=float),
            num(res[ref]),
            rtol=RTOL,
            err_msg=f"{col} vs {case['call']}",
        )
    np.testing.assert_allclose(lr.variance.to_numpy().ravel(), np.ravel(res["var"]), rtol=RTOL)
