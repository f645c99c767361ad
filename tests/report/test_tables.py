"""Table 1, the hazard-ratio table and the table exporters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import lms_prognosis as lp
from lms_prognosis.report import table_one
from lms_prognosis.report._factors import derive_factors
from lms_prognosis.report.export import (
    latex_escape,
    table_to_csv,
    table_to_docx,
    table_to_html,
    table_to_latex,
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 120
    return pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(n)],
            "time": rng.exponential(40, n),
            "event": rng.integers(0, 2, n),
            "age": rng.normal(63, 14, n).round(1),
            "sex": pd.Categorical(rng.choice(["female", "male"], n), categories=["female", "male"]),
            "grade": pd.Categorical(
                rng.choice(["1", "2", "3", None], n, p=[0.2, 0.35, 0.4, 0.05]),
                categories=["1", "2", "3"],
            ),
            "deep": pd.array(rng.random(n) < 0.6, dtype="boolean"),
            "arm": rng.choice(["a", "b", "c"], n),
        }
    )


def test_table_one_overall_cells(frame):
    t = table_one(frame)
    tab = t.table
    assert list(tab.columns) == ["variable", "level", "Overall", "Missing"]
    assert tab.iloc[0].tolist()[:3] == ["n", "", "120"]
    age = frame["age"]
    q1, med, q3 = np.percentile(age, [25, 50, 75])
    cell = tab.loc[(tab.variable == "Age, years") & (tab.level == "median [IQR]"), "Overall"].item()
    assert cell == f"{med:.1f} [{q1:.1f}, {q3:.1f}]"
    # categorical: percentages of non-missing, missing counted separately
    g = frame["grade"]
    n3 = int((g == "3").sum())
    row = tab[(tab.variable == "FNCLCC grade") & (tab.level == "3")]
    assert row["Overall"].item() == f"{n3} ({100 * n3 / g.notna().sum():.1f})"
    first = tab[tab.variable == "FNCLCC grade"].iloc[0]
    assert first["Missing"] == str(int(g.isna().sum()))
    # boolean: one row ("yes")
    assert tab[tab.variable == "deep"]["level"].tolist() == ["yes"]
    # patient_id/time/event are not variables
    assert not {"patient_id", "time", "event"} & set(t.stats["variable"])


def test_table_one_tests_two_groups_match_scipy(frame):
    t = table_one(frame, by="sex", variables=["age", "grade", "deep"])
    st = t.stats.set_index("variable")
    a = frame.loc[frame.sex == "female", "age"]
    b = frame.loc[frame.sex == "male", "age"]
    assert st.loc["age", "test"] == "Mann-Whitney U"
    assert st.loc["age", "p"] == pytest.approx(stats.mannwhitneyu(a, b).pvalue, rel=1e-12)
    smd = abs(a.mean() - b.mean()) / np.sqrt((a.var() + b.var()) / 2)
    assert st.loc["age", "smd"] == pytest.approx(smd, rel=1e-12)
    ct = pd.crosstab(frame["grade"], frame["sex"]).to_numpy()
    assert st.loc["grade", "test"] == "chi-square"
    assert st.loc["grade", "p"] == pytest.approx(stats.chi2_contingency(ct)[1], rel=1e-12)
    for col in ("p", "test", "SMD", "Sex: female", "Sex: male"):
        assert col in t.table.columns


def test_table_one_binary_smd_and_fisher():
    df = pd.DataFrame(
        {"x": [True] * 3 + [False] * 7 + [True] * 8 + [False] * 2, "g": ["a"] * 10 + ["b"] * 10}
    )
    t = table_one(df, by="g")
    st = t.stats.set_index("variable")
    assert st.loc["x", "test"] == "Fisher exact"
    assert st.loc["x", "p"] == pytest.approx(stats.fisher_exact([[7, 2], [3, 8]]).pvalue)
    p1, p2 = 0.3, 0.8
    smd = abs(p1 - p2) / np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    assert st.loc["x", "smd"] == pytest.approx(smd, rel=1e-12)


def test_table_one_three_groups_kruskal_and_max_smd(frame):
    t = table_one(frame, by="arm", variables=["age"])
    st = t.stats.set_index("variable")
    samples = [frame.loc[frame.arm == g, "age"] for g in ("a", "b", "c")]
    assert st.loc["age", "test"] == "Kruskal-Wallis"
    assert st.loc["age", "p"] == pytest.approx(stats.kruskal(*samples).pvalue, rel=1e-12)
    pair = [
        abs(x.mean() - y.mean()) / np.sqrt((x.var() + y.var()) / 2)
        for i, x in enumerate(samples)
        for y in samples[i + 1 :]
    ]
    assert st.loc["age", "smd"] == pytest.approx(max(pair), rel=1e-12)
    assert "maximum over pairs" in t.note


def test_table_one_missing_group_counted_in_overall_only(frame):
    t = table_one(frame, by="grade", variables=["age"])
    n_row = t.table.iloc[0]
    assert int(n_row["Overall"]) == len(frame)
    groups = [c for c in t.table.columns if c.startswith("FNCLCC grade: ")]
    assert sum(int(n_row[c]) for c in groups) == frame["grade"].notna().sum()
    assert "Overall only" in t.note


def test_table_one_errors(frame):
    with pytest.raises(ValueError, match="not in the data"):
        table_one(frame, variables=["nope"])
    with pytest.raises(TypeError):
        table_one([1, 2, 3])


def test_exports(tmp_path, frame):
    t = table_one(frame, by="sex", variables=["age", "grade"])
    t.to_csv(tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert back.shape == t.table.shape
    assert back["variable"].tolist() == t.table["variable"].tolist()  # CSV keeps every label
    tex = t.to_latex(label="tab:one")
    assert r"\begin{tabular}" in tex and r"\label{tab:one}" in tex and r"\toprule" in tex
    html = t.to_html()
    assert html.count("<tr>") == len(t.table) + 2  # header + rows + footnote
    assert t._repr_html_() == html
    t.to_docx(tmp_path / "t.docx")
    import docx

    d = docx.Document(str(tmp_path / "t.docx"))
    assert len(d.tables) == 1
    assert len(d.tables[0].rows) == len(t.table) + 1
    assert d.tables[0].rows[0].cells[0].text == "variable"
    assert "Table 1" in d.paragraphs[0].text


def test_export_functions_escape(tmp_path):
    df = pd.DataFrame(
        {"variable": ["a_b", "a_b"], "level": ["<5 & 50%", "≥60"], "x": ["1.84 (1.21–2.79)", "<b>"]}
    )
    assert "a\\_b" in table_to_latex(df, group_column="variable")
    assert table_to_latex(df, group_column="variable").count("a\\_b") == 1  # repeated blanked
    assert "&lt;b&gt;" in table_to_html(df) and "<b>" not in table_to_html(df)
    assert latex_escape("≥60 – 5%") == "$\\geq$60 -- 5\\%"
    assert table_to_csv(df).splitlines()[0] == "variable,level,x"
    table_to_docx(df, tmp_path / "x.docx", caption="c")
    assert (tmp_path / "x.docx").stat().st_size > 0


def test_derive_factors_levels_and_missing():
    df = pd.DataFrame(
        {
            "age": [30, 60, np.nan],
            "size_cm": [5, 6, np.nan],
            "necrosis": pd.Categorical(
                ["none", "<50%", None], categories=["none", "<50%", ">=50%"]
            ),
            "vascular_invasion": pd.array([True, False, None], dtype="boolean"),
            "aneuploidy": pd.array([False, True, None], dtype="boolean"),
            "depth": ["deep", "superficial", None],
            "grade": pd.Categorical(["1", None, "3"], categories=["1", "2", "3"]),
        }
    )
    out = derive_factors(df)
    assert list(out["age_ge_60"].cat.categories) == ["<60", "≥60"]
    assert out["age_ge_60"].tolist()[:2] == ["<60", "≥60"] and pd.isna(out["age_ge_60"][2])
    assert out["size_gt_5cm"].tolist()[:2] == ["≤5 cm", ">5 cm"]
    assert out["necrosis_any"].tolist()[:2] == ["none", "present"]
    assert out["vascular_invasion"].tolist()[:2] == ["present", "absent"]
    assert out["aneuploidy"].tolist()[:2] == ["diploid", "aneuploid"]
    assert list(out["depth"].cat.categories) == ["superficial", "deep"]
    assert pd.isna(out["grade"][1]) and list(out["grade"].cat.categories) == ["1", "2", "3"]
    assert len(out) == len(df) and (out.index == df.index).all()
    assert df["vascular_invasion"].dtype == "boolean"  # input untouched


# ------------------------------------------------------------------ against R (fixture by R)
REF = Path(__file__).resolve().parents[1] / "reference" / "table_one.json"
SHIPPED = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads(REF.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    d = pd.read_csv(SHIPPED)
    d["grade"] = pd.Categorical(d["grade"].astype(str), categories=["1", "2", "3"])
    d["necrosis"] = pd.Categorical(d["necrosis"], categories=["none", "<50%", ">=50%"])
    return d


def test_table_one_cells_match_r(ref, shipped):
    t = table_one(shipped, variables=["age", "grade"])
    q1, med, q3 = ref["age_quartiles"]["value"]
    cell = t.table.loc[t.table.level == "median [IQR]", "Overall"].item()
    assert cell == f"{med:.1f} [{q1:.1f}, {q3:.1f}]"
    mean_sd = t.table.loc[t.table.level == "mean (SD)", "Overall"].item()
    assert mean_sd == f"{ref['age_mean']['value']:.1f} ({ref['age_sd']['value']:.1f})"
    counts = [
        int(
            t.table.loc[(t.table.variable == "FNCLCC grade") & (t.table.level == g), "Overall"]
            .item()
            .split()[0]
        )
        for g in ("1", "2", "3")
    ]
    assert counts == ref["grade_counts"]["value"]
    by = table_one(shipped, by="sex", variables=["size_cm"], digits=3)
    q1, med, q3 = ref["size_quartiles_female"]["value"]
    cell = by.table.loc[by.table.level == "median [IQR]", "Sex: female"].item()
    assert cell == f"{med:.3f} [{q1:.3f}, {q3:.3f}]"


@pytest.mark.parametrize(
    "var, key, test",
    [
        ("age", "p_age_by_sex_wilcox", "Mann-Whitney U"),
        ("size_cm", "p_size_by_sex_wilcox", "Mann-Whitney U"),
        ("grade", "p_grade_by_sex_chisq", "chi-square"),
        ("depth", "p_depth_by_sex_chisq_yates", "chi-square"),
        ("necrosis", "p_necrosis_by_sex_chisq", "chi-square"),
    ],
)
def test_table_one_p_values_match_r(ref, shipped, var, key, test):
    st = table_one(shipped, by="sex", variables=[var]).stats.iloc[0]
    assert st["test"] == test
    assert st["p"] == pytest.approx(ref[key]["value"], rel=1e-9), ref[key]["call"]


def test_table_one_kruskal_and_fisher_match_r(ref, shipped):
    st = table_one(shipped, by="grade", variables=["age"]).stats.iloc[0]
    assert st["test"] == "Kruskal-Wallis"
    assert st["p"] == pytest.approx(ref["p_age_by_grade_kruskal"]["value"], rel=1e-9)
    small = shipped.iloc[:36]
    assert ref["small_vi_by_depth_min_expected"]["value"] < 5
    st = table_one(small, by="depth", variables=["vascular_invasion"]).stats.iloc[0]
    assert st["test"] == "Fisher exact"
    assert st["p"] == pytest.approx(ref["p_small_vi_by_depth_fisher"]["value"], rel=1e-7)


@pytest.mark.parametrize(
    "var, key",
    [("age", "smd_age_by_sex"), ("grade", "smd_grade_by_sex"), ("necrosis", "smd_necrosis_by_sex")],
)
def test_table_one_smd_match_r(ref, shipped, var, key):
    st = table_one(shipped, by="sex", variables=[var]).stats.iloc[0]
    assert st["smd"] == pytest.approx(ref[key]["value"], rel=1e-9), ref[key]["call"]
