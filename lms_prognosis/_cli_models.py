"""The commands that use a published model: ``models``, ``predict`` and ``report``.

Private part of :mod:`lms_prognosis.cli` (kept apart so that each module stays short): each
command is a ``register_<name>(subparsers)`` listed in :data:`lms_prognosis.cli.COMMANDS` and
a ``_cmd_<name>(args) -> int``. Nothing here imports pandas at import time: each command
imports what it needs when it runs (the function-local imports, each marked), so that
``lms-prognosis --help`` starts fast.

Examples
--------
>>> from lms_prognosis.cli import main
>>> main(["models", "lms_defualt"])  # stderr: unknown model 'lms_defualt'; did you mean ...
2
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from lms_prognosis._cli_support import (
    PROG,
    UsageError,
    add_cohort_options,
    out_path,
    positive_int,
    print_exclusions,
    read_cohort_file,
    text_table,
    times_arg,
    writing,
)

__all__ = ["register_models", "register_predict", "register_report"]

#: rows of the per-patient table printed by ``predict`` (all are in the CSV)
SHOWN_ROWS = 10


def register_models(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "models",
        help="list the published models with their sources",
        description="List the published LMS models (lms_prognosis.list_models) with their kind "
        "(published, or design values), endpoint, inputs and sources, or show one model's "
        "factors as reported (measure, 95% CI or 'not published', significance in the source, "
        "n, endpoint, evidence marker), caveats and baseline. The evidence behind every "
        "number is in docs/evidence.md.",
    )
    p.add_argument("name", nargs="?", default=None, help="a model name to show in full")
    p.set_defaults(func=_cmd_models)


def _check_model(name: str, command: str) -> None:
    """Refuse an unknown model name before any work, naming close matches."""
    from lms_prognosis.literature.catalogue import list_models  # lazy: start-up time

    names = [str(n) for n in list_models()["name"]]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UsageError(
            f"{PROG} {command}: error: unknown model {name!r}; {hint}available: "
            f"{', '.join(names)} (see {PROG} models)"
        )


def _cmd_models(args: argparse.Namespace) -> int:
    from lms_prognosis.literature.catalogue import list_models  # lazy
    from lms_prognosis.literature.evidence import MARKERS_LEGEND  # lazy: start-up time
    from lms_prognosis.literature.models import published_model

    if args.name:
        _check_model(args.name, "models")
        model = published_model(args.name)
        print(repr(model))
        print("\nSources")
        for s in dict.fromkeys(model.factors["source"]):
            print(f"- {s}")
        return 0
    tab = list_models()
    tab["n"] = ["-" if n is None or n != n else str(int(n)) for n in tab["n"]]
    tab["needs ploidy"] = ["yes" if r else "no" for r in tab["requirements"]]
    cols = ["name", "kind", "endpoint", "n", "n_factors", "needs ploidy", "title"]
    print(text_table(tab[cols], numeric=("n", "n_factors")))
    print(
        "\nkind: published = effects fitted and published by the source; design = values "
        "chosen for simulation from the literature [D], not a fitted model"
    )
    print(f"evidence {MARKERS_LEGEND}")
    print("\nInputs, sources and caveats")
    for row in tab.itertuples(index=False):
        print(f"- {row.name}: inputs {row.inputs!s}")
        if row.requirements:
            print(f"  NOTE: {row.requirements!s}")
        print(f"  source: {row.source!s}\n  caveat: {row.caveat!s}")
    print(
        f"\n{PROG} models NAME shows one model's factors as reported (measure, CI, "
        "significance, n) and its baseline; docs/evidence.md has the evidence for every number."
    )
    return 0


def register_predict(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "predict",
        help="apply a published model: risk and survival per patient",
        description="Apply a published model (see `lms-prognosis models`) to a cohort: "
        "linear predictor, relative risk, risk group and survival at the given "
        "months, with the baseline used stated. Patients missing a model input are "
        "excluded with a reason (or --missing marginalise).",
    )
    p.add_argument("cohort", metavar="COHORT", help="cohort file (.csv or .xlsx)")
    p.add_argument("--model", default="lms_default", help="model name (default lms_default)")
    p.add_argument(
        "--times",
        type=times_arg,
        default=[12.0, 36.0, 60.0],
        metavar="T1,T2",
        help="months for survival (default 12,36,60)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv", help="per-patient CSV to write")
    p.add_argument(
        "--missing",
        choices=("exclude", "marginalise"),
        default="exclude",
        help="missing model inputs: exclude the patient (default), or marginalise: "
        "average survival over the factor's levels, weighted by their prevalence given "
        "the patient's grade and other factors (the simulator's somatic covariate model)",
    )
    p.add_argument(
        "--recalibrate",
        action="store_true",
        help="refit the baseline on this cohort (published LP as offset)",
    )
    p.add_argument(
        "--allow-endpoint-mismatch",
        action="store_true",
        help="apply even if the cohort's endpoint is not the model's",
    )
    p.add_argument(
        "--allow-outside-population",
        action="store_true",
        help="also score patients outside the model's population (a site it did not "
        "study); by default they are left out and listed",
    )
    add_cohort_options(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.set_defaults(func=_cmd_predict)


def _cmd_predict(args: argparse.Namespace) -> int:
    from lms_prognosis.literature.models import published_model  # lazy: start-up time

    out = out_path(args.out, args.force, "predict")
    path = Path(args.cohort)
    if out.exists() and path.exists() and os.path.samefile(out, path):
        raise UsageError(
            f"{PROG} predict: error: --out {args.out} is the input file "
            "(input files are never written)"
        )
    _check_model(args.model, "predict")
    model = published_model(args.model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = read_cohort_file(path, args)
        if args.recalibrate:
            model = model.recalibrate(
                cohort,
                missing=args.missing,
                allow_endpoint_mismatch=args.allow_endpoint_mismatch,
                allow_outside_population=args.allow_outside_population,
            )
        res = model.score(
            cohort,
            args.times,
            missing=args.missing,
            allow_endpoint_mismatch=args.allow_endpoint_mismatch,
            allow_outside_population=args.allow_outside_population,
        )
    with writing("predict", "--out", out):
        res.table.to_csv(out, index=False)
    _print_predictions(model, cohort, res, out)
    notes = [*res.notes, *(str(w.message) for w in caught)]
    if cohort.n_excluded:
        notes.append(
            f"{cohort.n_excluded} row(s) excluded on reading "
            f"(`{PROG} check {args.cohort}` lists them)"
        )
    for note in dict.fromkeys(notes):
        print(f"note: {note}")
    return 0


def _print_predictions(model: Any, cohort: Any, res: Any, out: Path) -> None:
    print(f"{PROG} predict: {model.name} on {cohort.source} (endpoint {cohort.endpoint})")
    print(f"{len(res.table)} patient(s) scored, written to {out} (full precision)")
    for key, value in res.provenance.items():
        print(f"  {key}: {value}")
    if model.kind == "design":
        print("  design values [D], not a fitted model: for illustration and simulation")
    if model.requirements:
        print(f"  NOTE: {model.requirements}")
    print(f"baseline: {res.baseline}")
    print(f"risk groups: {model.risk_groups}")
    counts = res.table["risk_group"].value_counts(sort=False)
    print("  " + ", ".join(f"{g} {n}" for g, n in counts.items()))
    if len(res.table):
        shown = res.rounded().head(SHOWN_ROWS)
        print(f"\nFirst {len(shown)} of {len(res.table)} patient(s), rounded to 3 decimals:")
        num = tuple(shown.select_dtypes("number").columns)
        cells = shown.astype(object).apply(
            lambda col: col.map(lambda v: "" if v != v else f"{v:.3f}") if col.name in num else col
        )
        print(text_table(cells.astype(str), numeric=num))
    if model.calibration_slope is not None:
        print(
            f"calibration slope on this cohort: {model.calibration_slope:.3f} "
            f"(SE {model.calibration_slope_se:.3f})"
        )
    print(f"caveat: {model.caveat}")
    if len(res.dropped):
        print_exclusions(
            res.dropped,
            20,
            title="Left out of the predictions",
            rows="row = row of the cohort as read, first = 0",
        )


def register_report(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="the complete report: a cohort in, HTML + PDF + figures + tables out",
        description="Write the complete report (lms_prognosis.write_report) into DIR: data "
        "summary and exclusions, Table 1, Kaplan-Meier curves overall and by risk "
        "factor with log-rank tests, the multivariable Cox model with its forest "
        "plot, the proportional-hazards check, the published model validated on "
        "the cohort (C, calibration, recalibration), per-patient risk, methods and "
        "software versions. report.html is self-contained, report.pdf has the same "
        "content; every figure and table is also written on its own, next to "
        "manifest.json (input hash, parameters, versions, file hashes).",
    )
    p.add_argument("cohort", metavar="COHORT", help="cohort file (.csv or .xlsx)")
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder (created; must be empty unless --force)",
    )
    p.add_argument(
        "--model",
        default="lms_default",
        help="published model to validate (see `lms-prognosis models`; default lms_default)",
    )
    p.add_argument(
        "--times",
        type=times_arg,
        default=[12.0, 36.0, 60.0],
        metavar="T1,T2",
        help="months for survival tables and per-patient risk (default 12,36,60)",
    )
    add_cohort_options(p)
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite the report in a non-empty DIR (other files are kept)",
    )
    p.add_argument(
        "--table-one-by",
        default=None,
        metavar="COLUMN",
        help="split Table 1 by this column (e.g. grade), with tests and SMDs",
    )
    p.add_argument(
        "--cause",
        type=int,
        choices=(1, 2),
        default=1,
        help="cause of interest when the cohort has competing events (event code 2; default 1)",
    )
    imp = p.add_mutually_exclusive_group()
    imp.add_argument(
        "--impute",
        type=positive_int,
        default=None,
        metavar="M",
        help="multiply impute missing covariates M times (>= 2; default: 20 imputations "
        "when a model covariate is missing in more than 5%% of patients)",
    )
    imp.add_argument("--no-impute", dest="impute", action="store_false", help="complete cases only")
    p.add_argument("--seed", type=int, default=1, help="seed of the imputation (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes writing the figures, this one included (default: one per core; 1 "
        "writes every figure in this process; the files are the same either way)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 2 if any section could not be computed for a reason in the data "
        "(such sections are replaced by a sentence and listed on stderr)",
    )
    p.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from lms_prognosis.report import write_report  # lazy: matplotlib and jinja2, start-up time

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{PROG} report: error: --out {args.out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise UsageError(
            f"{PROG} report: error: --out {args.out} is not empty; use --force "
            "to overwrite the report in it"
        )
    _check_model(args.model, "report")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what a warning says is in cohort.notes (and the report)
        cohort = read_cohort_file(Path(args.cohort), args)
    if args.table_one_by and args.table_one_by not in cohort.data.columns:
        raise UsageError(
            f"{PROG} report: error: --table-one-by {args.table_one_by}: no such "
            f"column; columns are {', '.join(map(str, cohort.data.columns))}"
        )
    with writing("report", "--out", out, only_under=True):
        rep = write_report(
            cohort,
            out,
            model=args.model,
            time_points=args.times,
            force=args.force,
            progress=not args.quiet,
            table_one_by=args.table_one_by,
            cause=args.cause,
            impute=args.impute,
            seed=args.seed,
            n_jobs=args.jobs,
        )
    print(
        f"{PROG} report: {cohort.source} (endpoint {cohort.endpoint}, "
        f"{len(cohort.data)} patient(s), {cohort.n_excluded} row(s) excluded)"
    )
    print(f"{len(rep.files)} files written to {rep.out_dir} in {sum(rep.timings.values()):.1f} s")
    print(f"  {rep.html}\n  {rep.pdf}\n  {rep.manifest}")
    for section, message in rep.errors.items():
        print(f"{PROG} report: section {section!r} not computed: {message}", file=sys.stderr)
    if rep.errors and args.strict:
        print(
            f"{PROG} report: error: {len(rep.errors)} section(s) not computed (--strict)",
            file=sys.stderr,
        )
        return 2
    return 0
