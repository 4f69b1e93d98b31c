"""Erlang C (M/M/N queue without abandonment): pure functions, DOMAIN.md "Call-centre staffing".

Traffic A = λ · AHT erlangs. C(N, A) comes from the Erlang B recursion (B₀ = 1,
Bₖ = A·Bₖ₋₁ / (k + A·Bₖ₋₁)), then C = N·B / (N − A·(1 − B)): factorials overflow for large
centres, the recursion does not. Erlang C ignores abandonment, so it overstates waits when
callers hang up.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

# Beyond this a single queue is not a realistic branch or call centre; refuse rather than spin.
MAX_TRAFFIC = 50_000.0


def traffic_erlangs(arrivals_per_hour: float, aht_seconds: float) -> float:
    return arrivals_per_hour * aht_seconds / 3600.0


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/N/N system, by the stable recursion."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that an arrival waits. 1 when N ≤ A (the queue never clears)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    """Share of arrivals answered within `target_seconds`: 1 − C·e^(−(N−A)·T/AHT); 0 for N ≤ A."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(agents, traffic)
    return max(0.0, 1.0 - waiting * math.exp(-(agents - traffic) * target_seconds / aht_seconds))


def average_speed_of_answer(agents: int, traffic: float, aht_seconds: float) -> float:
    """ASA = C·AHT / (N − A) seconds; infinite when N ≤ A."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, traffic: float) -> float:
    if traffic <= 0:
        return 0.0
    return min(1.0, traffic / agents) if agents else 1.0


@dataclass(frozen=True)
class Staffing:
    agents: int
    service_level: float
    asa_seconds: float
    occupancy: float
    traffic_erlangs: float
    probability_of_waiting: float

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> Staffing:
    return Staffing(
        agents=agents,
        service_level=service_level(agents, traffic, aht_seconds, target_seconds),
        asa_seconds=average_speed_of_answer(agents, traffic, aht_seconds),
        occupancy=occupancy(agents, traffic),
        traffic_erlangs=traffic,
        probability_of_waiting=erlang_c(agents, traffic),
    )


def agents_needed(
    arrivals_per_hour: float,
    aht_seconds: float,
    target_seconds: float,
    target_level: float,
    *,
    max_occupancy: float | None = None,
) -> Staffing:
    """The smallest N > A with SL ≥ target (and, as a separate step, N ≥ A / max_occupancy).
    No arrivals need no agents."""
    if aht_seconds <= 0 or target_seconds < 0 or not 0 < target_level < 1:
        raise ValueError("aht_seconds > 0, target_seconds ≥ 0 and 0 < target_level < 1")
    traffic = traffic_erlangs(arrivals_per_hour, aht_seconds)
    if traffic <= 0:
        return evaluate(0, 0.0, aht_seconds, target_seconds)
    if traffic > MAX_TRAFFIC:
        raise ValueError(f"traffic above {MAX_TRAFFIC} erlangs")
    # Walk N upwards carrying Erlang B along, so the search is linear, not quadratic.
    agents = math.floor(traffic) + 1
    blocking = erlang_b(agents, traffic)
    while True:
        waiting = agents * blocking / (agents - traffic * (1 - blocking))
        level = 1.0 - waiting * math.exp(-(agents - traffic) * target_seconds / aht_seconds)
        if level >= target_level:
            break
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)
    if max_occupancy:
        agents = max(agents, math.ceil(traffic / max_occupancy - 1e-9))
    return evaluate(agents, traffic, aht_seconds, target_seconds)


def rostered_for(agents: int, shrinkage: float) -> int:
    """Staff to roster so that `agents` are available after shrinkage (breaks, training)."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    return math.ceil(agents / (1 - shrinkage) - 1e-9)
