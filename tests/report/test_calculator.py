"""The calculator page in headless Chromium: the form and ``window.lmsPredict`` against
``predict_survival``.

A probe script is appended to a *copy* of the page: after load it fills the form for each
patient (setting each field's value and firing ``input``/``change`` events, as typing and
choosing do), reads the numbers the page shows, calls ``window.lmsPredict`` and writes all of
it as JSON into the DOM, which ``chromium --dump-dom`` prints. The expected numbers are the
package's ``predict_survival`` (itself pinned to R ``survfit.coxph`` in tests/cox).

Needs Debian's ``chromium`` (``.ci/run`` installs it). Without it the browser tests are skipped
locally and fail when the ``CI`` variable is set: CI must run them.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import ExportError
from lms_prognosis.literature import model_design
from tests.report.browser import chromium, chromium_or_skip

COX_COVARIATES = ["age", "grade", "size_cm", "vascular_invasion", "margin"]

_PROBE = """
<script type="application/json" id="probe-spec">%s</script>
<script>
window.addEventListener("load", function () {
  var spec = JSON.parse(document.getElementById("probe-spec").textContent);
  var out = {filled: [], predict: [], groups: []};
  spec.fill.forEach(function (patient) {
    document.getElementById("patient-form").reset();
    Object.keys(patient).forEach(function (k) {
      var e = document.getElementById("f-" + k);
      e.value = String(patient[k]);
      e.dispatchEvent(new Event("input", {bubbles: true}));
      e.dispatchEvent(new Event("change", {bubbles: true}));
    });
    var rows = Array.prototype.map.call(document.querySelectorAll("#surv-body tr"), function (tr) {
      return {time: Number(tr.getAttribute("data-time")), surv: tr.children[1].textContent,
              ci: tr.children[2].textContent};
    });
    var warns = Array.prototype.map.call(document.querySelectorAll("#warnings li"),
                                         function (li) { return li.textContent; });
    out.filled.push({rows: rows, warnings: warns, status: document.getElementById("status").textContent,
                     group: document.getElementById("group-line").hidden ? null
                            : document.getElementById("group").textContent,
                     svg: document.querySelectorAll("#curve svg path").length});
  });
  spec.predict.forEach(function (q) {
    out.predict.push(window.lmsPredict(q.patient, q.times).map(function (r) {
      return [r.time, r.surv, r.lower, r.upper, r.std_err, r.cumhaz].map(function (v) {
        return isNaN(v) ? "NaN" : v; });
    }));
    out.groups.push(window.lmsRiskGroup(q.patient));
  });
  var pre = document.createElement("pre");
  pre.id = "probe-out";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


# ------------------------------------------------------------------------------ chromium


def probe(page: Path, tmp: Path, fill: list[dict], predict: list[dict]) -> dict[str, Any]:
    """Run the probe on a copy of ``page``; the JSON it wrote into the DOM."""
    text = page.read_text(encoding="utf-8")
    spec = json.dumps({"fill": fill, "predict": predict}).replace("<", "\\u003c")
    copy = tmp / "probe.html"
    copy.write_text(text.replace("</body>", _PROBE % spec + "</body>"), encoding="utf-8")
    r = chromium(tmp, "--virtual-time-budget=10000", "--dump-dom", copy.as_uri())
    m = re.search(r'<pre id="probe-out">(.*?)</pre>', r.stdout, re.S)
    assert m, "probe result not in the dumped DOM:\n" + r.stderr[-2000:]
    return json.loads(html.unescape(m.group(1)))


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def fit(cohort):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # margin R2 has no patient: left out, with a warning
        return lp.fit_cox(cohort, COX_COVARIATES)


@pytest.fixture(scope="module")
def stratified(cohort):
    return lp.fit_cox(cohort, ["age", "grade", "necrosis"], strata=["site"], ties="breslow")


def _as_page_value(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (float, np.floating)):
        return float(v)
    return str(v)


def _patients(data: pd.DataFrame, columns: list[str], rows: list[int]) -> list[dict]:
    return [{c: _as_page_value(data[c].iloc[i]) for c in columns} for i in rows]


def _values(rows: list[list[Any]]) -> np.ndarray:
    return np.array([[np.nan if v in ("NaN", None) else v for v in r] for r in rows], dtype=float)


def _assert_close(got: np.ndarray, want: np.ndarray, tol: float = 1e-9) -> None:
    assert got.shape == want.shape
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    ok = ~np.isnan(want)
    assert np.max(np.abs(got[ok] - want[ok]), initial=0.0) <= tol


def _percent(text: str) -> float:
    return float(text.strip().rstrip("%"))


def _check_display(rows: list[dict], expected: pd.DataFrame) -> None:
    """The numbers shown (one decimal, percent) are predict_survival's, rounding aside."""
    assert [r["time"] for r in rows] == expected["time"].tolist()
    for r, (_, e) in zip(rows, expected.iterrows(), strict=True):
        assert abs(_percent(r["surv"]) - 100 * e["surv"]) <= 0.05 + 1e-9, (r, e)
        lo, hi = re.split("\u2013", r["ci"])
        assert abs(_percent(lo) - 100 * e["lower"]) <= 0.05 + 1e-9, (r, e)
        assert abs(_percent(hi) - 100 * e["upper"]) <= 0.05 + 1e-9, (r, e)


def _grid(fit_result: Any) -> list[float]:
    """Times that test the step look-up: 0, before the first time, every observed time of
    the fit and halfway between, the last time and beyond it."""
    t = np.unique(fit_result.data[fit_result.time].to_numpy(float))
    mid = (t[:-1] + t[1:]) / 2
    return sorted({0.0, float(t[0]) / 2, *t.tolist(), *mid[::7].tolist(), float(t[-1]) + 5})


# ------------------------------------------------------------------------------ fitted Cox


def test_fitted_cox_page_matches_predict_survival(fit, cohort, tmp_path):
    page = lp.export_calculator(fit, tmp_path / "calculator.html", endpoint="DSS")
    data = cohort.data
    rows = [int(np.flatnonzero((data["grade"] == g).to_numpy())[0]) for g in ("3", "1")]
    patients = _patients(data, COX_COVARIATES, rows)
    times = _grid(fit)
    out = probe(page, tmp_path, patients, [{"patient": p, "times": times} for p in patients])
    horizons = [12.0, 36.0, 60.0]  # 120 is past the last follow-up (119.9 months)
    for k, i in enumerate(rows):
        newdata = data.iloc[[i]]
        want = fit.predict_survival(newdata, times)
        got = _values(out["predict"][k])
        cols = ["time", "surv", "lower", "upper", "std_err", "cumhaz"]
        _assert_close(got, want[cols].to_numpy(float))
        filled = out["filled"][k]
        assert filled["status"] == "Prediction for the patient entered."
        _check_display(filled["rows"], fit.predict_survival(newdata, horizons))
        assert filled["svg"] >= 2  # the band and the curve
        assert filled["group"] is None  # a fitted model defines no risk groups


def test_tertile_risk_groups_of_a_fitted_model(fit, cohort, tmp_path):
    page = lp.export_calculator(fit, tmp_path / "groups.html", risk_groups="tertiles")
    data = cohort.data
    rows = list(range(0, 500, 5))
    patients = _patients(data, COX_COVARIATES, rows)
    out = probe(page, tmp_path, patients[:2], [{"patient": p, "times": [12.0]} for p in patients])
    lp_fit = fit.predict_risk(fit.data)["linear_predictor"]
    cuts = np.quantile(lp_fit, [1 / 3, 2 / 3])
    lp_rows = fit.predict_risk(data.iloc[rows])["linear_predictor"]
    want = pd.cut(lp_rows, [-np.inf, *cuts, np.inf], labels=["low", "intermediate", "high"])
    assert out["groups"] == want.astype(str).tolist()
    assert len(set(out["groups"])) == 3
    assert [f["group"] for f in out["filled"]] == out["groups"][:2]


def test_stratified_breslow_loglog_page(stratified, cohort, tmp_path):
    page = lp.export_calculator(
        stratified, tmp_path / "strata.html", conf_type="log-log", horizons=[6, 24, 60]
    )
    data = cohort.data
    cols = ["age", "grade", "necrosis", "site"]
    rows = [int(np.flatnonzero((data["site"] == s).to_numpy())[0]) for s in ("trunk", "extremity")]
    patients = _patients(data, cols, rows)
    times = _grid(stratified)
    out = probe(page, tmp_path, patients, [{"patient": p, "times": times} for p in patients])
    for k, i in enumerate(rows):
        want = stratified.predict_survival(data.iloc[[i]], times, conf_type="log-log")
        got = _values(out["predict"][k])
        _assert_close(got, want[["time", "surv", "lower", "upper", "std_err", "cumhaz"]].to_numpy())
        _check_display(
            out["filled"][k]["rows"],
            stratified.predict_survival(data.iloc[[i]], [6, 24, 60], conf_type="log-log"),
        )


def test_out_of_range_value_warns_and_missing_value_waits(fit, tmp_path):
    page = lp.export_calculator(fit, tmp_path / "calculator.html")
    extreme = {"age": 101.0, "grade": "2", "size_cm": 3.0, "vascular_invasion": "False",
               "margin": "R0"}  # fmt: skip
    partial = {"age": 50.0, "grade": "2"}
    impossible = dict(extreme, age=150.0)
    out = probe(page, tmp_path, [extreme, partial, impossible], [])
    warn, wait, bad = out["filled"]
    assert any("outside the fitted data" in w and "Age at diagnosis" in w for w in warn["warnings"])
    assert len(warn["rows"]) == 3
    assert wait["status"].startswith("Still needed:") and "Resection margin" in wait["status"]
    assert bad["status"] == "Check the values marked below."
    assert any("not a possible value" in w for w in bad["warnings"])


# ------------------------------------------------------------------------------ published


def _published_grid(seed: int = 7) -> pd.DataFrame:
    """Patients covering every level and both sides of every cut-point."""
    rng = np.random.default_rng(seed)
    n = 120
    return pd.DataFrame(
        {
            "age": rng.choice([18.0, 59.999, 60.0, 60.5, 85.0], n),
            "size_cm": rng.choice([1.0, 5.0, 5.0001, 7.99, 8.0, 20.0], n),
            "mitoses_per_2_4mm2": rng.choice([0.0, 25.0, 25.5, 40.0], n),
            "vascular_invasion": rng.choice([True, False], n),
            "aneuploidy": rng.choice([True, False], n),
            "atypical_mitoses": rng.choice([True, False], n),
            "serosal_abutment": rng.choice([True, False], n),
            "necrosis": rng.choice(["none", "<50%", ">=50%"], n),
            "depth": rng.choice(["superficial", "deep"], n),
            "grade": rng.choice(["1", "2", "3"], n),
            "margin": rng.choice(["R0", "R1", "R2"], n),
            "site": rng.choice(["extremity", "trunk", "uterus"], n),
        }
    )


def _published_case(model: Any, tmp_path: Path, times: list[float]) -> None:
    page = lp.export_calculator(model, tmp_path / f"{model.name}.html")
    grid = _published_grid()
    if model.name == "chapel2022":
        grid["site"] = "uterus"
    patients = [{c: _as_page_value(v) for c, v in row.items()} for _, row in grid.iterrows()]
    out = probe(page, tmp_path, [], [{"patient": p, "times": times} for p in patients])
    # the page warns outside the population but still shows the numbers (as the override)
    want = model.predict_survival(
        grid, times, allow_endpoint_mismatch=True, allow_outside_population=True
    )
    got = np.vstack([_values(r) for r in out["predict"]])
    cols = ["time", "surv", "lower", "upper", "std_err", "cumhaz"]
    _assert_close(got, want[cols].to_numpy(float))
    groups = model.apply(grid, horizons=[], time=None, allow_outside_population=True)
    groups = groups["risk_group"].astype(str).tolist()
    assert out["groups"] == groups
    assert len(set(groups)) > 1


@pytest.mark.parametrize("name", ["gustafson1992", "lms_default", "sin2003", "chapel2022"])
def test_published_page_matches_predict_survival(name, tmp_path):
    _published_case(lp.published_model(name), tmp_path, [6.0, 12.0, 60.0, 120.0])


def test_recalibrated_page_uses_the_refitted_baseline(cohort, tmp_path):
    model = lp.published_model("lms_default").recalibrate(cohort, ties="efron")
    last = float(model.baseline.times[-1])
    _published_case(model, tmp_path, [0.0, 12.0, 60.0, last, last + 1.0])


def test_published_form_shows_group_and_population_warning(tmp_path):
    chapel = lp.export_calculator(lp.published_model("chapel2022"), tmp_path / "chapel.html")
    patient = {"necrosis": "<50%", "mitoses_per_2_4mm2": 30.0, "atypical_mitoses": "True",
               "vascular_invasion": "False", "serosal_abutment": "False", "site": "trunk"}  # fmt: skip
    out = probe(chapel, tmp_path, [patient, dict(patient, site="uterus")], [])
    outside, inside = out["filled"]
    assert any("outside the model's population" in w for w in outside["warnings"])
    assert inside["warnings"] == [] and inside["group"] == "intermediate"
    assert inside["rows"] == []  # no baseline published: score and group only
    sin = lp.export_calculator(lp.published_model("sin2003"), tmp_path / "sin.html")
    row = {"size_cm": 9.0, "vascular_invasion": "True", "necrosis": "none", "site": "trunk"}
    shown = probe(sin, tmp_path, [row], [])["filled"][0]
    want = lp.published_model("sin2003").predict_survival(pd.DataFrame([row]), [60.0])
    assert shown["group"] == "high" and [r["time"] for r in shown["rows"]] == [60.0]
    assert abs(_percent(shown["rows"][0]["surv"]) - 100 * want["surv"].iloc[0]) <= 0.05
    assert shown["rows"][0]["ci"] == "not available"


def test_term_rules_agree_with_model_design():
    """The page's term rules give model_design's values (the JS applies the same rules)."""
    from lms_prognosis.report._calculator_published import TERM_RULES

    grid = _published_grid()
    design = model_design(grid)
    design["sin_size"] = (grid["size_cm"] >= 8).astype(float)
    design["chapel_mitoses"] = (grid["mitoses_per_2_4mm2"] > 25).astype(float)
    for term, rule in TERM_RULES.items():
        col = grid[rule["column"]]
        if rule["type"] in ("ge", "gt"):
            cut = rule["cut"]
            got = (col >= cut) if rule["type"] == "ge" else (col > cut)
            got = got.astype(float)
        else:
            got = col.map(lambda v, m=rule["map"]: m[str(v).strip().lower()])
        source = {
            "sin_vascular": "vascular_invasion",
            "chapel_lvi": "vascular_invasion",
            "sin_necrosis": "necrosis_any",
            "chapel_necrosis": "necrosis_any",
            "chapel_atypical": "atypical_mitoses",
            "chapel_serosa": "serosal_abutment",
        }.get(term, term)
        np.testing.assert_array_equal(got.to_numpy(float), design[source].to_numpy(float), term)


# ------------------------------------------------------------------------------ the page


def test_page_is_self_contained(fit, tmp_path):
    text = lp.export_calculator(fit, tmp_path / "c.html").read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    assert "default-src 'none'" in text  # the page may not fetch anything
    assert re.search(r"""(src|href)=["']?https?:""", text) is None
    for f in COX_COVARIATES:  # every input has its label
        assert f'<label for="f-{f}">' in text and f'id="f-{f}"' in text
    assert "window.lmsPredict" in text and "lms_prognosis " + lp.__version__ in text


def test_screenshots_desktop_and_phone(fit, tmp_path):
    page = lp.export_calculator(fit, tmp_path / "c.html", endpoint="DSS")
    query = "?age=67&grade=3&size_cm=9.5&vascular_invasion=True&margin=R1"
    for name, width in (("desktop", 1280), ("phone", 390)):
        shot = tmp_path / f"{name}.png"
        chromium(tmp_path, f"--screenshot={shot}", f"--window-size={width},2000",
                 "--virtual-time-budget=5000", page.as_uri() + query)  # fmt: skip
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
        width_px = int.from_bytes(data[16:20], "big")
        assert width_px == width


def test_missing_chromium_fails_in_ci_and_skips_locally(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium not installed"):
        chromium_or_skip()


# ------------------------------------------------------------------------------ errors


def test_refuses_what_it_cannot_code(fit, tmp_path):
    with pytest.raises(ExportError, match="fitted Cox model"):
        lp.export_calculator(pd.DataFrame(), tmp_path / "x.html")
    with pytest.raises(ExportError, match="conf_type"):
        lp.export_calculator(fit, tmp_path / "x.html", conf_type="wide")
    with pytest.raises(ExportError, match="horizons"):
        lp.export_calculator(fit, tmp_path / "x.html", horizons=[-1])
    with pytest.raises(ExportError, match="risk_groups"):
        lp.export_calculator(fit, tmp_path / "x.html", risk_groups="quartiles")
    with pytest.raises(ExportError, match="own risk groups"):
        lp.export_calculator(lp.published_model("sin2003"), tmp_path / "x.html", risk_groups=[0])
    with pytest.raises(ExportError, match="cannot write"):
        lp.export_calculator(fit, tmp_path / "no-such-dir" / "x.html")


def test_recalibrated_points_score_applies_its_slope(cohort, tmp_path):
    """A recalibrated points system multiplies its points by the fitted slope on the page too."""
    model = lp.published_model("sin2003").recalibrate(cohort, allow_endpoint_mismatch=True)
    assert model.model_type == "points" and model.calibration_slope not in (None, 1.0)
    last = float(model.baseline.times[-1])
    _published_case(model, tmp_path, [12.0, 60.0, last])
