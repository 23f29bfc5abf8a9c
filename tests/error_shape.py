"""The contract's error body, checked on every error response a test client receives under `/api/`.

`tests/conftest.py` wraps Django's test client (and so DRF's `APIClient`) with `check_error_shape`, so every API test
of the suite also checks the shape of each error it provokes, and a new route cannot answer another shape unnoticed.
"""

import json
import re

API_PREFIX = "/api/"


class ErrorShapeViolation(AssertionError):
    pass


def check_error_shape(response, path: str, method: str) -> None:
    """Raise ErrorShapeViolation unless an error under /api/ is `{status (the HTTP status), code, detail, errors?}`."""
    if response.status_code < 400 or not path.startswith(API_PREFIX) or method == "HEAD":
        return
    where = f"{method} {path} answered {response.status_code}"
    content_type = response.get("Content-Type", "")
    if not re.match(r"application/(?:[\w.+-]+\+)?json\b", content_type):  # JSON, or a JSON type such as the schema's
        raise ErrorShapeViolation(f"{where} with {content_type!r}, not JSON: {response.content[:200]!r}")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise ErrorShapeViolation(f"{where} with a body that is not JSON: {response.content[:200]!r}") from exc
    problems = _problems(body, response.status_code)
    if problems:
        raise ErrorShapeViolation(f"{where} with {body!r}: {'; '.join(problems)}")


def _problems(body, status_code: int) -> list[str]:
    if not isinstance(body, dict):
        return ["the body is not an object"]
    problems = []
    if type(body.get("status")) is not int or body["status"] != status_code:
        problems.append(f"`status` must be the integer {status_code}")
    if not isinstance(body.get("code"), str) or not body["code"]:
        problems.append("`code` must be a non-empty string")
    if not isinstance(body.get("detail"), str) or not body["detail"].strip():
        problems.append("`detail` must be a sentence")
    errors = body.get("errors")
    if errors is not None and not (
        isinstance(errors, dict)
        and all(
            isinstance(messages, list) and all(isinstance(message, str) for message in messages)
            for messages in errors.values()
        )
    ):
        problems.append("`errors` must map field paths to lists of messages")
    return problems
