"""Walk the URL configuration: every pattern, with its namespaced name."""

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            if namespace and name:
                name = f"{namespace}:{name}"
            yield prefix + str(pattern.pattern), name


def all_patterns() -> list[tuple[str, str]]:
    """(route, name) of every URL pattern; unnamed patterns get their route as name."""
    seen, result = set(), []
    for route, name in _walk(get_resolver()):
        key = name or route
        if key in seen:
            continue
        seen.add(key)
        result.append((route, key))
    return result
