"""Erlang C against the published worked example and an independent exact implementation."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services import erlang


def exact_erlang_c(agents: int, traffic: Fraction) -> Fraction:
    """The textbook factorial formula in exact rational arithmetic (small N only)."""
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_published_example_100_calls_per_half_hour():
    result = erlang.agents_needed(200, 180, 20, 0.8)
    assert result.traffic_erlangs == pytest.approx(10.0)
    assert result.agents == 14
    assert result.service_level == pytest.approx(0.8884, abs=5e-5)
    assert result.probability_of_waiting == pytest.approx(0.1741, abs=5e-5)
    assert result.asa_seconds == pytest.approx(7.84, abs=5e-3)
    assert result.occupancy == pytest.approx(0.714, abs=5e-4)


def test_thirteen_agents_fall_short_of_eighty_percent():
    assert erlang.service_level(13, 10.0, 180, 20) == pytest.approx(0.796, abs=5e-4)
    assert erlang.service_level(13, 10.0, 180, 20) < 0.8


@pytest.mark.parametrize(
    "agents,traffic",
    [(1, Fraction(1, 2)), (3, Fraction(2)), (14, Fraction(10)), (20, Fraction(37, 2))],
)
def test_recursion_matches_exact_factorial_formula(agents, traffic):
    assert erlang.erlang_c(agents, float(traffic)) == pytest.approx(
        float(exact_erlang_c(agents, traffic)), rel=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(agents=st.integers(1, 40), traffic_tenths=st.integers(1, 399))
def test_recursion_matches_exact_formula_for_any_small_centre(agents, traffic_tenths):
    traffic = Fraction(traffic_tenths, 10)
    if agents <= traffic:
        assert erlang.erlang_c(agents, float(traffic)) == 1.0
    else:
        assert erlang.erlang_c(agents, float(traffic)) == pytest.approx(
            float(exact_erlang_c(agents, traffic)), rel=1e-9
        )


def test_agents_needed_is_the_smallest_meeting_the_target():
    result = erlang.agents_needed(500, 240, 30, 0.9)
    assert erlang.service_level(result.agents, result.traffic_erlangs, 240, 30) >= 0.9
    assert erlang.service_level(result.agents - 1, result.traffic_erlangs, 240, 30) < 0.9


def test_large_centre_does_not_overflow():
    result = erlang.agents_needed(20_000, 300, 20, 0.8)
    assert result.agents > result.traffic_erlangs > 1600
    assert math.isfinite(result.asa_seconds)


def test_no_arrivals_need_no_agents():
    assert erlang.agents_needed(0, 180, 20, 0.8).agents == 0


def test_too_few_agents_never_clear_the_queue():
    assert erlang.service_level(10, 10.0, 180, 20) == 0.0
    assert erlang.average_speed_of_answer(9, 10.0, 180) == math.inf


@pytest.mark.parametrize(
    "aht,target,level",
    [(0, 20, 0.8), (-5, 20, 0.8), (180, -1, 0.8), (180, 20, 0), (180, 20, 1), (180, 20, 1.5)],
)
def test_impossible_inputs_are_refused(aht, target, level):
    with pytest.raises(ValueError):
        erlang.agents_needed(100, aht, target, level)


def test_occupancy_cap_and_shrinkage_are_separate_steps():
    capped = erlang.agents_needed(200, 180, 20, 0.8, max_occupancy=0.6)
    assert capped.agents == 17  # 10 / 0.6 = 16.7 → 17
    assert erlang.rostered_for(14, 0.3) == 20
