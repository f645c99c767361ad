"""The command line: ``lms-prognosis <command> ...``, thin over the package's functions.

Exit codes (design section 4):

- 0: success;
- 2: usage error or unusable input, with one clear line on standard error (argparse's own
  errors included);
- 1: unexpected internal error: one short line naming a file where the full traceback was
  written. A user never sees a traceback.

Adding a command
----------------
Each command is two small functions: ``_register_<name>(subparsers)`` adds its parser (with
``set_defaults(func=_cmd_<name>)``) and ``_cmd_<name>(args) -> int`` does the work and returns
the exit code. Append the registration function to :data:`COMMANDS`. Raise
:class:`UsageError` (or let :class:`~lms_prognosis.cohort.CohortError` through) for problems
the user can fix; :func:`main` turns them into exit code 2.

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
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lms_prognosis._version import __version__
from lms_prognosis.cohort import ENDPOINTS, EXAMPLE_MESSY_COHORT, CohortError

PROG = "lms-prognosis"
TIME_UNITS = ("months", "days", "weeks", "years")


class UsageError(Exception):
    """A problem the user can fix (bad arguments, unusable input): exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line (raised, so ``main`` decides the exit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


# ----------------------------------------------------------------------------- argument types

def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of {what} (expected e.g. {_EXAMPLES[what]})")
        pairs.append((key.strip(), value.strip()))
    return pairs


_EXAMPLES = {"event codes": "dead=1,alive=0 or 1=0,2=1",
             "column mappings": "OS_m=time,size=size_mm"}


def event_codes_arg(text: str) -> dict[str, int]:
    """Parse ``--event-codes dead=1,alive=0`` into ``{"dead": 1, "alive": 0}``.

    Examples
    --------
    >>> event_codes_arg("dead=1,alive=0")
    {'dead': 1, 'alive': 0}
    >>> event_codes_arg("1=0,2=1")
    {'1': 0, '2': 1}
    """
    codes = {}
    for key, value in _pairs(text, "event codes"):
        try:
            codes[key] = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"event code {value!r} for {key!r} is not an integer "
                f"(0 censored, 1 event, 2.. competing)") from None
    return codes


def columns_arg(text: str) -> dict[str, str]:
    """Parse ``--columns OS_m=time,size=size_mm`` into a ``columns=`` mapping.

    Examples
    --------
    >>> columns_arg("OS_m=time")
    {'OS_m': 'time'}
    """
    return dict(_pairs(text, "column mappings"))


def _endpoint_arg(text: str) -> str:
    value = text.strip().upper()
    if value not in ENDPOINTS:
        raise argparse.ArgumentTypeError(f"invalid endpoint {text!r} (choose from "
                                         f"{', '.join(ENDPOINTS)})")
    return value


# ----------------------------------------------------------------------------- output helpers

def _text_table(df: Any, numeric: Sequence[str] = ()) -> str:
    """A plain-text table: text left-aligned, the ``numeric`` columns right-aligned."""
    cols = [str(c) for c in df.columns]
    cells = [[("" if v is None else str(v)) for v in row] for row in df.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]

    def line(values: Sequence[str]) -> str:
        out = [v.rjust(w) if c in numeric else v.ljust(w)
               for v, w, c in zip(values, widths, cols, strict=True)]
        return "  ".join(out).rstrip()

    return "\n".join([line(cols), *(line(r) for r in cells)])


def _print_exclusions(exclusions: Any, max_rows: int) -> None:
    n_rows = exclusions["row"].nunique()
    print(f"\nExclusions ({len(exclusions)} problem(s) in {n_rows} row(s); row = line in the "
          "file, header = line 1)")
    shown = exclusions if max_rows <= 0 else exclusions.head(max_rows)
    print(_text_table(shown, numeric=("row",)))
    if len(shown) < len(exclusions):
        print(f"... {len(exclusions) - len(shown)} more; --max-rows 0 shows all, "
              "--exclusions-out FILE.csv writes all")


def _write_exclusions(exclusions: Any, out: str | None, source: Path) -> None:
    if not out:
        return
    target = Path(out)
    if target.exists() and source.exists() and os.path.samefile(target, source):
        raise UsageError(f"{PROG} check: error: --exclusions-out {out} is the input file; "
                         "choose another name (input files are never written)")
    if not target.parent.exists():
        raise UsageError(f"{PROG} check: error: --exclusions-out {out}: directory "
                         f"{target.parent} does not exist")
    exclusions.to_csv(target, index=False)
    print(f"\nexclusions written to {target}")


# ----------------------------------------------------------------------------- commands

def _register_check(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check", help="validate a cohort file: what would be excluded, and why",
        description="Read a cohort (CSV or .xlsx) as read_cohort would and print the rows "
                    "read, kept and excluded by reason, the exclusions and the notes. "
                    "Nothing is written unless --exclusions-out is given.")
    p.add_argument("cohort", nargs="?", metavar="COHORT", help="cohort file (.csv or .xlsx)")
    p.add_argument("--example", action="store_true",
                   help="check the small messy example cohort shipped with the package")
    p.add_argument("--time-unit", choices=TIME_UNITS, default=None,
                   help="unit of the time column (default: months, or what its name says, "
                        "e.g. OS_days)")
    p.add_argument("--endpoint", type=_endpoint_arg, default="DSS",
                   help=f"what event 1 means: {', '.join(ENDPOINTS)} (default DSS)")
    p.add_argument("--event-codes", type=event_codes_arg, default=None, metavar="CODES",
                   help="how to read the event column, e.g. dead=1,alive=0 or R-style 1=0,2=1")
    p.add_argument("--columns", type=columns_arg, default=None, metavar="MAP",
                   help="column names to map, e.g. OS_m=time,size=size_mm")
    p.add_argument("--exclusions-out", metavar="FILE.csv", default=None,
                   help="also write every exclusion to this CSV file")
    p.add_argument("--max-rows", type=int, default=50, metavar="N",
                   help="exclusions to print (default 50; 0 prints all)")
    p.set_defaults(func=_cmd_check)


def _cmd_check(args: argparse.Namespace) -> int:
    from lms_prognosis._format import format_number
    from lms_prognosis.cohort import read_cohort

    if args.example == bool(args.cohort):
        raise UsageError(f"{PROG} check: error: give one COHORT file or --example "
                         f"(see {PROG} check --help)")
    path = EXAMPLE_MESSY_COHORT if args.example else Path(args.cohort)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what a warning says is in cohort.notes
            cohort = read_cohort(path, time_unit=args.time_unit, columns=args.columns,
                                 event_codes=args.event_codes, endpoint=args.endpoint)
    except CohortError as exc:
        if exc.exclusions is not None and len(exc.exclusions):
            _print_exclusions(exc.exclusions, args.max_rows)
            _write_exclusions(exc.exclusions, args.exclusions_out, path)
        raise
    print(f"{PROG} check: {cohort.source} (endpoint {cohort.endpoint})\n")
    summary = cohort.summary()
    summary["percent"] = [format_number(p, 1) + "%" for p in summary["percent"]]
    print(_text_table(summary, numeric=("n", "percent")))
    if cohort.n_excluded:
        _print_exclusions(cohort.exclusions, args.max_rows)
    else:
        print("\nNo exclusions: every row was kept.")
    if cohort.notes:
        print("\nNotes")
        for note in cohort.notes:
            print(f"- {note}")
    _write_exclusions(cohort.exclusions, args.exclusions_out, path)
    return 0


# Commands still to come (design section 4), one _register_<name> + _cmd_<name> each:
#   report   COHORT.csv --out DIR [--model NAME] [--time-unit] [--endpoint]
#   simulate --n 500 --seed 1 --out cohort.csv
#   predict  COHORT.csv --model NAME --times 12,36,60 --out risks.csv
#   models   (list published models with sources)
COMMANDS: list[Callable[[Any], None]] = [_register_check]


# ----------------------------------------------------------------------------- entry point

def build_parser() -> argparse.ArgumentParser:
    """The ``lms-prognosis`` parser with every registered command."""
    parser = _Parser(prog=PROG, description="Prognosis research in leiomyosarcoma.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_Parser)
    for register in COMMANDS:
        register(subparsers)
    return parser


def _one_line(message: str) -> None:
    print(" ".join(str(message).split()), file=sys.stderr)


def _write_traceback() -> str:
    """Write the current exception's traceback (and versions) to a temporary file."""
    fd, path = tempfile.mkstemp(prefix="lms-prognosis-error-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{PROG} {__version__}\nargv: {sys.argv!r}\n\n{traceback.format_exc()}")
        try:
            from lms_prognosis._versions import versions

            fh.write("\n" + "\n".join(f"{k}: {v}" for k, v in versions().items()) + "\n")
        except Exception:  # the report must not fail while reporting
            pass
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 usage/input, 1 internal)."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            names = ", ".join(sorted(parser._subparsers._group_actions[0].choices))  # type: ignore[union-attr]
            raise UsageError(f"{PROG}: error: choose a command ({names}); see {PROG} --help")
        return int(args.func(args) or 0)
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        _one_line(str(exc))
        return 2
    except CohortError as exc:
        _one_line(f"{PROG}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        _one_line(f"{PROG}: interrupted")
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        try:
            where = f"the full traceback is in {_write_traceback()}"
        except Exception:
            where = "the traceback could not be written to a file"
        _one_line(f"{PROG}: internal error ({type(exc).__name__}: {exc}); {where}. "
                  "Please report it.")
        return 1
