"""The worked notebooks run top to bottom in a real Jupyter kernel, as a reader runs them.

Each notebook is executed by nbclient in an ipykernel kernel whose Python is the one running
the tests (``sys.executable``): the kernel spec is written to a temporary directory, so no
kernel installed elsewhere on the machine (a user's ``python3`` kernel pointing at another
interpreter) can be picked up. The kernel starts in a temporary directory with ``TMPDIR``
pointing there, so everything a notebook writes stays inside pytest's ``tmp_path``.

Notebooks are stored without outputs. Each one's wall time (kernel start included) is printed
and recorded as the test property ``seconds`` (shown with ``pytest -rP`` or in a JUnit XML
report); it is a measurement, not an assertion.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_quickstart",
    "02_published_model_on_your_cohort",
    "03_build_and_validate_your_own_model",
    "04_competing_risks_and_missing_data",
    "05_study_planning",
]
#: seconds any one cell may take before nbclient gives up (generous: CI machines are shared)
CELL_TIMEOUT = 600
KERNEL = "lms-prognosis-tests"


def _kernel_manager(tmp_path: Path) -> AsyncKernelManager:
    """A kernel manager whose only kernel spec runs ipykernel on this test's Python."""
    spec_dir = tmp_path / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def _outputs(nb: nbformat.NotebookNode) -> str:
    """All text a notebook printed or displayed, for the checks below."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_notebooks_are_the_documented_ones():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code), (
        f"{path.name} has outputs: clear them before committing "
        f"(jupyter nbconvert --clear-output --inplace {path.name})"
    )


def test_readme_links_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(notebooks/([^)]+)\.ipynb\)", readme))
    assert linked == set(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_kernel(path, tmp_path, record_property):
    nb = nbformat.read(path, as_version=4)
    work = tmp_path / "work"
    work.mkdir()
    km = _kernel_manager(tmp_path)
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        startup_timeout=300,
        resources={"metadata": {"path": str(work)}},
    )
    env = {**os.environ, "TMPDIR": str(work), "TEMP": str(work), "TMP": str(work)}
    start = time.perf_counter()
    client.execute(env=env)  # a failing cell raises CellExecutionError with its traceback
    seconds = time.perf_counter() - start
    record_property("seconds", round(seconds, 1))
    print(f"{path.name}: {seconds:.1f} s in a kernel running {km.kernel_spec.argv[0]}")

    assert km.kernel_spec.argv[0] == sys.executable
    executed = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in executed)
    errors = [o for c in executed for o in c.outputs if o.output_type == "error"]
    assert not errors
    _check_products(path.stem, work, _outputs(nb))


def _check_products(stem: str, work: Path, text: str) -> None:
    """What each notebook promises to its reader was made, in the kernel's temporary dir."""
    pdfs = [p for p in work.rglob("*.pdf") if p.stat().st_size > 0]
    assert pdfs, f"{stem} saved no figure"
    if stem == "01_quickstart":
        assert list(work.rglob("report/report.html"))
        assert "converted" in text and "excluded" in text  # the audit is shown
    if stem == "02_published_model_on_your_cohort":
        assert "outside the model's population" in text
    if stem == "03_build_and_validate_your_own_model":
        (page,) = work.rglob("calculator.html")
        assert "lmsPredict" in page.read_text(encoding="utf-8")
    if stem == "05_study_planning":
        assert "events needed" in text
