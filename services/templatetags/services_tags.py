from django import template

register = template.Library()


@register.filter
def mmss(value) -> str:
    """Seconds as m:ss (— when unknown)."""
    if value is None or value == "":
        return "—"
    seconds = int(round(float(value)))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def pct(value, digits: int = 1) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def ok_class(value) -> str:
    """CSS status for a met / missed comparison (None: nothing to compare)."""
    if value is None:
        return "status-no_target"
    return "status-met" if value else "status-missed"
