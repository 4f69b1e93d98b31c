"""Formatting of KPI values, changes, targets and sparklines for the dashboard templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kpis.evaluation import describe_targets, format_value

register = template.Library()


@register.filter
def kpi_value(value, unit: str) -> str:
    return format_value(value, unit)


@register.filter
def kpi_target(result) -> str:
    """The target a result was judged by, from its snapshot, in the user's language."""
    if result is None or not result.target_snapshot:
        return ""
    joiner = " " + _("and") + " "
    return describe_targets(result.target_snapshot, result.kpi.unit, _("baseline"), joiner)


@register.simple_tag
def kpi_targets(targets, unit: str) -> str:
    joiner = " " + _("and") + " "
    return describe_targets([t.as_spec() for t in targets], unit, _("baseline"), joiner)


@register.simple_tag
def kpi_change(change, definition) -> str:
    """`▲ 2.1 pp better`: the sign, the size in the KPI's unit, and better/worse in words."""
    if change is None:
        return "—"
    if abs(change) < 1e-12:
        return _("unchanged")
    unit = definition.unit
    if unit == "percent":
        size = f"{abs(change) * 100:.1f} pp"
    elif unit == "seconds":
        size = f"{abs(change):.0f} s" if abs(change) >= 10 else f"{abs(change):.1f} s"
    else:
        size = f"{abs(change):.2f}".rstrip("0").rstrip(".")
    better = (change > 0) == (definition.direction == "higher")
    arrow = "▲" if change > 0 else "▼"
    word = _("better") if better else _("worse")
    return format_html(
        '<span class="change change-{}">{} {} {}</span>',
        "better" if better else "worse",
        arrow,
        size,
        word,
    )


@register.simple_tag
def sparkline(series, width: int = 120, height: int = 28) -> str:
    """An inline SVG line of the last periods; gaps where a period has no value."""
    values = [value for _key, value in series]
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return format_html('<span class="muted spark-empty">{}</span>', _("no trend yet"))
    low, high = min(known), max(known)
    span = (high - low) or 1
    step = width / max(len(values) - 1, 1)
    segments, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x = index * step
        y = height - 2 - (value - low) / span * (height - 4)
        current.append(f"{x:.1f},{y:.1f}")
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{" ".join(points)}"/>'
        for points in segments
    )
    label = _("Trend over the last %(count)s periods") % {"count": len(values)}
    return mark_safe(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}">{lines}</svg>'
    )


@register.filter
def status_label(status: str) -> str:
    from kpis.models import Status

    try:
        return Status(status).label
    except ValueError:
        return _("No result")


@register.filter
def make_list_of_one(value) -> list:
    return [value]
