from datetime import date
from decimal import Decimal

from kpis.models import KpiDefinition, KpiTarget


def target(
    code: str,
    comparator: str,
    value=None,
    *,
    kind="absolute",
    factor="1",
    divisor="1",
    effective_from=date(2020, 1, 1),
    branch=None,
) -> KpiTarget:
    return KpiTarget.objects.create(
        kpi=KpiDefinition.objects.get(code=code),
        kind=kind,
        comparator=comparator,
        value=None if value is None else Decimal(str(value)),
        factor=Decimal(factor),
        divisor=Decimal(divisor),
        effective_from=effective_from,
        branch=branch,
    )
