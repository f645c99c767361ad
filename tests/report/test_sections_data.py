"""Issue 13 item 5 (Data, Sample size, Limitations): the data statement, endpoint and time
origin, censoring with loss to follow-up, numbers at risk, EPV and Riley's minimum sample size,
and the limitations, each read from the data. Numbers are compared with R
(tests/reference/samplesize.R on the shipped cohort)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.report._context import Context
from lms_prognosis.report._data_origin import data_origin
from lms_prognosis.report._sections_data import censoring, data_statement, endpoint_sentence
from lms_prognosis.report._sections_limits import limitations
from lms_prognosis.report._sections_sample import section_sample_size
from lms_prognosis.report._writer import Writer

R = json.loads((Path(__file__).parents[1] / "reference" / "samplesize.json").read_text())
SHIPPED_CSV = Path(__file__).parents[2] / "data" / "synthetic" / "somatic_500_seed2026.csv"


def _ctx(cohort: Any, tmp_path: Path, **kw: Any) -> Context:
    (tmp_path / "tables").mkdir(parents=True, exist_ok=True)
    (tmp_path / "figures").mkdir(parents=True, exist_ok=True)
    args: dict[str, Any] = dict(model_name="lms_default", covariates=None, time_points=(12, 36, 60))
    args.update(kw)
    return Context(cohort=cohort, writer=Writer(tmp_path, {}), **args)


def _text(section: Any) -> str:
    out = []
    for b in section.blocks:
        if hasattr(b, "text"):
            out.append(b.text)
        elif hasattr(b, "frame"):
            out.append(b.frame.to_string() + " " + (b.note or ""))
        elif hasattr(b, "blocks"):
            out.append(_text(b))
    return "\n".join(out)


def _row(section: Any, item: str) -> str:
    frame = section.blocks[0].frame
    return str(frame.loc[frame["item"].str.startswith(item), "patients"].iloc[0])


# ------------------------------------------------------------------ the shipped report
def test_report_states_synthetic_data_endpoint_and_sample_size(report: Any) -> None:
    html = report.html.read_text(encoding="utf-8")
    assert report.sections[:2] == ["summary", "sample-size"]
    assert report.sections[-3:] == ["limitations", "methods", "software"]
    assert "Synthetic data" in html and "no real patient is in it" in html
    assert "the time from surgery to death from leiomyosarcoma" in html
    assert "The simulation has no deaths from other causes." in html
    r = R["report_shipped"]
    ss = pd.read_csv(report.out_dir / "tables" / "sample_size.csv")
    assert ss["n"].tolist() == [r["n1"], r["n2"], r["n3"], r["n"]]
    assert ss["events"].iloc[-1] == pytest.approx(r["events"], rel=1e-9)
    assert f"at least {r['n']} patients" in html
    assert f"{r['n_patients']} patients with {r['n_events']} events meet it" in html
    epv = r["n_events"] / r["parameters"]  # 133 events / 8 parameters
    assert f"{epv:.1f} events per parameter (EPV)" in html
    assert f"LR \u03c7\u00b2 = {r['lr']:.2f}" in html


def test_shipped_censoring_and_at_risk_as_r(report: Any) -> None:
    r = R["report_shipped"]
    tab = pd.read_csv(report.out_dir / "tables" / "censoring.csv").set_index("item")["patients"]
    got = {k.split(" (")[0]: int(v) for k, v in tab.items()}
    assert got["Censored"] == r["censored"]
    assert got["Lost to follow-up"] == r["lost_rule"]
    assert got["Censored administratively"] == r["censored"] - r["lost_rule"]
    assert got["Lost to follow-up for certain"] == r["lost_certain"]
    assert got["At risk at 60 months"] == r["at_risk_60"]
    assert got["At risk at 120 months"] == r["at_risk_120"]


def test_sample_size_model_is_the_cox_sections_model(report: Any, cohort: Any, tmp_path) -> None:
    """The sample-size section fits the same model as the Cox section (parameters, LR)."""
    ctx = _ctx(cohort, tmp_path)
    section_sample_size(ctx)
    ss = ctx.results["sample_size"]
    from lms_prognosis.report._sections_model import section_cox

    section_cox(ctx)
    cox = ctx.results["cox"]
    assert ss["parameters"] == len(cox.coef) == R["report_shipped"]["parameters"]
    assert ss["events"] == cox.n_events and ss["n"] == cox.n


# ------------------------------------------------------------------ the data statement
def test_the_shipped_csv_is_recognised_by_its_bytes_and_readme(tmp_path: Path) -> None:
    origin = data_origin(lp.read_cohort(SHIPPED_CSV))
    assert origin.synthetic and "shipped with lms_prognosis" in origin.statement
    assert origin.time_origin == "surgery" and origin.origin_from == "the data dictionary README.md"
    # a copy with one byte changed is not the shipped cohort, but its README still says so
    copy = tmp_path / "somatic_500_seed2026.csv"
    copy.write_bytes(SHIPPED_CSV.read_bytes().replace(b"SIM-000001", b"SIM-999999", 1))
    shutil.copy(SHIPPED_CSV.parent / "README.md", tmp_path / "README.md")
    origin = data_origin(lp.read_cohort(copy))
    assert origin.synthetic and "README.md" in origin.statement
    assert "shipped" not in origin.statement


def test_a_user_file_is_not_called_synthetic(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    lp.load_synthetic().data.iloc[:60].to_csv(f, index=False)
    (tmp_path / "README.md").write_text("# Other file `other.csv`\nSynthetic data.\n")
    origin = data_origin(lp.read_cohort(f))
    assert not origin.synthetic
    assert origin.statement.startswith(f"Supplied by the user; source: {f}")
    assert origin.time_origin is None
    ctx = _ctx(lp.read_cohort(f), tmp_path)
    assert "Time origin: not stated in the data." in endpoint_sentence(ctx, origin)


def test_time_origin_from_the_time_columns_name(tmp_path: Path) -> None:
    d = lp.load_synthetic().data.iloc[:40][["patient_id", "time", "event"]]
    coh = lp.read_cohort(
        d.rename(columns={"time": "months_from_diagnosis"}),
        columns={"months_from_diagnosis": "time"},
    )
    origin = data_origin(coh)
    assert origin.time_origin == "diagnosis"
    assert "months_from_diagnosis" in origin.origin_from


def _dated(tmp_path: Path) -> lp.Cohort:
    """Five patients with dates; the last follow-up date in the data is 2021-12-31."""
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "date_surgery": ["2015-03-01", "2016-01-15", "2017-06-30", "2018-02-01", "2019-05-05"],
            "last_contact": ["2021-12-31", "2019-06-30", "2021-03-31", "2020-12-30", "2020-01-10"],
            "event": [0, 0, 0, 0, 1],
        }
    )
    return lp.read_cohort(frame, start_date="date_surgery", end_date="last_contact")


def test_dates_give_the_range_and_an_exact_loss_rule(tmp_path: Path) -> None:
    coh = _dated(tmp_path)
    ctx = _ctx(coh, tmp_path)
    text = _text(data_statement(ctx))
    assert "date_surgery 2015-03-01 to 2019-05-05 (5 dates)" in text
    assert "last_contact 2019-06-30 to 2021-12-31 (5 dates)" in text
    assert "time from surgery" in text and "'date_surgery'" in text
    sec = censoring(ctx)
    # cut 12 months before 2021-12-31: b (2019-06-30) and d (2020-12-30) ended before it;
    # a (the last date) and c (2021-03-31) are administrative; e had the event
    assert _row(sec, "Censored") == "4"
    assert _row(sec, "Lost to follow-up") == "2"
    assert _row(sec, "Censored administratively") == "2"
    assert "upper bound" not in _text(sec) and "2020-12-31" in _text(sec)


def test_competing_deaths_are_named_in_the_endpoint(tmp_path: Path) -> None:
    reg = lp.load_synthetic("registry")
    ctx = _ctx(reg, tmp_path)
    text = endpoint_sentence(ctx, data_origin(reg))
    n2 = int((reg.data["event"] == 2).sum())
    assert f"{n2} deaths from other causes (event 2) are competing events" in text


# ------------------------------------------------------------------ sample size edge cases
def test_too_few_events_gives_a_sentence(tmp_path: Path) -> None:
    d = lp.load_synthetic().data.copy()
    d["event"] = 0
    d.loc[d.index[:5], "event"] = 1
    ctx = _ctx(lp.read_cohort(d), tmp_path)
    sec = section_sample_size(ctx)
    assert "only 5 events" in _text(sec) and "sample_size" not in ctx.results


def test_with_imputation_primary_epv_counts_every_patient(tmp_path: Path) -> None:
    from lms_prognosis.report._sections_missing import missing_steps
    from lms_prognosis.report.build import section_steps

    reg = lp.load_synthetic("registry")
    ctx = _ctx(reg, tmp_path)
    ctx.results["options"] = {"cause": 1, "impute": None, "seed": 1, "progress": False}
    missing_steps(section_steps("lms_default"), ctx)  # plans MI: ploidy missing in ~60%
    text = _text(section_sample_size(ctx))
    ss = ctx.results["sample_size"]
    events = int((reg.data["event"] == 1).sum())
    assert ss["n"] == len(reg.data) and ss["events"] == events
    assert ss["epv"] == events / ss["parameters"]
    assert f"on all {len(reg.data)} patients with {events} events" in text
    assert "complete-case sensitivity analysis" in text


# ------------------------------------------------------------------ limitations
def _limits(cohort: Any, tmp_path: Path) -> dict[str, str]:
    from lms_prognosis.report._sections import section_summary
    from lms_prognosis.report._sections_model import section_cox, section_ph

    ctx = _ctx(cohort, tmp_path)
    section_summary(ctx)
    section_sample_size(ctx)
    section_cox(ctx)
    section_ph(ctx)
    return dict(limitations(ctx))


def test_limitations_change_with_the_data(tmp_path: Path) -> None:
    shipped = _limits(lp.load_synthetic(), tmp_path / "a")
    # a user's cohort: the shipped rows, follow-up cut at 40 months, 3 ages missing
    d = lp.load_synthetic().data.copy()
    cut = d["time"] > 40
    d.loc[cut, "event"] = 0
    d.loc[cut, "time"] = 40.0
    d.loc[d.index[:3], "age"] = float("nan")
    user = _limits(lp.read_cohort(d), tmp_path / "b")
    assert shipped["data"].startswith("The data are synthetic")
    assert user["data"].startswith("All patients come from one source (<DataFrame>)")
    assert "follow-up" not in shipped  # median 87.5 months
    assert user["follow-up"].startswith("Follow-up is short: median 40.0 months")
    assert "no patient was followed for 5 years" in user["follow-up"]
    assert "missing" not in shipped
    assert user["missing"].startswith("Complete-case analysis: 3 patients (0.6%)")
    assert shipped["sample size"] != user["sample size"]
    epv = re.search(r"has ([\d.]+) events per parameter", user["sample size"])
    assert epv is not None and float(epv.group(1)) < 17.0  # fewer events after the cut
    for kind in ("dichotomised", "validation", "published model"):
        assert kind in shipped and kind in user
    assert "circular" in shipped["published model"]


def test_ph_violation_is_a_limitation(tmp_path: Path) -> None:
    """A factor whose effect reverses over time is flagged by cox.zph and named."""
    d = lp.load_synthetic().data.copy()
    late = (d["vascular_invasion"].astype(bool)) & (d["time"] > 24)
    d.loc[late, "event"] = 0  # invaded tumours kill early only: a time-varying effect
    lim = _limits(lp.read_cohort(d), tmp_path)
    assert lim["proportional hazards"].startswith(
        "The proportional-hazards check flagged Vascular invasion (p"
    )
