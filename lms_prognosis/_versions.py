"""``show_versions()``: what to paste into a bug report."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from lms_prognosis._version import __version__

_DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "lifelines",
    "scikit-survival",
    "scikit-learn",
    "matplotlib",
    "joblib",
    "tqdm",
    "openpyxl",
    "python-docx",
    "typst",
)


def versions() -> dict[str, str]:
    """Return the versions of Python, the platform, lms_prognosis and its dependencies.

    Examples
    --------
    >>> v = versions()
    >>> sorted(v)[:2]
    ['joblib', 'lifelines']
    """
    out = {
        "lms_prognosis": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in _DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def show_versions() -> None:
    """Print the versions of lms_prognosis, Python and the dependencies, for bug reports.

    Examples
    --------
    >>> show_versions()  # doctest: +ELLIPSIS
    lms_prognosis ...
    """
    for name, version in versions().items():
        print(f"{name:<16} {version}")
