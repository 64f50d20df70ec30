"""Render docs/api.md from swagger.yml: `python -m hooky_api.reference > docs/api.md`."""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

SWAGGER_PATH = Path(__file__).resolve().parents[1] / "swagger.yml"
METHODS = ("get", "post", "put", "patch", "delete")


def _body_fields(operation: dict, schemas: dict) -> str:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return ", ".join(f"`{name}`" for name in schema.get("properties", {}))


def render(spec: dict) -> str:
    schemas = spec["components"]["schemas"]
    lines = [
        "# Hooky API reference",
        "",
        "Generated from [`swagger.yml`](../swagger.yml) by `python -m hooky_api.reference`; a test keeps it current.",
        "",
        spec["info"]["description"].strip(),
        "",
    ]
    for path, item in spec["paths"].items():
        for method in (m for m in METHODS if m in item):
            operation = item[method]
            lines.append(f"## `{method.upper()} {path}`")
            lines.append("")
            lines.append(operation["summary"])
            lines.append("")
            if not operation.get("security", spec.get("security")):
                lines.append("No authentication.")
                lines.append("")
            fields = _body_fields(operation, schemas)
            if fields:
                lines.append(f"Body fields: {fields}.")
                lines.append("")
            answers = ", ".join(f"`{code}`" for code in operation["responses"])
            lines.append(f"Answers: {answers}.")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render(yaml.safe_load(SWAGGER_PATH.read_text())))
