"""The command line: ``lms-prognosis <command> ...``, thin over the package's functions.

Exit codes (design section 4):

- 0: success;
- 2: usage error, unusable input (any :class:`~lms_prognosis.LMSPrognosisError`, its fix
  given in command-line syntax: ``--event-codes 1=0,2=1``, not ``event_codes={1: 0, 2: 1}``) or
  an output path that cannot be written, with one clear line on standard error (argparse's
  own errors included);
- 1: unexpected internal error: one short line naming a file where the full traceback was
  written. A user never sees a traceback.

Start-up: ``lms-prognosis --help`` loads neither pandas nor the statistics; each command
imports what it needs when it runs (the only function-local imports here, each marked).

Adding a command
----------------
Each command is two small functions: ``_register_<name>(subparsers)`` adds its parser (with
``set_defaults(func=_cmd_<name>)``) and ``_cmd_<name>(args) -> int`` does the work and returns
the exit code. Append the registration function to :data:`COMMANDS`. Raise
:class:`UsageError` (or let any :class:`~lms_prognosis.LMSPrognosisError` through) for
problems the user can fix; :func:`main` turns them into exit code 2. Write files inside
``with writing(...)`` so that a path that cannot be written is exit 2, not an internal error.

Examples
--------
>>> main(["check", "--example", "--max-rows", "3"])  # doctest: +ELLIPSIS
lms-prognosis check: ...example_messy_cohort.csv (endpoint DSS)
...
0
>>> main(["check", "no-such-file.csv"])
2
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lms_prognosis._cli_support import (
    PROG,
    TIME_UNITS,
    Parser,
    UsageError,
    cli_syntax,
    columns_arg,
    command_names,
    endpoint_arg,
    event_codes_arg,
    internal_error,
    one_line,
    out_path,
    positive_int,
    print_exclusions,
    text_table,
    times_arg,
    writing,
    years_arg,
)
from lms_prognosis._format import format_number
from lms_prognosis._version import __version__
from lms_prognosis.cohort.schema import ENDPOINTS, EXAMPLE_MESSY_COHORT
from lms_prognosis.exceptions import CohortError, LMSPrognosisError

__all__ = [
    "main",
    "build_parser",
    "UsageError",
    "COMMANDS",
    "PROG",
    "cli_syntax",
    "event_codes_arg",
    "columns_arg",
]


def _add_cohort_options(p: argparse.ArgumentParser) -> None:
    """The options of read_cohort, shared by every command that reads a cohort file."""
    p.add_argument(
        "--time-unit",
        choices=TIME_UNITS,
        default=None,
        help="unit of the time column (default: months, or what its name says, e.g. OS_days)",
    )
    p.add_argument(
        "--endpoint",
        type=endpoint_arg,
        default="DSS",
        help=f"what event 1 means: {', '.join(ENDPOINTS)} (default DSS)",
    )
    p.add_argument(
        "--event-codes",
        type=event_codes_arg,
        default=None,
        metavar="CODES",
        help="how to read the event column, e.g. dead=1,alive=0 or R-style 1=0,2=1",
    )
    p.add_argument(
        "--columns",
        type=columns_arg,
        default=None,
        metavar="MAP",
        help="column names to map, e.g. OS_m=time,size=size_mm",
    )


def _read_cohort(path: Path, args: argparse.Namespace) -> Any:
    from lms_prognosis.cohort.reader import read_cohort  # lazy: pandas, not at start-up

    return read_cohort(
        path,
        time_unit=args.time_unit,
        columns=args.columns,
        event_codes=args.event_codes,
        endpoint=args.endpoint,
    )


def _check_exclusions_out(out: str | None, source: Path) -> None:
    """Refuse an --exclusions-out that is the input file or in a missing directory."""
    if not out:
        return
    target = Path(out)
    if target.exists() and source.exists() and os.path.samefile(target, source):
        raise UsageError(
            f"{PROG} check: error: --exclusions-out {out} is the input file; "
            "choose another name (input files are never written)"
        )
    if not target.parent.is_dir():
        raise UsageError(
            f"{PROG} check: error: --exclusions-out {out}: directory {target.parent} does not exist"
        )


def _write_exclusions(exclusions: Any, out: str | None) -> None:
    if out:
        with writing("check", "--exclusions-out", out):
            exclusions.to_csv(out, index=False)
        print(f"\nexclusions written to {out}")


# ----------------------------------------------------------------------------- commands


def _register_check(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check",
        help="validate a cohort file: what would be excluded, and why",
        description="Read a cohort (CSV or .xlsx) as read_cohort would and print the rows "
        "read, kept and excluded by reason, the exclusions and the notes. "
        "Nothing is written unless --exclusions-out is given.",
    )
    p.add_argument("cohort", nargs="?", metavar="COHORT", help="cohort file (.csv or .xlsx)")
    p.add_argument(
        "--example",
        action="store_true",
        help="check the small messy example cohort shipped with the package",
    )
    _add_cohort_options(p)
    p.add_argument(
        "--exclusions-out",
        metavar="FILE.csv",
        default=None,
        help="also write every exclusion to this CSV file",
    )
    p.add_argument(
        "--max-rows",
        type=int,
        default=50,
        metavar="N",
        help="exclusions to print (default 50; 0 prints all)",
    )
    p.set_defaults(func=_cmd_check)


def _cmd_check(args: argparse.Namespace) -> int:
    if args.example == bool(args.cohort):
        raise UsageError(
            f"{PROG} check: error: give one COHORT file or --example (see {PROG} check --help)"
        )
    path = EXAMPLE_MESSY_COHORT if args.example else Path(args.cohort)
    _check_exclusions_out(args.exclusions_out, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what a warning says is in cohort.notes
            cohort = _read_cohort(path, args)
    except CohortError as exc:
        if exc.exclusions is not None and len(exc.exclusions):
            print_exclusions(exc.exclusions, args.max_rows)
            _write_exclusions(exc.exclusions, args.exclusions_out)
        raise
    print(f"{PROG} check: {cohort.source} (endpoint {cohort.endpoint})\n")
    summary = cohort.summary()
    summary["percent"] = [format_number(p, 1) + "%" for p in summary["percent"]]
    print(text_table(summary, numeric=("n", "percent")))
    if cohort.n_excluded:
        print_exclusions(cohort.exclusions, args.max_rows)
    else:
        print("\nNo exclusions: every row was kept.")
    if cohort.notes:
        print("\nNotes")
        for note in cohort.notes:
            print(f"- {note}")
    _write_exclusions(cohort.exclusions, args.exclusions_out)
    return 0


def _register_simulate(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="write a synthetic LMS cohort whose true model is known",
        description="Simulate a leiomyosarcoma cohort (lms_prognosis.simulate_cohort): "
        "covariates as the domain brief section 6.1, FNCLCC grade derived from its "
        "components, Weibull disease-specific survival scaled to a 5-y DSS of 0.75. "
        "The same seed gives the same file on any machine.",
    )
    p.add_argument("--n", type=positive_int, default=500, help="number of patients (default 500)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--profile",
        choices=("somatic", "all_site"),
        default="somatic",
        help="somatic (extremity/trunk, default) or all_site",
    )
    p.add_argument(
        "--model",
        choices=("default", "gustafson1992"),
        default="default",
        help="true parameter set (default: the moderate lms_default set)",
    )
    p.add_argument(
        "--endpoint",
        choices=("DSS", "OS"),
        default="DSS",
        help="DSS (default) or OS (other-cause deaths added, all deaths = 1)",
    )
    p.add_argument(
        "--competing-risks",
        action="store_true",
        help="with DSS: simulate other-cause deaths and code them event = 2",
    )
    p.add_argument(
        "--accrual-years",
        type=years_arg,
        default=5.0,
        metavar="Y",
        help="uniform accrual period (default 5)",
    )
    p.add_argument(
        "--follow-up-years",
        type=years_arg,
        default=5.0,
        metavar="Y",
        help="follow-up after the last entry (default 5)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv", help="cohort CSV to write")
    p.add_argument(
        "--truth-out",
        metavar="FILE.csv",
        default=None,
        help="also write the per-patient true linear predictor and survival",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(func=_cmd_simulate)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from lms_prognosis.simulate.cohorts import simulate_cohort  # lazy: start-up time

    if args.competing_risks and args.endpoint != "DSS":
        raise UsageError(
            f"{PROG} simulate: error: --competing-risks needs --endpoint DSS "
            "(OS counts every death as the event)"
        )
    out = out_path(args.out, args.force, "simulate")
    truth_out = out_path(args.truth_out, args.force, "simulate") if args.truth_out else None
    cohort = simulate_cohort(
        args.n,
        profile=args.profile,
        model=args.model,
        seed=args.seed,
        accrual_years=args.accrual_years,
        follow_up_years=args.follow_up_years,
        endpoint=args.endpoint,
        competing_risks=args.competing_risks,
    )
    truth = cohort.truth
    if truth is None:
        raise RuntimeError("simulate_cohort returned a cohort without its truth")
    with writing("simulate", "--out", out):
        cohort.data.to_csv(out, index=False)
    events = cohort.data["event"].value_counts().to_dict()
    print(f"{PROG} simulate: {len(cohort.data)} patients written to {out}")
    print(f"call: {cohort.source}")
    print(
        f"events: {events.get(1, 0)} (event 1), {events.get(2, 0)} (event 2), "
        f"{events.get(0, 0)} censored; endpoint {cohort.endpoint}"
    )
    print(f"true baseline: {truth.baseline['description']}")
    print(
        "true hazard ratios: "
        + ", ".join(
            f"{t} {h:.2f}"
            for t, h in truth.hr.items()
            if t in truth.covariates or t.startswith("grade")
        )
    )
    if truth_out is not None:
        with writing("simulate", "--truth-out", truth_out):
            truth.survival.to_csv(truth_out, index=False)
        print(f"truth written to {truth_out}")
    return 0


def _register_models(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "models",
        help="list the published models with their sources",
        description="List the published LMS models (lms_prognosis.list_models), or show one "
        "model's factors, evidence, caveats and baseline.",
    )
    p.add_argument("name", nargs="?", default=None, help="a model name to show in full")
    p.set_defaults(func=_cmd_models)


def _check_model(name: str, command: str) -> None:
    """Refuse an unknown model name before any work, naming close matches."""
    from lms_prognosis.literature.models import list_models  # lazy: start-up time

    names = [str(n) for n in list_models()["name"]]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UsageError(
            f"{PROG} {command}: error: unknown model {name!r}; {hint}available: "
            f"{', '.join(names)} (see {PROG} models)"
        )


def _cmd_models(args: argparse.Namespace) -> int:
    from lms_prognosis.literature.models import list_models, published_model  # lazy

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
    print(
        text_table(
            tab[["name", "kind", "endpoint", "n", "n_factors", "title"]], numeric=("n", "n_factors")
        )
    )
    print("\nSources and caveats")
    for row in tab.itertuples(index=False):
        print(f"- {row.name}: {row.source}\n  caveat: {row.caveat}")
    print(f"\n{PROG} models NAME shows one model's factors and baseline.")
    return 0


def _register_predict(subparsers: Any) -> None:
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
        help="missing model inputs: exclude the patient (default) or marginalise "
        "the factor over its published prevalence",
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
    _add_cohort_options(p)
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
        cohort = _read_cohort(path, args)
        if args.recalibrate:
            model = model.recalibrate(
                cohort, missing=args.missing, allow_endpoint_mismatch=args.allow_endpoint_mismatch
            )
        res = model.score(
            cohort,
            args.times,
            missing=args.missing,
            allow_endpoint_mismatch=args.allow_endpoint_mismatch,
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
    print(f"{len(res.table)} patient(s) scored, written to {out}")
    print(f"baseline: {res.baseline}")
    print(f"risk groups: {model.risk_groups}")
    counts = res.table["risk_group"].value_counts(sort=False)
    print("  " + ", ".join(f"{g} {n}" for g, n in counts.items()))
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


def _register_report(subparsers: Any) -> None:
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
    _add_cohort_options(p)
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
    p.add_argument("--quiet", action="store_true", help="no progress bar")
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
        cohort = _read_cohort(Path(args.cohort), args)
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
        )
    print(
        f"{PROG} report: {cohort.source} (endpoint {cohort.endpoint}, "
        f"{len(cohort.data)} patients, {cohort.n_excluded} row(s) excluded)"
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


COMMANDS: list[Callable[[Any], None]] = [
    _register_check,
    _register_simulate,
    _register_models,
    _register_predict,
    _register_report,
]


# ----------------------------------------------------------------------------- entry point


def build_parser() -> argparse.ArgumentParser:
    """The ``lms-prognosis`` parser with every registered command.

    Examples
    --------
    >>> args = build_parser().parse_args(["simulate", "--out", "cohort.csv"])
    >>> args.command, args.n, args.seed
    ('simulate', 500, 1)
    """
    parser = Parser(prog=PROG, description="Prognosis research in leiomyosarcoma.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 usage/input/output, 1 internal).

    Examples
    --------
    >>> main(["check", "--example", "--event-codes", "dead=1,alive=yes"])
    2
    """
    command = ""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError(
                f"{PROG}: error: choose a command "
                f"({', '.join(command_names(parser))}); see {PROG} --help"
            )
        command = f" {args.command}"
        return int(args.func(args) or 0)
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        one_line(str(exc))
        return 2
    except LMSPrognosisError as exc:  # unusable input or options: the user can fix it
        one_line(f"{PROG}{command}: error: {cli_syntax(str(exc))}")
        return 2
    except KeyboardInterrupt:
        one_line(f"{PROG}: interrupted")
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        return internal_error(exc)
