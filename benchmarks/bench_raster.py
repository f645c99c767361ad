"""PNG + PDF of the report's kinds of figure: matplotlib's Agg pass against the PDF rasterised by typst.

``save_figure(formats=("png", "pdf"))`` with ``raster="agg"`` (the default: matplotlib draws the
figure twice, once per format) and with ``raster="pdf"`` (what ``write_report`` uses: the figure
is drawn once, as its PDF, and typst rasterises that PDF). Same figures, one process, the two
alternating; prints the median of ``--repeat`` wall times per figure and their ratio, and how
far apart the two PNGs are (mean absolute difference of 8 x 8-pixel block means, in grey
levels out of 255: anti-aliasing only).

    .venv/bin/python benchmarks/bench_raster.py [--repeat 7] [--dpi 150]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

import lms_prognosis as lp  # noqa: E402
from lms_prognosis.plotting import (  # noqa: E402
    plot_calibration,
    plot_forest,
    plot_km,
    plot_schoenfeld,
    save_figure,
)


def _figures() -> dict[str, Callable[[], object]]:
    d = lp.load_synthetic().data.assign(age_ge_60=lambda f: (f["age"] >= 60).astype(int))
    covs = ["age_ge_60", "grade", "size_cm", "depth", "necrosis"]
    cox = lp.fit_cox(d, covs)
    uni = pd.concat([lp.fit_cox(d, [c]).hazard_ratios for c in covs], ignore_index=True)
    km = lp.kaplan_meier(d, group="grade")
    cal = lp.calibration(cox, d, time_point=60)
    ph = cox.check_ph(transform="km")
    return {
        "Kaplan-Meier by grade": lambda: plot_km(km),
        "forest (uni + multivariable)": lambda: plot_forest(cox, univariable=uni),
        "calibration at 60 months": lambda: plot_calibration(cal),
        "Schoenfeld residuals (grid)": lambda: plot_schoenfeld(ph, fit=cox),
    }


def _save(make: Callable[[], object], raster: str, dpi: int, folder: Path) -> tuple[float, bytes]:
    res = make()
    t = time.perf_counter()
    png, _ = save_figure(res, folder / f"f_{raster}", formats=("png", "pdf"), dpi=dpi,
                         raster=raster)
    took = time.perf_counter() - t
    plt.close(getattr(res, "figure", res))
    return took, png.read_bytes()


def _blocks(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        x = np.asarray(im.convert("L"), dtype=float)
    h, w = x.shape[0] // 8 * 8, x.shape[1] // 8 * 8
    return x[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--dpi", type=int, default=150)
    args = ap.parse_args()
    print(f"PNG + PDF per figure, median of {args.repeat} (alternating), {args.dpi} dpi")
    print(f"{'figure':<32}{'Agg (2 draws)':>15}{'PDF + typst':>14}{'Agg/typst':>11}{'PNG diff':>10}")
    with tempfile.TemporaryDirectory(prefix="bench_raster_") as tmp:
        folder = Path(tmp)
        for name, make in _figures().items():
            times: dict[str, list[float]] = {"agg": [], "pdf": []}
            pngs: dict[str, bytes] = {}
            for _ in range(args.repeat + 1):  # the first round warms both paths up
                for raster in ("agg", "pdf"):
                    took, pngs[raster] = _save(make, raster, args.dpi, folder)
                    times[raster].append(took)
            agg, pdf = (statistics.median(times[r][1:]) for r in ("agg", "pdf"))
            a, b = _blocks(pngs["agg"]), _blocks(pngs["pdf"])
            diff = float(np.abs(a - b).mean()) if a.shape == b.shape else float("nan")
            print(f"{name:<32}{agg * 1e3:>12.1f} ms{pdf * 1e3:>11.1f} ms{agg / pdf:>10.2f}x"
                  f"{diff:>10.2f}")


if __name__ == "__main__":
    main()
