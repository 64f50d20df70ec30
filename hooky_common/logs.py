"""One log line per event: human-readable by default, JSON with --log-format json (HOOKY_LOG_FORMAT)."""
from __future__ import annotations

import json
import logging
import sys
import time

import click

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A JSON object per line: time (UTC), level, logger, message and every `extra` field."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)



def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Route every logger to stderr in the chosen format; quiet urllib3, whose debug lines carry full URLs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def gunicorn_logconfig(log_format: str) -> dict:
    """gunicorn's own loggers through the same formatter, so every line of hooky-api has one format."""
    formatter_config = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hooky": formatter_config},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "hooky", "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
                    "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True}},  # hooky.api.access
    }


def log_format_option(function):
    """--log-format text|json, from HOOKY_LOG_FORMAT."""
    return click.option("--log-format", envvar="HOOKY_LOG_FORMAT", type=click.Choice(FORMATS), default="text",
                        show_default=True, help="One line per event: text for people, json for machines.")(function)
