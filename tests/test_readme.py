"""The README's notebook example runs as written, on a centre-style export of the shipped cohort."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import lms_prognosis as lp  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python example"
    # a centre's export: follow-up in days, vital status as text
    df = lp.load_synthetic().data.copy()
    df["time"] = df["time"] * 30.4375
    df["event"] = df["event"].map({0: "alive", 1: "dead"})
    df.to_csv(tmp_path / "my_centre.csv", index=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)  # noqa: S102
    cohort = namespace["cohort"]
    assert len(cohort.data) == 500 and cohort.exclusions.empty
    assert (tmp_path / "figure1.pdf").stat().st_size > 0
    assert (tmp_path / "report" / "report.html").exists()
