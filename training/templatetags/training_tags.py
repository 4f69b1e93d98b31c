from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """A ratio 0..1 as a percentage; an em dash when there is none."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f} %"
