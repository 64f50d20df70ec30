"""Every input the API accepts, validated by marshmallow before it reaches the database."""
from __future__ import annotations

import json
import re
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from hooky_common import pages, schedule, signing, targets

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$"
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
RESERVED_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

MAX_URL_LENGTH = 2048
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_HEADERS = 50
MAX_HEADER_VALUE_LENGTH = 4096
MAX_TIMEOUT_SECONDS = 300
MAX_IN_FLIGHT = 1000
MAX_RETRY_ATTEMPTS = 100
MAX_RETRY_DELAY_SECONDS = 7 * 24 * 3600
MAX_DELAY_SECONDS = 100 * 365 * 24 * 3600
MAX_PER_SECOND = 10000

name_field = validate.Regexp(NAME_PATTERN, error="must be 1-128 letters, digits, '_', '.' or '-', "
                                                  "not starting with '.' or '-'")


def valid_name(name: str, field: str) -> str:
    """A path segment naming an application, queue or task, checked like the body's name fields."""
    try:
        name_field(name)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return name


class RetrySchema(Schema):
    attempts = fields.Integer(load_only=True)  # a read-only counter: accepted so GET output can be sent back
    maxAttempts = fields.Integer(validate=validate.Range(1, MAX_RETRY_ATTEMPTS))
    factor = fields.Float(validate=validate.Range(1, 10))
    min = fields.Float(validate=validate.Range(0, MAX_RETRY_DELAY_SECONDS))
    max = fields.Float(validate=validate.Range(0, MAX_RETRY_DELAY_SECONDS))

    @validates_schema
    def max_not_below_min(self, data: dict, **_kwargs) -> None:
        if "min" in data and "max" in data and data["max"] < data["min"]:
            raise ValidationError("must not be below min", "max")


class AuthSchema(Schema):
    username = fields.String(load_default="", validate=validate.Length(max=256))
    password = fields.String(load_default="", validate=validate.Length(max=256))


class Payload(fields.Field):
    """A string body; a JSON object or array is accepted too and sent as its JSON text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (dict, list)):
            value = json.dumps(value, separators=(",", ":"))
        if not isinstance(value, str):
            raise ValidationError("must be a string, a JSON object or a JSON array")
        if len(value.encode()) > MAX_PAYLOAD_BYTES:
            raise ValidationError(f"must be at most {MAX_PAYLOAD_BYTES} bytes")
        return value


def no_retry_statuses() -> fields.List:
    """HTTP statuses that end a task's retries at once (e.g. 400, 404, 410)."""
    return fields.List(fields.Integer(validate=validate.Range(100, 599)), validate=validate.Length(max=50))


def validate_headers(headers: dict) -> None:
    if len(headers) > MAX_HEADERS:
        raise ValidationError(f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not HEADER_NAME.match(name):
            raise ValidationError(f"{name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValidationError(f"{name} is set by Hooky itself")
        if len(value) > MAX_HEADER_VALUE_LENGTH or "\r" in value or "\n" in value:
            raise ValidationError(f"value of {name} must be one line of at most {MAX_HEADER_VALUE_LENGTH} characters")


def validate_schedule(spec: str) -> None:
    problem = schedule.validate(spec) if spec else None
    if problem:
        raise ValidationError(problem)


def validate_timezone(name: str) -> None:
    problem = schedule.validate_timezone(name)
    if problem:
        raise ValidationError(problem)


class AwareDateTime(fields.DateTime):
    """An RFC 3339 time that must carry its UTC offset (Z or +hh:mm)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            raise ValidationError("must include a UTC offset, e.g. 2030-01-01T09:00:00Z")
        return moment.astimezone(timezone.utc)


class TargetUrl(fields.Url):
    """An absolute http(s) URL; a literal non-public IP address is refused unless private targets are allowed."""

    def __init__(self, **kwargs):
        super().__init__(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=MAX_URL_LENGTH),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        url = super()._deserialize(value, attr, data, **kwargs)
        problem = None if targets.private_targets_allowed() else targets.literal_address_problem(url)
        if problem:
            raise ValidationError(problem)
        return url


class TaskSchema(Schema):
    name = fields.String(validate=name_field)
    queue = fields.String(validate=name_field)
    url = TargetUrl(required=True)
    method = fields.String(validate=validate.OneOf(METHODS))
    headers = fields.Dict(keys=fields.String(), values=fields.String(), validate=validate_headers)
    secretHeaders = fields.List(fields.String(validate=validate.Length(1, 256)),
                                validate=validate.Length(max=MAX_HEADERS))
    auth = fields.Nested(AuthSchema)
    payload = Payload()
    schedule = fields.String(validate=validate_schedule)
    timezone = fields.String(validate=validate_timezone)
    at = AwareDateTime()
    delay = fields.Float(validate=validate.Range(0, MAX_DELAY_SECONDS))
    retry = fields.Nested(RetrySchema)
    timeout = fields.Integer(validate=validate.Range(1, MAX_TIMEOUT_SECONDS))
    active = fields.Boolean()
    noRetryStatuses = no_retry_statuses()
    onSuccess = TargetUrl()
    onFailure = TargetUrl()

    @validates_schema
    def one_way_to_say_when(self, data: dict, **_kwargs) -> None:
        given = [name for name in ("schedule", "at", "delay") if data.get(name) not in (None, "")]
        if len(given) > 1:
            problem = f"give only one of schedule, at and delay (got {', '.join(given)})"
            raise ValidationError({name: [problem] for name in given})


class TaskPatchSchema(Schema):
    active = fields.Boolean(required=True)


class QueueSchema(Schema):
    retry = fields.Nested(RetrySchema, allow_none=True)
    maxInFlight = fields.Integer(validate=validate.Range(1, MAX_IN_FLIGHT))
    maxPerSecond = fields.Float(allow_none=True, validate=validate.Range(0.001, MAX_PER_SECOND))
    burst = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_PER_SECOND))
    noRetryStatuses = no_retry_statuses()


class AccountCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=200))


class RotateSecretSchema(Schema):
    graceSeconds = fields.Float(load_default=signing.DEFAULT_GRACE_SECONDS, validate=validate.Range(0, 30 * 24 * 3600))


class AccountPatchSchema(Schema):
    name = fields.String(validate=validate.Length(max=200))
    rotateKey = fields.Boolean(load_default=False)


class CallsQuerySchema(Schema):
    minutes = fields.Integer(load_default=60, validate=validate.Range(1, 24 * 60))


class ListQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))
    limit = fields.Integer(load_default=pages.DEFAULT_LIMIT, validate=validate.Range(1, pages.MAX_LIMIT))
    filters = fields.String(load_default="", validate=validate.Length(max=1000))


def clean_retry(data: dict) -> dict:
    """Drop the read-only counter from a retry object."""
    retry = data.get("retry")
    if retry:
        data["retry"] = {k: v for k, v in retry.items() if k != "attempts"} or None
    return data
