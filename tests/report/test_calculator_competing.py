"""The calculator page of competing-risk models and of spline terms, in headless Chromium.

* Fine-Gray and cause-specific pages: ``window.lmsPredict(patient, times)`` returns
  ``[{time, cause, risk, lower, upper, std_err}, ...]`` equal to the model's ``predict_cif``
  (estimate, standard error and interval; ``se_method="aggregate"`` for cause-specific models)
  to 1e-9 for two patients on a grid of times that tests the step look-up; the numbers the form
  shows are those, rounding aside. (``predict_cif`` itself is pinned to R in tests/cox:
  ``cmprsk::predict.crr`` / ``survfit`` on ``finegray()`` data, ``riskRegression::CSC`` +
  ``predict(product.limit = TRUE)``, and the aggregate standard error to plain R of the delta
  method, tests/cox/test_cs_aggregate.py.)
* The cause-specific page carries no per-patient data of the fitted cohort: no array of one
  value per patient, none of the patients' ``exp(x b)`` or score residuals.
* Spline terms (``rcs``, ``ns``): the page's basis reproduces ``predict_survival`` to 1e-9,
  inside and beyond the boundary knots (the bases are pinned to R ``rms::rcs`` and
  ``splines::ns`` in tests/cox/test_terms.py).
"""

from __future__ import annotations

import html
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import ExportError
from lms_prognosis.report import assign_risk_groups
from tests.report.test_calculator import _as_page_value, _assert_close, _percent, chromium

COVARIATES = ["age", "grade", "size_cm"]

_PROBE = """
<script type="application/json" id="probe-spec">%s</script>
<script>
window.addEventListener("load", function () {
  var spec = JSON.parse(document.getElementById("probe-spec").textContent);
  var out = {filled: [], predict: [], groups: []};
  function nan(v) { return (typeof v === "number" && isNaN(v)) ? "NaN" : v; }
  spec.fill.forEach(function (patient) {
    document.getElementById("patient-form").reset();
    Object.keys(patient).forEach(function (k) {
      var e = document.getElementById("f-" + k);
      e.value = String(patient[k]);
      e.dispatchEvent(new Event("input", {bubbles: true}));
      e.dispatchEvent(new Event("change", {bubbles: true}));
    });
    var trs = document.querySelectorAll("#surv-body tr[data-time]");
    var rows = Array.prototype.map.call(trs, function (tr) {
      var q = function (s) { var e = tr.querySelector(s); return e ? e.textContent : null; };
      return {time: Number(tr.getAttribute("data-time")), cause: tr.getAttribute("data-cause"),
              value: q("td.risk") || q("td.surv"), ci: q("td.ci"), label: q(".cause")};
    });
    out.filled.push({rows: rows, status: document.getElementById("status").textContent,
                     paths: document.querySelectorAll("#curve svg path").length,
                     caption: (document.querySelector("#curve p") || {}).textContent || "",
                     group: document.getElementById("group-line").hidden ? null
                            : document.getElementById("group").textContent,
                     rule: document.getElementById("group-rule").textContent,
                     legend: Array.prototype.map.call(document.querySelectorAll("#curve ul.legend li"),
                                     function (li) { return li.textContent; })});
  });
  spec.predict.forEach(function (q) {
    out.groups.push(window.lmsRiskGroup(q.patient));
    out.predict.push(window.lmsPredict(q.patient, q.times).map(function (r) {
      var o = {}; Object.keys(r).forEach(function (k) { o[k] = nan(r[k]); }); return o;
    }));
  });
  var pre = document.createElement("pre");
  pre.id = "probe-out";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def probe(page: Path, tmp: Path, fill: list[dict], predict: list[dict]) -> dict[str, Any]:
    """Fill the form / call ``window.lmsPredict`` in a copy of ``page``; what the page gave."""
    text = page.read_text(encoding="utf-8")
    spec = json.dumps({"fill": fill, "predict": predict})
    spec = spec.replace("<", "\\u003c")
    copy = tmp / "probe.html"
    copy.write_text(text.replace("</body>", _PROBE % spec + "</body>"), encoding="utf-8")
    r = chromium(tmp, "--virtual-time-budget=20000", "--dump-dom", copy.as_uri())
    m = re.search(r'<pre id="probe-out">(.*?)</pre>', r.stdout, re.S)
    assert m, "probe result not in the dumped DOM:\n" + r.stderr[-2000:]
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="module")
def competing() -> lp.Cohort:
    return lp.simulate_cohort(n=400, seed=3, competing_risks=True)


@pytest.fixture(scope="module")
def finegray(competing):
    return lp.fit_fine_gray(competing, COVARIATES)


@pytest.fixture(scope="module")
def cause_specific(competing):
    return lp.fit_cause_specific(competing, COVARIATES)


def _two_patients(data: pd.DataFrame, columns: list[str]) -> tuple[list[int], list[dict]]:
    rows = [int(np.flatnonzero((data["grade"] == g).to_numpy())[0]) for g in ("3", "1")]
    return rows, [{c: _as_page_value(data[c].iloc[i]) for c in columns} for i in rows]


def _grid(times: np.ndarray, last: float) -> list[float]:
    """0, before the first time, every time of the fit and halfway between some, the last
    time and beyond it."""
    t = np.unique(times)
    mid = (t[:-1] + t[1:]) / 2
    return sorted({0.0, float(t[0]) / 2, *t.tolist(), *mid[::5].tolist(), last, last + 5.0})


def _as_array(rows: list[dict], keys: list[str]) -> np.ndarray:
    return np.array(
        [[np.nan if r[k] in ("NaN", None) else r[k] for k in keys] for r in rows], dtype=float
    )


def _check_display(rows: list[dict], want: pd.DataFrame, labels: dict[int, str]) -> None:
    """Rows by horizon then cause; the risk and CI shown are predict_cif's, rounding aside."""
    want = want.sort_values(["time", "cause"], kind="stable") if "cause" in want else want
    assert [r["time"] for r in rows] == want["time"].tolist()
    for r, (_, e) in zip(rows, want.iterrows(), strict=True):
        cause = int(e["cause"]) if "cause" in e else None
        if cause is not None:
            assert r["cause"] == str(cause) and r["label"] == labels[cause]
        assert abs(_percent(r["value"]) - 100 * e["cif"]) <= 0.05 + 1e-9, (r, e)
        lo, hi = r["ci"].split("\u2013")
        assert abs(_percent(lo) - 100 * e["lower"]) <= 0.05 + 1e-9, (r, e)
        assert abs(_percent(hi) - 100 * e["upper"]) <= 0.05 + 1e-9, (r, e)


def test_finegray_page_matches_predict_cif(finegray, competing, tmp_path):
    page = lp.export_calculator(finegray, tmp_path / "fg.html", endpoint="DSS")
    data = competing.data
    rows, patients = _two_patients(data, COVARIATES)
    times = _grid(finegray.baseline["time"].to_numpy(), finegray.max_time)
    out = probe(page, tmp_path, patients, [{"patient": p, "times": times} for p in patients])
    keys = ["time", "cause", "risk", "std_err", "lower", "upper"]
    for k, i in enumerate(rows):
        want = finegray.predict_cif(data.iloc[[i]], times).assign(cause=1)
        cols = ["time", "cause", "cif", "std_err", "lower", "upper"]
        _assert_close(_as_array(out["predict"][k], keys), want[cols].to_numpy(float))
        filled = out["filled"][k]
        assert filled["status"] == "Prediction for the patient entered."
        horizons = finegray.predict_cif(data.iloc[[i]], [12.0, 36.0, 60.0]).assign(cause=1)
        labels = {1: "Death from LMS"}  # endpoint DSS: the report's name of cause 1
        _check_display(filled["rows"], horizons, labels)
        assert filled["paths"] == 2  # one band, one line
    assert re.search(r"SHR \(95% CI\)", page.read_text(encoding="utf-8"))


def test_cause_specific_page_matches_predict_cif(cause_specific, competing, tmp_path):
    labels = {1: "Death from leiomyosarcoma", 2: "Death from other causes"}
    page = lp.export_calculator(
        cause_specific, tmp_path / "cs.html", horizons=[12, 60], cause_labels=labels
    )
    data = competing.data
    rows, patients = _two_patients(data, COVARIATES)
    last = cause_specific.max_time
    times = sorted({*_grid(cause_specific._time, last)[::3], last, last + 5.0})
    out = probe(page, tmp_path, patients, [{"patient": p, "times": times} for p in patients])
    keys = ["time", "cause", "risk", "std_err", "lower", "upper"]
    cols = ["time", "cause", "cif", "std_err", "lower", "upper"]
    for k, i in enumerate(rows):
        want = cause_specific.predict_cif(data.iloc[[i]], times, se_method="aggregate")
        _assert_close(_as_array(out["predict"][k], keys), want[cols].to_numpy(float))
        filled = out["filled"][k]
        shown = cause_specific.predict_cif(data.iloc[[i]], [12, 60], se_method="aggregate")
        _check_display(filled["rows"], shown, labels)
        assert filled["paths"] == 4  # a band and a line per cause
        assert filled["legend"] == [labels[1], labels[2]]  # the key names the curves
    got = _as_array(out["predict"][0], keys)
    assert np.isnan(got[got[:, 0] > last, 2]).all() and got[got[:, 0] > last].shape[0] == 2


def _numbers(obj: Any) -> list:
    """Every number and every list in the page's model JSON."""
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _numbers(v)]
    if isinstance(obj, list):
        return [obj, *[x for v in obj for x in _numbers(v)]]
    return [obj] if isinstance(obj, float | int) and not isinstance(obj, bool) else []


def test_cause_specific_page_carries_no_patient_level_data(cause_specific, tmp_path):
    """Only aggregates, as R's survfit: no array of one value per fitted patient, none of
    the patients' exp(x b) or score residuals; "About this model" names the CI shown."""
    page = lp.export_calculator(cause_specific, tmp_path / "cs.html", horizons=[12, 60])
    text = page.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="lms-model">(.*?)</script>', text, re.S)
    assert m
    model = json.loads(m.group(1))
    found = _numbers(model)
    lists = [x for x in found if isinstance(x, list)]
    n = cause_specific.n
    assert max(len(x) for x in lists) < n and not any(len(x) == n for x in lists)
    assert "subjects" not in model and all("score" not in h for h in model["hazards"])
    values = {float(x) for x in found if not isinstance(x, list)}
    for h in cause_specific._hazards.values():  # the fitted patients' own terms (not 0)
        assert values.isdisjoint(h.e.tolist())
        assert values.isdisjoint(h.score_res[h.score_res != 0].tolist())
    assert (
        len(model["time"]) == len(model["hazards"][0]["dh0"]) < np.unique(cause_specific._time).size
    )
    about = text[text.index('id="h-model"') :]
    assert "delta method" in about and "aggregates only" in about
    assert "patient-level" not in text and "share it only as the data" not in text


def test_competing_page_refuses_unknown_causes(finegray, cause_specific, tmp_path):
    with pytest.raises(ExportError, match="cause_labels names cause"):
        lp.export_calculator(finegray, tmp_path / "x.html", cause_labels={2: "other"})
    with pytest.raises(ExportError, match="Fine-Gray model is of cause 1"):
        lp.export_calculator(finegray, tmp_path / "x.html", risk_groups="tertiles", cause=2)
    with pytest.raises(ExportError, match="causes \\[1, 2\\]"):
        lp.export_calculator(cause_specific, tmp_path / "x.html", risk_groups=[0.0], cause=3)
    with pytest.raises(ExportError, match="give risk_groups= too"):
        lp.export_calculator(cause_specific, tmp_path / "x.html", cause=2)
    with pytest.raises(ExportError, match="published model has its own"):
        assign_risk_groups(lp.published_model("sin2003"), pd.DataFrame({"age": [60]}))
    assert not (tmp_path / "x.html").exists()


def _raw_lp(data: pd.DataFrame, coef: pd.Series) -> np.ndarray:
    """The linear predictor written out by hand, uncentred: age, grade 2 and 3, size_cm (a
    shift does not move the tertiles)."""
    x = np.column_stack([data["age"], data["grade"] == "2", data["grade"] == "3", data["size_cm"]])
    return x.astype(float) @ coef.to_numpy()


def _either_side(lp_fit: np.ndarray, cuts: np.ndarray) -> list[int]:
    """Rows of the fitted data whose linear predictor is nearest below and above each cut."""
    rows = []
    for c in cuts:
        below, above = np.flatnonzero(lp_fit <= c), np.flatnonzero(lp_fit > c)
        rows += [int(below[np.argmax(lp_fit[below])]), int(above[np.argmin(lp_fit[above])])]
    return rows


@pytest.mark.parametrize(("kind", "cause"), [("finegray", None), ("cause_specific", 2)])
def test_risk_groups_on_the_page_equal_python(kind, cause, competing, request, tmp_path):
    """Tertiles of the fitted linear predictor (Fine-Gray's; the cause-specific Cox model of
    cause 2): the page's group, shown and from ``window.lmsRiskGroup``, is
    ``assign_risk_groups``' for the patients either side of each cut, and both equal the
    tertiles of the linear predictor written out by hand."""
    model = request.getfixturevalue(kind)
    page = lp.export_calculator(model, tmp_path / "g.html", risk_groups="tertiles", cause=cause)
    data = competing.data
    coef = model.coef if kind == "finegray" else model.models[cause].coef
    raw = _raw_lp(data, coef)
    cuts = np.quantile(raw, [1 / 3, 2 / 3])
    rows = _either_side(raw, cuts)
    want = pd.cut(raw[rows], [-np.inf, *cuts, np.inf], labels=["low", "intermediate", "high"])
    assert want.astype(str).tolist() == ["low", "intermediate", "intermediate", "high"]
    got = assign_risk_groups(model, data.iloc[rows], "tertiles", cause=cause)
    assert got["risk_group"].astype(str).tolist() == want.astype(str).tolist()
    patients = [{c: _as_page_value(data[c].iloc[i]) for c in COVARIATES} for i in rows]
    out = probe(page, tmp_path, patients, [{"patient": p, "times": [12.0]} for p in patients])
    assert out["groups"] == want.astype(str).tolist()
    assert [f["group"] for f in out["filled"]] == out["groups"]
    rule = out["filled"][0]["rule"]
    assert "tertiles of the linear predictor" in rule and "lower group" in rule
    assert ("of cause 2" in rule) == (kind == "cause_specific")


def test_a_value_on_a_cut_point_is_in_the_lower_group(finegray, competing, tmp_path):
    """Cut-points at two patients' own linear predictors: each is in the lower group, on the
    page and in Python; a patient above the upper cut is high."""
    data = competing.data
    lp_all = assign_risk_groups(finegray, data, [0.0])["linear_predictor"].to_numpy()
    order = np.argsort(lp_all)
    rows = [int(order[100]), int(order[300]), int(order[-1])]
    cuts = [float(lp_all[rows[0]]), float(lp_all[rows[1]])]
    got = assign_risk_groups(finegray, data.iloc[rows], cuts)
    assert got["risk_group"].astype(str).tolist() == ["low", "intermediate", "high"]
    page = lp.export_calculator(finegray, tmp_path / "c.html", risk_groups=cuts)
    patients = [{c: _as_page_value(data[c].iloc[i]) for c in COVARIATES} for i in rows]
    out = probe(page, tmp_path, [], [{"patient": p, "times": [12.0]} for p in patients])
    assert out["groups"] == ["low", "intermediate", "high"]


def test_competing_page_default_conf_type_is_predict_cifs(finegray, tmp_path):
    """The page's interval is predict_cif's default (log-log) unless conf_type= says."""
    text = lp.export_calculator(finegray, tmp_path / "a.html").read_text(encoding="utf-8")
    assert '"conf_type":"log-log"' in text
    text = lp.export_calculator(finegray, tmp_path / "b.html", conf_type="plain").read_text(
        encoding="utf-8"
    )
    assert '"conf_type":"plain"' in text


# ------------------------------------------------------------------------------ splines


@pytest.fixture(scope="module")
def spline_fit(cohort):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.fit_cox(cohort, ["rcs(age, 4)", "grade", "ns(size_cm, df=3)"])


def test_spline_terms_page_matches_predict_survival(spline_fit, cohort, tmp_path):
    page = lp.export_calculator(spline_fit, tmp_path / "spline.html")
    data = cohort.data
    cols = ["age", "grade", "size_cm"]
    rows, patients = _two_patients(data, cols)
    # values inside, on and beyond the knots (rcs's outer knots; ns's boundary = the range)
    extra = pd.DataFrame(
        {"age": [18.0, 41.59, 95.0, 60.0], "grade": ["2", "3", "1", "2"],
         "size_cm": [0.5, 35.0, float(data["size_cm"].max()), float(data["size_cm"].min())]}
    )  # fmt: skip
    patients += [{c: _as_page_value(v) for c, v in r.items()} for _, r in extra.iterrows()]
    times = [0.0, 6.0, 12.0, 36.0, 60.0, 100.0, 130.0]
    out = probe(page, tmp_path, patients[:2], [{"patient": p, "times": times} for p in patients])
    newdata = pd.concat([data[cols].iloc[rows], extra], ignore_index=True)
    keys = ["time", "surv", "lower", "upper", "std_err", "cumhaz"]
    for k in range(len(newdata)):
        want = spline_fit.predict_survival(newdata.iloc[[k]], times)
        _assert_close(_as_array(out["predict"][k], keys), want[keys].to_numpy(float))
    for k in range(2):
        shown = out["filled"][k]["rows"]
        want = spline_fit.predict_survival(newdata.iloc[[k]], [12.0, 36.0, 60.0])
        assert [r["time"] for r in shown] == [12.0, 36.0, 60.0]
        for r, s in zip(shown, want["surv"], strict=True):
            assert abs(_percent(r["value"]) - 100 * s) <= 0.05 + 1e-9
    text = page.read_text(encoding="utf-8")
    assert text.count('<label for="f-age">') == 1 and "spline basis" in text


def test_interaction_terms_are_refused_with_a_clear_message(cohort, tmp_path):
    fit = lp.fit_cox(cohort, ["age", "grade", "age:grade"])
    with pytest.raises(ExportError, match="interaction term.*refit without it"):
        lp.export_calculator(fit, tmp_path / "x.html")


_WIDTHS = """
<script>
window.addEventListener("load", function () {
  var wrap = document.getElementById("table-wrap"), svg = document.querySelector("#curve svg");
  var right = 0;  // the right edge of the widest element of the page
  document.querySelectorAll("header *, main *, footer *").forEach(function (e) {
    right = Math.max(right, e.getBoundingClientRect().right); });
  parent.postMessage(JSON.stringify({page: right, viewport: window.innerWidth,
    table: wrap.scrollWidth, wrap: wrap.clientWidth, hidden: document.getElementById("output").hidden,
    svg: svg ? svg.getBoundingClientRect().right : null}), "*");
});
</script>
"""

# headless Chromium's --dump-dom lays a page out at least 500 px wide: the page is measured
# in an iframe of the width wanted (its media queries see that width), which posts back
_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="%s" width="%d" height="1800" style="border:0"></iframe>
<script>
window.addEventListener("message", function (e) {
  var pre = document.createElement("pre"); pre.id = "probe-out"; pre.textContent = e.data;
  document.body.appendChild(pre);
});
</script></body></html>"""


@pytest.mark.parametrize("kind", ["finegray", "cause_specific", "spline_fit"])
def test_page_fits_a_phone_and_a_desktop(kind, request, tmp_path):
    """At 390 px (a phone) and 1280 px nothing is wider than the window: no table needs
    sideways scrolling and the curve fits; the screenshots are PNGs of that width."""
    model = request.getfixturevalue(kind)
    page = lp.export_calculator(model, tmp_path / "p.html", endpoint="DSS")
    text = page.read_text(encoding="utf-8").replace("</body>", _WIDTHS + "</body>")
    copy = tmp_path / "w.html"
    copy.write_text(text, encoding="utf-8")
    query = "?age=67&grade=3&size_cm=9.5"
    for width in (390, 1280):
        frame = tmp_path / "frame.html"
        frame.write_text(_FRAME % (copy.as_uri() + query, width), encoding="utf-8")
        args = (f"--window-size={width + 40},2000", "--virtual-time-budget=8000")
        r = chromium(tmp_path, *args, "--dump-dom", frame.as_uri())
        m = re.search(r'<pre id="probe-out">(.*?)</pre>', r.stdout, re.S)
        assert m, r.stderr[-2000:]
        got = json.loads(html.unescape(m.group(1)))
        assert got["viewport"] == width and got["hidden"] is False, got
        assert got["page"] <= width and got["table"] <= got["wrap"] and got["svg"] <= width, got
        shot = tmp_path / f"{kind}-{width}.png"
        chromium(tmp_path, f"--screenshot={shot}", f"--window-size={width},2000",
                 "--virtual-time-budget=8000", page.as_uri() + query)  # fmt: skip
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == width


@pytest.mark.parametrize("kind", ["finegray", "cause_specific"])
def test_whole_month_times_with_ties(kind, competing, tmp_path):
    """Registry times in whole months tie many events: the page still equals predict_cif
    (Efron ties for the cause-specific models, crr's Breslow for Fine-Gray)."""
    data = competing.data.assign(time=np.ceil(competing.data["time"]))
    model = (
        lp.fit_fine_gray(data, COVARIATES)
        if kind == "finegray"
        else lp.fit_cause_specific(data, COVARIATES)
    )
    assert data["time"].nunique() < 0.5 * len(data)  # ties indeed
    page = lp.export_calculator(model, tmp_path / "tied.html")
    rows, patients = _two_patients(data, COVARIATES)
    times = sorted({0.5, *np.arange(1.0, data["time"].max() + 2, 3.0).tolist(), 12.0, 12.5})
    out = probe(page, tmp_path, [], [{"patient": p, "times": times} for p in patients])
    keys = ["time", "cause", "risk", "std_err", "lower", "upper"]
    cols = ["time", "cause", "cif", "std_err", "lower", "upper"]
    for k, i in enumerate(rows):
        if kind == "finegray":
            want = model.predict_cif(data.iloc[[i]], times).assign(cause=model.cause)
        else:
            want = model.predict_cif(data.iloc[[i]], times, se_method="aggregate")
        _assert_close(_as_array(out["predict"][k], keys), want[cols].to_numpy(float))
