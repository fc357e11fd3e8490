"""Understanding a complaint on arrival: category, product, severity, sentiment, crisis."""

from services.intake.classification.classifier import (
    Classification,
    Classifier,
    ToClassify,
    shipped,
)

__all__ = ["Classification", "Classifier", "ToClassify", "shipped"]
