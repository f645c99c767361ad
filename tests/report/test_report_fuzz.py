"""Fuzz ``lms-prognosis report`` with malformed registry exports (issue 12, "Show").

Whatever the file, the command exits 0 or 2 (never 1), prints no traceback, and leaves the
input's bytes unchanged; exit 2 is one line. Derandomized and few examples: the same inputs on
every run, well under half a minute.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lms_prognosis.cli import main

TIMES = ["12", "3,5", "3.530", '"3,530"', "-4", "", "NA", "abc", "1e9", "28.6 months", "0",
         "65 years", "inf", "nan", "7"]
EVENTS = ["0", "1", "2", "", "dead", "alive", "9", "1.0", "yes"]
GRADES = ["1", "2", "3", "G2", "x", "", "III"]
SEXES = ["female", "male", "F", "2", ""]
AGES = ["65", "65 years", "-3", "200", "", "sixty", "61,5"]
SIZES = ["5", "45 mm", "0", "70", "", "3,2"]

COLUMNS = {
    "time": TIMES,
    "event": EVENTS,
    "grade": GRADES,
    "sex": SEXES,
    "age": AGES,
    "size_cm": SIZES,
}


@st.composite
def malformed_csv(draw: st.DrawFn) -> bytes:
    names = draw(st.lists(st.sampled_from(list(COLUMNS)), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):  # usually a usable time and event, so the sections run
        names = ["time", "event", *[n for n in names if n not in ("time", "event")]]
    sep = draw(st.sampled_from([",", ";", "\t"]))
    lines = [sep.join(["patient_id", *names])]
    n = draw(st.integers(min_value=0, max_value=14))
    for i in range(n):
        cells = []
        for name in names:
            if name == "time" and draw(st.booleans()):
                cells.append(str(draw(st.integers(min_value=1, max_value=120))))
            elif name == "event" and draw(st.booleans()):
                cells.append(draw(st.sampled_from(["0", "1"])))
            else:
                cells.append(draw(st.sampled_from(COLUMNS[name])))
        lines.append(sep.join([f"p{i}", *cells]))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            lines.append(draw(st.sampled_from([lines[0], "", sep * len(names), "#note"])))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    return text.encode(draw(st.sampled_from(["utf-8", "latin-1"])), errors="replace")


@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(content=malformed_csv())
def test_report_on_malformed_csv_exits_0_or_2_without_traceback(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["report", str(path), "--out", str(Path(tmp) / "rep"), "--quiet"])
        stderr = err.getvalue()
        assert code in (0, 2), (code, stderr, content)
        assert "Traceback" not in stderr and "internal error" not in stderr, stderr
        if code == 2:
            assert len(stderr.strip().splitlines()) == 1, stderr
            assert not (Path(tmp) / "rep").exists()
        else:
            assert (Path(tmp) / "rep" / "report.pdf").is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert sorted(p.name for p in Path(tmp).iterdir()) in (["export.csv"],
                                                               ["export.csv", "rep"])
