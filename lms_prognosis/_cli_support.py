"""What the command line's commands share: argument types, the cohort options and reading,
plain-text output, the mapping of package messages to command-line syntax, and the exit-code
helpers.

Private helper of :mod:`lms_prognosis.cli` and :mod:`lms_prognosis._cli_models` (kept apart
so that those hold the commands and stay short). Nothing here imports pandas at import time
(reading a cohort imports it when it runs): ``lms-prognosis --help`` starts fast.

Examples
--------
>>> columns_arg("OS_m=time,size=size_mm")
{'OS_m': 'time', 'size': 'size_mm'}
>>> cli_syntax("pass event_codes={1: 0, 2: 1}")
'pass --event-codes 1=0,2=1'
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from lms_prognosis._cli_args import (  # noqa: F401 (re-exported: the commands import them here)
    positive_int,
    times_arg,
    years_arg,
)
from lms_prognosis._version import __version__
from lms_prognosis._versions import versions
from lms_prognosis.cohort.schema import ENDPOINTS
from lms_prognosis.cohort.schema import TIME_UNITS as _UNIT_FACTORS
from lms_prognosis.exceptions import LMSPrognosisError

PROG = "lms-prognosis"


TIME_UNITS = tuple(_UNIT_FACTORS)


_UNKNOWN_EVENT = ("none", "unknown", "missing", "na")


class UsageError(LMSPrognosisError):
    """A problem the user can fix (bad arguments, unusable input): exit code 2.

    Its message is already in command-line syntax and names the command.
    """


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line (raised, so ``main`` decides the exit)."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` (one line) instead of printing usage and exiting."""
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of {what} (expected e.g. {_EXAMPLES[what]})"
            )
        pairs.append((key.strip(), value.strip()))
    return pairs


_EXAMPLES = {
    "event codes": "dead=1,alive=0 or 1=0,2=1",
    "column mappings": "OS_m=time,size=size_mm",
}


def values_arg(text: str) -> tuple[str, dict[str, str | None]]:
    """Parse ``--values depth=1:superficial,2:deep`` into ``("depth", {"1": ..., "2": ...})``.

    ``9:unknown`` (or ``none``, ``missing``, ``na``) reads code 9 as missing. Repeat the flag
    for several columns.

    Examples
    --------
    >>> values_arg("depth=1:superficial,2:deep")
    ('depth', {'1': 'superficial', '2': 'deep'})
    """
    column, sep, body = text.partition("=")
    codes: dict[str, str | None] = {}
    for item in body.split(",") if sep else []:
        key, colon, value = item.partition(":")
        if not colon or not key.strip() or not value.strip():
            codes = {}
            break
        value = value.strip()
        codes[key.strip()] = None if value.lower() in _UNKNOWN_EVENT else value
    if not column.strip() or not codes:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a column's codes (expected e.g. depth=1:superficial,2:deep)"
        )
    return column.strip(), codes


def event_codes_arg(text: str) -> dict[str, int | None]:
    """Parse ``--event-codes dead=1,alive=0`` into ``{"dead": 1, "alive": 0}``.

    ``9=unknown`` (or ``none``, ``missing``, ``na``) reads code 9 as a missing event.

    Examples
    --------
    >>> event_codes_arg("dead=1,alive=0")
    {'dead': 1, 'alive': 0}
    >>> event_codes_arg("1=0,2=1,9=unknown")
    {'1': 0, '2': 1, '9': None}
    """
    codes: dict[str, int | None] = {}
    for key, value in _pairs(text, "event codes"):
        if value.lower() in _UNKNOWN_EVENT:
            codes[key] = None
            continue
        try:
            codes[key] = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"event code {value!r} for {key!r} is not 0 (censored), 1 (event), "
                f"2 (competing event) or unknown"
            ) from None
    return codes


def columns_arg(text: str) -> dict[str, str]:
    """Parse ``--columns OS_m=time,size=size_mm`` into a ``columns=`` mapping.

    Examples
    --------
    >>> columns_arg("OS_m=time")
    {'OS_m': 'time'}
    """
    return dict(_pairs(text, "column mappings"))


def endpoint_arg(text: str) -> str:
    """Parse ``--endpoint``: one of DSS, OS, MFS, LRFS in any case.

    Examples
    --------
    >>> endpoint_arg("os")
    'OS'
    """
    value = text.strip().upper()
    if value not in ENDPOINTS:
        raise argparse.ArgumentTypeError(
            f"invalid endpoint {text!r} (choose from {', '.join(ENDPOINTS)})"
        )
    return value


def text_table(df: Any, numeric: Sequence[str] = ()) -> str:
    """A plain-text table: text left-aligned, the ``numeric`` columns right-aligned.

    Examples
    --------
    >>> import pandas as pd
    >>> print(text_table(pd.DataFrame({"item": ["rows read"], "n": [30]}), numeric=("n",)))
    item        n
    rows read  30
    """
    cols = [str(c) for c in df.columns]
    cells = [[("" if v is None else str(v)) for v in row] for row in df.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]

    def line(values: Sequence[str]) -> str:
        out = [
            v.rjust(w) if c in numeric else v.ljust(w)
            for v, w, c in zip(values, widths, cols, strict=True)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(cols), *(line(r) for r in cells)])


def print_exclusions(
    exclusions: Any,
    max_rows: int,
    *,
    title: str = "Exclusions",
    rows: str = "row = line in the file or spreadsheet row",
) -> None:
    """Print an exclusions log (at most ``max_rows`` lines; 0 prints all).

    ``rows`` says what the row numbers are: lines of the file for ``read_cohort``'s log, rows
    of the cohort for the rows an analysis left out.

    Examples
    --------
    >>> import pandas as pd
    >>> print_exclusions(pd.DataFrame({"row": [3], "reason": ["negative time"]}), 10)
    <BLANKLINE>
    Exclusions (1 problem(s) in 1 row(s); row = line in the file or spreadsheet row)
    row  reason
      3  negative time
    """
    n_rows = exclusions["row"].nunique()
    print(f"\n{title} ({len(exclusions)} problem(s) in {n_rows} row(s); {rows})")
    shown = exclusions if max_rows <= 0 else exclusions.head(max_rows)
    if "reason" in shown:  # the fixes a reason names, as flags
        shown = shown.assign(reason=shown["reason"].map(lambda r: cli_syntax(str(r))))
    print(text_table(shown, numeric=("row",)))
    if len(shown) < len(exclusions):
        print(
            f"... {len(exclusions) - len(shown)} more; --max-rows 0 shows all, "
            "--exclusions-out FILE.csv writes all"
        )


def print_changes(audit: Any, max_rows: int) -> None:
    """Print the cells ``read_cohort`` set missing, converted or recoded (rows kept).

    Examples
    --------
    >>> import pandas as pd
    >>> print_changes(pd.DataFrame({"row": [3], "column": ["age"], "value": ["150"],
    ...     "action": ["set missing"], "reason": ["impossible age"]}), 10)
    <BLANKLINE>
    Cells changed (1; the patients are kept; row = line in the file or spreadsheet row)
    row  column  value  action       reason
      3  age     150    set missing  impossible age
    """
    changed = audit[audit["action"] != "excluded"]
    order = {"set missing": 0, "recoded": 1, "converted": 2}
    changed = changed.iloc[changed["action"].map(order).argsort(kind="stable")]
    if changed.empty:
        return
    print(
        f"\nCells changed ({len(changed)}; the patients are kept; row = line in the file or "
        "spreadsheet row)"
    )
    shown = changed if max_rows <= 0 else changed.head(max_rows)
    shown = shown.assign(reason=shown["reason"].map(lambda r: cli_syntax(str(r))))
    print(text_table(shown, numeric=("row",)))
    if len(shown) < len(changed):
        print(f"... {len(changed) - len(shown)} more; --max-rows 0 shows all")


@contextmanager
def writing(
    command: str, flag: str, target: str | Path, *, only_under: bool = False
) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``target`` into exit code 2 (one line).

    With ``only_under`` (a folder of outputs, e.g. a report) only errors on a path inside
    ``target`` are the user's; any other ``OSError`` stays an internal error.

    Examples
    --------
    >>> with writing("check", "--exclusions-out", "/dev/full"):
    ...     with open("/dev/full", "w") as fh:
    ...         _ = fh.write("x")
    Traceback (most recent call last):
    ...
    lms_prognosis._cli_support.UsageError: lms-prognosis check: error: --exclusions-out \
/dev/full: cannot be written (No space left on device)
    """
    try:
        yield
    except OSError as exc:
        if only_under and not _is_under(exc.filename, Path(target)):
            raise
        raise UsageError(
            f"{PROG} {command}: error: {flag} {target}: cannot be written ({exc.strerror or exc})"
        ) from None


def _is_under(filename: object, folder: Path) -> bool:
    """Is ``filename`` the folder, inside it, or inside the folder's temporary sibling
    (``.<name>.partial-*``, where ``write_report`` builds it before moving it into place)?"""
    if not isinstance(filename, str | os.PathLike):
        return False
    path = Path(os.fspath(filename)).absolute()
    folder = folder.absolute()
    for p in (path, *path.parents):
        if p == folder or (
            p.parent == folder.parent and p.name.startswith(f".{folder.name}.partial-")
        ):
            return True
    return False


def out_path(out: str, force: bool, command: str, flag: str = "--out") -> Path:
    """Check an output file before any work: a file name (not a folder) in a folder that
    exists and can be written, and not an existing file unless ``--force`` (which must then
    be writable).

    Examples
    --------
    >>> out_path("no-such-folder/x.csv", False, "simulate")
    Traceback (most recent call last):
    ...
    lms_prognosis._cli_support.UsageError: lms-prognosis simulate: error: --out \
no-such-folder/x.csv: directory no-such-folder does not exist
    """
    target = Path(out)
    where = f"{PROG} {command}: error: {flag} {out}"
    if target.is_dir():
        raise UsageError(f"{where} is a folder; give a file name, e.g. {flag} {target / 'x'}")
    if not target.parent.exists():
        raise UsageError(f"{where}: directory {target.parent} does not exist")
    if not target.parent.is_dir():
        raise UsageError(f"{where}: {target.parent} is a file, not a folder")
    if target.exists() and not force:
        raise UsageError(f"{where} exists; use --force to overwrite it")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"{where}: cannot be written (the file is read-only)")
    if not os.access(target.parent, os.W_OK):
        raise UsageError(f"{where}: cannot be written (folder {target.parent} is not writable)")
    return target


def check_times(times: list[float], cohort: Any, command: str, given: bool = True) -> None:
    """Refuse ``--times`` beyond the cohort's longest follow-up (an extrapolation).

    The Kaplan-Meier estimate and the Cox model's survival are not defined after the last
    follow-up time (R's ``summary(survfit, times=)`` drops such times unless
    ``extend=TRUE``); giving a number there would present an extrapolation as an estimate.
    Times the user gave are refused (exit 2); default times (``given=False``) beyond the
    follow-up are left out of ``times`` (in place) with a note on stderr, and refused only
    when none is left.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> check_times([12, 600], SimpleNamespace(data=pd.DataFrame({"time": [5.0, 80.5]})),
    ...             "predict")
    Traceback (most recent call last):
    ...
    lms_prognosis._cli_support.UsageError: lms-prognosis predict: error: --times 600: beyond \
the longest follow-up in the cohort (80.5 months); choose times up to 80.5 months
    """
    longest = float(cohort.data["time"].max())
    beyond = [t for t in times if t > longest]
    if not beyond:
        return
    listed = ",".join(f"{t:g}" for t in beyond)
    if given or len(beyond) == len(times):
        default = "" if given else " (the default)"
        raise UsageError(
            f"{PROG} {command}: error: --times {listed}{default}: beyond the longest follow-up "
            f"in the cohort ({longest:.1f} months); choose times up to {longest:.1f} months"
        )
    times[:] = [t for t in times if t <= longest]
    print(
        f"{PROG} {command}: note: default time(s) {listed} months left out: beyond the longest "
        f"follow-up in the cohort ({longest:.1f} months)",
        file=sys.stderr,
    )


def add_cohort_options(p: argparse.ArgumentParser) -> None:
    """The options of read_cohort, shared by every command that reads a cohort file."""
    p.add_argument(
        "--time-unit",
        choices=TIME_UNITS,
        default=None,
        help="unit of the time column (default: months, or what its name says, e.g. OS_days; "
        "a time_unit column or a unit written in a cell wins)",
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
    p.add_argument(
        "--values",
        type=values_arg,
        action="append",
        default=None,
        metavar="COL=CODES",
        help="coded categories, e.g. depth=1:superficial,2:deep (repeat for more columns); "
        "a code not listed is set missing",
    )
    p.add_argument(
        "--start-date",
        metavar="COL",
        default=None,
        help="derive the time from this date column (e.g. date of surgery) to --end-date",
    )
    p.add_argument(
        "--end-date", metavar="COL", default=None, help="the date of last contact or event"
    )
    p.add_argument(
        "--date-format",
        metavar="FMT",
        default=None,
        help="format of the date columns when the day/month order cannot be told, e.g. %%d/%%m/%%Y",
    )
    p.add_argument(
        "--sheet", metavar="NAME", default=None, help="sheet of an .xlsx/.ods workbook to read"
    )


def read_cohort_file(path: Path, args: argparse.Namespace) -> Any:
    """read_cohort with the options of :func:`add_cohort_options`."""
    from lms_prognosis.cohort.reader import read_cohort  # lazy: pandas, not at start-up

    opt = vars(args)  # a command without some of the options reads them as not given
    start, end = opt.get("start_date"), opt.get("end_date")
    if (start is None) != (end is None):
        raise UsageError(
            f"{PROG} {opt.get('command')}: error: give both --start-date and --end-date"
        )
    cohort = read_cohort(
        path,
        time_unit=opt.get("time_unit"),
        columns=opt.get("columns"),
        event_codes=opt.get("event_codes"),
        endpoint=opt.get("endpoint", "DSS"),
        values=dict(opt["values"]) if opt.get("values") else None,
        start_date=start,
        end_date=end,
        date_format=opt.get("date_format"),
        sheet=opt.get("sheet"),
    )
    if opt.get("times"):
        check_times(opt["times"], cohort, str(opt.get("command")), opt.get("times_given", True))
    return cohort


def one_line(message: str) -> None:
    """Print ``message`` to standard error as one line (the exit-2 and exit-1 message)."""
    print(" ".join(str(message).split()), file=sys.stderr)


def _flag_pairs(body: str) -> str:
    """``1: 0, 'dead': 1`` (a Python dict's inside) as ``1=0,dead=1``."""
    pairs = [p.split(":", 1) for p in body.split(",") if ":" in p]
    return ",".join(
        f"{k.strip().strip(chr(39) + chr(34))}={v.strip().strip(chr(39) + chr(34))}"
        for k, v in pairs
    )


def _values_flag(body: str) -> str:
    """``'depth': {1: 'superficial', 2: 'deep'}`` as ``depth=1:superficial,2:deep``."""
    column, _, codes = body.partition(":")
    pairs = _flag_pairs(codes.strip().strip("{}")).replace("=", ":")
    return f"--values {column.strip().strip(chr(39) + chr(34))}={pairs}"


_KEYWORD_TO_FLAG: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"values=\{([^{}]*\{[^{}]*\})\}"), lambda m: _values_flag(m.group(1))),
    (
        re.compile(r"\b(sheet|date_format|start_date|end_date)=(['\"])(.*?)\2"),
        lambda m: f"--{m.group(1).replace('_', '-')} {shlex.quote(m.group(3))}",
    ),
    (
        re.compile(
            r"\b(values|sheet|date_format|start_date|end_date|time_unit|event_codes|columns)="
            r"(?![\w'\"{])"
        ),
        lambda m: f"--{m.group(1).replace('_', '-')}",
    ),
    (re.compile(r"lp\.read_cohort\(\.\.\., ([^()]*)\)"), lambda m: m.group(1)),
    (re.compile(r"event_codes=\{([^{}]*)\}"), lambda m: f"--event-codes {_flag_pairs(m.group(1))}"),
    (re.compile(r"columns=\{([^{}]*)\}"), lambda m: f"--columns {_flag_pairs(m.group(1))}"),
    (
        re.compile(r"\b(time_unit|endpoint|missing|table_one_by)=(['\"]?)([\w-]*)\2"),
        lambda m: f"--{m.group(1).replace('_', '-')} {m.group(3)}".rstrip(),
    ),
    (
        re.compile(
            r"\b(allow_endpoint_mismatch|allow_outside_population|force|recalibrate)=True\b"
        ),
        lambda m: f"--{m.group(1).replace('_', '-')}",
    ),
]


def cli_syntax(message: str) -> str:
    """A package message with its Python keywords as the command's flags.

    Examples
    --------
    >>> cli_syntax("pass event_codes={1: 0, 2: 1} if it is R's status")
    "pass --event-codes 1=0,2=1 if it is R's status"
    >>> cli_syntax("name yours with columns={'OS_m': 'time'}; or time_unit='days'")
    'name yours with --columns OS_m=time; or --time-unit days'
    >>> cli_syntax("pass allow_endpoint_mismatch=True to proceed")
    'pass --allow-endpoint-mismatch to proceed'
    >>> cli_syntax("pass date_format='%d/%m/%Y' or sheet='Data 2'; start_date=/end_date=")
    "pass --date-format %d/%m/%Y or --sheet 'Data 2'; --start-date/--end-date"
    >>> cli_syntax("values={'depth': {1: 'superficial', 2: 'deep'}}")
    '--values depth=1:superficial,2:deep'
    """
    for pattern, flag in _KEYWORD_TO_FLAG:
        message = pattern.sub(flag, message)
    return message


def _write_traceback() -> str:
    """Write the current exception's traceback (and versions) to a temporary file."""
    fd, path = tempfile.mkstemp(prefix="lms-prognosis-error-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{PROG} {__version__}\nargv: {sys.argv!r}\n\n{traceback.format_exc()}")
        try:
            fh.write("\n" + "\n".join(f"{k}: {v}" for k, v in versions().items()) + "\n")
        except Exception as exc:  # the versions are a courtesy: say why they are missing
            fh.write(f"\n(versions not available: {type(exc).__name__}: {exc})\n")
    return path


def internal_error(exc: BaseException) -> int:
    """Report an unexpected exception: one line naming the traceback file; exit code 1."""
    try:
        where = f"the full traceback is in {_write_traceback()}"
    except OSError:
        where = "the traceback could not be written to a file"
    one_line(f"{PROG}: internal error ({type(exc).__name__}: {exc}); {where}. Please report it.")
    return 1


def command_names(parser: argparse.ArgumentParser) -> list[str]:
    """The names of the parser's commands, sorted."""
    return sorted(
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    )
