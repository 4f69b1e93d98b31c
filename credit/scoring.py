"""The scorecard: pure functions that score an application under one policy version."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The bank's starting policy (version 1 in the demo and the tests). Points add up to 100.
DEFAULT_SCORECARD = {
    "factors": [
        {
            "code": "debt_to_income",
            "label_zh": "负债收入比",
            "label_en": "Debt-to-income ratio",
            "kind": "range",
            "bands": [
                {"below": 0.2, "points": 30},
                {"below": 0.35, "points": 22},
                {"below": 0.5, "points": 12},
                {"below": None, "points": 0},
            ],
        },
        {
            "code": "credit_history_years",
            "label_zh": "信用记录年限",
            "label_en": "Years of credit history",
            "kind": "range",
            "bands": [
                {"below": 1, "points": 0},
                {"below": 3, "points": 8},
                {"below": 7, "points": 15},
                {"below": None, "points": 20},
            ],
        },
        {
            "code": "collateral_cover",
            "label_zh": "抵押覆盖率",
            "label_en": "Collateral cover",
            "kind": "range",
            "bands": [
                {"below": 0.5, "points": 0},
                {"below": 1.0, "points": 10},
                {"below": 1.5, "points": 16},
                {"below": None, "points": 20},
            ],
        },
        {
            "code": "employment",
            "label_zh": "就业情况",
            "label_en": "Employment",
            "kind": "choice",
            "points": {"permanent": 20, "self_employed": 12, "contract": 10, "none": 0},
        },
        {
            "code": "existing_exposure_ratio",
            "label_zh": "现有负债占比",
            "label_en": "Existing exposure / income",
            "kind": "range",
            "bands": [
                {"below": 0.5, "points": 10},
                {"below": 1.5, "points": 5},
                {"below": None, "points": 0},
            ],
        },
    ]
}
DEFAULT_GRADE_BANDS = [
    {"grade": "A", "min_score": 80},
    {"grade": "B", "min_score": 65},
    {"grade": "C", "min_score": 50},
    {"grade": "D", "min_score": 0},
]
DEFAULT_CUTOFF = 50
DEFAULT_AMOUNT_TIERS = [
    {"up_to": "500000", "cutoff": 50},
    {"up_to": "3000000", "cutoff": 60},
    {"up_to": None, "cutoff": 70},
]


def _number(value, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {"scorecard_inputs": _("%(field)s must be a number.") % {"field": field}}
        ) from None


def validate_policy(scorecard, grade_bands, cutoff_score, amount_tiers) -> None:
    """Refuse a policy whose parts cannot score an application."""
    errors: dict[str, list] = {}
    factors = scorecard.get("factors") if isinstance(scorecard, dict) else None
    if not factors or not isinstance(factors, list):
        errors["scorecard"] = [_("The scorecard needs a list of factors.")]
    else:
        codes = set()
        for factor in factors:
            code = factor.get("code") if isinstance(factor, dict) else None
            if not code or code in codes:
                errors.setdefault("scorecard", []).append(_("Every factor needs a unique code."))
                continue
            codes.add(code)
            kind = factor.get("kind")
            if kind == "range":
                bands = factor.get("bands") or []
                if not bands or bands[-1].get("below") is not None:
                    errors.setdefault("scorecard", []).append(
                        _("Factor %(code)s: the last band must be open (below = null).")
                        % {"code": code}
                    )
            elif kind == "choice":
                if not isinstance(factor.get("points"), dict) or not factor["points"]:
                    errors.setdefault("scorecard", []).append(
                        _("Factor %(code)s: a choice factor needs points per option.")
                        % {"code": code}
                    )
            else:
                errors.setdefault("scorecard", []).append(
                    _("Factor %(code)s: kind must be range or choice.") % {"code": code}
                )
    if (
        not isinstance(grade_bands, list)
        or not grade_bands
        or any(
            not isinstance(b, dict) or "grade" not in b or "min_score" not in b for b in grade_bands
        )
    ):
        errors["grade_bands"] = [_("Grade bands need a grade and a minimum score each.")]
    elif min(int(b["min_score"]) for b in grade_bands) > 0:
        errors["grade_bands"] = [_("The lowest grade band must start at 0.")]
    if not isinstance(cutoff_score, int) or cutoff_score < 0:
        errors["cutoff_score"] = [_("The cut-off must be a score of 0 or more.")]
    if not isinstance(amount_tiers, list) or (
        amount_tiers and amount_tiers[-1].get("up_to") is not None
    ):
        errors["amount_tiers"] = [_("Amount tiers must end with an open tier (up_to = null).")]
    if errors:
        raise ValidationError(errors)


def score(policy, inputs: dict) -> tuple[int, str]:
    """(points, grade) of `inputs` under `policy`. Every factor must be answered."""
    if not isinstance(inputs, dict):
        raise ValidationError({"scorecard_inputs": _("Scorecard inputs must be an object.")})
    total = 0
    missing = []
    for factor in policy.scorecard["factors"]:
        code = factor["code"]
        if code not in inputs or inputs[code] in (None, ""):
            missing.append(code)
            continue
        value = inputs[code]
        if factor["kind"] == "choice":
            if str(value) not in factor["points"]:
                raise ValidationError(
                    {
                        "scorecard_inputs": _("%(field)s must be one of: %(options)s.")
                        % {"field": code, "options": ", ".join(factor["points"])}
                    }
                )
            total += int(factor["points"][str(value)])
        else:
            number = _number(value, code)
            for band in factor["bands"]:
                if band.get("below") is None or number < Decimal(str(band["below"])):
                    total += int(band["points"])
                    break
    if missing:
        raise ValidationError(
            {
                "scorecard_inputs": _("Missing scorecard inputs: %(fields)s.")
                % {"fields": ", ".join(missing)}
            }
        )
    return total, grade_for(policy.grade_bands, total)


def grade_for(grade_bands: list, points: int) -> str:
    for band in sorted(grade_bands, key=lambda b: -int(b["min_score"])):
        if points >= int(band["min_score"]):
            return str(band["grade"])
    return str(grade_bands[-1]["grade"])


def breakdown(policy, inputs: dict) -> list[dict]:
    """Each factor's input and the points it earned (for the application page)."""
    rows = []
    for factor in policy.scorecard["factors"]:
        value = inputs.get(factor["code"])
        points = None
        try:
            if factor["kind"] == "choice":
                points = factor["points"].get(str(value))
            elif value not in (None, ""):
                number = Decimal(str(value))
                points = next(
                    int(b["points"])
                    for b in factor["bands"]
                    if b.get("below") is None or number < Decimal(str(b["below"]))
                )
        except (InvalidOperation, StopIteration):
            points = None
        rows.append(
            {
                "code": factor["code"],
                "label_zh": factor.get("label_zh", factor["code"]),
                "label_en": factor.get("label_en", factor["code"]),
                "value": value,
                "points": points,
            }
        )
    return rows
