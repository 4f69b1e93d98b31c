from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(ratio, digits: int = 2) -> str:
    """A ratio (0.0235) shown as a percentage ("2.35 %"); empty ratio → "—"."""
    if ratio is None or ratio == "":
        return "—"
    return f"{number_format(Decimal(str(ratio)) * 100, decimal_pos=int(digits))} %"
