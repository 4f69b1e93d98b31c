"""The customer's view of an application: each stage change posts a customer-visible step on
the application's transparency case (DESIGN.md §3). Only `transparency.actions` and
`transparency.queries` are called. Until the transparency app provides them (it is built in
parallel), credit works without a case and posts nothing."""

from __future__ import annotations

import importlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Where an approval at a stage moves the customer's case.
CASE_STEP_AFTER_APPROVAL = {
    "initial_review": "second_review",
    "second_review": "final_approval",
    "final_approval": "disbursement",
}


def _module(name: str):
    try:
        return importlib.import_module(f"transparency.{name}")
    except ImportError:
        return None


def _action(name: str):
    module = _module("actions")
    return getattr(module, name, None) if module else None


def available() -> bool:
    return _action("open_case") is not None


def load_case(reference: str):
    """The Case for a reference, through transparency.queries (None when not available)."""
    if not reference:
        return None
    queries = _module("queries")
    for name in ("find_case_by_reference", "get_case_by_reference"):
        function = getattr(queries, name, None) if queries else None
        if function is not None:
            try:
                return function(reference)
            except Exception:  # noqa: BLE001 - a missing case must not block a credit decision
                logger.warning("credit: case %s not found in transparency", reference)
                return None
    return None


def open_for(application, *, actor):
    """Open the customer's case for a new application; returns (reference, access_code)."""
    open_case = _action("open_case")
    if open_case is None:
        return "", ""
    case, access_code = open_case(
        application.customer,
        business_type=application.product,
        branch=application.branch,
        actor=actor,
        title=str(_("Credit application %(reference)s")) % {"reference": application.reference},
    )
    return getattr(case, "reference", ""), access_code


def _call(application, name: str, **kwargs) -> None:
    function = _action(name)
    if function is None or not application.case_reference:
        return
    case = (
        application._case
        if hasattr(application, "_case")
        else load_case(application.case_reference)
    )
    if case is None:
        return
    application._case = case
    # The credit decision is the record that matters: a case someone closed by hand must not
    # block it. The failure is logged (and visible as a missing step on the timeline).
    try:
        with transaction.atomic():
            function(case, **kwargs)
    except (ValidationError, PermissionDenied) as error:
        logger.warning(
            "credit: could not post %s to case %s: %s", name, application.case_reference, error
        )


def post_submitted(application, *, actor) -> None:
    _call(
        application,
        "advance_case",
        actor=actor,
        to_step="initial_review",
        note=str(_("Application received; initial review started.")),
    )


def post_decision(application, *, stage: str, decision: str, actor) -> None:
    if decision == "approve":
        _call(
            application,
            "advance_case",
            actor=actor,
            to_step=CASE_STEP_AFTER_APPROVAL[stage],
            note=str(_("%(stage)s completed.")) % {"stage": _stage_label(stage)},
        )
    elif decision == "reject":
        _call(
            application,
            "reject_case",
            actor=actor,
            reason=str(_("The application was declined at %(stage)s."))
            % {"stage": _stage_label(stage)},
        )
    else:
        _call(
            application,
            "add_note",
            actor=actor,
            customer_visible=True,
            text=str(
                _(
                    "The bank needs more information for %(stage)s; your relationship manager will contact you."
                )
            )
            % {"stage": _stage_label(stage)},
        )


def post_resubmitted(application, *, actor) -> None:
    _call(
        application,
        "add_note",
        actor=actor,
        customer_visible=True,
        text=str(_("The information was provided; %(stage)s continues."))
        % {"stage": _stage_label(application.stage)},
    )


def _stage_label(stage: str) -> str:
    from credit.models import Stage

    return str(Stage(stage).label)
