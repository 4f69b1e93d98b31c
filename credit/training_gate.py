"""The training gate (issue #6): an officer whose mandatory risk-control training has lapsed
may not decide a credit stage. The answer comes from `training.queries`; while the training
app does not provide it, nobody is blocked. settings.QC_CREDIT_TRAINING_GATE turns it off."""

from __future__ import annotations

import importlib

from django.conf import settings


def training_has_lapsed(user) -> bool:
    if not settings.QC_CREDIT_TRAINING_GATE:
        return False
    try:
        queries = importlib.import_module("training.queries")
    except ImportError:
        return False
    check = getattr(queries, "has_lapsed_mandatory_training", None)
    if check is None:
        return False
    return bool(check(user, category="risk_control"))
