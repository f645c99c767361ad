"""``python -m lms_prognosis``: the same as the ``lms-prognosis`` command."""

from lms_prognosis.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
