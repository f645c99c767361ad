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
the exit code. Append the registration function to :data:`COMMANDS`. ``check`` and
``simulate`` are here; the commands that use a published model (``models``, ``predict``,
``report``) are in :mod:`lms_prognosis._cli_models`, their functions named
``register_<name>`` there; what commands share (argument types,
the cohort options) is in :mod:`lms_prognosis._cli_support`. Raise
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
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lms_prognosis._cli_calculator import register_calculator
from lms_prognosis._cli_models import register_models, register_predict, register_report
from lms_prognosis._cli_support import (
    PROG,
    Parser,
    UsageError,
    add_cohort_options,
    cli_syntax,
    columns_arg,
    command_names,
    event_codes_arg,
    internal_error,
    one_line,
    out_path,
    positive_int,
    print_changes,
    print_exclusions,
    read_cohort_file,
    text_table,
    writing,
    years_arg,
)
from lms_prognosis._format import format_number
from lms_prognosis._version import __version__
from lms_prognosis.cohort.schema import EXAMPLE_MESSY_COHORT
from lms_prognosis.exceptions import CohortError, LMSPrognosisError

__all__ = [
    "main",
    "check_warnings",
    "build_parser",
    "UsageError",
    "COMMANDS",
    "PROG",
    "cli_syntax",
    "event_codes_arg",
    "columns_arg",
]


def _check_exclusions_out(out: str | None, source: Path) -> None:
    """Refuse an --exclusions-out that is the input file, a folder, or cannot be written."""
    if not out:
        return
    target = Path(out)
    if target.exists() and source.exists() and os.path.samefile(target, source):
        raise UsageError(
            f"{PROG} check: error: --exclusions-out {out} is the input file; "
            "choose another name (input files are never written)"
        )
    out_path(out, True, "check", "--exclusions-out")


#: the categorical columns of the schema whose single level ``check`` warns about
_FACTORS = (
    "sex",
    "site",
    "depth",
    "grade",
    "necrosis",
    "vascular_invasion",
    "aneuploidy",
    "margin",
)


def check_warnings(data: Any) -> list[str]:
    """What makes the usual analyses impossible: no events, a factor with a single level.

    Examples
    --------
    >>> import pandas as pd
    >>> check_warnings(pd.DataFrame({"time": [1, 2], "event": [0, 0], "grade": ["3", "3"]}))
    ['no events (event = 1) among the 2 patients kept: survival stays at 1 and no log-rank \
test, Cox model or calibration can be computed', "grade has a single level ('3') among the 2 \
patients with a value: it cannot be compared or enter a model"]
    """
    out = []
    if not (data["event"] == 1).any():
        out.append(
            f"no events (event = 1) among the {len(data)} patients kept: survival stays at 1 "
            "and no log-rank test, Cox model or calibration can be computed"
        )
    for col in (c for c in _FACTORS if c in data):
        values = data[col].dropna()
        if len(values) and values.nunique() == 1:
            out.append(
                f"{col} has a single level ({str(values.iloc[0])!r}) among the {len(values)} "
                "patients with a value: it cannot be compared or enter a model"
            )
    return out


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
        description="Read a cohort (CSV, .xlsx or .ods) as read_cohort would and print the rows "
        "read, kept and excluded by reason, the exclusions, the cells set missing, converted "
        "or recoded, and the notes. "
        "Nothing is written unless --exclusions-out is given.",
    )
    p.add_argument("cohort", nargs="?", metavar="COHORT", help="cohort file (.csv, .xlsx or .ods)")
    p.add_argument(
        "--example",
        action="store_true",
        help="check the small messy example cohort shipped with the package",
    )
    add_cohort_options(p)
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
            cohort = read_cohort_file(path, args)
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
    print_changes(cohort.audit, args.max_rows)
    if cohort.notes:
        print("\nNotes")
        for note in cohort.notes:
            print(f"- {cli_syntax(note)}")
    _write_exclusions(cohort.exclusions, args.exclusions_out)
    for warning in check_warnings(cohort.data):
        print(f"{PROG} check: warning: {warning}", file=sys.stderr)
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
    truth_out = (
        out_path(args.truth_out, args.force, "simulate", "--truth-out") if args.truth_out else None
    )
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


COMMANDS: list[Callable[[Any], None]] = [
    _register_check,
    _register_simulate,
    register_models,
    register_predict,
    register_report,
    register_calculator,
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


_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


def _negative_values(argv: Sequence[str]) -> list[str]:
    """``--times -5,10`` as ``--times=-5,10``: argparse would read ``-5,10`` as an option and
    say only "expected one argument"; joined, :func:`times_arg` says what is wrong."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] == "--times" and _NEGATIVE.match(arg):
            out[-1] = f"--times={arg}"
        else:
            out.append(arg)
    return out


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
        argv = _negative_values(sys.argv[1:] if argv is None else argv)
        args = parser.parse_args(argv)
        # default --times beyond the follow-up are left out, given ones refused (check_times)
        args.times_given = any(a == "--times" or a.startswith("--times=") for a in argv)
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
