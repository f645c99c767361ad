"""Published leiomyosarcoma prognostic models, with their populations, evidence and sources.

``data`` holds every number with its source; ``design`` derives the models' binary factors
from cohort columns; ``baseline`` the baselines absolute risks come from; ``models`` the
published models; ``results`` what applying or recalibrating one returns; ``evidence`` the
evidence page (docs/evidence.md) generated from the records (imported on its own, so that
``python -m lms_prognosis.literature.evidence`` regenerates the page cleanly).
"""

from lms_prognosis.exceptions import EndpointMismatchError
from lms_prognosis.literature.baseline import Baseline
from lms_prognosis.literature.catalogue import list_models
from lms_prognosis.literature.design import model_design
from lms_prognosis.literature.models import PublishedModel, published_model
from lms_prognosis.literature.results import ModelApplication, Recalibration

__all__ = [
    "PublishedModel",
    "ModelApplication",
    "Recalibration",
    "Baseline",
    "published_model",
    "list_models",
    "model_design",
    "EndpointMismatchError",
]
