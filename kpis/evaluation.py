"""Pure functions: measurements to values, targets to thresholds, values to statuses.

Kept free of the database so they can be property-tested exhaustively.
"""

from __future__ import annotations

from decimal import Decimal

from kpis.registry import Measurement

COMPARATOR_SYMBOLS = {"lt": "<", "lte": "≤", "gte": "≥", "gt": ">"}
UNIT_SUFFIX = {"percent": " %", "seconds": " s", "per_100": " /100", "count": "", "ratio": ""}


def value_of(measurement: Measurement, unit: str) -> float | None:
    """The KPI value in stored units: percent and ratio as numerator / denominator (a percent
    is stored as a ratio 0..1), seconds as a mean (or the given statistic, e.g. a median),
    per_100 as 100 × numerator / denominator, count as the numerator."""
    if measurement.value is not None:
        return float(measurement.value)
    if unit == "count":
        return float(measurement.numerator)
    if not measurement.denominator:
        return None
    if unit == "per_100":
        return 100 * float(measurement.numerator) / float(measurement.denominator)
    return float(measurement.numerator) / float(measurement.denominator)


def threshold_of(spec: dict, baseline: float | None) -> float | None:
    """The number a target compares against; None when a relative target has no baseline."""
    if spec["kind"] == "absolute":
        return float(Decimal(spec["value"]))
    if baseline is None:
        return None
    return float(Decimal(repr(baseline)) * Decimal(spec["factor"]) / Decimal(spec["divisor"]))


def compare(value: float, comparator: str, threshold: float) -> bool:
    # Round away binary noise (0.1 + 0.2) so "exactly at the target" means at the target.
    value, threshold = round(value, 9), round(threshold, 9)
    if comparator == "lt":
        return value < threshold
    if comparator == "lte":
        return value <= threshold
    if comparator == "gte":
        return value >= threshold
    if comparator == "gt":
        return value > threshold
    raise ValueError(f"unknown comparator {comparator!r}")


def evaluate(
    *,
    value: float | None,
    observations: int,
    specs: list[dict],
    baseline: float | None,
    minimum_observations: int,
) -> tuple[str, list[dict]]:
    """Status of a value against every target in force (all must hold), and the specs with
    their resolved thresholds for the result's snapshot."""
    resolved = [{**spec, "threshold": threshold_of(spec, baseline)} for spec in specs]
    if not specs:
        return "no_target", resolved
    if value is None or observations < minimum_observations:
        return "insufficient_data", resolved
    if any(spec["threshold"] is None for spec in resolved):
        return "insufficient_data", resolved  # relative target but no usable baseline
    met = all(compare(value, spec["comparator"], spec["threshold"]) for spec in resolved)
    return ("met" if met else "missed"), resolved


def format_value(value: float | None, unit: str) -> str:
    if value is None or value == "":  # "" is a missing value in a template
        return "—"
    value = float(value)
    if unit == "percent":
        return f"{value * 100:.1f} %"
    if unit == "seconds":
        return f"{value:.0f} s" if abs(value) >= 10 else f"{value:.1f} s"
    if unit == "per_100":
        return f"{value:.2f}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.3f}"


def _number(text: str) -> str:
    return format(Decimal(text).normalize(), "f")


def describe_target(spec: dict, unit: str, baseline_word: str = "baseline") -> str:
    """`≥ 85 %`, `≤ 300 s`, `≤ 0.8 × baseline`, `≤ baseline / 1.3`."""
    symbol = COMPARATOR_SYMBOLS[spec["comparator"]]
    if spec["kind"] == "absolute":
        value = Decimal(spec["value"])
        if unit == "percent":
            return f"{symbol} {_number(str(value * 100))} %"
        return f"{symbol} {_number(str(value))}{UNIT_SUFFIX.get(unit, '')}"
    factor, divisor = Decimal(spec["factor"]), Decimal(spec["divisor"])
    text = baseline_word
    if factor != 1:
        text = f"{_number(str(factor))} × {baseline_word}"
    if divisor != 1:
        text = f"{text} / {_number(str(divisor))}"
    return f"{symbol} {text}"


def describe_targets(
    specs: list[dict], unit: str, baseline_word: str = "baseline", joiner: str = " and "
) -> str:
    return joiner.join(describe_target(spec, unit, baseline_word) for spec in specs)
