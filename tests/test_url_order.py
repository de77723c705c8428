"""Every URL pattern is reachable: no pattern listed earlier catches a path that a later one
serves (the label routes resolve first, so this guards their place at the head of the list).
This test fails if, say, the public page's include moves above a pattern it would catch."""

import re

from django.urls import Resolver404, get_resolver, resolve
from django.urls.resolvers import RoutePattern, URLResolver

SAMPLES = {"int": "7", "positive_int": "7", "slug": "abc", "str": "XYZ7", "path": "a/b"}


def _sample(pattern: RoutePattern) -> str:
    return re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "x"), str(pattern)
    )


def _routes(patterns, prefix=""):
    """(a sample path, the pattern) for every pattern written as a route, through includes."""
    for pattern in patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue  # regular expressions (the GS1 resolver, the admin's) are not sampled
        path = prefix + _sample(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, path)
        else:
            yield path, pattern


def _view(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback


def test_every_route_resolves_to_its_own_view() -> None:
    shadowed: list[tuple[str, str | None, str | None]] = []
    for path, pattern in _routes(get_resolver().url_patterns):
        try:
            match = resolve("/" + path)
        except Resolver404:
            shadowed.append((path, pattern.name, None))
            continue
        # An earlier pattern of the same name is an override on purpose (ours of allauth's).
        if _view(match.func) is not _view(pattern.callback) and match.url_name != pattern.name:
            shadowed.append((path, pattern.name, match.url_name))
    assert not shadowed
