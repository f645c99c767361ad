"""Published leiomyosarcoma prognostic models, with their populations, evidence and sources."""

from lms_prognosis.literature.design import model_design
from lms_prognosis.literature.models import (
    Baseline,
    EndpointMismatchError,
    ModelApplication,
    PublishedModel,
    list_models,
    published_model,
)

__all__ = ["PublishedModel", "ModelApplication", "Baseline", "published_model", "list_models",
           "model_design", "EndpointMismatchError"]
