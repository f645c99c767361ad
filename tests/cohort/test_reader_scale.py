"""read_cohort gives the same audit for the same messy lines in a small and in a large file.

The reader works once per distinct cell and switches paths with the size of a column (a
column's distinct cells joined and searched in one string, the audit written by codes, a
problem covering every row not re-indexed). The lines below hold one of each kind of problem;
in a file of 40,000 rows, after the same lines, each must give exactly the audit lines it gives
alone, and the same kept values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cohort import read_cohort

HEADER = [
    "patient_id", "OS_days", "status", "age", "sex", "site", "tumor_size_mm", "depth", "grade",
    "necrosis", "vascular_invasion", "margin", "mitoses_per_10hpf", "hospital",
]  # fmt: skip
# one line per problem (time, event, id, numbers, categories, units, structure)
MESSY = [
    ["A-1", "365.2", "1", "61.5", "F", "trunk", "45", "deep", "G2", ">50%", "yes", "R0", "12", "Lund"],
    ["A-2", "about 300", "0", "150", " male", "Trunk", "0", "DEEP", "II", "absent", "no", "R1", "3", "Oslo"],
    ["A-3", "-5", "2", "-1", "female", "uterus", "900", "sideways", "high", "none", "present", "R2", "-3", "Oslo"],
    ["A-4", "", "dead", "65 years", "unknown", "rp", "45 mm", " deep ", "GX", "maybe", "2", "R0", "12/10HPF", "Lund"],
    ["A-2", "870 days", "1", "x", "M", "limb", "4.5 cm", "superficial", "3", "<50%", "", "", "", "Lyon"],
    [" A-6 ", "3 weeks", "7", "", "F", "other", "12 kg", "deep", "1", "", "No", "R0", "8", ""],
    ["", "100", "1", "70", "F", "trunk", "30", "deep", "2", "none", "yes", "R0", "5", "Lund"],
    ["A-8", "12/03/2019", "0", "3.530", "F", "trunk", "30", "deep", "2", "none", "yes", "R0", "5.5", "Lund"],
    HEADER,
    [],
    ["A-9", "40", "1", "55", "F", "trunk", "30", "deep", "2", "none", "yes", "R0", "5", "Lund", "extra"],
    ["A-10", "1e3", "0", "+60", "F", "trunk", "30.0", "deep", "2.0", "none", "TRUE", "R0", "05", "Lund"],
]  # fmt: skip


def _filler(n: int) -> list[list[str]]:
    """Clean lines with distinct ids and times (many distinct cells per column)."""
    rng = np.random.default_rng(3)
    times = rng.exponential(900, n).round(1) + 1
    return [
        [f"F-{i}", f"{t:.1f}", str(i % 2), f"{40 + i % 50}.{i % 10}", "F", "trunk",
         str(20 + i % 80), "deep", str(1 + i % 3), "none", "no", "R0", str(i % 30), "Lund"]
        for i, t in enumerate(times)
    ]  # fmt: skip


def _write(path: Path, rows: list[list[str]], sep: str) -> Path:
    def cell(c: str) -> str:
        c = c.replace(".", ",") if sep == ";" and c[:1].isdigit() and c.count(".") == 1 else c
        return f'"{c}"' if sep in c else c

    path.write_text("\n".join(sep.join(cell(c) for c in row) for row in [HEADER, *rows]) + "\n")
    return path


@pytest.mark.parametrize("sep", [",", ";"])
def test_same_audit_small_and_large(tmp_path: Path, sep: str) -> None:
    margins = {"margin": {"R0": "R0", "R1": "R1"}}  # R2 not a key: unmapped
    small = read_cohort(_write(tmp_path / "small.csv", MESSY, sep), values=margins)
    large = read_cohort(
        _write(tmp_path / "large.csv", MESSY + _filler(40_000), sep), values=margins
    )
    last = len(MESSY) + 1  # the messy lines are lines 2 to len + 1 of both files
    part = large.audit[large.audit["row"] <= last].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, small.audit, check_exact=True)
    assert small.audit["action"].nunique() == 4  # excluded, set missing, converted, recoded
    assert len(small.audit) > 30
    block = large.data[~large.data["patient_id"].str.startswith("F-")].reset_index(drop=True)
    pd.testing.assert_frame_equal(block, small.data, check_exact=True, check_categorical=True)
    assert len(large.data) == len(small.data) + 40_000
