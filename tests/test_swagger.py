"""swagger.yml is a valid OpenAPI document listing exactly the operations Flask serves."""
from __future__ import annotations

import re

import yaml
from openapi_spec_validator import validate

from tests.test_isolation import routes


def load_spec(client) -> dict:
    response = client.get("/swagger.yml")
    assert response.status_code == 200
    return yaml.safe_load(response.data)


def test_document_is_valid_openapi(client):
    validate(load_spec(client))


def test_document_and_flask_list_the_same_operations(app, client):
    spec = load_spec(client)
    documented = {(method.upper(), path) for path, item in spec["paths"].items()
                  for method in item if method in ("get", "put", "post", "patch", "delete")}
    served = {(method, re.sub(r"<(\w+)>", lambda m: "{" + m.group(1).replace("account_id", "account") + "}", rule))
              for method, rule in routes(app)}
    assert documented == served
