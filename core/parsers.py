"""DRF's JSON parser with a bound on nesting (`JSON_MAX_DEPTH`), and its multipart parser refusing a body of no
named part.

Python's `json` recurses once per level and raises `RecursionError` (a 500) near 1,000 levels; no Stockroom body
nests more than four. A body nested deeper than the setting is a 400 `parse_error` naming the limit, before any
serializer walks it.

Django's multipart parser skips a part without a `Content-Disposition` name, so a body that is not a form at all
(`True` between two boundaries) read as an empty form, and a `PATCH` answered it 200 having changed nothing. A
body with content but no named part is a 400 `parse_error`; an empty form (`--b--`) is still an empty form.
"""

from django.conf import settings
from django.utils.http import parse_header_parameters
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


class _Head:
    """A read-only stream that keeps the first `limit` bytes read from it."""

    def __init__(self, stream, limit: int = 1024):
        self.stream, self.limit, self.head = stream, limit, b""

    def read(self, *args):
        chunk = self.stream.read(*args)
        if len(self.head) < self.limit:
            self.head += chunk[: self.limit - len(self.head)]
        return chunk


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        head = _Head(stream)
        result = super().parse(head, media_type, parser_context)
        if not result.data and not result.files:
            boundary = parse_header_parameters(media_type or "")[1].get("boundary", "").encode()
            if head.head.strip() not in (b"", b"--" + boundary + b"--"):
                raise ParseError("Multipart form parse error - no part of the body names a field.")
        return result
