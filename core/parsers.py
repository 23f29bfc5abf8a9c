"""DRF's JSON parser with a bound on nesting (`JSON_MAX_DEPTH`).

Python's `json` recurses once per level and raises `RecursionError` (a 500) near 1,000 levels; no Stockroom body
nests more than four. A body nested deeper than the setting is a 400 `parse_error` naming the limit, before any
serializer walks it.
"""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _too_deep() -> ParseError:
    return ParseError(f"JSON nested deeper than {settings.JSON_MAX_DEPTH} levels (JSON_MAX_DEPTH).")


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if _depth_exceeds(data, settings.JSON_MAX_DEPTH):
            raise _too_deep()
        return data
