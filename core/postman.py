"""The Postman collection and environment in `docs/postman/`, built from the workflow and the OpenAPI schema.

`docs/postman/workflow.yaml` says what a person would do, in order: each request names a method and a URL (with
`{{variables}}`), the status it expects, the fields to check and the ids to save for later requests. Request bodies
come from the schema's own examples (the first, or the one named), with the workflow's `set` on top, so the
collection shows what the schema documents. `manage.py postman` writes the files; `manage.py postman --check`
fails when they are stale. Every request must name an operation of the schema (`WorkflowError` otherwise).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

POSTMAN_DIR = Path(settings.BASE_DIR) / "docs" / "postman"
WORKFLOW = POSTMAN_DIR / "workflow.yaml"
COLLECTION = POSTMAN_DIR / "stockroom.postman_collection.json"
ENVIRONMENT = POSTMAN_DIR / "stockroom.postman_environment.json"
SCHEMA_VERSION = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
_ID_VARIABLE = re.compile(r'"(\{\{[a-z_]*id\}\})"')  # a quoted "{{..._id}}" becomes a bare number in the body


class WorkflowError(Exception):
    pass


@dataclass(frozen=True)
class Built:
    collection: dict
    environment: dict
    operations: set[tuple[str, str]]  # (METHOD, schema path) that some request exercises


def openapi_schema() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def build(workflow: dict | None = None, schema: dict | None = None) -> Built:
    workflow = workflow if workflow is not None else yaml.safe_load(WORKFLOW.read_text())
    schema = schema if schema is not None else openapi_schema()
    scripts = workflow["scripts"]
    operations: set[tuple[str, str]] = set()
    folders = []
    for folder in workflow["folders"]:
        items = []
        for step in folder["requests"]:
            operation, item = _item(step, schema)
            operations.add(operation)
            items.append(item)
        folders.append({"name": folder["name"], "description": folder.get("description", ""), "item": items})
    collection = {
        "info": {
            "name": workflow["name"],
            "description": workflow["description"],
            "schema": SCHEMA_VERSION,
        },
        "auth": _bearer("access_token"),
        "event": [_event("prerequest", scripts["prerequest"]), _event("test", scripts["test"])],
        "item": folders,
    }
    environment = {
        "name": workflow["name"],
        "values": [
            {"key": key, "value": str(value), "type": "secret" if "password" in key else "default", "enabled": True}
            for key, value in workflow["environment"].items()
        ],
    }
    return Built(collection, environment, operations)


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _item(step: dict, schema: dict) -> tuple[tuple[str, str], dict]:
    method, url = step["request"].split(" ", 1)
    path, _, query = url.partition("?")
    operation = _operation(schema, method.lower(), path, step["name"])
    request = {
        "method": method,
        "header": [{"key": key, "value": str(value)} for key, value in step.get("headers", {}).items()],
        "url": _url(path, query),
        "description": operation.get("summary", ""),
    }
    body = _body(step, operation)
    if body is not None:
        request["body"] = body
        if body["mode"] == "raw":
            request["header"].insert(0, {"key": "Content-Type", "value": "application/json"})
    auth = step.get("auth", "access_token")
    if auth != "access_token":
        request["auth"] = {"type": "noauth"} if auth == "none" else _bearer(auth)
    events = [_event("prerequest", step["prerequest"])] if "prerequest" in step else []
    item = {"name": step["name"], "request": request, "event": [*events, _event("test", _tests(step))]}
    return (method.upper(), operation["x-path"]), item


def _operation(schema: dict, method: str, path: str, name: str) -> dict:
    segments = path.split("/")
    # Literal paths first: `/api/products/export/` is not `/api/products/{id}/`.
    for template, item in sorted(schema["paths"].items(), key=lambda pair: pair[0].count("{")):
        parts = template.split("/")
        if method in item and len(parts) == len(segments) and all(map(_matches, parts, segments)):
            return {**item[method], "x-path": template}
    raise WorkflowError(f"{name!r}: {method.upper()} {path} is not an operation of the schema")


def _matches(template_part: str, part: str) -> bool:
    """A `{parameter}` of the schema's path takes any value (a `{{variable}}` or a literal id)."""
    return part == template_part or (template_part.startswith("{") and part != "")


def _url(path: str, query: str) -> dict:
    url = {"raw": "{{baseUrl}}" + path + (f"?{query}" if query else ""), "host": ["{{baseUrl}}"]}
    url["path"] = [segment for segment in path.split("/") if segment] + [""]
    if query:
        url["query"] = [dict(zip(("key", "value"), pair.split("=", 1), strict=False)) for pair in query.split("&")]
    return url


def _body(step: dict, operation: dict) -> dict | None:
    if "form" in step:
        return {"mode": "formdata", "formdata": [_form_field(key, value) for key, value in step["form"].items()]}
    if "body" in step:
        value = step["body"]
    else:
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None or step.get("example") is False:
            return None
        examples = content.get("examples", {})
        name = step.get("example") or next(iter(examples), None)
        if name not in examples:
            raise WorkflowError(f"{step['name']!r}: the schema has no request example {name!r}")
        value = {**examples[name]["value"], **step.get("set", {})}
    raw = _ID_VARIABLE.sub(r"\1", json.dumps(value, indent=2, ensure_ascii=False))
    return {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}


def _form_field(key: str, value: str) -> dict:
    if value.startswith("@"):
        return {"key": key, "type": "file", "src": value[1:]}
    return {"key": key, "type": "text", "value": value}


def _tests(step: dict) -> list[str]:
    status = step["status"]
    if isinstance(status, list):  # several answers are right, e.g. 404 when an earlier step found nothing
        check = f"pm.test('answers one of {status}', () => pm.expect(pm.response.code).to.be.oneOf({status}));"
    else:
        check = f"pm.test('answers {status}', () => pm.response.to.have.status({status}));"
    lines = [
        "const json = (pm.response.headers.get('Content-Type') || '').includes('json') ? pm.response.json() : null;",
        check,
    ]
    for path, value in step.get("expect", {}).items():
        expected = json.dumps(value, ensure_ascii=False)
        title = json.dumps(f"{path} is {expected}")
        lines.append(f"pm.test({title}, () => pm.expect(json.{path}).to.eql({expected}));")
    for variable, expression in step.get("save", {}).items():
        lines.append(f"if (json) {{ pm.environment.set('{variable}', json.{expression}); }}")
    lines += [line for line in step.get("test", "").splitlines() if line.strip()]
    return lines


def _event(listen: str, lines: list[str] | str) -> dict:
    exec_lines = lines.splitlines() if isinstance(lines, str) else lines
    return {"listen": listen, "script": {"type": "text/javascript", "exec": exec_lines}}


def _bearer(variable: str) -> dict:
    return {"type": "bearer", "bearer": [{"key": "token", "value": "{{" + variable + "}}", "type": "string"}]}
