"""The ``calculator`` command: a per-patient risk calculator as one offline HTML page.

Private part of :mod:`lms_prognosis.cli` (registered in its ``COMMANDS``): ``lms-prognosis
calculator COHORT.csv --covariates age,grade --out calculator.html`` fits a Cox model
(:func:`lms_prognosis.fit_cox`) on the cohort and writes its calculator
(:func:`lms_prognosis.export_calculator`); ``--competing finegray`` (with ``--cause 1|2``, as
the report's ``--cause``) or ``--competing cause-specific`` fits a competing-risk model
instead (:func:`lms_prognosis.fit_fine_gray`, :func:`lms_prognosis.fit_cause_specific`),
whose page shows the absolute risk of each cause; ``--risk-groups`` works with either (with
``--cause`` for the cause-specific groups' cause); ``--model NAME`` writes the calculator of a
published model (recalibrated on COHORT with ``--recalibrate``). Nothing here imports
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
    p.add_argument(
        "--competing",
        choices=("finegray", "cause-specific"),
        default=None,
        help="with --covariates: a competing-risk model instead of Cox (event 2 = competing "
        "event): finegray (lp.fit_fine_gray, the absolute risk of --cause) or cause-specific "
        "(lp.fit_cause_specific, the absolute risk of both causes)",
    )
    p.add_argument(
        "--cause",
        type=int,
        choices=(1, 2),
        default=None,
        help="with --competing finegray: the cause of interest (event code; default 1), as "
        "the report's --cause; with --competing cause-specific and --risk-groups: the cause "
        "whose linear predictor the groups cut (default 1)",
    )
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
        default=None,
        help="CI transform of a fitted model (default: log for Cox, R's; log-log for "
        "--competing, as predict_cif)",
    )
    p.add_argument(
        "--risk-groups",
        type=_groups,
        default=None,
        metavar="tertiles|C1,C2",
        help="risk groups of a fitted model (Cox, or --competing): tertiles of the linear "
        "predictor, or cut-points (a value on a cut-point is in the lower group)",
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
    _check_competing(args)


def _check_competing(args: argparse.Namespace) -> None:
    err = f"{PROG} calculator: error:"
    if args.competing is None:
        if args.cause is not None:
            raise UsageError(f"{err} --cause needs --competing finegray")
        return
    if args.model:
        raise UsageError(f"{err} --competing fits a model on COHORT; it cannot go with --model")
    if args.cause is not None and args.competing == "cause-specific" and not args.risk_groups:
        raise UsageError(
            f"{err} --cause with --competing cause-specific picks the cause of --risk-groups; "
            "give --risk-groups too (the page shows both causes)"
        )
    if args.strata is not None:
        raise UsageError(f"{err} --strata is for a Cox model; drop it or --competing")
    if args.competing == "finegray" and args.ties != "efron":
        raise UsageError(f"{err} --ties: a Fine-Gray model uses Breslow ties, as cmprsk::crr")


def _published(args: argparse.Namespace, cohort: Any) -> Any:
    from lms_prognosis.literature.models import published_model  # lazy: start-up time

    model = published_model(args.model)
    if args.recalibrate:
        model = model.recalibrate(cohort)
    return model


def _cmd_calculator(args: argparse.Namespace) -> int:
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
            model = _fit(args, cohort)
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
                cause=args.cause if args.competing == "cause-specific" else None,
                **extra,
            )
    print(f"{PROG} calculator: {_what(args, model)} written to {out}")
    if not args.model:
        print(
            f"fitted on {model.n} patients ({_events(model)}); {model.n_dropped} "
            "row(s) with a missing value left out (complete cases)"
        )
    for note in dict.fromkeys(str(w.message) for w in caught):
        print(f"note: {note}")
    return 0


def _fit(args: argparse.Namespace, cohort: Any) -> Any:
    """The model --covariates asks for: Cox, or --competing finegray / cause-specific."""
    from lms_prognosis.cox import fit_cause_specific, fit_cox, fit_fine_gray  # lazy: start-up

    if args.competing == "finegray":
        return fit_fine_gray(cohort, args.covariates, cause=args.cause or 1)
    if args.competing == "cause-specific":
        return fit_cause_specific(cohort, args.covariates, ties=args.ties)
    return fit_cox(cohort, args.covariates, strata=args.strata, ties=args.ties)


def _what(args: argparse.Namespace, model: Any) -> str:
    if args.model:
        return f"published model {model.name}"
    if args.competing == "finegray":
        return f"Fine-Gray model of cause {model.cause} on {model.covariates}"
    if args.competing == "cause-specific":
        return f"cause-specific Cox models of {model.covariates}"
    return f"Cox model of {model.covariates}"


def _events(model: Any) -> str:
    if hasattr(model, "models"):  # cause-specific
        return ", ".join(f"cause {k}: {m.n_events} events" for k, m in model.models.items())
    if hasattr(model, "n_competing"):
        return f"{model.n_events} events of cause {model.cause}, {model.n_competing} competing"
    return f"{model.n_events} events"
