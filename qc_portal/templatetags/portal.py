"""Small template helpers shared by every app: `{% load portal %}`."""

import json

from django import template

register = template.Library()


@register.filter
def as_json(value) -> str:
    """A value as compact JSON (Chinese kept readable), e.g. an audit event's changes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
