from django import template

from transparency import queries

register = template.Library()


@register.simple_tag
def customer_timeline_of(case):
    """The customer-safe timeline (never internal notes)."""
    return queries.customer_timeline(case)
