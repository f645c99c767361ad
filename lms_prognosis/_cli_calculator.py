"""The ``calculator`` command: a per-patient risk calculator as one offline HTML page.

Private part of :mod:`lms_prognosis.cli` (registered in its ``COMMANDS``): ``lms-prognosis
calculator COHORT.csv --covariates age,grade --out calculator.html`` fits a Cox model
(:func:`lms_prognosis.fit_cox`) on the cohort and writes its calculator
(:func:`lms_prognosis.export_calculator`); ``--model NAME`` writes the calculator of a
published model instead (recalibrated on COHORT with ``--recalibrate``). Nothing here imports
pandas at import time (``lms-prognosis --help`` starts fast).

Examples
--------
>>> from lms_prognosis.cli import main
>>> main(["calculator", "--out", "x.html"])  # stderr: give COHORT with --covariates, or --model
2
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from lms_prognosis._cli_support import (
    PROG,
    UsageError,
    add_cohort_options,
    out_path,
    read_cohort_file,
    times_arg,
    writing,
)

__all__ = ["register_calculator"]


def _names(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r}: give column names, e.g. age,grade,size_cm")
    return names


def _groups(text: str) -> str | list[float]:
    if text.strip() == "tertiles":
        return "tertiles"
    try:
        return [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give tertiles or cut-points on the linear predictor, e.g. -0.5,0.5"
        ) from None


def register_calculator(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "calculator",
        help="a per-patient risk calculator as one offline web page",
        description="Write a self-contained HTML calculator (lms_prognosis.export_calculator): "
        "a form per covariate, survival at the horizons with 95%% CIs, the curve with its "
        "band, the risk group, the model's provenance and warnings. It opens from a file "
        "(no network, no server). Either fit a Cox model on COHORT (--covariates) or "
        "use a published model (--model NAME, see `lms-prognosis models`).",
    )
    p.add_argument("cohort", nargs="?", metavar="COHORT", help="cohort file (.csv or .xlsx)")
    p.add_argument(
        "--covariates", type=_names, metavar="COLS", help="Cox model covariates, e.g. age,grade"
    )
    p.add_argument("--strata", type=_names, default=None, metavar="COLS", help="strata columns")
    p.add_argument("--ties", choices=("efron", "breslow"), default="efron", help="default efron")
    p.add_argument("--model", default=None, metavar="NAME", help="a published model instead")
    p.add_argument(
        "--recalibrate",
        action="store_true",
        help="with --model and COHORT: refit the model's baseline on the cohort",
    )
    p.add_argument(
        "--horizons",
        type=times_arg,
        default=None,
        metavar="T1,T2",
        help="months shown (default 12,36,60,120 within follow-up)",
    )
    p.add_argument(
        "--conf-type",
        choices=("log", "log-log", "plain", "logit"),
        default="log",
        help="CI transform of a fitted model (default log, R's)",
    )
    p.add_argument(
        "--risk-groups",
        type=_groups,
        default=None,
        metavar="tertiles|C1,C2",
        help="risk groups of a fitted model: tertiles of the linear predictor, or cut-points",
    )
    add_cohort_options(p)
    p.add_argument("--out", required=True, metavar="FILE.html", help="the page to write")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.set_defaults(func=_cmd_calculator)


def _check_args(args: argparse.Namespace) -> None:
    if args.model and args.covariates:
        raise UsageError(f"{PROG} calculator: error: give --covariates or --model, not both")
    if not args.model and not (args.cohort and args.covariates):
        raise UsageError(
            f"{PROG} calculator: error: give COHORT with --covariates age,grade,... (fit a Cox "
            f"model) or --model NAME (a published model; see {PROG} models)"
        )
    if args.recalibrate and not (args.model and args.cohort):
        raise UsageError(f"{PROG} calculator: error: --recalibrate needs --model NAME and COHORT")


def _published(args: argparse.Namespace, cohort: Any) -> Any:
    from lms_prognosis.literature.models import published_model  # lazy: start-up time

    model = published_model(args.model)
    if args.recalibrate:
        model = model.recalibrate(cohort)
    return model


def _cmd_calculator(args: argparse.Namespace) -> int:
    from lms_prognosis.cox.fit import fit_cox  # lazy: start-up time
    from lms_prognosis.report.calculator import export_calculator  # lazy: start-up time

    _check_args(args)
    out = out_path(args.out, args.force, "calculator")
    cohort: Any = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.cohort:
            cohort = read_cohort_file(Path(args.cohort), args)
        if args.model:
            model = _published(args, cohort)
            extra: dict[str, Any] = {}
        else:
            model = fit_cox(cohort, args.covariates, strata=args.strata, ties=args.ties)
            extra = {
                "endpoint": cohort.endpoint,
                "population": f"the {model.n} patients of {cohort.source} analysed",
            }
        with writing("calculator", "--out", out):
            export_calculator(
                model,
                out,
                horizons=args.horizons,
                conf_type=args.conf_type,
                risk_groups=args.risk_groups,
                **extra,
            )
    what = f"published model {model.name}" if args.model else f"Cox model of {model.covariates}"
    print(f"{PROG} calculator: {what} written to {out}")
    if not args.model:
        print(
            f"fitted on {model.n} patients ({model.n_events} events); {model.n_dropped} "
            "row(s) with a missing value left out (complete cases)"
        )
    for note in dict.fromkeys(str(w.message) for w in caught):
        print(f"note: {note}")
    return 0
