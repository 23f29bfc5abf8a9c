"""The committed Postman collection is what `make postman` builds, and it exercises every operation of the schema.

newman runs it against a real server in `make postman-test` (and CI); these tests keep it in step with the schema.
"""

import pytest

from core import postman

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    return postman.openapi_schema()


@pytest.fixture(scope="module")
def built(schema):
    return postman.build(schema=schema)


def test_the_committed_collection_and_environment_are_up_to_date(built):
    # When this fails: run `make postman` and commit docs/postman/.
    assert postman.COLLECTION.read_text() == postman.render(built.collection)
    assert postman.ENVIRONMENT.read_text() == postman.render(built.environment)


def test_every_operation_of_the_schema_is_in_a_request(schema, built):
    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item if method in METHODS
    }

    # When this fails: add a request for each operation named to docs/postman/workflow.yaml, then `make postman`.
    assert sorted(operations - built.operations) == []


def test_a_request_that_names_no_operation_of_the_schema_is_refused(schema):
    workflow = {
        "name": "x",
        "description": "x",
        "environment": {},
        "scripts": {"prerequest": "", "test": ""},
        "folders": [{"name": "f", "requests": [{"name": "Gone", "request": "DELETE /api/health/", "status": 204}]}],
    }

    with pytest.raises(postman.WorkflowError, match="'Gone': DELETE /api/health/ is not an operation"):
        postman.build(workflow, schema)


def test_request_bodies_come_from_the_schemas_examples_with_the_workflows_fields_on_top(built):
    requests = {item["name"]: item["request"] for folder in built.collection["item"] for item in folder["item"]}

    body = requests["Create a product with two variants"]["body"]["raw"]

    assert '"name": "T-shirt {{run}}"' in body
    assert '"category": {{category_id}}' in body  # an id variable is a number in the body
    assert requests["Health check"]["auth"] == {"type": "noauth"}
