"""Render one PNG per figure kind from the shipped synthetic cohort (docs/figures/*.png).

Run from the repository root: ``.venv/bin/python docs/figures/render.py``. Every PNG carries
its provenance (package version, SHA-256 of the cohort frame, parameters) in tEXt chunks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import lms_prognosis as lp  # noqa: E402
from lms_prognosis.plotting import (  # noqa: E402
    figure_size,
    journal_style,
    plot_calibration,
    plot_forest,
    plot_km,
    plot_nomogram,
    plot_patient,
    plot_schoenfeld,
    save_figure,
)
from lms_prognosis.report.tables import DEFAULT_LABELS  # noqa: E402

OUT = Path(__file__).resolve().parent
DPI = 110
COVARIATES = ["age", "size_cm", "grade", "necrosis", "vascular_invasion", "depth"]


def save(fig, name: str, data: pd.DataFrame, **params) -> None:
    (path,) = save_figure(fig, OUT / f"{name}.png", dpi=DPI, data=data, parameters=params)
    plt.close(fig)
    print(f"{path.relative_to(OUT.parent.parent)}  {path.stat().st_size / 1024:.0f} KB")


def main() -> int:
    cohort = lp.load_synthetic()
    df = cohort.data
    grade_labels = {g: f"Grade {g}" for g in ["1", "2", "3"]}
    with journal_style("default"):
        km = lp.kaplan_meier(df, group="grade")
        fig = plot_km(km, at_risk_rows=("n_risk", "n_event"), median_lines=True,
                      labels=grade_labels, ylabel="Disease-specific survival")
        save(fig, "km_grade", df, figure="plot_km", group="grade", median_lines=True)

        fig, axes = plt.subplots(2, 2, figsize=(10, 8.5), layout="constrained")
        for ax, group in zip(axes.flat, [None, "grade", "necrosis", "depth"], strict=True):
            plot_km(lp.kaplan_meier(df, group=group), ax=ax, title=group or "All patients",
                    ylabel="DSS")
        save(fig, "km_grid_2x2", df, figure="plot_km 2x2", groups=[None, "grade", "necrosis",
                                                                    "depth"])

        cox = lp.fit_cox(df, COVARIATES)
        uni = pd.concat([lp.fit_cox(df, [c]).hazard_ratios for c in COVARIATES])
        fig = plot_forest(cox, univariable=uni)
        save(fig, "forest", df, figure="plot_forest", covariates=COVARIATES)

        lpred = cox.predict_risk(cox.data)["linear_predictor"].sort_values()
        picks = [lpred.index[int(q * (len(lpred) - 1))] for q in (0.1, 0.5, 0.9)]
        patients = cox.data.loc[picks]
        fig = plot_patient(cox, patients, times=(12, 36, 60),
                           labels=["low risk (10th pct)", "median", "high risk (90th pct)"])
        save(fig, "patient", df, figure="plot_patient", patients=[str(p) for p in picks])

        cal = lp.calibration(cox, df, time_point=60)
        fig = plot_calibration(cal)
        save(fig, "calibration", df, figure="plot_calibration", time_point=60)

        fig = plot_schoenfeld(cox.check_ph(), fit=cox, labels=DEFAULT_LABELS)
        save(fig, "schoenfeld", df, figure="plot_schoenfeld", transform="km")

        fig = plot_nomogram(cox, times=(12, 36, 60))
        save(fig, "nomogram_cox", df, figure="plot_nomogram", covariates=COVARIATES)

        fig = plot_nomogram(lp.published_model("lms_default"), times=(12, 36, 60))
        save(fig, "nomogram_published", df, figure="plot_nomogram", model="lms_default")

    # a journal preset: fonts from the context manager, width and dpi from save_figure
    with journal_style("lancet"):
        fig = plot_km(km, labels=grade_labels, ylabel="Disease-specific survival",
                      figsize=figure_size("lancet", columns=1, aspect=1.05))
    (path,) = save_figure(fig, OUT / "km_grade_lancet.png", preset="lancet", dpi=300, data=df,
                          parameters={"figure": "plot_km", "preset": "lancet"})
    plt.close(fig)
    print(f"{path.relative_to(OUT.parent.parent)}  {path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
