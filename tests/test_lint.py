"""Types and lint are part of the test suite, so CI (``.ci/run``) checks them with the tests.

mypy runs with pandas-stubs over the whole package (configuration in pyproject.toml); ruff
checks the package, the tests and the benchmarks, and the formatter's check covers the package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_mypy_is_clean_on_the_package() -> None:
    out = run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_is_clean() -> None:
    out = run("ruff", "check", "lms_prognosis", "tests", "benchmarks")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_is_applied_to_the_package() -> None:
    out = run("ruff", "format", "--check", "lms_prognosis")
    assert out.returncode == 0, out.stdout + out.stderr
