"""riley_sample_size against the published pmsampsize answers and against R arithmetic of the
published formulas (tests/reference/samplesize.R -> samplesize.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.simulate.samplesize import cox_snell_r2, riley_sample_size

REF: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "reference" / "samplesize.json").read_text()
)
CASES = ["bmj2020", "hand_default_r2", "criterion2", "criterion3"]


def _run(case: dict[str, Any], default_r2: bool = False, **kw: Any) -> Any:
    return riley_sample_size(
        case["parameters"],
        rate=case["rate"],
        timepoint=case["timepoint"],
        meanfup=case["meanfup"],
        r2_cs=None if default_r2 else case["r2_cs"],
        **kw,
    )


def test_bmj_2020_worked_example_as_pmsampsize() -> None:
    """Riley BMJ 2020 survival example: 5143 patients, 692 events, EPP 23.07, CI 0.113-0.13."""
    pm = REF["pmsampsize"]["bmj2020"]
    r = riley_sample_size(30, rate=0.065, timepoint=2, meanfup=2.07, r2_cs=0.051)
    assert r.n == pm["n"][3] == 5143
    assert r.table["n"].tolist()[:2] == pm["n"][:2]
    assert r.table["shrinkage"].round(3).tolist()[:2] == pm["shrinkage"][:2]
    assert r.max_r2_cs == pytest.approx(pm["max_r2"], rel=1e-12)
    assert r.events == pytest.approx(pm["events"], rel=1e-12)
    assert math.ceil(r.events) == 692
    assert round(r.epp, 2) == pm["epp"]
    assert round(r.n * r.meanfup, 1) == pm["person_time"]
    got = [round(x, 3) for x in (r.risk, r.risk_lower, r.risk_upper)]
    assert got == [pm["risk"], pm["risk_lower"], pm["risk_upper"]]
    assert r.meets(5143) and not r.meets(5142)


@pytest.mark.parametrize("name", ["test_3_1", "test_3_7", "test_3_8"])
def test_criterion_1_as_r_pmsampsize_tests(name: str) -> None:
    pm = REF["pmsampsize"][name]
    args = dict(
        kv.split("=")
        for kv in pm["call"].split("(", 1)[1].rstrip(")").split(",")
        if "type" not in kv
    )
    r = riley_sample_size(
        int(args["parameters"]),
        rate=float(args["rate"]),
        timepoint=float(args["timepoint"]),
        meanfup=float(args["meanfup"]),
        r2_cs=float(args["rsquared"]),
    )
    assert r.table["n"].iloc[0] == pm["n1"]
    assert round(float(r.table["epp"].iloc[0]), 2) == pm["epp1"]


def test_criterion_2_decides_as_pmsampsize() -> None:
    r = _run(REF["criterion2"])
    assert r.table["n"].tolist() == [1974, 2272, REF["criterion2"]["n3"], 2272]
    assert r.table["n"].tolist()[:2] == REF["pmsampsize"]["test_3_9_python"]["n"][:2]


@pytest.mark.parametrize("name", CASES)
def test_every_step_against_r(name: str) -> None:
    case = REF[name]
    r = _run(
        case, default_r2=name == "hand_default_r2", margin=0.01 if name == "criterion3" else 0.05
    )
    assert r.r2_cs == pytest.approx(case["r2_cs"], rel=1e-12)
    assert r.max_r2_cs == pytest.approx(case["max_r2_cs"], rel=1e-12)
    assert r.table["shrinkage"].iloc[1] == pytest.approx(case["s2"], rel=1e-12)
    assert r.table["n"].tolist() == [case["n1"], case["n2"], case["n3"], case["n"]]
    assert r.n == case["n"]
    assert r.events == pytest.approx(case["events"], rel=1e-12)
    assert r.epp == pytest.approx(case["epp"], rel=1e-12)
    for key in ("risk", "risk_lower", "risk_upper"):
        assert getattr(r, key) == pytest.approx(case[key], rel=1e-10)


def test_default_r2_is_15_percent_of_max() -> None:
    r = _run(REF["hand_default_r2"], default_r2=True)
    assert r.r2_nagelkerke == pytest.approx(0.15)
    assert "15%" in r.r2_source and "15%" in repr(r)


def test_criterion_3_decides_for_a_rare_event() -> None:
    r = _run(REF["criterion3"], margin=0.01)
    assert r.n == r.table["n"].iloc[2] > max(r.table["n"].iloc[:2])


def test_cox_snell_r2_from_lr() -> None:
    assert cox_snell_r2(0.0, 10) == 0.0
    assert cox_snell_r2(100.0, 1000) == pytest.approx(1 - math.exp(-0.1))
    with pytest.raises(LMSPrognosisError, match=">= 0"):
        cox_snell_r2(-1.0, 10)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"parameters": 0}, "3-level factor counts 2"),
        ({"parameters": 2.5}, "whole number"),
        ({"rate": 0.0}, "rate must be a positive"),
        ({"meanfup": float("nan")}, "meanfup must be a positive"),
        ({"r2_cs": 0.9}, "largest Cox-Snell R2"),
        ({"shrinkage": 1.0}, "shrinkage must be in"),
    ],
)
def test_refusals_say_how_to_fix(kw: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = dict(parameters=9, rate=0.05, timepoint=5, meanfup=5.5, r2_cs=0.1)
    args.update(kw)
    with pytest.raises(LMSPrognosisError, match=match):
        riley_sample_size(**args)


def test_exported() -> None:
    assert lp.riley_sample_size is riley_sample_size
    assert lp.simulate.riley_sample_size is riley_sample_size
