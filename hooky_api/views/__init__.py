"""Helpers shared by the resource blueprints."""
from __future__ import annotations

import json

from flask import current_app, request
from marshmallow import Schema, ValidationError
from pymongo.database import Database

from hooky_api.schemas import ListQuerySchema
from hooky_common.pages import PageRequest


def db() -> Database:
    return current_app.extensions["hooky_db"]()


def json_body(schema: Schema) -> dict:
    """The request body validated by `schema`; an empty body counts as {}."""
    raw = request.get_data(cache=False)
    if not raw.strip():
        data = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValidationError({"_body": [f"malformed JSON: {error}"]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"_body": ["must be a JSON object"]})
    return schema.load(data)


def page_request(allowed_filters: dict[str, tuple[str, ...] | None]) -> PageRequest:
    """page, limit and filters=key:value,... from the query string; None allows any value."""
    query = ListQuerySchema().load({k: v for k, v in request.args.items() if k in ("page", "limit", "filters")})
    unknown = sorted(set(request.args) - {"page", "limit", "filters"})
    if unknown:
        raise ValidationError({name: ["unknown query parameter"] for name in unknown})
    filters: dict[str, str] = {}
    for pair in filter(None, query["filters"].split(",")):
        key, sep, value = pair.partition(":")
        if not sep or key not in allowed_filters:
            raise ValidationError({"filters": [f"{pair!r}: expected key:value with key in {sorted(allowed_filters)}"]})
        allowed = allowed_filters[key]
        if allowed is not None and value not in allowed:
            raise ValidationError({"filters": [f"{key} must be one of {list(allowed)}"]})
        filters[key] = value
    return PageRequest(page=query["page"], limit=query["limit"], filters=filters)
