"""One place that turns every error into a JSON body {code, message, errors}."""
from __future__ import annotations

from flask import Flask, jsonify
from marshmallow import ValidationError
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from hooky_common.errors import HookyError

DATABASE_RETRY_AFTER_SECONDS = 5


def error_response(status: int, code: str, message: str, errors: dict | None = None):
    response = jsonify({"code": code, "message": message, "errors": errors or {}})
    response.status_code = status
    return response


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"retry.max": ["..."]}."""
    if isinstance(messages, list):
        return {prefix or "_body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if key == "_schema":
            name = prefix or "_body"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and not all(isinstance(k, int) for k in value):
            flat.update(flatten(value, name))
        elif isinstance(value, dict):
            flat[name] = [str(m) for v in value.values() for m in (v if isinstance(v, list) else [v])]
        else:
            flat[name] = [str(m) for m in value] if isinstance(value, list) else [str(value)]
    return flat


def register(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def invalid(error: ValidationError):
        errors = flatten(error.messages)
        summary = "; ".join(f"{field}: {' '.join(problems)}" for field, problems in errors.items())
        return error_response(400, "validation_error", f"invalid input: {summary}", errors)

    @app.errorhandler(HookyError)
    def domain(error: HookyError):
        return error_response(error.status, error.code, error.message, error.errors)

    @app.errorhandler(HTTPException)
    def http(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(error.code or 500, code, error.description or error.name)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(ConnectionFailure)
    def database_down(error: Exception):
        app.logger.error("database unavailable: %s", error)
        response = error_response(503, "database_unavailable", "the database is unreachable; try again shortly")
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error")
        return error_response(500, "internal_error", "internal error; see the server log")

