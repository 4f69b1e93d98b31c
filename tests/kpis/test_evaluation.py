"""Target evaluation: every comparator, absolute and relative, exactly at / just above / just below."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpis.evaluation import describe_target, evaluate, value_of
from kpis.registry import Measurement

EXPECTED = {  # comparator -> (at, above, below) met?
    "lt": (False, False, True),
    "lte": (True, False, True),
    "gte": (True, True, False),
    "gt": (False, True, False),
}
thresholds = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)


def _status(value, spec, baseline=None):
    status, _resolved = evaluate(
        value=value, observations=100, specs=[spec], baseline=baseline, minimum_observations=30
    )
    return status


@pytest.mark.parametrize("comparator", sorted(EXPECTED))
@given(threshold=thresholds)
def test_absolute_target_at_above_and_below(comparator, threshold):
    spec = {
        "kind": "absolute",
        "comparator": comparator,
        "value": str(threshold),
        "factor": "1",
        "divisor": "1",
    }
    step = float(threshold) * 1e-6 + 1e-6
    at, above, below = (
        _status(float(threshold) + delta, spec) == "met" for delta in (0, step, -step)
    )
    assert (at, above, below) == EXPECTED[comparator]


@pytest.mark.parametrize("comparator", sorted(EXPECTED))
@given(
    baseline=st.floats(min_value=1, max_value=10000, allow_nan=False),
    factor=st.sampled_from(["0.8", "0.7", "1"]),
    divisor=st.sampled_from(["1", "1.3"]),
)
def test_relative_target_at_above_and_below(comparator, baseline, factor, divisor):
    spec = {
        "kind": "relative",
        "comparator": comparator,
        "value": None,
        "factor": factor,
        "divisor": divisor,
    }
    threshold = float(Decimal(repr(baseline)) * Decimal(factor) / Decimal(divisor))
    step = threshold * 1e-6
    at, above, below = (
        _status(threshold + delta, spec, baseline) == "met" for delta in (0, step, -step)
    )
    assert (at, above, below) == EXPECTED[comparator]


def test_all_conditions_must_hold():
    specs = [
        {"kind": "absolute", "comparator": "lte", "value": "30", "factor": "1", "divisor": "1"},
        {"kind": "relative", "comparator": "lte", "value": None, "factor": "0.8", "divisor": "1"},
    ]
    # 28 s is under 30 s but above 0.8 × 30 s = 24 s.
    assert (
        evaluate(value=28, observations=50, specs=specs, baseline=30, minimum_observations=30)[0]
        == "missed"
    )
    assert (
        evaluate(value=24, observations=50, specs=specs, baseline=30, minimum_observations=30)[0]
        == "met"
    )


def test_too_few_observations_is_insufficient_data_never_a_hundred_percent():
    spec = {"kind": "absolute", "comparator": "gte", "value": "0.85", "factor": "1", "divisor": "1"}
    assert evaluate(
        value=1.0, observations=29, specs=[spec], baseline=None, minimum_observations=30
    )[0] == ("insufficient_data")
    assert (
        evaluate(value=1.0, observations=30, specs=[spec], baseline=None, minimum_observations=30)[
            0
        ]
        == "met"
    )


def test_relative_target_without_baseline_is_insufficient_data():
    spec = {"kind": "relative", "comparator": "lte", "value": None, "factor": "0.8", "divisor": "1"}
    assert evaluate(
        value=10, observations=100, specs=[spec], baseline=None, minimum_observations=30
    )[0] == ("insufficient_data")


def test_no_target_is_no_target():
    assert (
        evaluate(value=0.5, observations=100, specs=[], baseline=None, minimum_observations=30)[0]
        == "no_target"
    )


def test_values_by_unit():
    assert value_of(Measurement(85, 100, 100), "percent") == 0.85
    assert value_of(Measurement(7, 200, 200), "per_100") == 3.5
    assert value_of(Measurement(12, 0, 12), "count") == 12
    assert value_of(Measurement(0, 0, 0), "percent") is None
    assert value_of(Measurement(0, 0, 31, value=42), "seconds") == 42


def test_target_descriptions():
    spec = {
        "kind": "absolute",
        "comparator": "gte",
        "value": "0.850000",
        "factor": "1",
        "divisor": "1",
    }
    assert describe_target(spec, "percent") == "≥ 85 %"
    assert (
        describe_target({**spec, "comparator": "lte", "value": "300.000000"}, "seconds")
        == "≤ 300 s"
    )
    relative = {
        "kind": "relative",
        "comparator": "lte",
        "value": None,
        "factor": "0.8",
        "divisor": "1",
    }
    assert describe_target(relative, "seconds") == "≤ 0.8 × baseline"
    assert (
        describe_target({**relative, "factor": "1", "divisor": "1.3"}, "seconds")
        == "≤ baseline / 1.3"
    )
