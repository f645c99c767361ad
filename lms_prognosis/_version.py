"""The package version, read by ``lms_prognosis.__version__`` and provenance records."""

__version__ = "0.1.0"
