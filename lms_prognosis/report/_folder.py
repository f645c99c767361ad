"""The report's output folder: refuse what must not be overwritten, and swap a finished report
into place with one rename.

``write_report`` builds the report in a hidden sibling folder (``.<name>.partial-*``) and calls
:func:`move_into_place` only when every file is written, so an interruption (Ctrl-C) or an
error leaves the target absent or holding the previous complete report, never a mixture.
"""

from __future__ import annotations

import errno
import json
import shutil
import tempfile
from pathlib import Path

from lms_prognosis.exceptions import ReportExistsError

__all__ = ["check_out_dir", "make_parent", "move_into_place"]


def check_out_dir(out_dir: Path, force: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder without ``force``; write nothing."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportExistsError(f"output path {out_dir} exists and is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        n = sum(1 for _ in out_dir.iterdir())
        raise ReportExistsError(
            f"output folder {out_dir} is not empty ({n} entries); pass force=True "
            "(--force on the command line) to overwrite the report in it"
        )


def make_parent(out_dir: Path) -> None:
    """Create the folders above ``out_dir``; an OSError names ``out_dir`` (the caller's path)."""
    for parent in (out_dir.parent, *out_dir.parent.parents):
        if parent.exists() and not parent.is_dir():
            raise NotADirectoryError(
                errno.ENOTDIR, f"{parent} is a file, not a folder", str(out_dir)
            )
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(out_dir)) from exc


def _old_report_files(out_dir: Path) -> set[Path]:
    """The files an earlier report in ``out_dir`` wrote (its manifest lists them)."""
    old = out_dir / "manifest.json"
    if not old.is_file():
        return set()
    try:
        listed = json.loads(old.read_text(encoding="utf-8")).get("files", [])
    except (json.JSONDecodeError, OSError, AttributeError):
        listed = []
    files = {old.resolve()}
    for entry in listed:
        p = (out_dir / str(entry.get("path", ""))).resolve()
        if out_dir.resolve() in p.parents:
            files.add(p)
    return files


def move_into_place(partial: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by the finished ``partial`` folder with one rename.

    A previous report's files are dropped; any other file in ``out_dir`` (the user's) is
    moved into the new folder after the swap, so the target is always either the previous
    complete report or the new complete one, never a mixture.
    """
    if not out_dir.exists() or not any(out_dir.iterdir()):
        if out_dir.exists():
            out_dir.rmdir()
        partial.rename(out_dir)
        return
    old = _old_report_files(out_dir)
    keep = [p for p in sorted(out_dir.rglob("*")) if p.is_file() and p.resolve() not in old]
    previous = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.previous-", dir=out_dir.parent))
    previous.rmdir()
    out_dir.rename(previous)
    partial.rename(out_dir)
    for p in keep:  # the user's own files, back where they were (never over a new file)
        src = previous / p.relative_to(out_dir)
        dst = out_dir / p.relative_to(out_dir)
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dst)
    shutil.rmtree(previous, ignore_errors=True)
