"""Table 1 split by a column: SMDs shown (Yang & Dalton 2012, as R's tableone), and 0 rather
than a blank in the Missing column, in the table and in every file the report writes.

R's ``tableone`` is not packaged in Debian (no ``r-cran-tableone``), so the categorical SMD is
checked here against the published formula worked by hand, written out below; R's own
arithmetic of the same formula on the shipped cohort is in tests/reference/table_one.json
(``smd_cat``), checked in test_tables.py.
"""

from __future__ import annotations

import io
import math
import re

import docx
import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._format import format_number
from lms_prognosis.report import _sections as S
from lms_prognosis.report._document import Table
from lms_prognosis.report._templates import render_table
from lms_prognosis.report.export import table_to_csv, table_to_docx


def test_three_level_smd_is_the_yang_dalton_formula_by_hand():
    # Yang & Dalton (2012), as R tableone (levels after the first; S the mean of the two
    # multinomial covariance matrices):  SMD = sqrt( (p - q)' S^-1 (p - q) ),
    #   S[k, k] = (p_k (1 - p_k) + q_k (1 - q_k)) / 2,  S[k, l] = -(p_k p_l + q_k q_l) / 2.
    # Group a: levels x/y/z = 10/20/10 -> p = (y 0.5, z 0.25); group b: 20/10/10 -> q = (0.25,
    # 0.25). d = (0.25, 0); S = [[0.21875, -0.09375], [-0.09375, 0.1875]];
    # det S = 0.21875 * 0.1875 - 0.09375^2 = 0.0322265625;
    # d' S^-1 d = d1^2 S22 / det = 0.0625 * 0.1875 / 0.0322265625 = 4/11; SMD = 2/sqrt(11).
    v = ["x"] * 10 + ["y"] * 20 + ["z"] * 10 + ["x"] * 20 + ["y"] * 10 + ["z"] * 10
    df = pd.DataFrame({"v": v, "g": ["a"] * 40 + ["b"] * 40})
    t = lp.table_one(df, by="g")
    smd = t.stats.set_index("variable").loc["v", "smd"]
    assert smd == pytest.approx(2 / math.sqrt(11), rel=1e-12)
    assert t.table.loc[t.table["variable"] == "v", "SMD"].iloc[0] == format_number(smd, 3)


def test_missing_values_do_not_enter_the_smd():
    # the same proportions with 5 missing values added to each group: the SMD is unchanged
    v = ["x"] * 10 + ["y"] * 20 + ["z"] * 10 + [None] * 5 + ["x"] * 20 + ["y"] * 10 + ["z"] * 10
    v += [None] * 5
    df = pd.DataFrame({"v": v, "g": ["a"] * 45 + ["b"] * 45})
    t = lp.table_one(df, by="g")
    st = t.stats.set_index("variable").loc["v"]
    assert st["smd"] == pytest.approx(2 / math.sqrt(11), rel=1e-12)
    assert st["n_missing"] == 10
    assert t.table.loc[t.table["variable"] == "v", "Missing"].iloc[0] == "10"


def test_binary_smd_by_hand():
    # two levels: |p - q| / sqrt((p(1-p) + q(1-q)) / 2); p = 0.3, q = 0.8
    # = 0.5 / sqrt((0.21 + 0.16) / 2) = 0.5 / sqrt(0.185) = 1.16247638...
    df = pd.DataFrame(
        {"x": [True] * 3 + [False] * 7 + [True] * 8 + [False] * 2, "g": ["a"] * 10 + ["b"] * 10}
    )
    smd = lp.table_one(df, by="g").stats.set_index("variable").loc["x", "smd"]
    assert smd == pytest.approx(0.5 / math.sqrt(0.185), rel=1e-12)


def _read(html: str) -> pd.DataFrame:
    """The rendered table's rows (the footnote in <tfoot> is not a row)."""
    body = re.sub(r"<tfoot>.*?</tfoot>", "", html, flags=re.S)
    return pd.read_html(io.StringIO(body))[0]


class _Writer:
    def table(self, frame, name, caption, **kw):
        return Table(
            id=f"tab-{name}",
            caption=caption,
            frame=frame,
            note=kw.get("note"),
            group_column=kw.get("group_column"),
        )


@pytest.fixture(scope="module")
def report_table_one() -> tuple[lp.report.TableOneResult, Table]:
    cohort = lp.simulate_cohort(200, seed=5)
    ctx = S.Context(
        cohort=cohort,
        writer=_Writer(),
        model_name="lms_default",
        covariates=None,
        time_points=(12.0,),
        table_one_by="depth",
    )
    sec = S.section_table_one(ctx)
    (block,) = [b for b in sec.blocks if isinstance(b, Table)]
    return ctx.results["table_one"], block


def test_the_report_shows_the_smds_of_a_split_table_one(report_table_one):
    t1, block = report_table_one
    html = render_table(block)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert ">SMD<" in head
    frame = _read(html)
    smd = frame.dropna(subset=["SMD"])
    st = t1.stats.set_index("label")
    for label, cell in zip(smd["variable"], smd["SMD"], strict=True):
        assert f"{float(cell):.3f}" == format_number(st.loc[label, "smd"], 3)
    assert len(smd) == len(st)  # one SMD per variable


def test_missing_column_is_zero_not_blank_everywhere(report_table_one, tmp_path):
    t1, block = report_table_one
    st = t1.stats.set_index("label")
    complete = st.index[st["n_missing"] == 0].tolist()
    assert complete  # the simulated cohort has complete variables (age, size, ...)
    tab = t1.table
    first = tab[tab["variable"] != tab["variable"].shift()]  # first row of each variable
    first = first[first["variable"] != "n"].set_index("variable")
    for label in st.index:
        assert first.loc[label, "Missing"] == str(int(st.loc[label, "n_missing"]))
    # the HTML page
    frame = _read(render_table(block))
    shown = frame.dropna(subset=["variable"]).set_index("variable")["Missing"]
    for label in complete:
        assert int(shown.loc[label]) == 0
    # the CSV and the Word copy
    csv = pd.read_csv(io.StringIO(table_to_csv(tab)), dtype=str, keep_default_na=False)
    assert (
        csv.loc[csv["variable"].isin(complete) & (csv["Missing"] != ""), "Missing"] == "0"
    ).all()
    assert csv.loc[csv["variable"].isin(complete), "Missing"].eq("0").sum() == len(complete)
    path = tmp_path / "t1.docx"
    table_to_docx(tab, path, "Table 1")
    grid = docx.Document(str(path)).tables[0]
    header = [c.text for c in grid.rows[0].cells]
    j = header.index("Missing")
    cells = {r.cells[0].text: r.cells[j].text for r in grid.rows[1:] if r.cells[j].text}
    for label in complete:
        assert cells.get(label) == "0"
    assert np.all([v != "" for v in cells.values()])
