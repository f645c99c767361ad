"""Write the registry-like synthetic cohort (fixed seed) to both of its places.

Run from the repository root::

    PYTHONPATH=. python data/synthetic/make_registry.py

It writes ``data/synthetic/registry_800_seed2027.csv`` and the package copy
``lms_prognosis/data/synthetic_registry_800.csv`` (identical bytes) from
``lms_prognosis.simulate.registry.registry_frame()``. ``tests/simulate/test_registry.py``
regenerates the text and compares bytes.
"""

from __future__ import annotations

from pathlib import Path

from lms_prognosis.simulate.registry import csv_text, registry_frame

ROOT = Path(__file__).resolve().parents[2]
TARGETS = (
    ROOT / "data" / "synthetic" / "registry_800_seed2027.csv",
    ROOT / "lms_prognosis" / "data" / "synthetic_registry_800.csv",
)

if __name__ == "__main__":
    text = csv_text(registry_frame())
    for target in TARGETS:
        target.write_bytes(text.encode("utf-8"))
        print(f"wrote {target.relative_to(ROOT)} ({len(text)} bytes)")
